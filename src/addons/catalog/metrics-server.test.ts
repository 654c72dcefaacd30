import { describe, expect, it } from 'vitest';
import { kubeadmInit } from '../../render/kubeadm.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';

const CLUSTERS = ['mgmt', 'app1', 'app2'] as const;
/**
 * values.yaml shows `resources.limits` only in a comment; templates/deployment.yaml copies
 * `.Values.resources` whole into the container (`toYaml`), verified at metrics-server-helm-chart-3.13.1.
 */
const FREE_FORM = ['resources'];
const platform = testPlatform();

interface MetricsServerValues {
  defaultArgs: string[];
  args?: string[];
  resources: unknown;
}
const values = (cluster: string) =>
  renderAddon('metrics-server', cluster).values as unknown as MetricsServerValues;

describe('metrics-server', () => {
  it.each(CLUSTERS)('uses only keys of the pinned chart (%s)', (cluster) => {
    const check = checkChartValues(chartFor('metrics-server')!, values(cluster), FREE_FORM);
    expect(check.unknownKeys).toEqual([]);
    expect(check.schemaErrors).toEqual([]);
  });

  it.each(CLUSTERS)(
    'verifies kubelet certificates and reaches kubelets by InternalIP first (%s)',
    (cluster) => {
      const args = [...values(cluster).defaultArgs, ...(values(cluster).args ?? [])];
      expect(args.filter((a) => a.startsWith('--kubelet-insecure-tls'))).toEqual([]);
      expect(args).not.toContain('--deprecated-kubelet-completely-insecure');
      expect(args).toContain('--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname');
      expect(args).toContain('--kubelet-use-node-status-port');
    },
  );

  it.each(CLUSTERS)('relies on kubelet serving certificates signed by the cluster CA (%s)', (cluster) => {
    // The secure choice only works while kubeadm bootstraps serving certificates.
    const c = platform.clusters.find((x) => x.name === cluster)!;
    expect(kubeadmInit(platform, c)).toMatch(/^serverTLSBootstrap: true$/m);
  });

  it.each(CLUSTERS)('sets requests and limits (%s)', (cluster) => {
    expect(values(cluster).resources).toMatchObject({
      requests: { cpu: expect.any(String), memory: expect.any(String) },
      limits: { cpu: expect.any(String), memory: expect.any(String) },
    });
  });

  it('renders nothing but values, the same twice', () => {
    for (const cluster of CLUSTERS) {
      expect(renderAddon('metrics-server', cluster).manifests).toBeUndefined();
      expect(renderAddon('metrics-server', cluster)).toEqual(renderAddon('metrics-server', cluster));
    }
  });
});
