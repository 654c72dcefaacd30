import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderPlatform } from '../render/index.js';
import { testPlatform } from '../test-support/render.js';
import type { Obj, ShippingTarget } from './analyze-model.js';
import { classifyHost, shippingSources, type ShippingSource } from './analyze-shipping.js';
import { endpointChecks, endpointTargetOf, observeVaultClients, vaultSources } from './verify-endpoints.js';

const kwok = { ...testPlatform(), provider: 'kwok' as const };
const tree = new Map(renderPlatform(kwok).map((a) => [a.path, a.content]));
const mgmt = kwok.clusters.find((c) => c.name === 'mgmt')!;
const app1 = kwok.clusters.find((c) => c.name === 'app1')!;

const objectsOf = (path: string) => parseAllDocuments(tree.get(path)!).map((d) => d.toJS() as Obj);

/** What app1's rendered stores and issuers say: the live objects of a converged platform. */
const vaultClients = [
  ...objectsOf('clusters/app1/addons/external-secrets/manifests.yaml'),
  ...objectsOf('clusters/app1/addons/cert-manager/manifests.yaml'),
];

const service = (name: string, namespace: string, ip: string | undefined): Obj => ({
  metadata: { name, namespace, annotations: ip ? { 'metallb.io/loadBalancerIPs': ip } : {} },
  spec: { type: 'LoadBalancer' },
  status: { loadBalancer: { ingress: ip ? [{ ip }] : [] } },
});

/** mgmt's LoadBalancer Services on their pinned addresses, as the simulation (or MetalLB) assigns them. */
const mgmtServices = (without?: string): Obj[] =>
  (['vault', 'thanos-receive', 'loki', 'tempo'] as const).map((s) =>
    service(s, s, s === without ? undefined : mgmt.addresses.services[s]),
  );

/** What Project does with the sources: each host named, the Services of the cluster it belongs to. */
function targets(sources: readonly ShippingSource[], services: Obj[] | undefined): ShippingTarget[] {
  return sources.map((source) => {
    const names = classifyHost(kwok, source.host);
    if (names.kind === 'pinned') return { ...source, names: { ...names, ...(services ? { services } : {}) } };
    if (names.kind === 'dns')
      return { ...source, names: { kind: 'dns', resolved: false, error: 'ENOTFOUND' } };
    return { ...source, names };
  });
}

const sourcesOfApp1 = () => [...shippingSources('app1', tree, () => true), ...vaultSources(vaultClients)];

describe('verify: the cross-cluster endpoints of a workload cluster', () => {
  it('reads where the secret stores and Vault issuers point, and names each dependency', () => {
    const sources = vaultSources(vaultClients);
    expect(sources.map((s) => s.source).sort()).toEqual([
      'ClusterIssuer vault-issuer',
      'ClusterSecretStore vault-backend',
    ]);
    expect(new Set(sources.map((s) => s.url))).toEqual(new Set([`https://${sources[0]!.host}:8200`]));
    expect(shippingSources('app1', tree, () => true).map((s) => endpointTargetOf(s.source))).toEqual([
      'thanos-receive',
      'loki',
      'otlp',
    ]);
  });

  it('passes when every address names a LoadBalancer Service of mgmt that holds the pinned address', () => {
    const checks = endpointChecks('app1', targets(sourcesOfApp1(), mgmtServices()), [], app1.addons);
    expect(checks.map((c) => `${c.id} ${c.status}`)).toEqual([
      'endpoints.app1.vault pass',
      'endpoints.app1.thanos-receive pass',
      'endpoints.app1.loki pass',
      'endpoints.app1.otlp pass',
    ]);
    expect(checks[0]!.evidence).toContain(`(mgmt vault, pinned ${mgmt.addresses.services.vault})`);
  });

  it('fails the dependency whose Service lost its address, and every one when mgmt is not observed', () => {
    const lost = endpointChecks('app1', targets(sourcesOfApp1(), mgmtServices('loki')), [], app1.addons);
    expect(lost.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['endpoints.app1.loki']);
    expect(lost.find((c) => c.id === 'endpoints.app1.loki')!.evidence).toContain(
      `is the pinned address of loki on mgmt (${mgmt.addresses.services.loki}), but no LoadBalancer Service there holds it`,
    );

    const down = endpointChecks('app1', targets(sourcesOfApp1(), undefined), [], app1.addons);
    expect(down.every((c) => c.status === 'fail')).toBe(true);
    expect(down[0]!.evidence).toContain('mgmt does not serve, so its vault Service');
  });

  it('fails a name that does not resolve, warns about an address outside the platform, skips what nothing names yet', () => {
    const checks = endpointChecks(
      'app1',
      targets(
        [
          {
            source: 'prometheus remote-write',
            url: 'http://thanos.example.invalid/api/v1/receive',
            host: 'thanos.example.invalid',
          },
          { source: 'promtail client', url: 'http://10.9.8.7:3100/loki/api/v1/push', host: '10.9.8.7' },
        ],
        mgmtServices(),
      ),
      [],
      app1.addons,
    );
    const by = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(by['endpoints.app1.thanos-receive']).toMatchObject({
      status: 'fail',
      evidence: 'prometheus remote-write: thanos.example.invalid does not resolve (ENOTFOUND)',
    });
    expect(by['endpoints.app1.loki']!.status).toBe('warn');
    expect(by['endpoints.app1.vault']).toMatchObject({
      status: 'skipped',
      evidence: 'external-secrets, cert-manager: nothing installed names it yet',
    });
  });

  it('observes the stores and issuers where their CRDs are served, none where they are not', async () => {
    const found = await observeVaultClients({
      list: <T>(apiVersion: string, kind: string) =>
        kind === 'ClusterSecretStore'
          ? Promise.resolve([vaultClients.find((o) => o.kind === 'ClusterSecretStore')!] as T[])
          : Promise.reject(new Error(`the API server does not serve ${kind} in ${apiVersion}`)),
    });
    expect(found.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual(['ClusterSecretStore vault-backend']);
  });
});
