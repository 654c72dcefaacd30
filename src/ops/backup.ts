/**
 * `backup`: an etcd snapshot of every cluster, taken through its provider (kwok: its etcd on
 * 127.0.0.1; multipass: inside the etcd static pod, copied off the VM), stored under
 * `backups/<cluster>/<id>/` beside a manifest (SHA-256, size, revision, Kubernetes and etcd
 * versions, the node it came from), 0600 files in 0700 directories. A snapshot is written into
 * `<id>.partial/` and renamed only once its copy has been checked (checksum against the node's,
 * `etcdutl snapshot status`), so a failed or interrupted backup never looks like a good one.
 * Retention (seed §15: 7 days; `--keep N|DURATION`) runs after a cluster's backup succeeded and
 * never deletes the newest snapshot that verifies.
 * `--what vault`: a snapshot of Vault's integrated storage (raft) through its API with the root
 * token of `.platformctl/secrets/vault.json`, stored the same way under `backups/vault/<id>/`
 * (`vault.snap`, a gzip'd tar whose SHA256SUMS is checked here), same retention.
 * TODO(#13): Velero backups (`--what velero`).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EtcdClient, type SnapshotStatus } from '../clients/etcd.js';
import { KubeClient } from '../clients/kube.js';
import { VaultClient } from '../clients/vault.js';
import { readSecret } from '../engine/secrets.js';
import { VAULT_SECRET } from '../engine/vault.js';
import { type ErrorObject, errorObject, PlatformctlError } from '../errors.js';
import type { ProjectLayout } from '../project/layout.js';
import type { ClusterProvider, ProviderContext } from '../providers/types.js';
import type { Platform, PlatformCluster } from '../spec/model.js';
import type { Project } from './project.js';
import { inspectRaftSnapshot, type RaftSnapshotInfo } from './vault-snapshot.js';

/** What `backup --what` may name; etcd and vault are available. */
export const BACKUP_KINDS = ['etcd', 'vault', 'velero'] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];
export type AvailableKind = Exclude<BackupKind, 'velero'>;

export const SNAPSHOT_FILE = 'etcd.db';
export const VAULT_SNAPSHOT_FILE = 'vault.snap';
/** Vault's snapshots live in `backups/vault/`, beside the clusters' directories. */
export const VAULT_BACKUPS = 'vault';
export const MANIFEST_FILE = 'manifest.json';
const PARTIAL = '.partial';

/** How many snapshots a cluster keeps: the newest N, or those younger than a duration. */
export type Retention =
  | { readonly kind: 'count'; readonly count: number; readonly text: string }
  | { readonly kind: 'age'; readonly ms: number; readonly text: string };

/** The seed's retention (§15 etcd-snapshot.sh: `find -mtime +7 -delete`). */
export const DEFAULT_RETENTION: Retention = { kind: 'age', ms: 7 * 86_400_000, text: '7d' };

const UNIT_MS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** `--keep`: a count (`5`) or a duration (`90m`, `36h`, `7d`, `2w`). */
export function parseRetention(text: string): Retention {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed) && Number(trimmed) >= 1)
    return { kind: 'count', count: Number(trimmed), text: trimmed };
  const match = /^(\d+)([mhdw])$/.exec(trimmed);
  if (match && Number(match[1]) >= 1)
    return { kind: 'age', ms: Number(match[1]) * UNIT_MS[match[2]!]!, text: trimmed };
  throw new PlatformctlError('usage', 'usage', `--keep ${text}: not a count or a duration`, {
    hint: 'a number of snapshots to keep per cluster (e.g. 5), or an age (90m, 36h, 7d, 2w)',
  });
}

/** Which kinds a `--what` list asks for (default etcd), in order, once each; velero is refused as not available yet. */
export function parseWhat(what: readonly string[] | undefined): AvailableKind[] {
  const wanted = what && what.length > 0 ? what : ['etcd'];
  for (const kind of wanted) {
    if (!(BACKUP_KINDS as readonly string[]).includes(kind))
      throw new PlatformctlError('usage', 'usage', `--what ${kind}: unknown`, {
        hint: `one or more of ${BACKUP_KINDS.join(', ')}`,
      });
    if (kind === 'velero')
      // TODO(#13): Velero on-demand backups (and the schedules' last backups).
      throw new PlatformctlError(
        'backup.not-available',
        'usage',
        `backup --what ${kind} is not available yet in this version`,
        { hint: 'back up etcd and Vault: platformctl backup --what etcd,vault' },
      );
  }
  return [...new Set(wanted as AvailableKind[])];
}

