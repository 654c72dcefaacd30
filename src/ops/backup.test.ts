/**
 * `backup` and `backup list` with a fake provider and a fake etcdutl (the real ones run in
 * e2e/backup.e2e.test.ts): files and modes, the manifest, failures that leave nothing behind,
 * retention, and verification.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlatformctlError } from '../errors.js';
import { projectLayout } from '../project/layout.js';
import type { EtcdSnapshotRequest, EtcdSnapshotResult } from '../providers/types.js';
import { ProviderError } from '../providers/types.js';
import { runCli, tempDir } from '../test-support/cli.js';
import { testPlatform } from '../test-support/render.js';
import {
  backup,
  type BackupDeps,
  DEFAULT_RETENTION,
  idTime,
  listBackups,
  parseRetention,
  parseWhat,
  retentionPlan,
  selectClusters,
  type SnapshotManifest,
  snapshotId,
  type VaultSnapshotManifest,
} from './backup.js';
import { raftSnapshotBytes } from '../test-support/raft-snapshot.js';

const platform = testPlatform();
const T0 = new Date('2026-12-03T12:00:00Z');
const DAY = 86_400_000;
const mode = (path: string) => statSync(path).mode & 0o777;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

interface FakeWorld {
  deps: BackupDeps;
  clock: { now: Date };
  /** Per cluster: what etcdSnapshot does instead of writing a file. */
  failures: Map<string, () => never>;
  /** Per cluster: a SHA-256 the "node" reports instead of the file's. */
  nodeSha: Map<string, string>;
  kubeDown: Set<string>;
  /** Files etcdutl refuses. */
  damaged: Set<string>;
  taken: EtcdSnapshotRequest[];
  /** What the fake Vault is and sends. */
  vaultState: { running: boolean; sealed: boolean; storage: string; index: number; bytes?: Buffer };
  vaultSnapshots: number;
}

/** A provider that "snapshots" by writing a text file, and an etcdutl that reads its revision back. */
function world(root = tempDir()): FakeWorld {
  const clock = { now: T0 };
  let revision = 100;
  const w: FakeWorld = {
    clock,
    failures: new Map(),
    nodeSha: new Map(),
    kubeDown: new Set(),
    damaged: new Set(),
    taken: [],
    vaultState: { running: true, sealed: false, storage: 'raft', index: 41 },
    vaultSnapshots: 0,
    deps: undefined as unknown as BackupDeps,
  };
  w.deps = {
    platform,
    layout: projectLayout(root),
    provider: {
      traits: { name: 'kwok' },
      etcdSnapshot: async (request): Promise<EtcdSnapshotResult> => {
        w.taken.push(request);
        w.failures.get(request.cluster.name)?.();
        const text = `etcd of ${request.cluster.name} at revision ${++revision}`;
        writeFileSync(request.path, text, { mode: 0o644 });
        return {
          node: `${request.cluster.name}-cp-0`,
          endpoint: 'http://127.0.0.1:32765',
          etcdVersion: '3.6.16',
          ...(w.nodeSha.has(request.cluster.name)
            ? { sourceSha256: w.nodeSha.get(request.cluster.name)! }
            : {}),
        };
      },
    },
    inspect: async (path) => {
      const text = readFileSync(path, 'utf8');
      if ([...w.damaged].some((d) => text.includes(d)))
        throw new PlatformctlError(
          'etcd.snapshot-invalid',
          'failed',
          `${path} is not a readable etcd snapshot`,
        );
      const rev = Number(/revision (\d+)/.exec(text)?.[1] ?? 0);
      return { hash: rev * 7, revision: rev, totalKeys: 10, totalSize: text.length, storageVersion: '3.6.0' };
    },
    kubernetesVersion: async (cluster) => {
      if (w.kubeDown.has(cluster.name)) throw new Error('connect ECONNREFUSED 127.0.0.1:32764');
      return 'v1.35.8';
    },
    // A Vault that sends a snapshot in the layout of the real one (see raft-snapshot.ts).
    vault: async () => {
      if (!w.vaultState.running)
        throw new PlatformctlError('backup.vault-unreachable', 'failed', 'Vault is not running');
      return {
        address: 'http://127.0.0.1:8200',
        identify: async () => ({
          version: '1.21.1',
          storageType: w.vaultState.storage,
          sealed: w.vaultState.sealed,
        }),
        snapshot: async (path) => {
          w.vaultSnapshots++;
          writeFileSync(path, w.vaultState.bytes ?? raftSnapshotBytes({ index: w.vaultState.index }), {
            flag: 'wx',
            mode: 0o600,
          });
        },
      };
    },
    now: () => clock.now,
  };
  return w;
}

