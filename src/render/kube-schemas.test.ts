import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/objects.js';
import { validateObject } from './kube-schemas.js';

const issuer = (kubernetes: Record<string, unknown>): KubeObject => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name: 'vault-issuer' },
  spec: { vault: { server: 'https://192.0.2.1:8200', path: 'pki_int/sign/x', auth: { kubernetes } } },
});

describe('validateObject', () => {
  it('accepts cert-manager Vault auth by serviceAccountRef (cert-manager >= 1.12), as its model package does', () => {
    expect(() =>
      validateObject(
        issuer({ role: 'cert-manager', mountPath: '/v1/auth/k', serviceAccountRef: { name: 'sa' } }),
      ),
    ).not.toThrow();
  });

  it('checks required fields through the package', () => {
    expect(() => validateObject(issuer({ serviceAccountRef: { name: 'sa' } }))).toThrow(/role/);
    expect(() => validateObject(issuer({ role: 'r', serviceAccountRef: {} }))).toThrow(/name/);
    const noServer = issuer({ role: 'r', serviceAccountRef: { name: 'sa' } });
    delete (noServer['spec'] as { vault: Record<string, unknown> }).vault['server'];
    expect(() => validateObject(noServer)).toThrow(/server/);
  });

  it('checks ExternalSecrets against the v1 schema ESO 2.x serves', () => {
    const externalSecret = (spec: Record<string, unknown>): KubeObject => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'x', namespace: 'y' },
      spec,
    });
    expect(() =>
      validateObject(externalSecret({ secretStoreRef: { name: 's', kind: 'ClusterSecretStore' }, data: [] })),
    ).not.toThrow();
    expect(() =>
      validateObject(externalSecret({ secretStoreRef: { name: 's', kind: 'Nonsense' }, data: [] })),
    ).toThrow(/kind/);
  });

  it('refuses kinds it has no schema for', () => {
    expect(() =>
      validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ).toThrow(/no schema known/);
  });
});
