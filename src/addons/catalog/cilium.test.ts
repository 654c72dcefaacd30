import { describe, expect, it } from 'vitest';
import { API_PORT } from '../../render/kubeadm.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';
import { KUBE_API_PORT } from './cilium.js';

const CLUSTERS = ['mgmt', 'app1', 'app2'] as const;
const platform = testPlatform();
const addresses = (name: string) => platform.clusters.find((c) => c.name === name)!.addresses;

// Typed views of the rendered values, for reading them in assertions.
interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}
interface CiliumValues {
  [key: string]: unknown;
  cluster: { name: string; id: number };
  ipam: { mode: string };
  resources: Resources;
  initResources: Resources;
  cni: { resources: Resources };
  envoy: { resources: Resources };
  operator: { replicas: number; resources: Resources };
  certgen: { generateCA: boolean; resources: Resources };
  hubble: {
    enabled: boolean;
    tls: { auto: { enabled: boolean; method: string } };
    relay: { enabled: boolean; resources: Resources };
    ui: { enabled: boolean; frontend: { resources: Resources }; backend: { resources: Resources } };
  };
  gatewayAPI: { enabled: boolean; gatewayClass?: { create: boolean } };
  clustermesh: {
    useAPIServer: boolean;
    config?: { enabled: boolean; clusters: Record<string, { ips: string[]; port: number }> };
    apiserver?: {
      service: { type: string; annotations: Record<string, string> };
      tls: {
        authMode: string;
        auto: { enabled: boolean; method: string; server: { extraIpAddresses: string[] } };
      };
      resources: Resources;
      etcd: { resources: Resources; init: { resources: Resources } };
      kvstoremesh: { resources: Resources };
    };
  };
}

const values = (cluster: string, p = platform) => renderAddon('cilium', cluster, p).values as CiliumValues;

/** Every `resources` object in the values, with its path. */
function allResources(value: unknown, path: string[] = []): [string, unknown][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === 'resources' || key === 'initResources'
      ? [[[...path, key].join('.'), child] as [string, unknown]]
      : allResources(child, [...path, key]),
  );
}

