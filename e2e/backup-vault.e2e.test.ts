/**
 * `platformctl backup --what vault` end to end on kwok: the simulated Vault (the harness build,
 * integrated storage, one raft node) initialised, unsealed and configured by `up`, its snapshot
 * taken through the API and read back here with the real `vault operator raft snapshot inspect`.
 * Only mgmt's steps up to mgmt/vault/configure run.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupReport, SnapshotEntry, VaultSnapshotManifest } from '../src/ops/backup.js';
import { BIN, cliIn, kwokProject, requireHarness } from './support/project.js';

requireHarness('kwokctl', 'vault');

// The built-in topology with Vault, without the add-ons that consume it: only mgmt's Vault steps run.
const project = kwokProject('backup-vault-e2e', ['external-secrets', 'keycloak', 'k8sgpt']);
const backups = join(project, 'backups/vault');
const mode = (path: string) => statSync(path).mode & 0o777;
const cli = cliIn(project);

/** The real Vault's reading of a snapshot file (offline: it needs no server). */
function vaultInspect(file: string) {
  const result = spawnSync(
    join(BIN, 'vault'),
    ['operator', 'raft', 'snapshot', 'inspect', '-format=json', file],
    {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', HOME: project },
    },
  );
  let parsed: { Meta?: { Index?: number; Term?: number } } | undefined;
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  return { code: result.status, output: `${result.stdout}${result.stderr}`, parsed };
}

const rootToken = () =>
  (
    JSON.parse(readFileSync(join(project, '.platformctl/secrets/vault.json'), 'utf8')) as {
      rootToken: string;
    }
  ).rootToken;

beforeAll(() => {
  const up = cli('up', '--only', 'mgmt/vault/configure', '-o', 'json');
  expect(up.stderr).not.toContain('platformctl:');
  expect(up.code).toBe(0);
}, 900_000);

afterAll(() => {
  // Never leave a control plane or a Vault behind, even when a test failed.
  cli('down');
});

describe('platformctl backup --what vault on kwok', () => {
  let first: VaultSnapshotManifest;

  it('the simulated Vault runs on raft', () => {
    const config = readFileSync(join(project, '.platformctl/kwok/vault/server.hcl'), 'utf8');
    expect(config).toMatch(/storage "raft" \{\n {2}path = ".*\/raft"\n {2}node_id = "vault-0"\n\}/);
    expect(config).toMatch(/cluster_addr = "https:\/\/127\.\d+\.64\.\d+:8201"/);
  });

  it('takes a raft snapshot into backups/vault/<id>/vault.snap (0600 in 0700), beside its manifest; the token is never printed', () => {
    const run = cli('backup', '--what', 'vault', '-o', 'json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as BackupReport;
    expect(report.backups.map((b) => [b.cluster, b.what, b.ok])).toEqual([['vault', 'vault', true]]);
    first = report.backups[0]!.snapshot!.manifest as VaultSnapshotManifest;
    expect(first).toMatchObject({
      what: 'vault',
      cluster: 'mgmt',
      provider: 'kwok',
      file: 'vault.snap',
      vaultVersion: '1.21.1',
      storageType: 'raft',
      address: expect.stringMatching(/^https:\/\/127\.\d+\.64\.\d+:8200$/),
    });
    const [id] = readdirSync(backups);
    const dir = join(backups, id!);
    for (const d of [join(project, 'backups'), backups, dir]) expect(mode(d)).toBe(0o700);
    expect(mode(join(dir, 'vault.snap'))).toBe(0o600);
    expect(mode(join(dir, 'manifest.json'))).toBe(0o600);
    const bytes = readFileSync(join(dir, 'vault.snap'));
    expect(bytes.length).toBe(first.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(first.sha256);
    expect(`${run.stdout}${run.stderr}`).not.toContain(rootToken());
  });

  it('the real vault binary reads the snapshot at the raft index and term the manifest recorded', () => {
    const [id] = readdirSync(backups);
    const { code, parsed, output } = vaultInspect(join(backups, id!, 'vault.snap'));
    expect(output).not.toMatch(/error/i);
    expect(code).toBe(0);
    expect(parsed?.Meta).toMatchObject({ Index: first.raftIndex, Term: first.raftTerm });
    expect(first.raftIndex).toBeGreaterThan(10);
  });

  it('etcd and Vault together; backup list shows both and names a damaged Vault snapshot', () => {
    const run = cli('backup', '--what', 'etcd,vault', '--cluster', 'mgmt');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok {4}mgmt: backups\/mgmt\/\d{8}T\d{6}Z(-\d+)? \(/m);
    expect(run.stdout).toMatch(
      /^ok {4}vault: backups\/vault\/\d{8}T\d{6}Z(-\d+)? \(.*raft index \d+, from https:\/\/127\.\d+\.64\.\d+:8200, Vault 1\.21\.1\)/m,
    );
    expect(run.stdout).toContain('2 snapshot(s) taken and verified; retention 7d');
    const ids = readdirSync(backups).sort();
    expect(ids).toHaveLength(2);
    const listed = (JSON.parse(cli('backup', 'list', '-o', 'json').stdout) as { backups: SnapshotEntry[] })
      .backups;
    expect(listed.filter((e) => e.what === 'vault').map((e) => [e.id, e.verifies])).toEqual([
      [ids[1], true],
      [ids[0], true],
    ]);
    expect(listed.filter((e) => e.what === 'etcd').map((e) => e.cluster)).toEqual(['mgmt']);
    truncateSync(join(backups, ids[0]!, 'vault.snap'), 100);
    expect(vaultInspect(join(backups, ids[0]!, 'vault.snap')).code).not.toBe(0);
    const text = cli('backup', 'list');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(`vault +vault +${ids[0]} .*NO: vault\\.snap has 100 bytes, the manifest says ${first.size}`),
    );
    expect(text.stdout).toMatch(new RegExp(`vault +vault +${ids[1]} .* Vault 1\\.21\\.1 +yes\\n`));
  });

  it('retention with --keep 1 keeps only the new one', () => {
    const before = readdirSync(backups).sort();
    const run = cli('backup', '--what', 'vault', '--keep', '1', '-o', 'json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as BackupReport;
    expect(report.backups[0]!.removed).toEqual(before);
    expect(readdirSync(backups)).toEqual([report.backups[0]!.snapshot!.id]);
  });

  it('a Vault that does not run: exit 3 saying so, nothing taken; --what velero is still exit 2', () => {
    const record = JSON.parse(readFileSync(join(project, '.platformctl/kwok/vault/server.json'), 'utf8')) as {
      pid: number;
    };
    process.kill(record.pid, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      try {
        process.kill(record.pid, 0);
      } catch {
        break;
      }
      spawnSync('sleep', ['0.2']);
    }
    const before = readdirSync(backups).sort();
    const run = cli('backup', '--what', 'vault', '-o', 'json');
    expect(run.code).toBe(3);
    const report = JSON.parse(run.stdout) as BackupReport;
    expect(report.backups[0]!.error).toMatchObject({
      code: 'backup.vault-unreachable',
      message: 'Vault is not running',
    });
    expect(readdirSync(backups).sort()).toEqual(before);
    expect(cli('backup', '--what', 'velero').code).toBe(2);
  });
});
