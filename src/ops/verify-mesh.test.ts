import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/objects.js';
import { renderPlatform } from '../render/index.js';
import { loopbackTwin } from '../render/endpoints.js';
import { templateAddon } from '../test-support/helm-template.js';
import { testPlatform } from '../test-support/render.js';
import { selfSignedCertificate } from '../util/certificates.js';
import type { Obj } from './analyze-model.js';
import {
  meshCaCheck,
  meshChecks,
  meshMembers,
  type MeshObservation,
  observeMesh,
  peerAddresses,
} from './verify-mesh.js';

const base = testPlatform();
const kwok = { ...base, provider: 'kwok' as const };
const b64 = (text: string) => Buffer.from(text).toString('base64');
const pinned = (cluster: string) =>
  base.clusters.find((c) => c.name === cluster)!.addresses.services['clustermesh-apiserver']!;

/** What the real cilium chart renders into a cluster for this platform (its mesh Secrets). */
async function chartSecrets(platform: typeof kwok, cluster: string): Promise<Map<string, Obj>> {
  const result = await templateAddon(platform, renderPlatform(platform), cluster, 'cilium');
  if (result.error) throw new Error(result.error);
  return new Map(
    result.objects
      .filter((o: KubeObject) => o.kind === 'Secret')
      .map((o: KubeObject) => [o.metadata.name, o as unknown as Obj]),
  );
}

const caSecret = (pem: string): Obj =>
  ({ metadata: { name: 'cilium-ca', namespace: 'kube-system' }, data: { 'ca.crt': b64(pem) } }) as Obj;

const apiserverService = (ip: string | undefined): Obj => ({
  metadata: {
    name: 'clustermesh-apiserver',
    namespace: 'kube-system',
    annotations: { 'metallb.io/loadBalancerIPs': ip ?? '' },
  },
  spec: { type: 'LoadBalancer' },
  status: { loadBalancer: { ingress: ip ? [{ ip }] : [] } },
});

let caA: string;
let caB: string;
const rendered = new Map<string, Map<string, Obj>>();

beforeAll(async () => {
  caA = (await selfSignedCertificate({ commonName: 'Cilium CA', organization: 't', years: 1 })).certificate;
  caB = (await selfSignedCertificate({ commonName: 'Cilium CA', organization: 't', years: 1 })).certificate;
  for (const cluster of ['mgmt', 'app1', 'app2']) rendered.set(cluster, await chartSecrets(kwok, cluster));
}, 60_000);

/** Each cluster as a converged platform has it: one CA, the chart's config, its Service on the pinned address. */
function converged(): Map<string, MeshObservation> {
  return new Map(
    ['mgmt', 'app1', 'app2'].map((cluster) => [
      cluster,
      {
        serving: true,
        caSecret: caSecret(caA),
        certificates: [],
        config: rendered.get(cluster)!.get('cilium-kvstoremesh')!,
        apiserver: apiserverService(pinned(cluster)),
      },
    ]),
  );
}

