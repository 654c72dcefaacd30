import { describe, expect, it } from 'vitest';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { validateObject } from '../../render/kube-schemas.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { chartFor } from '../charts.js';

/** The chart passes `controller.flags` and `dashboard.flags` on as `--name=value` (stable/goldilocks templates). */
const platform = testPlatform();
const clusters = platform.clusters.filter((c) => c.addons.includes('goldilocks')).map((c) => c.name);
const values = (cluster: string): any => renderAddon('goldilocks', cluster).values;
const route = (cluster: string, p = platform): any => renderAddon('goldilocks', cluster, p).manifests![0];

describe('goldilocks', () => {
  it('runs on every cluster', () => {
    expect(clusters).toEqual(['mgmt', 'app1', 'app2']);
  });

  it.each(clusters)('%s: values use only chart keys and the route passes its schema', (cluster) => {
    const rendered = renderAddon('goldilocks', cluster);
    const check = checkChartValues(chartFor('goldilocks')!, rendered.values);
    expect(check.unknownKeys).toEqual([]);
    if (check.hasSchema) expect(check.schemaErrors).toEqual([]);
    expect(rendered.manifests).toHaveLength(1);
    for (const m of rendered.manifests!) expect(() => validateObject(m)).not.toThrow();
  });

  it('exposes the dashboard at goldilocks.<cluster>.<domain> through main-gateway, per cluster', () => {
    for (const cluster of clusters) {
      const r = route(cluster);
      expect(r.kind).toBe('HTTPRoute');
      expect(r.metadata.namespace).toBe('goldilocks');
      expect(r.spec.hostnames).toEqual([`goldilocks.${cluster}.local.dev`]);
      expect(r.spec.parentRefs).toEqual([
        { name: 'main-gateway', namespace: 'gateway-system', sectionName: 'https' },
      ]);
      expect(r.spec.rules[0].backendRefs).toEqual([{ name: 'goldilocks-dashboard', port: 80 }]);
    }
    // The Service name the route points at is fixed by fullnameOverride.
    expect(values('mgmt').fullnameOverride).toBe('goldilocks');
    expect(values('mgmt').dashboard.httpRoute.enabled).toBe(false);
  });

  it('renders no route when gateway-api is disabled', () => {
    const spec =
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec:\n  addons:\n    gateway-api: { enabled: false }\n';
    const p = testPlatform(spec);
    expect(renderAddon('goldilocks', 'app1', p).manifests).toEqual([]);
  });

  it('uses the platform VPA and metrics-server, recommends for every namespace, and sizes its pods', () => {
    const v = values('app1');
    expect(v.vpa.enabled).toBe(false);
    expect(v['metrics-server'].enabled).toBe(false);
    expect(v.controller.flags['on-by-default']).toBe('true');
    expect(v.dashboard.replicaCount).toBe(1);
    expect(v.controller.resources).toEqual(RESOURCES.small);
    expect(v.dashboard.resources).toEqual(RESOURCES.small);
  });

  it('renders deterministically', () => {
    expect(renderAddon('goldilocks', 'app2')).toEqual(renderAddon('goldilocks', 'app2', testPlatform()));
  });
});
