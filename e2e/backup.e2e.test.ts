/**
 * `platformctl backup` end to end on kwok: a real etcd behind a real API server, snapshots taken
 * with the harness's etcdctl and checked here with the real etcdutl, then `backup list` and
 * retention. One cluster only (mgmt), so it takes seconds.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/clients/kube.js';
import type { BackupReport, SnapshotEntry, SnapshotManifest } from '../src/ops/backup.js';
import { BIN, cliIn, kwokProject, requireHarness } from './support/project.js';

requireHarness('kwokctl', 'etcdutl');

// The built-in topology without Vault and what needs it: this file needs only mgmt's control plane.
const project = kwokProject('backup-e2e', ['vault', 'external-secrets', 'keycloak', 'k8sgpt']);
const backups = join(project, 'backups/mgmt');
const mode = (path: string) => statSync(path).mode & 0o777;
const cli = cliIn(project);

function etcdutlStatus(file: string) {
  const result = spawnSync(join(BIN, 'etcdutl'), ['snapshot', 'status', file, '-w', 'json'], {
    encoding: 'utf8',
  });
  return {
    code: result.status,
    status:
      result.status === 0 ? (JSON.parse(result.stdout) as { revision: number; hash: number }) : undefined,
  };
}

const snapshotDirs = () => readdirSync(backups).sort();

beforeAll(() => {
  const up = cli('up', '--only', 'mgmt/bootstrap', '-o', 'json');
  expect(up.stderr).not.toContain('platformctl:');
  expect(up.code).toBe(0);
});

afterAll(() => {
  // Never leave a control plane behind, even when a test failed.
  cli('down');
});

describe('platformctl backup on kwok', () => {
  let first: SnapshotManifest;

  it('backs up the cluster that runs and reports the ones that do not exist (exit 3), without stopping', async () => {
    const client = await KubeClient.fromFile(join(project, 'kubeconfigs/mgmt.conf'));
    await client.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'backup-probe', namespace: 'default' },
      data: { written: 'before the backup' },
    });
    const run = cli('backup', '-o', 'json');
    expect(run.code).toBe(3);
    const report = JSON.parse(run.stdout) as BackupReport;
    expect(report.ok).toBe(false);
    expect(report.backups.map((b) => [b.cluster, b.ok, b.error?.code])).toEqual([
      ['mgmt', true, undefined],
      ['app1', false, 'provider.cluster-missing'],
      ['app2', false, 'provider.cluster-missing'],
    ]);
    const snapshot = report.backups[0]!.snapshot!;
    first = snapshot.manifest as SnapshotManifest;
    expect(first).toMatchObject({
      cluster: 'mgmt',
      provider: 'kwok',
      etcdVersion: '3.6.16',
      kubernetesVersion: 'v1.35.8',
      node: 'localhost',
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    expect(readdirSync(join(project, 'backups/app1'))).toEqual([]);
  });

  it('the snapshot is 0600 in 0700 directories, matches its manifest, and the real etcdutl reads it at the recorded revision', () => {
    const [id] = snapshotDirs();
    const dir = join(backups, id!);
    const file = join(dir, 'etcd.db');
    for (const d of [join(project, 'backups'), backups, dir]) expect(mode(d)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(mode(join(dir, 'manifest.json'))).toBe(0o600);
    const bytes = readFileSync(file);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(first.sha256);
    expect(bytes.length).toBe(first.size);
    const { code, status } = etcdutlStatus(file);
    expect(code).toBe(0);
    expect(status).toMatchObject({ revision: first.revision, hash: first.etcdHash });
    // What was written before the backup is in it (bbolt keeps keys as they are).
    expect(bytes.includes(Buffer.from('/registry/configmaps/default/backup-probe'))).toBe(true);
  });

  it('backup list shows each snapshot with its age and whether it verifies; a damaged one is named', () => {
    const again = cli('backup', '--cluster', 'mgmt');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^ok {4}mgmt: backups\/mgmt\/\d{8}T\d{6}Z(-\d+)? \(/);
    expect(again.stdout).toContain('1 snapshot(s) taken and verified; retention 7d');
    expect(again.stderr).toContain('mgmt: etcd 3.6.16 at http://127.0.0.1:');
    const ids = snapshotDirs();
    expect(ids).toHaveLength(2);
    const good = cli('backup', 'list', '-o', 'json');
    expect(good.code).toBe(0);
    const listed = (JSON.parse(good.stdout) as { backups: SnapshotEntry[] }).backups;
    expect(listed.map((e) => [e.id, e.verifies])).toEqual([
      [ids[1], true],
      [ids[0], true],
    ]);
    expect(listed[1]!.ageSeconds).toBeGreaterThanOrEqual(0);
    // Damage the older one: etcdutl refuses a truncated file, and the checksum no longer matches.
    truncateSync(join(backups, ids[0]!, 'etcd.db'), 100_000);
    expect(etcdutlStatus(join(backups, ids[0]!, 'etcd.db')).code).not.toBe(0);
    const text = cli('backup', 'list');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(`mgmt +${ids[0]} .*NO: etcd\\.db has 100000 bytes, the manifest says ${first.size}`),
    );
    expect(text.stdout).toMatch(new RegExp(`mgmt +${ids[1]} .* yes\\n`));
  });

  it('retention with --keep 1 removes all but the new snapshot, the damaged one included', () => {
    const before = snapshotDirs();
    const run = cli('backup', '--cluster', 'mgmt', '--keep', '1', '-o', 'json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as BackupReport;
    expect(report.keep).toBe('1');
    expect(report.backups[0]!.removed).toEqual(before);
    expect(snapshotDirs()).toEqual([report.backups[0]!.snapshot!.id]);
    expect(etcdutlStatus(join(backups, report.backups[0]!.snapshot!.id, 'etcd.db')).code).toBe(0);
  });

  it('--what vault on a platform without Vault: exit 3 saying so; --what velero is not available yet: exit 2; nothing taken', () => {
    const before = snapshotDirs();
    const run = cli('backup', '--what', 'vault', '-o', 'json');
    expect(run.code).toBe(3);
    expect((JSON.parse(run.stdout) as BackupReport).backups[0]!.error).toMatchObject({
      code: 'backup.vault-unreachable',
      message: 'the platform runs no Vault (the vault add-on is disabled)',
    });
    const velero = cli('backup', '--what', 'velero', '-o', 'json');
    expect(velero.code).toBe(2);
    expect(JSON.parse(velero.stdout)).toMatchObject({ error: { code: 'backup.not-available' } });
    expect(snapshotDirs()).toEqual(before);
    expect(existsSync(join(project, 'backups/vault'))).toBe(false);
  });
});
