import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectLayout } from '../project/layout.js';
import { tempDir } from '../test-support/cli.js';
import { CredentialStore, generateAuthority, generatePassword } from './credentials.js';

describe('CredentialStore', () => {
  it('generates each credential once, keeps it 0600 in a 0700 directory, and returns the same value later', async () => {
    const layout = projectLayout(tempDir());
    const store = new CredentialStore(layout, 'lab');
    const first = await store.ensure({ passwords: ['minio/root', 'grafana/admin'], authorities: [] });
    expect(first.passwords['minio/root']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first.passwords['minio/root']).not.toBe(first.passwords['grafana/admin']);
    expect(statSync(layout.secretFile('credentials')).mode & 0o777).toBe(0o600);
    expect(statSync(layout.secretsDir).mode & 0o777).toBe(0o700);
    const again = await new CredentialStore(layout, 'lab').ensure({
      passwords: ['minio/root'],
      authorities: [],
    });
    expect(again.passwords['minio/root']).toBe(first.passwords['minio/root']);
  });

  it('never loses a credential when steps ask for different ones at once', async () => {
    const store = new CredentialStore(projectLayout(tempDir()), 'lab');
    const names = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    const results = await Promise.all(
      names.map((name) => store.ensure({ passwords: [name], authorities: [] })),
    );
    const final = await store.read();
    expect(Object.keys(final.passwords).sort()).toEqual([...names].sort());
    for (const [i, name] of names.entries()) expect(final.passwords[name]).toBe(results[i]!.passwords[name]);
  });

  it('adopts a value found on a cluster for a credential the store lacks, and keeps its own otherwise', async () => {
    const store = new CredentialStore(projectLayout(tempDir()), 'lab');
    const adopted = await store.ensure(
      { passwords: ['minio/root'], authorities: [] },
      { 'minio/root': 'from-cluster' },
    );
    expect(adopted.passwords['minio/root']).toBe('from-cluster');
    const kept = await store.ensure(
      { passwords: ['minio/root'], authorities: [] },
      { 'minio/root': 'other' },
    );
    expect(kept.passwords['minio/root']).toBe('from-cluster');
  });

  it('reads an empty store without creating a file', async () => {
    const layout = projectLayout(tempDir());
    expect(await new CredentialStore(layout, 'lab').read()).toEqual({
      schemaVersion: 1,
      passwords: {},
      authorities: {},
    });
    expect(statSync(layout.secretFile('credentials'), { throwIfNoEntry: false })).toBeUndefined();
  });
});

describe('generateAuthority', () => {
  it('makes a self-signed CA certificate whose key matches it', async () => {
    const authority = await generateAuthority('cilium-ca', 'lab');
    const certificate = new X509Certificate(authority.certificate);
    expect(certificate.ca).toBe(true);
    expect(certificate.subject).toContain('CN=cilium-ca');
    expect(certificate.subject).toContain('O=lab');
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.checkPrivateKey(createPrivateKey(authority.key))).toBe(true);
    expect(createPublicKey(authority.key).export({ format: 'jwk' })).toEqual(
      certificate.publicKey.export({ format: 'jwk' }),
    );
    expect(new Date(certificate.validTo).getTime() - Date.now()).toBeGreaterThan(9 * 365 * 86_400_000);
  });

  it('makes a different key every time', async () => {
    const [a, b] = await Promise.all([generateAuthority('x', 'lab'), generateAuthority('x', 'lab')]);
    expect(a.key).not.toBe(b.key);
    expect(new X509Certificate(a.certificate).serialNumber).not.toBe(
      new X509Certificate(b.certificate).serialNumber,
    );
  });

  it('generates passwords that differ', () => {
    expect(new Set(Array.from({ length: 50 }, generatePassword)).size).toBe(50);
  });
});