/** What every manifest.json records: what the snapshot is, where it is from, its file's checksum. */
interface ManifestBase {
  readonly format: 1;
  readonly what: AvailableKind;
  readonly platform: string;
  /** The cluster whose etcd it is; for Vault, the cluster Vault serves (the management cluster). */
  readonly cluster: string;
  readonly provider: string;
  readonly createdAt: string;
  readonly file: string;
  readonly sha256: string;
  readonly size: number;
}

/** What is recorded beside each etcd snapshot (manifest.json). */
export interface SnapshotManifest extends ManifestBase {
  readonly what: 'etcd';
  /** The etcd revision the snapshot holds: what a restore goes back to. */
  readonly revision: number;
  readonly totalKeys: number;
  /** etcd's hash of the contents (`etcdutl snapshot status`). */
  readonly etcdHash: number;
  readonly etcdVersion: string;
  readonly storageVersion: string;
  /** The API server's version when the snapshot was taken; null when it did not answer. */
  readonly kubernetesVersion: string | null;
  /** The machine the snapshot was taken on. */
  readonly node: string;
  readonly endpoint: string;
}

/** What is recorded beside each Vault snapshot (manifest.json). */
export interface VaultSnapshotManifest extends ManifestBase {
  readonly what: 'vault';
  readonly vaultVersion: string;
  readonly storageType: 'raft';
  /** The raft index and term the snapshot holds (its meta.json): what a restore goes back to. */
  readonly raftIndex: number;
  readonly raftTerm: number;
  /** Where it came from: Vault's API address. */
  readonly address: string;
}

export type BackupManifest = SnapshotManifest | VaultSnapshotManifest;

/** A snapshot's id: its UTC time, sortable, safe as a directory name (`20261203T142248Z`). */
export function snapshotId(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(/[-:]/g, '');
}

/** The time an id stands for (ids of one second get a `-2`, `-3`, ... suffix). */
export function idTime(id: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-\d+)?$/.exec(id);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

export interface RetentionEntry {
  readonly id: string;
  readonly createdAt: Date;
  /** The snapshot verifies: its manifest is readable and its file matches it. */
  readonly good: boolean;
}

/**
 * Which snapshots retention removes: beyond the newest `count`, or older than the duration; never
 * the newest good one, even when it is beyond the limit. Pure.
 */
export function retentionPlan(
  entries: readonly RetentionEntry[],
  keep: Retention,
  now: Date,
): { keep: string[]; remove: string[] } {
  const newestFirst = [...entries].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const newestGood = newestFirst.find((e) => e.good)?.id;
  const result = { keep: [] as string[], remove: [] as string[] };
  newestFirst.forEach((entry, index) => {
    const expired =
      keep.kind === 'count' ? index >= keep.count : now.getTime() - entry.createdAt.getTime() > keep.ms;
    (expired && entry.id !== newestGood ? result.remove : result.keep).push(entry.id);
  });
  return result;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A Vault a snapshot can be taken of: its address, what it runs, and the snapshot itself. */
export interface VaultAccess {
  readonly address: string;
  /** `sys/seal-status`: version, storage type, sealed. */
  readonly identify: () => Promise<{ version: string; storageType: string; sealed: boolean }>;
  /** Streams a raft snapshot into `path` (a new file). */
  readonly snapshot: (path: string, signal?: AbortSignal) => Promise<void>;
}

/** What a backup needs from the world; `projectBackupDeps` wires a project's. */
export interface BackupDeps {
  readonly platform: Platform;
  readonly layout: ProjectLayout;
  readonly provider: Pick<ClusterProvider, 'etcdSnapshot'> & { readonly traits: { readonly name: string } };
  /** `etcdutl snapshot status` of a file. */
  readonly inspect: (path: string, signal?: AbortSignal) => Promise<SnapshotStatus>;
  /** The API server's gitVersion. */
  readonly kubernetesVersion: (cluster: PlatformCluster) => Promise<string>;
  /** The running Vault with its root token; throws a typed error saying why there is none. */
  readonly vault?: (signal?: AbortSignal) => Promise<VaultAccess>;
  /** Reads a Vault snapshot file (default: the structure and SHA256SUMS check of vault-snapshot.ts). */
  readonly inspectVault?: (path: string, signal?: AbortSignal) => Promise<RaftSnapshotInfo>;
  readonly now: () => Date;
}

export interface BackupEvent {
  readonly cluster: string;
  readonly message: string;
}

export interface BackupOptions {
  readonly clusters?: readonly string[];
  readonly what?: readonly string[];
  readonly keep?: Retention;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: BackupEvent) => void;
}

