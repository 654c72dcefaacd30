/**
 * Vault's steps against a real Vault server (the harness build, `npm run harness`), on loopback
 * with integrated storage (raft, one node, as the kwok provider runs it) in a temporary directory.
 */
import { projectLayout } from '../project/layout.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultApiError, VaultClient } from '../clients/vault.js';
import { inspectRaftSnapshot } from '../ops/vault-snapshot.js';
import { pkiPlan } from '../render/pki.js';
import { testPlatform } from '../test-support/render.js';
import { readSecret } from './secrets.js';
import { applyPkiPlan, openVault, pkiDrift, UNSEAL_SHARES, VAULT_SECRET } from './vault.js';

const VAULT = fileURLToPath(new URL('../../.harness/bin/vault', import.meta.url));
const plan = pkiPlan(testPlatform());
const dir = mkdtempSync(join(tmpdir(), 'platformctl-vault-test-'));
const project = join(dir, 'project');
let server: ChildProcess | undefined;
let endpoint = { address: '' };

function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolvePort(port));
    });
  });
}

async function startVault(): Promise<void> {
  const port = await freePort();
  const clusterPort = await freePort();
  mkdirSync(join(dir, 'raft'), { recursive: true });
  writeFileSync(
    join(dir, 'server.hcl'),
    `storage "raft" {\n  path = "${join(dir, 'raft')}"\n  node_id = "vault-0"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\ndisable_mlock = true\napi_addr = "http://127.0.0.1:${port}"\ncluster_addr = "http://127.0.0.1:${clusterPort}"\n`,
  );
  server = spawn(VAULT, ['server', `-config=${join(dir, 'server.hcl')}`], { stdio: 'ignore' });
  endpoint = { address: `http://127.0.0.1:${port}` };
  for (let i = 0; i < 100; i++) {
    if (
      await new VaultClient(endpoint).sealStatus().then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('vault did not start');
}

async function stopVault(): Promise<void> {
  const exited = new Promise((r) => server?.once('exit', r));
  server?.kill('SIGTERM');
  await exited;
}

describe.skipIf(!existsSync(VAULT))('Vault steps against a real Vault server', () => {
  beforeAll(startVault, 30_000);
  afterAll(async () => {
    await stopVault();
    rmSync(dir, { recursive: true, force: true });
  });

  it('initialises Vault once, keeps the keys in a private file, and unseals it', async () => {
    const lines: string[] = [];
    const root = await openVault(new VaultClient(endpoint), projectLayout(project), (l) => lines.push(l));
    const secret = await readSecret<{ unsealKeys: string[]; rootToken: string }>(
      projectLayout(project),
      VAULT_SECRET,
    );
    expect(secret!.unsealKeys).toHaveLength(UNSEAL_SHARES);
    expect(statSync(join(project, '.platformctl/secrets/vault.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(project, '.platformctl/secrets')).mode & 0o777).toBe(0o700);
    expect(await root.sealStatus()).toMatchObject({ sealed: false, storage_type: 'raft' });
    // Raft elected its leader before openVault returned: the next request is served.
    expect(await root.leader()).toMatchObject({ ha_enabled: true, is_self: true });
    expect(lines.join('\n')).not.toContain(secret!.rootToken);
    for (const key of secret!.unsealKeys) expect(lines.join('\n')).not.toContain(key);
  });

  it('applies the PKI plan, after which nothing is missing, and a second apply changes nothing', async () => {
    const root = await openVault(new VaultClient(endpoint), projectLayout(project), () => {});
    expect(await pkiDrift(root, plan)).toEqual([
      'secrets engine pki/',
      'secrets engine pki_int/',
      'secrets engine secret/',
    ]);
    await applyPkiPlan(root, plan, () => {});
    expect(await pkiDrift(root, plan)).toEqual([]);
    const issuers = async () =>
      (await root.call<{ data: { keys: string[] } }>('GET', 'pki_int/issuers?list=true')).data.keys;
    const before = await issuers();
    await applyPkiPlan(root, plan, () => {});
    expect(await issuers()).toEqual(before);
    const mounts = await root.mounts();
    expect(mounts['secret/']).toMatchObject({ type: 'kv', options: { version: '2' } });
    const policy = await root.read<{ data: { policy: string } }>('sys/policies/acl/external-secrets-app1');
    expect(policy!.data.policy).toContain('path "secret/data/platform/*"');
  });

  it('unseals again after a restart with the saved keys', async () => {
    await stopVault();
    await startVault();
    expect((await new VaultClient(endpoint).sealStatus()).sealed).toBe(true);
    const root = await openVault(new VaultClient(endpoint), projectLayout(project), () => {});
    expect((await root.sealStatus()).sealed).toBe(false);
    expect(await pkiDrift(root, plan)).toEqual([]);
  }, 30_000);

  it('streams a raft snapshot into a new 0600 file (a gzip), and refuses without a token', async () => {
    const root = await openVault(new VaultClient(endpoint), projectLayout(project), () => {});
    const file = join(dir, 'vault.snap');
    const { bytes } = await root.raftSnapshot(file);
    expect(bytes).toBeGreaterThan(0);
    expect(statSync(file).size).toBe(bytes);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect([...readFileSync(file).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    // The layout backup's check (and src/test-support/raft-snapshot.ts) expects of a real one.
    const info = await inspectRaftSnapshot(file);
    expect(info.files).toEqual(['meta.json', 'state.bin', 'SHA256SUMS', 'SHA256SUMS.sealed']);
    expect(info.index).toBeGreaterThan(0);
    await expect(root.raftSnapshot(file)).rejects.toMatchObject({ code: 'EEXIST' });
    const other = join(dir, 'no-token.snap');
    const error = await new VaultClient(endpoint).raftSnapshot(other).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultApiError);
    expect((error as VaultApiError).status).toBe(403);
    expect(existsSync(other)).toBe(false);
  });

  it('refuses to go on without the keys of an initialised Vault, and redacts the token in errors', async () => {
    await expect(
      openVault(new VaultClient(endpoint), projectLayout(join(dir, 'elsewhere')), () => {}),
    ).rejects.toThrow(/secrets\/vault.json is missing: restore it/);
    const wrong = new VaultClient(endpoint, 'hvs.not-a-real-token-0123456789');
    const error = await wrong.call('GET', 'sys/mounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultApiError);
    expect((error as VaultApiError).status).toBe(403);
    expect((error as Error).message).not.toContain('hvs.not-a-real-token-0123456789');
  });
});
