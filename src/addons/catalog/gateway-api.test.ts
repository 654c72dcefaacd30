import { describe, expect, it } from 'vitest';
import { validateObject } from '../../render/kube-schemas.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';
import type { KubeObject } from '../../kube/objects.js';
import { GATEWAY_API_CRDS } from './gateway-api.js';

const CLUSTERS = ['mgmt', 'app1', 'app2'] as const;
const platform = testPlatform();
const addresses = (name: string) => platform.clusters.find((c) => c.name === name)!.addresses;

interface Listener {
  name: string;
  hostname: string;
  port: number;
  protocol: string;
  tls?: { mode: string; certificateRefs: { kind?: string; name: string; namespace?: string }[] };
  allowedRoutes: { namespaces: { from: string } };
}
interface GatewayObject extends KubeObject {
  spec: {
    gatewayClassName: string;
    infrastructure?: { annotations: Record<string, string> };
    addresses?: unknown;
    listeners: Listener[];
  };
}

const manifests = (cluster: string) => renderAddon('gateway-api', cluster).manifests ?? [];
const find = (cluster: string, kind: string) => manifests(cluster).filter((o) => o.kind === kind);
const gateway = (cluster: string) => find(cluster, 'Gateway')[0] as GatewayObject;

describe('gateway-api', () => {
  it('has no chart: its CRDs come from a pinned upstream bundle, standard channel', () => {
    expect(chartFor('gateway-api')).toBeUndefined();
    expect(GATEWAY_API_CRDS.version).toMatch(/^v1\.6\.\d+$/);
    expect(GATEWAY_API_CRDS.url).toBe(
      `https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_CRDS.version}/standard-install.yaml`,
    );
  });

  it.each(CLUSTERS)('renders only objects that pass their schemas (%s)', (cluster) => {
    expect(manifests(cluster).length).toBeGreaterThan(0);
    for (const object of manifests(cluster)) expect(() => validateObject(object)).not.toThrow();
    expect(manifests(cluster).map((o) => o.kind)).not.toContain('Namespace');
  });

  it.each(CLUSTERS)('has the cilium GatewayClass with Cilium’s controller (%s)', (cluster) => {
    const classes = find(cluster, 'GatewayClass');
    expect(classes).toHaveLength(1);
    expect(classes[0]).toMatchObject({
      apiVersion: 'gateway.networking.k8s.io/v1',
      metadata: { name: 'cilium' },
      spec: { controllerName: 'io.cilium/gateway-controller' },
    });
    expect(classes[0]!.metadata.namespace).toBeUndefined();
  });

  it.each(CLUSTERS)('pins main-gateway’s LoadBalancer to the cluster’s gateway address (%s)', (cluster) => {
    const gw = gateway(cluster);
    expect(gw.metadata).toMatchObject({ name: 'main-gateway', namespace: 'gateway-system' });
    expect(gw.spec.gatewayClassName).toBe('cilium');
    expect(gw.spec.infrastructure).toEqual({
      annotations: { 'metallb.io/loadBalancerIPs': addresses(cluster).services.gateway },
    });
    expect(gw.spec.addresses).toBeUndefined();
  });

  it('uses each cluster’s own address, never another’s', () => {
    const pinned = CLUSTERS.map(
      (c) => gateway(c).spec.infrastructure!.annotations['metallb.io/loadBalancerIPs'],
    );
    expect(pinned).toEqual(['192.168.64.200', '192.168.64.211', '192.168.64.221']);
  });

  it.each(CLUSTERS)('terminates HTTPS with wildcard-tls from gateway-system (%s)', (cluster) => {
    const https = gateway(cluster).spec.listeners.filter((l) => l.protocol === 'HTTPS');
    expect(https.length).toBeGreaterThan(0);
    for (const listener of https) {
      expect(listener.port).toBe(443);
      expect(listener.tls).toEqual({
        mode: 'Terminate',
        certificateRefs: [{ kind: 'Secret', name: 'wildcard-tls', namespace: 'gateway-system' }],
      });
    }
    for (const listener of gateway(cluster).spec.listeners) {
      expect(listener.allowedRoutes).toEqual({ namespaces: { from: 'All' } });
    }
  });

  it('serves *.<cluster>.<domain> everywhere and *.<domain> on the management cluster', () => {
    const names = (cluster: string) =>
      gateway(cluster).spec.listeners.map((l) => `${l.name} ${l.protocol} ${l.port} ${l.hostname}`);
    expect(names('mgmt')).toEqual([
      'http HTTP 80 *.mgmt.local.dev',
      'https HTTPS 443 *.mgmt.local.dev',
      'http-domain HTTP 80 *.local.dev',
      'https-domain HTTPS 443 *.local.dev',
    ]);
    expect(names('app1')).toEqual(['http HTTP 80 *.app1.local.dev', 'https HTTPS 443 *.app1.local.dev']);
    expect(names('app2')).toEqual(['http HTTP 80 *.app2.local.dev', 'https HTTPS 443 *.app2.local.dev']);
  });

  it('follows the spec’s domain', () => {
    const other = testPlatform(
      [
        'apiVersion: platformctl.dev/v1alpha1',
        'kind: Platform',
        'metadata: { name: other }',
        'spec:',
        '  network: { domain: lab.example }',
      ].join('\n'),
    );
    const gw = renderAddon('gateway-api', 'app1', other).manifests!.find(
      (o) => o.kind === 'Gateway',
    ) as GatewayObject;
    expect(gw.spec.listeners.map((l) => l.hostname)).toEqual(['*.app1.lab.example', '*.app1.lab.example']);
  });

  it('renders the same objects twice', () => {
    for (const cluster of CLUSTERS) expect(manifests(cluster)).toEqual(manifests(cluster));
  });
});