const snapshots = (w: FakeWorld, cluster: string) =>
  readdirSync(w.deps.layout.clusterBackups(cluster)).sort();

describe('backup', () => {
  it('snapshots every cluster into backups/<cluster>/<id>/: 0600 files in 0700 directories, beside a manifest of what it is', async () => {
    const w = world();
    const events: string[] = [];
    const report = await backup(w.deps, { onEvent: (e) => events.push(`${e.cluster}: ${e.message}`) });
    expect(report.ok).toBe(true);
    expect(report.keep).toBe('7d');
    expect(report.backups.map((b) => b.cluster)).toEqual(['mgmt', 'app1', 'app2']);
    const { layout } = w.deps;
    expect(mode(layout.backupsDir)).toBe(0o700);
    for (const b of report.backups) {
      const dir = join(layout.clusterBackups(b.cluster), '20261203T120000Z');
      expect(b.snapshot?.dir).toBe(dir);
      expect(mode(layout.clusterBackups(b.cluster))).toBe(0o700);
      expect(mode(dir)).toBe(0o700);
      expect(mode(join(dir, 'etcd.db'))).toBe(0o600);
      expect(mode(join(dir, 'manifest.json'))).toBe(0o600);
      expect(snapshots(w, b.cluster)).toEqual(['20261203T120000Z']);
    }
    const text = readFileSync(join(layout.clusterBackups('mgmt'), '20261203T120000Z/etcd.db'), 'utf8');
    const manifest = JSON.parse(
      readFileSync(join(layout.clusterBackups('mgmt'), '20261203T120000Z/manifest.json'), 'utf8'),
    ) as SnapshotManifest;
    const revision = Number(/revision (\d+)/.exec(text)![1]);
    expect(manifest).toEqual({
      format: 1,
      what: 'etcd',
      platform: platform.name,
      cluster: 'mgmt',
      provider: 'kwok',
      createdAt: '2026-12-03T12:00:00.000Z',
      file: 'etcd.db',
      sha256: sha(text),
      size: text.length,
      revision,
      totalKeys: 10,
      etcdHash: revision * 7,
      etcdVersion: '3.6.16',
      storageVersion: '3.6.0',
      kubernetesVersion: 'v1.35.8',
      node: 'mgmt-cp-0',
      endpoint: 'http://127.0.0.1:32765',
    });
    expect(events).toContain(
      `mgmt: saved ${layout.clusterBackups('mgmt')}/20261203T120000Z (${text.length} bytes, revision ${revision}), verified`,
    );
  });

  it('a cluster that fails does not stop the others, and leaves no directory that looks like a backup', async () => {
    const w = world();
    w.failures.set('app1', () => {
      throw new ProviderError('cluster app1 has no kwok cluster here', { code: 'provider.cluster-missing' });
    });
    const report = await backup(w.deps);
    expect(report.ok).toBe(false);
    const app1 = report.backups.find((b) => b.cluster === 'app1')!;
    expect(app1).toMatchObject({
      ok: false,
      error: { code: 'provider.cluster-missing', exitCode: 3 },
      removed: [],
    });
    expect(snapshots(w, 'app1')).toEqual([]);
    expect(report.backups.filter((b) => b.ok).map((b) => b.cluster)).toEqual(['mgmt', 'app2']);
  });

  it('refuses a copy whose checksum differs from the node’s, and a file etcdutl cannot read: nothing is kept', async () => {
    const w = world();
    w.nodeSha.set('mgmt', 'f'.repeat(64));
    w.damaged.add('etcd of app2');
    const report = await backup(w.deps);
    expect(report.backups.find((b) => b.cluster === 'mgmt')!.error).toMatchObject({
      code: 'backup.copy-mismatch',
      message: expect.stringContaining(`on the node ${'f'.repeat(64)}`),
    });
    expect(report.backups.find((b) => b.cluster === 'app2')!.error?.code).toBe('etcd.snapshot-invalid');
    expect(snapshots(w, 'mgmt')).toEqual([]);
    expect(snapshots(w, 'app2')).toEqual([]);
    expect(report.backups.find((b) => b.cluster === 'app1')!.ok).toBe(true);
  });

  it('a matching checksum from the node passes', async () => {
    const w = world();
    // The fake writes "etcd of mgmt at revision 101" for the first snapshot taken.
    w.nodeSha.set('mgmt', sha('etcd of mgmt at revision 101'));
    const report = await backup(w.deps, { clusters: ['mgmt'] });
    expect(report.ok).toBe(true);
  });

  it('still backs up etcd when the API server does not answer, recording the Kubernetes version as unknown', async () => {
    const w = world();
    w.kubeDown.add('mgmt');
    const events: string[] = [];
    const report = await backup(w.deps, { clusters: ['mgmt'], onEvent: (e) => events.push(e.message) });
    expect(report.ok).toBe(true);
    expect((report.backups[0]!.snapshot!.manifest as SnapshotManifest).kubernetesVersion).toBeNull();
    expect(events[0]).toBe('the API server did not say its version: connect ECONNREFUSED 127.0.0.1:32764');
  });

  it('two backups in one second get distinct ids', async () => {
    const w = world();
    await backup(w.deps, { clusters: ['mgmt'] });
    await backup(w.deps, { clusters: ['mgmt'] });
    expect(snapshots(w, 'mgmt')).toEqual(['20261203T120000Z', '20261203T120000Z-2']);
  });

  it('retention: 7 days by default, --keep N or a duration, run after the new snapshot is verified', async () => {
    const w = world();
    for (const days of [10, 8, 6, 1]) {
      w.clock.now = new Date(T0.getTime() - days * DAY);
      await backup(w.deps, { clusters: ['mgmt'], keep: parseRetention('52w') });
    }
    expect(snapshots(w, 'mgmt')).toHaveLength(4);
    w.clock.now = T0;
    const report = await backup(w.deps, { clusters: ['mgmt'] });
    expect(report.backups[0]!.removed).toEqual(['20261123T120000Z', '20261125T120000Z']);
    expect(snapshots(w, 'mgmt')).toEqual(['20261127T120000Z', '20261202T120000Z', '20261203T120000Z']);
    const kept = await backup(w.deps, { clusters: ['mgmt'], keep: parseRetention('2') });
    expect(kept.backups[0]!.removed).toEqual(['20261127T120000Z', '20261202T120000Z']);
    expect(snapshots(w, 'mgmt')).toEqual(['20261203T120000Z', '20261203T120000Z-2']);
  });

  it('retention removes nothing when the backup failed', async () => {
    const w = world();
    w.clock.now = new Date(T0.getTime() - 30 * DAY);
    await backup(w.deps, { clusters: ['mgmt'] });
    w.clock.now = T0;
    w.failures.set('mgmt', () => {
      throw new ProviderError('etcd does not answer');
    });
    const report = await backup(w.deps, { clusters: ['mgmt'] });
    expect(report.ok).toBe(false);
    expect(snapshots(w, 'mgmt')).toEqual(['20261103T120000Z']);
  });

  it('refuses --what velero as not available yet (exit 2), an unknown kind and an unknown cluster, before taking anything', async () => {
    const w = world();
    await expect(backup(w.deps, { what: ['etcd', 'vault', 'velero'] })).rejects.toMatchObject({
      code: 'backup.not-available',
      kind: 'usage',
    });
    await expect(backup(w.deps, { what: ['tapes'] })).rejects.toMatchObject({ code: 'usage' });
    await expect(backup(w.deps, { clusters: ['app9'] })).rejects.toThrow(/no cluster named app9/);
    expect(w.taken).toEqual([]);
    expect(w.vaultSnapshots).toBe(0);
  });
});

