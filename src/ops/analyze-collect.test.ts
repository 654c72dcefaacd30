/** The snapshot takes only what the cluster serves: a missing CRD is skipped, a list that fails is named. */
import { describe, expect, it } from 'vitest';
import { KubeApiError, type ResourceInfo } from '../clients/kube.js';
import { collectSnapshot } from './analyze-collect.js';

/** An API server serving these group versions and kinds; `failing` kinds answer 403. */
function fakeClient(served: Record<string, string[]>, failing: string[] = [], initialising: string[] = []) {
  const calls: string[] = [];
  const refused = new Set<string>();
  return {
    calls,
    client: {
      resources: async (apiVersion: string): Promise<ResourceInfo[]> => {
        const kinds = served[apiVersion];
        if (!kinds)
          throw new KubeApiError(
            'GET',
            `/apis/${apiVersion}`,
            404,
            'NotFound',
            'the server could not find the requested resource',
          );
        return kinds.map((kind) => ({ name: `${kind.toLowerCase()}s`, namespaced: true, kind }));
      },
      list: async <T>(apiVersion: string, kind: string): Promise<T[]> => {
        calls.push(`${apiVersion} ${kind}`);
        if (initialising.includes(kind) && !refused.has(kind)) {
          refused.add(kind);
          throw new KubeApiError('GET', `/x/${kind}`, 429, 'TooManyRequests', 'storage is (re)initializing');
        }
        if (failing.includes(kind))
          throw new KubeApiError('GET', `/x/${kind}`, 403, 'Forbidden', `${kind} is forbidden`);
        return [{ metadata: { name: `${kind.toLowerCase()}-1`, namespace: 'demo' } }] as T[];
      },
    },
  };
}

describe('analyze snapshot collection', () => {
  it('lists the served kinds with their apiVersion and kind; kinds without a CRD are absent, not errors', async () => {
    const { client, calls } = fakeClient({
      v1: ['Pod', 'Service', 'Node', 'Namespace', 'PersistentVolumeClaim'],
      'apps/v1': ['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet'],
      'external-secrets.io/v1': ['ExternalSecret', 'ClusterSecretStore'],
    });
    const snapshot = await collectSnapshot(client);
    expect(snapshot.pods).toEqual([
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod-1', namespace: 'demo' } },
    ]);
    expect(snapshot.secretStores?.map((o) => o.kind)).toEqual(['ClusterSecretStore']);
    expect(snapshot.externalSecrets?.[0]).toMatchObject({ apiVersion: 'external-secrets.io/v1' });
    // Not served: no list at all (the analyzers read it as not installed), the required ones empty.
    expect(snapshot.certificates).toBeUndefined();
    expect(snapshot.vpas).toBeUndefined();
    expect(snapshot.hpas).toEqual([]);
    expect(snapshot.unlisted).toBeUndefined();
    expect(calls).not.toContain('external-secrets.io/v1 SecretStore');
  });

  it('a served kind that cannot be listed is recorded with why', async () => {
    const { client } = fakeClient(
      { v1: ['Pod', 'Service'], 'cert-manager.io/v1': ['Certificate', 'ClusterIssuer'] },
      ['Certificate'],
    );
    const snapshot = await collectSnapshot(client, ['Certificate']);
    expect(snapshot.unlisted).toEqual([
      { kind: 'Certificate', error: 'GET /x/Certificate: 403 Forbidden: Certificate is forbidden' },
    ]);
    expect(snapshot.issuers?.map((o) => o.kind)).toEqual(['ClusterIssuer']);
  });

  it('--filter lists only what its analyzers read', async () => {
    const { client, calls } = fakeClient({
      v1: ['Pod', 'Service', 'Node', 'Namespace', 'PersistentVolumeClaim'],
      'apps/v1': ['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet'],
    });
    await collectSnapshot(client, ['Node']);
    expect(calls).toEqual(['v1 Node']);
  });

  it("a transient answer (429 while a new CRD's watch cache initialises) is asked again", async () => {
    const { client, calls } = fakeClient(
      { v1: ['Pod', 'Service'], 'external-secrets.io/v1': ['SecretStore'] },
      [],
      ['SecretStore'],
    );
    const pauses: number[] = [];
    const snapshot = await collectSnapshot(client, ['ExternalSecret'], async (ms) => {
      pauses.push(ms);
    });
    expect(snapshot.unlisted).toBeUndefined();
    expect(snapshot.secretStores?.map((o) => o.metadata.name)).toEqual(['secretstore-1']);
    expect(calls.filter((c) => c.endsWith('SecretStore'))).toHaveLength(2);
    expect(pauses).toEqual([500]);
  });
});