describe('cilium', () => {
  it.each(CLUSTERS)('uses only keys of the pinned chart and passes its schema (%s)', (cluster) => {
    const check = checkChartValues(chartFor('cilium')!, values(cluster));
    expect(check.unknownKeys).toEqual([]);
    expect(check.hasSchema).toBe(true);
    expect(check.schemaErrors).toEqual([]);
  });

  it.each(CLUSTERS)('tunnels with VXLAN through the 1.15+ keys, not the removed `tunnel` (%s)', (cluster) => {
    const v = values(cluster);
    expect(v.routingMode).toBe('tunnel');
    expect(v.tunnelProtocol).toBe('vxlan');
    expect(v).not.toHaveProperty('tunnel');
    expect(v.ipam.mode).toBe('kubernetes');
  });

  it.each(CLUSTERS)('replaces kube-proxy and reaches the API through the cluster VIP (%s)', (cluster) => {
    const v = values(cluster);
    expect(v.kubeProxyReplacement).toBe(true);
    expect(v.k8sServiceHost).toBe(addresses(cluster).api);
    expect(v.k8sServicePort).toBe(API_PORT);
    expect(KUBE_API_PORT).toBe(API_PORT);
  });

  it('names each cluster and gives it its spec id', () => {
    for (const cluster of platform.clusters) {
      expect(values(cluster.name).cluster).toEqual({ name: cluster.name, id: cluster.id });
    }
    expect(new Set(CLUSTERS.map((c) => values(c).cluster.id)).size).toBe(CLUSTERS.length);
  });

  it.each(CLUSTERS)('runs Hubble with relay and UI (%s)', (cluster) => {
    const { hubble } = values(cluster);
    expect(hubble.enabled).toBe(true);
    expect(hubble.relay.enabled).toBe(true);
    expect(hubble.ui.enabled).toBe(true);
  });

  it.each(CLUSTERS)(
    'never renders a CA: certgen signs with the shared pre-created cilium-ca (%s)',
    (cluster) => {
      const v = values(cluster);
      expect(v.certgen.generateCA).toBe(false);
      expect(v.hubble.tls.auto).toEqual({ enabled: true, method: 'cronJob' });
      expect(v.clustermesh.apiserver!.tls.auto.method).toBe('cronJob');
      expect(v.clustermesh.apiserver!.tls.authMode).toBe('cluster');
      // No CA or key material, and no Helm-generated certificates anywhere.
      expect(v).not.toHaveProperty('tls');
      const text = JSON.stringify(v);
      expect(text).not.toContain('BEGIN');
      expect(text).not.toContain('"method":"helm"');
    },
  );

  it.each(CLUSTERS)('exposes its clustermesh-apiserver on its own pinned MetalLB address (%s)', (cluster) => {
    const { clustermesh } = values(cluster);
    const pinned = addresses(cluster).services['clustermesh-apiserver']!;
    expect(pinned).toBeDefined();
    expect(clustermesh.useAPIServer).toBe(true);
    expect(clustermesh.apiserver!.service).toEqual({
      type: 'LoadBalancer',
      annotations: { 'metallb.io/loadBalancerIPs': pinned },
    });
    expect(clustermesh.apiserver!.tls.auto.server.extraIpAddresses).toEqual([pinned]);
  });

  it('lists exactly the other clusters, by their pinned clustermesh-apiserver addresses', () => {
    expect(values('mgmt').clustermesh.config).toEqual({
      enabled: true,
      clusters: {
        app1: { ips: ['192.168.64.212'], port: 2379 },
        app2: { ips: ['192.168.64.222'], port: 2379 },
      },
    });
    for (const cluster of CLUSTERS) {
      const peers = values(cluster).clustermesh.config!.clusters;
      expect(Object.keys(peers).sort()).toEqual(CLUSTERS.filter((c) => c !== cluster).sort());
      for (const [peer, entry] of Object.entries(peers)) {
        expect(entry.ips).toEqual([addresses(peer).services['clustermesh-apiserver']]);
      }
    }
  });

  it('meshes a fourth cluster with all three others', () => {
    const four = testPlatform(
      [
        'apiVersion: platformctl.dev/v1alpha1',
        'kind: Platform',
        'metadata: { name: four }',
        'spec:',
        '  host: { cpus: 16, memoryGiB: 96, diskGiB: 1000 }',
        '  clusters:',
        '    - { name: mgmt, role: management }',
        '    - { name: app1, role: workload }',
        '    - { name: app2, role: workload }',
        '    - { name: app3, role: workload, id: 4, podCIDR: 10.103.0.0/16, serviceCIDR: 10.99.0.0/16, loadBalancerPool: 192.168.64.231-192.168.64.240 }',
      ].join('\n'),
    );
    const app3 = values('app3', four);
    expect(app3.cluster).toEqual({ name: 'app3', id: 4 });
    expect(Object.keys(app3.clustermesh.config!.clusters)).toEqual(['mgmt', 'app1', 'app2']);
    expect(Object.keys(values('mgmt', four).clustermesh.config!.clusters)).toEqual(['app1', 'app2', 'app3']);
    expect(app3.clustermesh.apiserver!.service.annotations).toEqual({
      'metallb.io/loadBalancerIPs': '192.168.64.232',
    });
  });

  it('enables the Gateway API controller only where the gateway-api add-on runs', () => {
    for (const cluster of CLUSTERS) {
      // The GatewayClass belongs to the gateway-api add-on, not to the chart.
      expect(values(cluster).gatewayAPI).toEqual({ enabled: true, gatewayClass: { create: false } });
    }
    const partial = testPlatform(
      [
        'apiVersion: platformctl.dev/v1alpha1',
        'kind: Platform',
        'metadata: { name: partial }',
        'spec:',
        '  addons:',
        '    gateway-api: { clusters: [mgmt, app1] }',
      ].join('\n'),
    );
    expect(values('app1', partial).gatewayAPI.enabled).toBe(true);
    expect(values('app2', partial).gatewayAPI).toEqual({ enabled: false });
  });

  it.each(CLUSTERS)('leaves LoadBalancer addresses to MetalLB (%s)', (cluster) => {
    expect(values(cluster).enableLBIPAM).toBe(false);
  });

  it.each(CLUSTERS)('sets requests and limits on every component it runs (%s)', (cluster) => {
    const v = values(cluster);
    const found = allResources(v);
    expect(found.map(([path]) => path).sort()).toEqual(
      [
        'certgen.resources',
        'clustermesh.apiserver.etcd.init.resources',
        'clustermesh.apiserver.etcd.resources',
        'clustermesh.apiserver.kvstoremesh.resources',
        'clustermesh.apiserver.resources',
        'cni.resources',
        'envoy.resources',
        'hubble.relay.resources',
        'hubble.ui.backend.resources',
        'hubble.ui.frontend.resources',
        'initResources',
        'operator.resources',
        'resources',
      ].sort(),
    );
    for (const [path, resources] of found) {
      expect(resources, path).toMatchObject({
        requests: { cpu: expect.any(String), memory: expect.any(String) },
        limits: { cpu: expect.any(String), memory: expect.any(String) },
      });
    }
    expect(v.operator.replicas).toBe(2);
  });

  it('renders the same values twice', () => {
    for (const cluster of CLUSTERS) {
      expect(renderAddon('cilium', cluster)).toEqual(renderAddon('cilium', cluster));
      expect(JSON.stringify(values(cluster))).toBe(JSON.stringify(values(cluster)));
    }
  });
});