describe('backup --what vault', () => {
  it("stores Vault's raft snapshot in backups/vault/<id>/vault.snap (0600, dirs 0700) beside a manifest, checked", async () => {
    const w = world();
    const events: string[] = [];
    const report = await backup(w.deps, {
      what: ['vault'],
      onEvent: (e) => events.push(`${e.cluster}: ${e.message}`),
    });
    expect(report.ok).toBe(true);
    expect(w.taken).toEqual([]); // no etcd snapshot asked for
    expect(report.backups.map((b) => [b.cluster, b.what, b.ok])).toEqual([['vault', 'vault', true]]);
    const { layout } = w.deps;
    const dir = join(layout.backupsDir, 'vault', '20261203T120000Z');
    expect(report.backups[0]!.snapshot!.dir).toBe(dir);
    for (const d of [layout.backupsDir, join(layout.backupsDir, 'vault'), dir]) expect(mode(d)).toBe(0o700);
    expect(mode(join(dir, 'vault.snap'))).toBe(0o600);
    expect(mode(join(dir, 'manifest.json'))).toBe(0o600);
    const bytes = readFileSync(join(dir, 'vault.snap'));
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as VaultSnapshotManifest;
    expect(manifest).toEqual({
      format: 1,
      what: 'vault',
      platform: platform.name,
      cluster: 'mgmt',
      provider: 'kwok',
      createdAt: T0.toISOString(),
      file: 'vault.snap',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      vaultVersion: '1.21.1',
      storageType: 'raft',
      raftIndex: 41,
      raftTerm: 3,
      address: 'http://127.0.0.1:8200',
    });
    expect(report.backups[0]!.snapshot!.manifest).toEqual(manifest);
    expect(events).toEqual([
      'vault: Vault 1.21.1 (raft) at http://127.0.0.1:8200',
      `vault: saved ${dir} (${bytes.length} bytes, raft index 41), verified`,
    ]);
  });

  it('--what etcd,vault takes both; --cluster selects the etcd snapshots only', async () => {
    const w = world();
    const report = await backup(w.deps, { what: ['etcd', 'vault', 'etcd'], clusters: ['app1'] });
    expect(report.ok).toBe(true);
    expect(report.backups.map((b) => [b.cluster, b.what])).toEqual([
      ['app1', 'etcd'],
      ['vault', 'vault'],
    ]);
  });

  it.each([
    [
      'no Vault reachable from this provider',
      (w: FakeWorld) => delete (w.deps as { vault?: unknown }).vault,
      'backup.vault-unreachable',
      'provider kwok gives no way to reach Vault',
    ],
    [
      'Vault not running',
      (w: FakeWorld) => (w.vaultState.running = false),
      'backup.vault-unreachable',
      'Vault is not running',
    ],
    ['Vault sealed', (w: FakeWorld) => (w.vaultState.sealed = true), 'backup.vault-unreachable', 'is sealed'],
    [
      'file storage',
      (w: FakeWorld) => (w.vaultState.storage = 'file'),
      'backup.vault-not-raft',
      'runs on file storage',
    ],
    [
      'an empty snapshot',
      (w: FakeWorld) => (w.vaultState.bytes = Buffer.alloc(0)),
      'backup.vault-snapshot-invalid',
      'empty snapshot',
    ],
    [
      'a snapshot that is not a raft archive',
      (w: FakeWorld) => (w.vaultState.bytes = Buffer.from('<html>proxy error</html>')),
      'backup.vault-snapshot-invalid',
      'not a gzip file',
    ],
  ])(
    '%s: a failed entry (exit 3), etcd still taken, nothing left that looks like a backup',
    async (_, arrange, code, message) => {
      const w = world();
      arrange(w);
      const report = await backup(w.deps, { what: ['etcd', 'vault'], clusters: ['mgmt'] });
      expect(report.ok).toBe(false);
      expect(report.backups.map((b) => [b.cluster, b.ok])).toEqual([
        ['mgmt', true],
        ['vault', false],
      ]);
      expect(report.backups[1]!.error).toMatchObject({ code, message: expect.stringContaining(message) });
      const vaultDir = join(w.deps.layout.backupsDir, 'vault');
      expect(existsSync(vaultDir) ? readdirSync(vaultDir) : []).toEqual([]);
    },
  );

  it('refuses when the platform has no Vault, or a cluster is named vault', async () => {
    const w = world();
    const noVault = {
      ...platform,
      clusters: platform.clusters.map((c) => ({ ...c, addons: c.addons.filter((a) => a !== 'vault') })),
    };
    const a = await backup({ ...w.deps, platform: noVault }, { what: ['vault'] });
    expect(a.backups[0]!.error).toMatchObject({
      code: 'backup.vault-unreachable',
      message: expect.stringContaining('runs no Vault'),
    });
    const clash = {
      ...platform,
      clusters: platform.clusters.map((c) => (c.name === 'app2' ? { ...c, name: 'vault' } : c)),
    };
    const b = await backup({ ...w.deps, platform: clash }, { what: ['vault'] });
    expect(b.backups[0]!.error).toMatchObject({ code: 'backup.name-clash' });
    expect(w.vaultSnapshots).toBe(0);
  });

  it("retention as etcd's; backup list shows Vault's snapshots, verified against their raft index", async () => {
    const w = world();
    for (const day of [1, 2, 3]) {
      w.clock.now = new Date(T0.getTime() + day * DAY);
      w.vaultState.index = 40 + day;
      await backup(w.deps, { what: ['vault'], keep: parseRetention('2') });
    }
    const vaultDir = join(w.deps.layout.backupsDir, 'vault');
    expect(readdirSync(vaultDir).sort()).toEqual(['20261205T120000Z', '20261206T120000Z']);
    await backup(w.deps, { clusters: ['mgmt'] });
    // A snapshot whose archive reads as another raft index than its manifest says does not verify.
    const older = join(vaultDir, '20261205T120000Z');
    const swapped = raftSnapshotBytes({ index: 99 });
    writeFileSync(join(older, 'vault.snap'), swapped);
    const manifest = JSON.parse(readFileSync(join(older, 'manifest.json'), 'utf8')) as VaultSnapshotManifest;
    writeFileSync(
      join(older, 'manifest.json'),
      JSON.stringify({
        ...manifest,
        size: swapped.length,
        sha256: createHash('sha256').update(swapped).digest('hex'),
      }),
    );
    const listed = await listBackups(w.deps);
    expect(listed.map((e) => [e.what, e.cluster, e.id, e.verifies])).toEqual([
      ['etcd', 'mgmt', '20261206T120000Z', true],
      ['vault', 'vault', '20261206T120000Z', true],
      ['vault', 'vault', '20261205T120000Z', false],
    ]);
    expect(listed[2]!.problem).toBe(
      'the snapshot holds raft index 99 (term 3), the manifest says 42 (term 3)',
    );
    expect((await listBackups(w.deps, { clusters: ['vault'] })).map((e) => e.what)).toEqual([
      'vault',
      'vault',
    ]);
  });
});

