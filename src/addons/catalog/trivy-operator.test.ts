import { describe, expect, it } from 'vitest';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { ADDON_CATALOG } from '../catalog.js';
import { chartFor } from '../charts.js';

const platform = testPlatform();
const clusters = platform.clusters.filter((c) => c.addons.includes('trivy-operator')).map((c) => c.name);
const values = (cluster: string): any => renderAddon('trivy-operator', cluster).values;

describe('trivy-operator', () => {
  it('runs on every cluster, in trivy-system, with a recorded privileged exemption', () => {
    expect(clusters).toEqual(['mgmt', 'app1', 'app2']);
    expect(ADDON_CATALOG['trivy-operator'].namespace).toBe('trivy-system');
    expect(ADDON_CATALOG['trivy-operator'].podSecurity?.level).toBe('privileged');
    expect(platform.podSecurity.exemptions.find((e) => e.namespace === 'trivy-system')?.level).toBe(
      'privileged',
    );
  });

  it.each(clusters)('%s: values use only chart keys, and no extra manifests', (cluster) => {
    const check = checkChartValues(chartFor('trivy-operator')!, values(cluster));
    expect(check.unknownKeys).toEqual([]);
    if (check.hasSchema) expect(check.schemaErrors).toEqual([]);
    expect(renderAddon('trivy-operator', cluster).manifests ?? []).toEqual([]);
  });

  it('sets the seed resources on the operator and requests and limits on scan jobs', () => {
    const v = values('mgmt');
    expect(v.resources).toEqual(RESOURCES['trivy-operator']);
    expect(v.trivy.resources).toEqual(RESOURCES.medium);
  });

  it('limits scan concurrency for a lab', () => {
    const v = values('app1');
    expect(v.operator.scanJobsConcurrentLimit).toBe(2);
    expect(v.operator.scanNodeCollectorLimit).toBe(1);
    expect(v.operator.scanJobTimeout).toBe('10m');
    expect(v.trivy.timeout).toBe('10m0s');
  });

  it('renders deterministically', () => {
    expect(renderAddon('trivy-operator', 'app2')).toEqual(
      renderAddon('trivy-operator', 'app2', testPlatform()),
    );
  });
});
