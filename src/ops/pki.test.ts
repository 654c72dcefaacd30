import { describe, expect, it } from 'vitest';

import { KubeApiError, type KubeClient } from '../clients/kube.js';
import { selfSignedCertificate } from '../util/certificates.js';
import { pkiCheck } from './pki.js';

const ready = (status: string, extra: Record<string, unknown> = {}) => ({
  type: 'Ready',
  status,
  ...extra,
});

/**
 * A scripted stand-in for one cluster's API (the real one runs in e2e/pki.e2e.test.ts): objects
 * by path, and a Certificate the test creates turns Ready with `issued` as its Secret.
 */
function cluster(objects: Record<string, unknown>, issued?: string) {
  const store = new Map(Object.entries(objects));
  const deleted: string[] = [];
  const client = {
    async get(path: string) {
      if (path === '/apis/cert-manager.io/v1/certificates')
        return {
          items: [...store].filter(([p]) => /\/certificates\/[^/]+$/.test(p)).map(([, o]) => o),
        };
      return store.get(path);
    },
    async getOptional(path: string) {
      return store.get(path);
    },
    async create(object: { metadata: { name: string; namespace: string }; spec: { secretName: string } }) {
      const { name, namespace } = object.metadata;
      store.set(`/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/${name}`, {
        ...object,
        status: issued
          ? { conditions: [ready('True')] }
          : { conditions: [ready('False', { reason: 'Pending' })] },
      });
      if (issued)
        store.set(`/api/v1/namespaces/${namespace}/secrets/${object.spec.secretName}`, {
          data: { 'tls.crt': Buffer.from(issued).toString('base64') },
        });
      return object;
    },
    async delete(apiVersion: string, kind: string, name: string, namespace?: string) {
      deleted.push(`${kind} ${namespace}/${name}`);
      for (const path of [...store.keys()]) if (path.endsWith(`/${name}`)) store.delete(path);
      return true;
    },
  };
  return { client: client as unknown as KubeClient, deleted, store };
}

const readyIssuer = { metadata: { name: 'vault-issuer' }, status: { conditions: [ready('True')] } };
const bootstrapIssuer = {
  metadata: { name: 'selfsigned-bootstrap' },
  status: { conditions: [ready('True')] },
};
const certificate = (name: string, issuer: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, namespace: 'vault' },
  spec: {
    secretName: name,
    issuerRef: { name: issuer, kind: issuer === 'vault-issuer' ? 'ClusterIssuer' : 'Issuer' },
  },
  status: {
    conditions: [ready('True')],
    notAfter: '2027-01-01T00:00:00Z',
    renewalTime: '2026-12-20T00:00:00Z',
  },
  ...extra,
});