describe('verify: ClusterMesh', () => {
  it('reads the peers from what the real chart renders: the loopback twins of their pinned addresses on kwok', () => {
    const config = rendered.get('app1')!.get('cilium-kvstoremesh')!;
    const data = (config as unknown as { data: Record<string, string> }).data;
    expect(Object.keys(data).sort()).toEqual(['app2', 'mgmt']);
    const text = Buffer.from(data['mgmt']!, 'base64').toString('utf8');
    expect(peerAddresses('mgmt', text)).toEqual([loopbackTwin(kwok.name, pinned('mgmt'))]);
  });

  it('skips a mesh whose Cilium up has not installed yet on a cluster in scope (not built is not broken)', () => {
    const nothing = new Map(['mgmt', 'app1', 'app2'].map((c) => [c, { serving: true }] as const));
    const checks = meshChecks(kwok, nothing, ['mgmt'], (c) => c !== 'mgmt');
    expect(checks.map((c) => `${c.id} ${c.status}`)).toEqual(['mesh.ca skipped', 'mesh.peers.mgmt skipped']);
    expect(checks[0]!.evidence).toBe('Cilium is not installed on mgmt yet (up has not run its release)');
    // Installed, the same missing objects fail.
    expect(meshChecks(kwok, nothing, ['mgmt'], () => true).map((c) => c.status)).toContain('fail');
  });

  it('passes a converged mesh: one CA, every peer at its pinned address and that Service has it', () => {
    const checks = meshChecks(kwok, converged(), ['mgmt', 'app1', 'app2']);
    expect(checks.map((c) => `${c.id} ${c.status}`)).toEqual([
      'mesh.ca pass',
      'mesh.peers.mgmt pass',
      'mesh.peers.app1 pass',
      'mesh.peers.app2 pass',
    ]);
    expect(checks.find((c) => c.id === 'mesh.peers.app1')!.evidence).toContain(
      `mgmt at ${loopbackTwin(kwok.name, pinned('mgmt'))}:2379 (${pinned('mgmt')} on its Service)`,
    );
  });

  it('fails mesh.ca when a cluster has another CA, or none, or a certificate signed by another', () => {
    const observed = converged();
    observed.set('app2', { ...observed.get('app2')!, caSecret: caSecret(caB) });
    const differs = meshCaCheck(['mgmt', 'app1', 'app2'], observed);
    expect(differs.status).toBe('fail');
    expect(differs.evidence).toMatch(/^different CAs: mgmt, app1 [0-9A-F:]+; app2 [0-9A-F:]+$/);

    observed.set('app2', { ...observed.get('app2')!, caSecret: undefined as unknown as Obj });
    delete (observed.get('app2') as { caSecret?: Obj }).caSecret;
    expect(meshCaCheck(['mgmt', 'app1', 'app2'], observed).evidence).toBe(
      'app2: kube-system/cilium-ca is missing',
    );

    const signed = converged();
    signed.set('app1', {
      ...signed.get('app1')!,
      certificates: [
        { metadata: { name: 'clustermesh-apiserver-remote-cert' }, data: { 'ca.crt': b64(caB) } } as Obj,
      ],
    });
    expect(meshCaCheck(['mgmt', 'app1', 'app2'], signed)).toMatchObject({
      status: 'fail',
      evidence: 'app1: clustermesh-apiserver-remote-cert was signed with another CA than cilium-ca',
    });
  });

  it('fails mesh.peers.<cluster> when a peer Service lost its pinned address or the config points elsewhere', () => {
    const observed = converged();
    observed.set('mgmt', { ...observed.get('mgmt')!, apiserver: apiserverService(undefined) });
    const checks = meshChecks(kwok, observed, ['mgmt', 'app1', 'app2']);
    const app1 = checks.find((c) => c.id === 'mesh.peers.app1')!;
    expect(app1.status).toBe('fail');
    expect(app1.evidence).toBe(
      `mgmt: kube-system/clustermesh-apiserver has no address, not the pinned ${pinned('mgmt')}`,
    );
    expect(checks.find((c) => c.id === 'mesh.peers.mgmt')!.status).toBe('pass');

    // app1's configuration rendered for another platform: other loopback twins, not mgmt's.
    const elsewhere = converged();
    const text = `endpoints:\n- https://mgmt.mesh.cilium.io:2379\ncilium-host-aliases:\n- hostname: mgmt.mesh.cilium.io\n  ips:\n    - 127.0.0.9\n`;
    elsewhere.set('app1', {
      ...elsewhere.get('app1')!,
      config: {
        metadata: { name: 'cilium-kvstoremesh' },
        data: {
          mgmt: b64(text),
          app2: (
            rendered.get('app1')!.get('cilium-kvstoremesh') as unknown as { data: Record<string, string> }
          ).data['app2']!,
        },
      } as Obj,
    });
    expect(
      meshChecks(kwok, elsewhere, ['mgmt', 'app1', 'app2']).find((c) => c.id === 'mesh.peers.app1'),
    ).toMatchObject({
      status: 'fail',
      evidence: `mgmt: 127.0.0.9 is not its pinned clustermesh-apiserver address (${pinned('mgmt')})`,
    });
  });

  it('fails a peer that does not serve, and judges no peer outside --cluster', () => {
    const observed = converged();
    observed.set('app2', { serving: false });
    const all = meshChecks(kwok, observed, ['mgmt', 'app1', 'app2']);
    expect(all.find((c) => c.id === 'mesh.peers.app1')).toMatchObject({
      status: 'fail',
      evidence: 'app2: does not serve, its clustermesh-apiserver Service cannot be seen',
    });
    expect(all.find((c) => c.id === 'mesh.peers.app2')!.status).toBe('skipped');
    expect(all.find((c) => c.id === 'mesh.ca')!.status).toBe('warn');

    const scoped = meshChecks(kwok, observed, ['mgmt', 'app1']);
    expect(scoped.map((c) => `${c.id} ${c.status}`)).toEqual([
      'mesh.ca pass',
      'mesh.peers.mgmt pass',
      'mesh.peers.app1 pass',
    ]);
    expect(scoped.find((c) => c.id === 'mesh.peers.app1')!.evidence).toContain(
      'not judged (outside --cluster): app2',
    );
  });

  it('fails a cluster without the mesh configuration', () => {
    const observed = converged();
    observed.set('app1', { serving: true, caSecret: caSecret(caA) });
    expect(
      meshChecks(kwok, observed, ['mgmt', 'app1', 'app2']).find((c) => c.id === 'mesh.peers.app1'),
    ).toMatchObject({ status: 'fail', evidence: expect.stringContaining('no mesh configuration') });
  });

  it('is skipped with the reason when ClusterMesh is off', () => {
    // No cluster with a pinned clustermesh-apiserver address (a pool too small, say).
    const off = {
      ...base,
      clusters: base.clusters.map((c) => ({ ...c, addresses: { ...c.addresses, services: {} } })),
    };
    expect(meshMembers(off)).toEqual([]);
    expect(meshChecks(off, new Map(), ['mgmt', 'app1', 'app2'])).toEqual([
      {
        id: 'mesh.ca',
        status: 'skipped',
        evidence:
          'ClusterMesh is off: fewer than two clusters run Cilium with a pinned clustermesh-apiserver address',
      },
    ]);
  });

  it('observes the Secrets and the Service by their names, leaving out what is missing', async () => {
    const asked: string[] = [];
    const objects = new Map<string, Obj>([
      ['/api/v1/namespaces/kube-system/secrets/cilium-ca', caSecret(caA)],
      [
        '/api/v1/namespaces/kube-system/secrets/cilium-clustermesh',
        { metadata: { name: 'cilium-clustermesh' } },
      ],
    ]);
    const observed = await observeMesh({
      getOptional: <T>(path: string) => {
        asked.push(path);
        return Promise.resolve(objects.get(path) as T | undefined);
      },
    });
    expect(observed).toMatchObject({
      serving: true,
      certificates: [],
      config: { metadata: { name: 'cilium-clustermesh' } },
    });
    expect(observed.apiserver).toBeUndefined();
    expect(asked).toContain('/api/v1/namespaces/kube-system/secrets/cilium-kvstoremesh');
    expect(asked).toContain('/api/v1/namespaces/kube-system/services/clustermesh-apiserver');
  });
});