describe('retention plan', () => {
  const at = (days: number) => new Date(T0.getTime() - days * DAY);
  const entry = (id: string, days: number, good = true) => ({ id, createdAt: at(days), good });

  it('keeps what is younger than the duration, or the newest N', () => {
    const entries = [entry('a', 9), entry('b', 8), entry('c', 3), entry('d', 0)];
    expect(retentionPlan(entries, DEFAULT_RETENTION, T0)).toEqual({ keep: ['d', 'c'], remove: ['b', 'a'] });
    expect(retentionPlan(entries, parseRetention('3'), T0)).toEqual({ keep: ['d', 'c', 'b'], remove: ['a'] });
  });

  it('never removes the newest snapshot that verifies, however old', () => {
    const entries = [entry('old-good', 20), entry('newer-bad', 10, false), entry('newest-bad', 9, false)];
    expect(retentionPlan(entries, DEFAULT_RETENTION, T0)).toEqual({
      keep: ['old-good'],
      remove: ['newest-bad', 'newer-bad'],
    });
    expect(retentionPlan(entries, parseRetention('1'), T0).keep).toEqual(['newest-bad', 'old-good']);
  });
});

describe('backup list', () => {
  it('lists every snapshot newest first with its age, and says which do not verify and why', async () => {
    const w = world();
    w.clock.now = new Date(T0.getTime() - 2 * DAY);
    await backup(w.deps, { clusters: ['mgmt', 'app1'] });
    w.clock.now = new Date(T0.getTime() - DAY);
    await backup(w.deps, { clusters: ['mgmt'] });
    w.clock.now = T0;
    await backup(w.deps, { clusters: ['mgmt'] });
    const mgmt = w.deps.layout.clusterBackups('mgmt');
    // Damage: one file changed, one manifest gone, one snapshot etcdutl reads differently.
    writeFileSync(join(mgmt, '20261201T120000Z/etcd.db'), 'etcd of mgmt at revision 999');
    rmSync(join(mgmt, '20261202T120000Z/manifest.json'));
    const listed = await listBackups(w.deps);
    expect(listed.map((e) => [e.cluster, e.id, e.ageSeconds, e.verifies])).toEqual([
      ['app1', '20261201T120000Z', 2 * 86_400, true],
      ['mgmt', '20261203T120000Z', 0, true],
      ['mgmt', '20261202T120000Z', 86_400, false],
      ['mgmt', '20261201T120000Z', 2 * 86_400, false],
    ]);
    expect(listed[2]!.problem).toBe('no readable manifest.json');
    expect(listed[3]!.problem).toBe('etcd.db does not match its SHA-256');
    expect((listed[1]!.manifest as SnapshotManifest | undefined)?.kubernetesVersion).toBe('v1.35.8');
    expect((await listBackups(w.deps, { clusters: ['app1'] })).map((e) => e.cluster)).toEqual(['app1']);
  });

  it('a file of the right size and checksum that etcdutl reads as another revision does not verify', async () => {
    const w = world();
    await backup(w.deps, { clusters: ['app2'] });
    const dir = join(w.deps.layout.clusterBackups('app2'), '20261203T120000Z');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as SnapshotManifest;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, revision: 1 }));
    const [entry] = await listBackups(w.deps);
    expect(entry!.verifies).toBe(false);
    expect(entry!.problem).toBe(
      `etcdutl reads revision ${manifest.revision} (hash ${manifest.etcdHash}), the manifest says 1 (hash ${manifest.etcdHash})`,
    );
  });

  it('shows what an interrupted backup left as incomplete; the next backup removes it after an hour', async () => {
    const w = world();
    await backup(w.deps, { clusters: ['mgmt'] });
    const mgmt = w.deps.layout.clusterBackups('mgmt');
    mkdirSync(join(mgmt, '20261203T100000Z.partial'));
    mkdirSync(join(mgmt, '20261203T115959Z.partial'));
    const listed = await listBackups(w.deps);
    expect(listed.map((e) => [e.id, e.verifies])).toEqual([
      ['20261203T120000Z', true],
      ['20261203T115959Z.partial', false],
      ['20261203T100000Z.partial', false],
    ]);
    expect(listed[2]!.problem).toMatch(/^incomplete: a backup in progress, or an interrupted one/);
    expect(listed[2]!.ageSeconds).toBe(7200);
    w.clock.now = new Date(T0.getTime() + 60_000);
    const report = await backup(w.deps, { clusters: ['mgmt'] });
    expect(report.backups[0]!.removed).toEqual(['20261203T100000Z.partial']);
    expect(snapshots(w, 'mgmt')).toEqual([
      '20261203T115959Z.partial',
      '20261203T120000Z',
      '20261203T120100Z',
    ]);
  });

  it('is empty when there are no backups', async () => {
    const w = world();
    expect(await listBackups(w.deps)).toEqual([]);
    expect(existsSync(w.deps.layout.backupsDir)).toBe(false);
  });
});