describe('pki check', () => {
  it('is phase 1 while the bootstrap issuer and a certificate referencing it remain', async () => {
    const { client } = cluster({
      '/apis/cert-manager.io/v1/clusterissuers/vault-issuer': readyIssuer,
      '/apis/cert-manager.io/v1/clusterissuers/selfsigned-bootstrap': bootstrapIssuer,
      '/apis/cert-manager.io/v1/namespaces/vault/certificates/vault-bootstrap-ca': certificate(
        'vault-bootstrap-ca',
        'selfsigned-bootstrap',
      ),
    });
    const report = await pkiCheck({
      clusters: [{ name: 'mgmt', client, domain: 'local.dev' }],
      testCertificate: false,
      now: new Date('2026-12-07T00:00:00Z'),
    });
    expect(report.ok).toBe(false);
    expect(report.phase).toBe(1);
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(status).toEqual({
      'pki.mgmt.vault-issuer': 'pass',
      'pki.mgmt.bootstrap-issuer-removed': 'fail',
      'pki.mgmt.no-bootstrap-certificates': 'fail',
      'pki.mgmt.certificates-ready': 'pass',
    });
    expect(report.checks.find((c) => c.id === 'pki.mgmt.no-bootstrap-certificates')?.evidence).toBe(
      'vault/vault-bootstrap-ca references selfsigned-bootstrap',
    );
    expect(report.certificates).toEqual([
      expect.objectContaining({
        name: 'vault-bootstrap-ca',
        issuerRef: 'Issuer/selfsigned-bootstrap',
        ready: true,
      }),
    ]);
  });

  it('warns about a certificate inside its renew window and fails on one that is not Ready', async () => {
    const { client } = cluster({
      '/apis/cert-manager.io/v1/clusterissuers/vault-issuer': readyIssuer,
      '/apis/cert-manager.io/v1/namespaces/vault/certificates/a': certificate('a', 'vault-issuer'),
    });
    const late = await pkiCheck({
      clusters: [{ name: 'app1', client, domain: 'local.dev' }],
      testCertificate: false,
      now: new Date('2026-12-21T00:00:00Z'),
    });
    expect(late.checks.find((c) => c.id === 'pki.app1.certificates-ready')).toMatchObject({
      status: 'warn',
      evidence: expect.stringContaining('renewal was due 2026-12-20'),
    });
    expect(late.ok).toBe(true);
    expect(late.phase).toBe(2);
    const { client: broken } = cluster({
      '/apis/cert-manager.io/v1/clusterissuers/vault-issuer': readyIssuer,
      '/apis/cert-manager.io/v1/namespaces/vault/certificates/b': certificate('b', 'vault-issuer', {
        status: { conditions: [ready('False', { reason: 'Failed', message: 'permission denied' })] },
      }),
    });
    const failing = await pkiCheck({
      clusters: [{ name: 'app1', client: broken, domain: 'x' }],
      testCertificate: false,
    });
    expect(failing.checks.find((c) => c.id === 'pki.app1.certificates-ready')).toMatchObject({
      status: 'fail',
      evidence: 'not Ready: vault/b (Ready is False (Failed: permission denied))',
    });
    // Ready by the condition of type Ready wherever it is (correction 20), for the current generation.
    const { client: stale } = cluster({
      '/apis/cert-manager.io/v1/clusterissuers/vault-issuer': {
        metadata: { name: 'vault-issuer', generation: 2 },
        status: {
          conditions: [{ type: 'Other', status: 'False' }, ready('True', { observedGeneration: 1 })],
        },
      },
    });
    const old = await pkiCheck({
      clusters: [{ name: 'app1', client: stale, domain: 'x' }],
      testCertificate: false,
    });
    expect(old.checks.find((c) => c.id === 'pki.app1.vault-issuer')?.evidence).toBe(
      'ClusterIssuer vault-issuer: Ready condition is for generation 1 of 2',
    );
  });

  it('issues a test certificate, checks who signed it, and removes it with its Secret', async () => {
    const intermediate = await selfSignedCertificate({
      commonName: 'Platform Intermediate CA',
      organization: 't',
      years: 1,
    });
    const other = await selfSignedCertificate({ commonName: 'Someone Else', organization: 't', years: 1 });
    const objects = { '/apis/cert-manager.io/v1/clusterissuers/vault-issuer': readyIssuer };

    const good = cluster(objects, intermediate.certificate);
    const pass = await pkiCheck({
      clusters: [{ name: 'app2', client: good.client, domain: 'local.dev' }],
      authorities: { intermediate: intermediate.certificate },
    });
    expect(pass.checks.find((c) => c.id === 'pki.app2.test-certificate')).toMatchObject({
      status: 'pass',
      evidence: expect.stringMatching(
        /^pki-check\.app2\.local\.dev issued in .* by Platform Intermediate CA/,
      ),
    });
    expect(good.deleted).toEqual([
      expect.stringMatching(/^Certificate cert-manager\/platformctl-pki-check-/),
      expect.stringMatching(/^Secret cert-manager\/platformctl-pki-check-/),
    ]);
    expect([...good.store.keys()].some((p) => p.includes('pki-check'))).toBe(false);

    const wrong = cluster(objects, other.certificate);
    const fail = await pkiCheck({
      clusters: [{ name: 'app2', client: wrong.client, domain: 'local.dev' }],
      authorities: { intermediate: intermediate.certificate },
    });
    expect(fail.checks.find((c) => c.id === 'pki.app2.test-certificate')).toMatchObject({
      status: 'fail',
      evidence: "issued by Someone Else, not by Vault's intermediate CA Platform Intermediate CA",
    });
    expect(fail.authorities).toEqual([
      expect.objectContaining({ name: 'intermediate', subject: 'Platform Intermediate CA' }),
    ]);
  });

  it('fails a test certificate that never turns Ready, and still removes it', async () => {
    const never = cluster({ '/apis/cert-manager.io/v1/clusterissuers/vault-issuer': readyIssuer });
    const report = await pkiCheck({
      clusters: [{ name: 'app1', client: never.client, domain: 'local.dev' }],
      timeoutMs: 600,
    });
    expect(report.checks.find((c) => c.id === 'pki.app1.test-certificate')).toMatchObject({
      status: 'fail',
      evidence: expect.stringMatching(/^not Ready within \ds: Ready is False \(Pending\)$/),
    });
    expect(never.deleted).toHaveLength(2);
  });

  it('reports a cluster whose cert-manager API is not served as a failed check, and still checks the others', async () => {
    const { client: good } = cluster({ '/apis/cert-manager.io/v1/clusterissuers/vault-issuer': readyIssuer });
    const unserved = {
      async getOptional() {
        return undefined;
      },
      async get(path: string) {
        throw new KubeApiError(
          'GET',
          path,
          404,
          'NotFound',
          'the server could not find the requested resource',
        );
      },
    } as unknown as KubeClient;
    const report = await pkiCheck({
      clusters: [
        { name: 'app1', client: unserved, domain: 'local.dev' },
        { name: 'app2', client: good, domain: 'local.dev' },
      ],
      testCertificate: false,
    });
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.id === 'pki.app1.api')).toEqual({
      id: 'pki.app1.api',
      status: 'fail',
      evidence: "cert-manager's API is not served on this cluster (is its release installed?)",
    });
    expect(report.checks.find((c) => c.id === 'pki.app2.certificates-ready')?.status).toBe('pass');
  });
});