export interface ClusterBackup {
  /** The cluster whose etcd it is; for Vault, `vault` (its directory under backups/). */
  readonly cluster: string;
  readonly what: AvailableKind;
  readonly ok: boolean;
  /** The snapshot written, when ok. */
  readonly snapshot?: { readonly id: string; readonly dir: string; readonly manifest: BackupManifest };
  readonly error?: ErrorObject;
  /** Snapshot ids retention removed. */
  readonly removed: readonly string[];
  readonly durationMs: number;
}

export interface BackupReport {
  readonly ok: boolean;
  readonly keep: string;
  readonly backups: readonly ClusterBackup[];
}

/** The clusters of the spec a `--cluster` list names; an unknown name is a usage error. */
export function selectClusters(platform: Platform, names?: readonly string[]): PlatformCluster[] {
  if (!names || names.length === 0) return [...platform.clusters];
  const known = new Set(platform.clusters.map((c) => c.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0)
    throw new PlatformctlError('usage', 'usage', `--cluster: no cluster named ${unknown.join(', ')}`, {
      hint: `the spec has ${[...known].join(', ')}`,
    });
  return platform.clusters.filter((c) => names.includes(c.name));
}

async function privateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
}

/** A new directory for a snapshot of this second (`<id>.partial`); ids of one second get a suffix. */
async function newSnapshotDir(clusterDir: string, at: Date): Promise<{ id: string; partial: string }> {
  const base = snapshotId(at);
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    const taken = await Promise.all(
      [id, `${id}${PARTIAL}`].map((name) =>
        stat(join(clusterDir, name)).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (taken.some(Boolean)) continue;
    const partial = join(clusterDir, `${id}${PARTIAL}`);
    try {
      await mkdir(partial, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue; // a concurrent backup took it
      throw error;
    }
    await chmod(partial, 0o700);
    return { id, partial };
  }
}

/** What a kind of snapshot does inside `storeSnapshot`. */
interface SnapshotWork {
  readonly log: (message: string) => void;
  /** Creates `backups/<set>/<id>.partial/` (0700) and returns where the snapshot file goes in it. */
  readonly newFile: (name: string) => Promise<{ path: string; createdAt: Date }>;
}

/**
 * One snapshot set's backup (a cluster's etcd, Vault): `work` takes and checks the file in a
 * `.partial` directory and returns its manifest; then the manifest is written beside it, the
 * directory renamed into place, and retention run. On any failure the partial directory goes and
 * the entry says why.
 */
async function storeSnapshot(
  deps: BackupDeps,
  options: BackupOptions,
  keep: Retention,
  set: { readonly name: string; readonly what: AvailableKind },
  work: (step: SnapshotWork) => Promise<{ manifest: BackupManifest; summary: string }>,
): Promise<ClusterBackup> {
  const started = Date.now();
  const log = (message: string) => options.onEvent?.({ cluster: set.name, message });
  const setDir = deps.layout.clusterBackups(set.name);
  let made: { id: string; partial: string } | undefined;
  let partial: string | undefined;
  try {
    const { manifest, summary } = await work({
      log,
      newFile: async (name) => {
        await privateDir(deps.layout.backupsDir);
        await privateDir(setDir);
        const createdAt = deps.now();
        made = await newSnapshotDir(setDir, createdAt);
        partial = made.partial;
        return { path: join(made.partial, name), createdAt };
      },
    });
    if (!made || !partial) throw new Error(`the ${set.what} backup wrote no snapshot`);
    const { id } = made;
    await writeFile(join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await chmod(join(partial, MANIFEST_FILE), 0o600);
    const dir = join(setDir, id);
    await rename(partial, dir);
    partial = undefined;
    log(`saved ${dir} (${summary}), verified`);
    const removed = await applyRetention(deps, set.name, keep, deps.now(), options.signal);
    if (removed.length > 0) log(`retention (${keep.text}) removed ${removed.join(', ')}`);
    return {
      cluster: set.name,
      what: set.what,
      ok: true,
      snapshot: { id, dir, manifest },
      removed,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    if (partial) await rm(partial, { recursive: true, force: true });
    log(`failed: ${(error as Error).message.split('\n')[0]}`);
    return {
      cluster: set.name,
      what: set.what,
      ok: false,
      error: errorObject(error),
      removed: [],
      durationMs: Date.now() - started,
    };
  }
}

/** The snapshot of one cluster's etcd, checked against the node's checksum and by etcdutl. */
function backupCluster(
  deps: BackupDeps,
  cluster: PlatformCluster,
  options: BackupOptions,
  keep: Retention,
): Promise<ClusterBackup> {
  return storeSnapshot(
    deps,
    options,
    keep,
    { name: cluster.name, what: 'etcd' },
    async ({ log, newFile }) => {
      if (!deps.provider.etcdSnapshot)
        throw new PlatformctlError(
          'backup.unsupported',
          'failed',
          `provider ${deps.provider.traits.name} cannot take etcd snapshots`,
        );
      const { path: file, createdAt } = await newFile(SNAPSHOT_FILE);
      const context: ProviderContext = {
        layout: deps.layout,
        log: (e) => log(e.message),
        ...(options.signal ? { signal: options.signal } : {}),
      };
      const taken = await deps.provider.etcdSnapshot(
        { platform: deps.platform, cluster, path: file },
        context,
      );
      const kubernetesVersion = deps.kubernetesVersion(cluster).catch((error: unknown) => {
        log(`the API server did not say its version: ${(error as Error).message.split('\n')[0]}`);
        return null;
      });
      await chmod(file, 0o600);
      const [sha256, { size }] = await Promise.all([sha256Of(file), stat(file)]);
      if (taken.sourceSha256 !== undefined && taken.sourceSha256 !== sha256)
        throw new PlatformctlError(
          'backup.copy-mismatch',
          'failed',
          `the copy of ${cluster.name}'s snapshot differs from the file on ${taken.node} (SHA-256 ${sha256}, on the node ${taken.sourceSha256})`,
          { hint: 'run the backup again' },
        );
      const status = await deps.inspect(file, options.signal);
      const manifest: SnapshotManifest = {
        format: 1,
        what: 'etcd',
        platform: deps.platform.name,
        cluster: cluster.name,
        provider: deps.provider.traits.name,
        createdAt: createdAt.toISOString(),
        file: SNAPSHOT_FILE,
        sha256,
        size,
        revision: status.revision,
        totalKeys: status.totalKeys,
        etcdHash: status.hash,
        etcdVersion: taken.etcdVersion,
        storageVersion: status.storageVersion,
        kubernetesVersion: await kubernetesVersion,
        node: taken.node,
        endpoint: taken.endpoint,
      };
      return { manifest, summary: `${size} bytes, revision ${status.revision}` };
    },
  );
}

/** Why there is no Vault snapshot to take, as a typed error (exit 3 through the report). */
function noVault(message: string, hint: string): PlatformctlError {
  return new PlatformctlError('backup.vault-unreachable', 'failed', message, { hint });
}

/** Vault's raft snapshot, checked and renamed into place under backups/vault/; then retention. */
function backupVault(deps: BackupDeps, options: BackupOptions, keep: Retention): Promise<ClusterBackup> {
  return storeSnapshot(
    deps,
    options,
    keep,
    { name: VAULT_BACKUPS, what: 'vault' },
    async ({ log, newFile }) => {
      if (deps.platform.clusters.some((c) => c.name === VAULT_BACKUPS))
        throw new PlatformctlError(
          'backup.name-clash',
          'failed',
          `a cluster is named ${VAULT_BACKUPS}: its etcd snapshots and Vault's would share backups/${VAULT_BACKUPS}/`,
          { hint: `rename the cluster, or back up its etcd only: --what etcd` },
        );
      if (!deps.platform.clusters.some((c) => c.addons.includes('vault')))
        throw noVault(
          'the platform runs no Vault (the vault add-on is disabled)',
          'back up etcd: --what etcd',
        );
      if (!deps.vault)
        throw noVault(
          `provider ${deps.provider.traits.name} gives no way to reach Vault for a snapshot`,
          'back up etcd: --what etcd',
        );
      const vault = await deps.vault(options.signal);
      const identity = await vault.identify();
      if (identity.sealed)
        throw noVault(`Vault at ${vault.address} is sealed`, 'platformctl up unseals it with the saved keys');
      if (identity.storageType !== 'raft')
        throw new PlatformctlError(
          'backup.vault-not-raft',
          'failed',
          `Vault at ${vault.address} runs on ${identity.storageType || 'unknown'} storage; only integrated storage (raft) has snapshots`,
          {
            hint: 'a Vault platformctl starts now runs on raft; one started by an earlier version keeps its file storage',
          },
        );
      log(`Vault ${identity.version} (raft) at ${vault.address}`);
      const { path: file, createdAt } = await newFile(VAULT_SNAPSHOT_FILE);
      await vault.snapshot(file, options.signal);
      await chmod(file, 0o600);
      const [sha256, { size }] = await Promise.all([sha256Of(file), stat(file)]);
      if (size === 0)
        throw new PlatformctlError(
          'backup.vault-snapshot-invalid',
          'failed',
          'Vault sent an empty snapshot',
          {
            hint: 'run the backup again',
          },
        );
      const info = await (deps.inspectVault ?? inspectRaftSnapshot)(file, options.signal);
      const manifest: VaultSnapshotManifest = {
        format: 1,
        what: 'vault',
        platform: deps.platform.name,
        cluster: deps.platform.managementCluster,
        provider: deps.provider.traits.name,
        createdAt: createdAt.toISOString(),
        file: VAULT_SNAPSHOT_FILE,
        sha256,
        size,
        vaultVersion: identity.version,
        storageType: 'raft',
        raftIndex: info.index,
        raftTerm: info.term,
        address: vault.address,
      };
      return { manifest, summary: `${size} bytes, raft index ${info.index}` };
    },
  );
}

/**
 * Snapshots of every selected cluster's etcd and (`--what vault`) of Vault, at once; one that
 * fails does not stop the others. Usage errors (`--what`, `--cluster`) are thrown before anything
 * is taken. `--cluster` selects etcd snapshots; Vault's is taken whenever `--what` names it.
 */
export async function backup(deps: BackupDeps, options: BackupOptions = {}): Promise<BackupReport> {
  const what = parseWhat(options.what);
  const clusters = selectClusters(deps.platform, options.clusters);
  const keep = options.keep ?? DEFAULT_RETENTION;
  const backups = await Promise.all([
    ...(what.includes('etcd') ? clusters.map((c) => backupCluster(deps, c, options, keep)) : []),
    ...(what.includes('vault') ? [backupVault(deps, options, keep)] : []),
  ]);
  return { ok: backups.every((b) => b.ok), keep: keep.text, backups };
}

export interface SnapshotEntry {
  /** The cluster whose etcd it is; for Vault's snapshots, `vault`. */
  readonly cluster: string;
  readonly what: AvailableKind;
  readonly id: string;
  readonly dir: string;
  readonly createdAt?: string;
  readonly ageSeconds?: number;
  readonly manifest?: BackupManifest;
  /**
   * The file matches its manifest (checksum, size) and reads back as what it says: etcdutl with
   * the same revision and hash; a Vault snapshot's archive and SHA256SUMS at the same raft index.
   */
  readonly verifies: boolean;
  /** Why it does not verify. */
  readonly problem?: string;
}

export async function readManifest(dir: string): Promise<BackupManifest | undefined> {
  const text = await readFile(join(dir, MANIFEST_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<BackupManifest>;
    return parsed.format === 1 && typeof parsed.sha256 === 'string' && typeof parsed.file === 'string'
      ? (parsed as BackupManifest)
      : undefined;
  } catch {
    return undefined;
  }
}

/** How `verify` reads a snapshot back: etcdutl for etcd's, the archive check for Vault's. */
interface Readers {
  readonly inspect: BackupDeps['inspect'];
  readonly inspectVault: NonNullable<BackupDeps['inspectVault']>;
}

/** Whether a snapshot directory holds what its manifest says; with `readers`, it is also read back. */
export async function verifySnapshot(
  dir: string,
  manifest: BackupManifest | undefined,
  readers: Readers | undefined,
  signal?: AbortSignal,
): Promise<{ verifies: boolean; problem?: string }> {
  if (!manifest) return { verifies: false, problem: `no readable ${MANIFEST_FILE}` };
  const file = join(dir, manifest.file);
  const size = await stat(file).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) return { verifies: false, problem: `${manifest.file} is missing` };
  if (size !== manifest.size)
    return {
      verifies: false,
      problem: `${manifest.file} has ${size} bytes, the manifest says ${manifest.size}`,
    };
  if ((await sha256Of(file)) !== manifest.sha256)
    return { verifies: false, problem: `${manifest.file} does not match its SHA-256` };
  if (!readers) return { verifies: true };
  try {
    if (manifest.what === 'vault') {
      const info = await readers.inspectVault(file, signal);
      if (info.index !== manifest.raftIndex || info.term !== manifest.raftTerm)
        return {
          verifies: false,
          problem: `the snapshot holds raft index ${info.index} (term ${info.term}), the manifest says ${manifest.raftIndex} (term ${manifest.raftTerm})`,
        };
      return { verifies: true };
    }
    const status = await readers.inspect(file, signal);
    if (status.revision !== manifest.revision || status.hash !== manifest.etcdHash)
      return {
        verifies: false,
        problem: `etcdutl reads revision ${status.revision} (hash ${status.hash}), the manifest says ${manifest.revision} (hash ${manifest.etcdHash})`,
      };
    return { verifies: true };
  } catch (error) {
    return { verifies: false, problem: (error as Error).message.split('\n')[0]! };
  }
}

/** The snapshot directories of one cluster: finished ones, or (`partial`) those of a backup in flight or interrupted. */
async function snapshotDirs(clusterDir: string, partial = false): Promise<string[]> {
  const entries = await readdir(clusterDir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .filter((name) =>
      partial ? name.endsWith(PARTIAL) && idTime(name.slice(0, -PARTIAL.length)) : idTime(name),
    )
    .sort();
}

/** A `.partial` directory older than this is an interrupted backup (a backup takes minutes at most). */
const STALE_PARTIAL_MS = 3_600_000;

/** Removes what retention no longer keeps of a cluster's snapshots; returns their ids. */
async function applyRetention(
  deps: Pick<BackupDeps, 'layout'>,
  cluster: string,
  keep: Retention,
  now: Date,
  signal?: AbortSignal,
): Promise<string[]> {
  const clusterDir = deps.layout.clusterBackups(cluster);
  const entries = await Promise.all(
    (await snapshotDirs(clusterDir)).map(async (id): Promise<RetentionEntry> => {
      const dir = join(clusterDir, id);
      const manifest = await readManifest(dir);
      // The checksum is enough to tell good from damaged here; `backup list` also has etcdutl read each.
      const { verifies } = await verifySnapshot(dir, manifest, undefined, signal);
      const created = manifest ? new Date(manifest.createdAt) : idTime(id)!;
      return { id, createdAt: Number.isNaN(created.getTime()) ? idTime(id)! : created, good: verifies };
    }),
  );
  const { remove } = retentionPlan(entries, keep, now);
  // What interrupted backups left: never a snapshot that verified.
  const stale = (await snapshotDirs(clusterDir, true)).filter(
    (name) => now.getTime() - idTime(name.slice(0, -PARTIAL.length))!.getTime() > STALE_PARTIAL_MS,
  );
  for (const id of [...remove, ...stale]) await rm(join(clusterDir, id), { recursive: true, force: true });
  return [...remove, ...stale].sort();
}

/** Every snapshot under backups/ (of the selected clusters; `vault` selects Vault's), newest first, each verified. */
export async function listBackups(
  deps: Pick<BackupDeps, 'layout' | 'inspect' | 'inspectVault' | 'now'>,
  options: { clusters?: readonly string[]; signal?: AbortSignal } = {},
): Promise<SnapshotEntry[]> {
  const clusters = (await readdir(deps.layout.backupsDir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .filter((c) => !options.clusters || options.clusters.length === 0 || options.clusters.includes(c))
    .sort();
  const now = deps.now();
  const readers: Readers = { inspect: deps.inspect, inspectVault: deps.inspectVault ?? inspectRaftSnapshot };
  const perCluster = await Promise.all(
    clusters.map(async (cluster) => {
      const clusterDir = deps.layout.clusterBackups(cluster);
      const what: AvailableKind = cluster === VAULT_BACKUPS ? 'vault' : 'etcd';
      const ids = (await snapshotDirs(clusterDir)).reverse();
      const incomplete = (await snapshotDirs(clusterDir, true)).map((name): SnapshotEntry => {
        const created = idTime(name.slice(0, -PARTIAL.length))!;
        return {
          cluster,
          what,
          id: name,
          dir: join(clusterDir, name),
          createdAt: created.toISOString(),
          ageSeconds: Math.max(0, Math.round((now.getTime() - created.getTime()) / 1000)),
          verifies: false,
          problem:
            'incomplete: a backup in progress, or an interrupted one (the next backup removes it after an hour)',
        };
      });
      const finished = await Promise.all(
        ids.map(async (id): Promise<SnapshotEntry> => {
          const dir = join(clusterDir, id);
          const manifest = await readManifest(dir);
          const checked = await verifySnapshot(dir, manifest, readers, options.signal);
          const created = manifest ? new Date(manifest.createdAt) : idTime(id);
          return {
            cluster,
            what: manifest?.what ?? what,
            id,
            dir,
            ...(created && !Number.isNaN(created.getTime())
              ? {
                  createdAt: created.toISOString(),
                  ageSeconds: Math.max(0, Math.round((now.getTime() - created.getTime()) / 1000)),
                }
              : {}),
            ...(manifest ? { manifest } : {}),
            ...checked,
          };
        }),
      );
      return [...finished, ...incomplete].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    }),
  );
  return perCluster.flat();
}

/**
 * A project's backup dependencies: its provider, the harness's (or PATH's) etcdutl, its
 * kubeconfigs, and the Vault the provider runs with the root token from secrets/vault.json.
 */
export function projectBackupDeps(project: Project, now: () => Date = () => new Date()): BackupDeps {
  // Found when first needed: a Vault-only backup needs no etcdutl.
  let etcd: EtcdClient | undefined;
  const etcdClient = () =>
    (etcd ??= EtcdClient.find({ env: project.env, projectDir: project.dir, runner: project.runner }));
  const provider = project.provider();
  return {
    platform: project.platform,
    layout: project.layout,
    provider,
    inspect: (path, signal) => etcdClient().snapshotStatus(path, signal),
    kubernetesVersion: async (cluster) => {
      const access = provider.access(project.platform, cluster, { layout: project.layout });
      const client = await KubeClient.fromFile(access.kubeconfig, access.context);
      const version = await Promise.race([
        client.get<{ gitVersion?: string }>('/version'),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('no answer within 10s')), 10_000).unref(),
        ),
      ]);
      if (!version.gitVersion) throw new Error('/version has no gitVersion');
      return version.gitVersion;
    },
    vault: async () => {
      if (!provider.runningVault)
        throw noVault(
          `provider ${provider.traits.name} cannot reach Vault for a snapshot yet`,
          'back up etcd: --what etcd',
        );
      // On Multipass this is Vault's pinned address, which no test here may dial: the snapshot
      // path is tested on kwok's real Vault only.
      const endpoint = await provider.runningVault({ layout: project.layout }, project.platform);
      if (!endpoint)
        throw noVault(
          'Vault is not running',
          `platformctl up starts it (the ${project.platform.managementCluster}/vault steps)`,
        );
      const secret = await readSecret<{ rootToken?: string }>(project.layout, VAULT_SECRET);
      if (!secret?.rootToken)
        throw noVault(
          `Vault runs at ${endpoint.address} but ${project.layout.secretFile(VAULT_SECRET)} holds no root token`,
          'restore the file from your backup of it',
        );
      const client = new VaultClient(endpoint, secret.rootToken);
      return {
        address: endpoint.address,
        identify: async () => {
          const status = await client.sealStatus();
          return {
            version: status.version ?? 'unknown',
            storageType: status.storage_type ?? '',
            sealed: status.sealed,
          };
        },
        snapshot: async (path, signal) => {
          await client.raftSnapshot(path, signal);
        },
      };
    },
    now,
  };
}