describe('backup inputs', () => {
  it('--keep takes a count or a duration', () => {
    expect(parseRetention('5')).toEqual({ kind: 'count', count: 5, text: '5' });
    expect(parseRetention('36h')).toEqual({ kind: 'age', ms: 36 * 3_600_000, text: '36h' });
    expect(parseRetention('2w')).toMatchObject({ ms: 14 * DAY });
    expect(parseRetention('90m')).toMatchObject({ ms: 90 * 60_000 });
    for (const bad of ['0', '7x', '-1', '', '1.5d', '0d'])
      expect(() => parseRetention(bad), bad).toThrow(/not a count or a duration/);
  });

  it('--what defaults to etcd', () => {
    expect(parseWhat(undefined)).toEqual(['etcd']);
    expect(parseWhat(['etcd'])).toEqual(['etcd']);
    expect(parseWhat(['vault', 'etcd', 'vault'])).toEqual(['vault', 'etcd']);
    expect(() => parseWhat(['velero'])).toThrow('backup --what velero is not available yet in this version');
  });

  it('snapshot ids are the UTC second, and read back', () => {
    const id = snapshotId(new Date('2026-12-03T14:22:48.912Z'));
    expect(id).toBe('20261203T142248Z');
    expect(idTime(id)?.toISOString()).toBe('2026-12-03T14:22:48.000Z');
    expect(idTime(`${id}-2`)?.toISOString()).toBe('2026-12-03T14:22:48.000Z');
    expect(idTime('20261203T142248Z.partial')).toBeUndefined();
    expect(idTime('notes')).toBeUndefined();
  });

  it('--cluster must name clusters of the spec', () => {
    expect(selectClusters(platform, ['app1']).map((c) => c.name)).toEqual(['app1']);
    expect(() => selectClusters(platform, ['app1', 'nope'])).toThrow('--cluster: no cluster named nope');
  });
});

describe('backup on the command line', () => {
  it('exits 2 with backup.not-available for --what velero, and 2 for a bad --keep, before opening the project', async () => {
    const cwd = tempDir();
    const velero = await runCli(['backup', '--what', 'vault,velero', '-o', 'json'], { cwd });
    expect(velero.code).toBe(2);
    expect(JSON.parse(velero.stdout)).toMatchObject({ error: { code: 'backup.not-available', exitCode: 2 } });
    const keep = await runCli(['backup', '--keep', 'forever'], { cwd });
    expect(keep.code).toBe(2);
    expect(keep.stderr).toContain('--keep forever: not a count or a duration');
    const list = await runCli(['backup', 'list', '--keep', '3'], { cwd });
    expect(list.code).toBe(2);
    const action = await runCli(['backup', 'restore'], { cwd });
    expect(action.code).toBe(2);
    expect(action.stderr).toContain('the only action is "list"');
    expect(existsSync(join(cwd, 'backups'))).toBe(false);
  });
});
