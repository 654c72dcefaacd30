import { describe, expect, it } from 'vitest';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { renderContext } from '../../render/context.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { chartFor } from '../charts.js';
import { optInUpdateMode } from './vpa.js';

/**
 * Every `recommender.extraArgs` entry becomes `--key=value` (stable/vpa/templates/recommender-deployment.yaml
 * in FairwindsOps/charts at vpa 5.0.0); `oom-bump-up-ratio` and `container-recommendation-max-allowed-memory`
 * are recommender flags of VPA 1.7 (vertical-pod-autoscaler/pkg/recommender/config/config.go).
 */
const FREE_FORM = ['recommender.extraArgs'];
const platform = testPlatform();
const clusters = platform.clusters.filter((c) => c.addons.includes('vpa')).map((c) => c.name);
const values = (cluster: string): any => renderAddon('vpa', cluster).values;

describe('vpa', () => {
  it('runs on every cluster', () => {
    expect(clusters).toEqual(['mgmt', 'app1', 'app2']);
  });

  it.each(clusters)('%s: values use only chart keys, and no extra manifests', (cluster) => {
    const check = checkChartValues(chartFor('vpa')!, values(cluster), FREE_FORM);
    expect(check.unknownKeys).toEqual([]);
    if (check.hasSchema) expect(check.schemaErrors).toEqual([]);
    expect(renderAddon('vpa', cluster).manifests ?? []).toEqual([]);
  });

  it('runs recommender, updater and admission controller: resizing is VPA’s job (ADR-002)', () => {
    const v = values('app1');
    expect(v.recommender.enabled).toBe(true);
    expect(v.updater.enabled).toBe(true);
    expect(v.admissionController.enabled).toBe(true);
    // Single-replica lab workloads can be resized; OOM kills raise memory by 25% (seed §14.4 intent).
    expect(v.updater.extraArgs['min-replicas']).toBe('1');
    expect(v.recommender.extraArgs['oom-bump-up-ratio']).toBe('1.25');
    expect(v.recommender.extraArgs['container-recommendation-max-allowed-memory']).toBe('2Gi');
    expect(v['metrics-server'].enabled).toBe(false);
  });

  it('sets requests and limits on every component', () => {
    const v = values('mgmt');
    expect(v.recommender.resources).toEqual(RESOURCES.medium);
    for (const r of [
      v.updater.resources,
      v.admissionController.resources,
      v.admissionController.certGen.resources,
    ])
      expect(r).toEqual(RESOURCES.small);
  });

  it('opt-in update mode follows the feature-gate profile: Recreate by default, in place with the full profile', () => {
    const mgmt = (p = platform) => renderContext(p, p.clusters[0]!);
    expect(optInUpdateMode(mgmt())).toBe('Recreate');
    const full = testPlatform(
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec:\n  kubernetes: { version: v1.35.0, featureGateProfile: full }\n',
    );
    expect(optInUpdateMode(mgmt(full))).toBe('InPlaceOrRecreate');
  });

  it('caps recommendations at the seed’s 2Gi, or less on smaller workers', () => {
    const small = testPlatform(
      [
        'apiVersion: platformctl.dev/v1alpha1',
        'kind: Platform',
        'metadata: { name: x }',
        'spec:',
        '  clusters:',
        '    - { name: mgmt, role: management, id: 1, controlPlane: { count: 1, cpus: 2, memoryGiB: 4, diskGiB: 40 }, workers: { count: 1, cpus: 2, memoryGiB: 6, diskGiB: 50 }, podCIDR: 10.100.0.0/16, serviceCIDR: 10.96.0.0/16, loadBalancerPool: 192.168.64.200-192.168.64.210 }',
        '    - { name: app1, role: workload, id: 2, controlPlane: { count: 1, cpus: 2, memoryGiB: 3, diskGiB: 30 }, workers: { count: 1, cpus: 2, memoryGiB: 1, diskGiB: 40 }, podCIDR: 10.101.0.0/16, serviceCIDR: 10.97.0.0/16, loadBalancerPool: 192.168.64.211-192.168.64.220 }',
        '',
      ].join('\n'),
    );
    const v = renderAddon('vpa', 'app1', small).values as any;
    expect(v.recommender.extraArgs['container-recommendation-max-allowed-memory']).toBe('1Gi');
  });

  it('renders deterministically', () => {
    expect(renderAddon('vpa', 'app2')).toEqual(renderAddon('vpa', 'app2', testPlatform()));
  });
});
