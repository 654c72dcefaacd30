/**
 * `restore <cluster> --from <backup>`: puts a cluster's etcd back to a snapshot `backup` took.
 *
 * Before anything changes, the preconditions are checked and shown: the snapshot exists, its
 * checksum and `etcdutl snapshot status` match its manifest, it belongs to this platform's
 * cluster, which revision it goes back to and what is lost (the time since, the live revision
 * against the snapshot's); then `yes` or a confirmation. The provider's steps follow (stop the API
 * server and etcd, restore into a new data directory, swap it in keeping the old one, start and
 * wait for the API and nodes), each recorded in a journal (`.platformctl/restore/<cluster>.json`,
 * 0600) before and after it runs. A step that fails has every step done so far undone in reverse
 * (the old data directory back, the cluster started again), so a failed restore leaves the cluster
 * as it was. A run killed midway leaves the journal: the next `restore` of that cluster resumes it
 * (same snapshot) or rolls it back (another snapshot, or a rollback in progress). After the start,
 * `verify` of that cluster runs; the time from the start of the run to its passing is the RTO.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { SnapshotStatus } from '../clients/etcd.js';
import { type ErrorObject, errorObject, type HasDetails, PlatformctlError } from '../errors.js';
import type { ProjectLayout } from '../project/layout.js';
import type {
  ClusterProvider,
  EtcdRestoreProcedure,
  EtcdRestoreStep,
  ProviderContext,
} from '../providers/types.js';
import type { Platform, PlatformCluster } from '../spec/model.js';
import {
  idTime,
  listBackups,
  readManifest,
  SNAPSHOT_FILE,
  type SnapshotManifest,
  snapshotId,
  verifySnapshot,
} from './backup.js';
import type { VerifyReport } from './verify.js';
import { acquireLock } from '../engine/lock.js';
import { projectBackupDeps } from './backup.js';
import type { Project } from './project.js';

/** Kubernetes' guidance for `--bump-revision`: far beyond what a cluster writes between a backup and its restore. */
export const BASE_REVISION_BUMP = 1_000_000_000;

/** How far the revision jumps: the base, plus whatever the cluster wrote since the snapshot, so it never goes back. */
export function revisionBump(snapshotRevision: number, liveRevision: number | undefined): number {
  return BASE_REVISION_BUMP + Math.max(0, (liveRevision ?? 0) - snapshotRevision);
}

export interface PreconditionCheck {
  /** Stable: backup.exists, backup.checksum, backup.status, backup.cluster, cluster.etcd. */
  readonly id: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** What `restore` checked and shows before it changes anything. */
export interface RestorePreconditions {
  readonly cluster: string;
  readonly backup: { readonly id: string; readonly dir: string };
  readonly manifest?: SnapshotManifest;
  readonly checks: readonly PreconditionCheck[];
  readonly ok: boolean;
  /** The revision the cluster goes back to. */
  readonly snapshotRevision?: number;
  /** The member's revision now; absent when it does not answer. */
  readonly liveRevision?: number;
  /** Seconds since the snapshot was taken: what was written since is lost. */
  readonly ageSeconds?: number;
  readonly bumpRevision?: number;
  /** Where the old data directory is kept after the swap. */
  readonly keptDir?: string;
}

export interface RestoreStepReport {
  readonly id: string;
  readonly title: string;
  /** done (by this run), done earlier (by a run that was killed), failed, undone, undo failed. */
  readonly outcome: 'done' | 'done earlier' | 'failed' | 'undone' | 'undo failed';
  readonly durationMs?: number;
  readonly detail?: string;
}

export interface RestoreReport {
  readonly cluster: string;
  readonly backup: { readonly id: string; readonly dir: string };
  /** restored: the snapshot is in and the cluster serves; rolled-back: it is as it was before. */
  readonly outcome: 'restored' | 'rolled-back';
  /** This run finished or rolled back one that an earlier run started (and was killed). */
  readonly resumed?: { readonly startedAt: string; readonly backupId: string };
  readonly preconditions?: RestorePreconditions;
  readonly steps: readonly RestoreStepReport[];
  /** Why it rolled back. */
  readonly error?: ErrorObject;
  /** `verify` of the cluster after the restore. */
  readonly verify?: VerifyReport;
  /** From the start of this run to the passing verify (absent when verify did not pass). */
  readonly rtoMs?: number;
  readonly durationMs: number;
  readonly keptDir?: string;
  /** ok: restored and verify passed. */
  readonly ok: boolean;
}

export interface RestoreEvent {
  readonly cluster: string;
  readonly step?: string;
  readonly message: string;
}

/** What a restore needs from the world; `projectRestoreDeps` wires a project's. */
export interface RestoreDeps {
  readonly platform: Platform;
  readonly layout: ProjectLayout;
  readonly providerName: string;
  readonly provider: Pick<ClusterProvider, 'etcdRestore'>;
  /** `etcdutl snapshot status` of a file. */
  readonly inspect: (path: string, signal?: AbortSignal) => Promise<SnapshotStatus>;
  /** `verify` of one cluster. */
  readonly verify: (cluster: string) => Promise<VerifyReport>;
  /** The platform's lock, as `up` and `down` take it. */
  readonly lock: (command: string, runId: string) => Promise<{ release(): Promise<void> }>;
  readonly now: () => Date;
}

export interface RestoreOptions {
  readonly cluster: string;
  /** A snapshot id under backups/<cluster>/, `latest` (the newest that verifies), or an absolute directory. */
  readonly from: string;
  /** Go ahead without asking. */
  readonly yes?: boolean;
  /** Asked after the preconditions passed, unless `yes`; absent and no `yes`: refused. */
  readonly confirm?: (preconditions: RestorePreconditions) => Promise<boolean>;
  readonly onPreconditions?: (preconditions: RestorePreconditions) => void;
  readonly onEvent?: (event: RestoreEvent) => void;
  /** Aborted: no further step starts, and what was done is undone. */
  readonly signal?: AbortSignal;
}

export type RestoreErrorCode =
  | 'restore.unknown-cluster'
  | 'restore.not-available'
  | 'restore.backup-missing'
  | 'restore.precondition-failed'
  | 'restore.confirmation-required'
  | 'restore.declined'
  | 'restore.rollback-failed';

/** A restore refused or left unfinished; `details()` has the preconditions when they were checked. */
export class RestoreError extends PlatformctlError implements HasDetails {
  override readonly name = 'RestoreError';
  constructor(
    code: RestoreErrorCode,
    kind: 'input' | 'usage' | 'failed',
    message: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
    hint?: string,
    cause?: unknown,
  ) {
    super(code, kind, message, { ...(hint ? { hint } : {}), ...(cause ? { cause } : {}) });
  }

  details(): Readonly<Record<string, unknown>> {
    return this.extra;
  }
}

/** The journal of a restore in progress: what `restore` reads again after a crash. */
export interface RestoreJournal {
  readonly format: 1;
  readonly restoreId: string;
  readonly cluster: string;
  readonly backup: { readonly id: string; readonly dir: string; readonly sha256: string };
  readonly bumpRevision: number;
  readonly startedAt: string;
  phase: 'restoring' | 'rolling-back';
  /** Steps finished, in order. */
  done: string[];
  /** The step started and not finished (the one a crash interrupted). */
  current?: string;
  failure?: string;
}

export function journalPath(layout: ProjectLayout, cluster: string): string {
  return join(layout.stateDir, 'restore', `${cluster}.json`);
}

export async function readJournal(
  layout: ProjectLayout,
  cluster: string,
): Promise<RestoreJournal | undefined> {
  const text = await readFile(journalPath(layout, cluster), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as RestoreJournal;
    return parsed.format === 1 && Array.isArray(parsed.done) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole (temp file, rename), 0600 in a 0700 directory: a crash leaves the old or the new. */
async function writeJournal(layout: ProjectLayout, journal: RestoreJournal): Promise<void> {
  const path = journalPath(layout, journal.cluster);
  const dir = join(layout.stateDir, 'restore');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(journal, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
}

async function removeJournal(layout: ProjectLayout, cluster: string): Promise<void> {
  await rm(journalPath(layout, cluster), { force: true });
}

function clusterOf(platform: Platform, name: string): PlatformCluster {
  const cluster = platform.clusters.find((c) => c.name === name);
  if (!cluster)
    throw new RestoreError(
      'restore.unknown-cluster',
      'usage',
      `no cluster named ${name}`,
      {},
      `the spec has ${platform.clusters.map((c) => c.name).join(', ')}`,
    );
  return cluster;
}

/** The snapshot directory `--from` names: an id under backups/<cluster>/, `latest`, or an absolute path. */
export async function resolveBackup(
  deps: Pick<RestoreDeps, 'layout' | 'inspect' | 'now'>,
  cluster: string,
  from: string,
  signal?: AbortSignal,
): Promise<{ id: string; dir: string }> {
  if (from === 'latest') {
    const entries = await listBackups(deps, { clusters: [cluster], ...(signal ? { signal } : {}) });
    const good = entries.find((e) => e.what === 'etcd' && e.verifies);
    if (!good)
      throw new RestoreError(
        'restore.backup-missing',
        'input',
        `no snapshot of ${cluster} that verifies under ${deps.layout.clusterBackups(cluster)}`,
        {},
        `take one: platformctl backup --cluster ${cluster}; see them: platformctl backup list`,
      );
    return { id: good.id, dir: good.dir };
  }
  if (isAbsolute(from)) return { id: from.split('/').filter(Boolean).at(-1) ?? from, dir: from };
  if (from.includes('/') || !idTime(from))
    throw new RestoreError(
      'restore.backup-missing',
      'usage',
      `--from ${from}: not a snapshot id (like ${snapshotId(deps.now())}), latest, or a directory`,
      {},
      `platformctl backup list --cluster ${cluster} shows the snapshots there are`,
    );
  return { id: from, dir: join(deps.layout.clusterBackups(cluster), from) };
}

/** Every precondition, checked without changing anything. */
export async function checkPreconditions(
  deps: RestoreDeps,
  cluster: PlatformCluster,
  backup: { id: string; dir: string },
  procedure: EtcdRestoreProcedure,
  context: ProviderContext,
): Promise<RestorePreconditions> {
  const checks: PreconditionCheck[] = [];
  const base = { cluster: cluster.name, backup };
  const refuse = (): RestorePreconditions => ({ ...base, checks, ok: false });
  const manifest = await readManifest(backup.dir);
  if (!manifest || manifest.what !== 'etcd') {
    checks.push({
      id: 'backup.exists',
      ok: false,
      detail: manifest
        ? `${backup.dir} is a ${manifest.what} snapshot, not etcd's`
        : `${backup.dir} has no readable manifest.json`,
    });
    return refuse();
  }
  checks.push({
    id: 'backup.exists',
    ok: true,
    detail: `${backup.dir} (${manifest.file}, ${manifest.size} bytes)`,
  });
  const sum = await verifySnapshot(backup.dir, manifest, undefined, context.signal);
  checks.push({
    id: 'backup.checksum',
    ok: sum.verifies,
    detail: sum.verifies ? `SHA-256 ${manifest.sha256.slice(0, 16)}… matches the manifest` : sum.problem!,
  });
  if (!sum.verifies) return { ...refuse(), manifest };
  const status = await deps.inspect(join(backup.dir, manifest.file), context.signal).then(
    (s) => ({ s }),
    (e: unknown) => ({ e: (e as Error).message.split('\n')[0]! }),
  );
  const statusOk =
    'e' in status ? false : status.s.revision === manifest.revision && status.s.hash === manifest.etcdHash;
  checks.push({
    id: 'backup.status',
    ok: statusOk,
    detail:
      'e' in status
        ? status.e
        : statusOk
          ? `etcdutl reads revision ${status.s.revision}, ${status.s.totalKeys} keys, hash ${status.s.hash}`
          : `etcdutl reads revision ${status.s.revision} (hash ${status.s.hash}), the manifest says ${manifest.revision} (hash ${manifest.etcdHash})`,
  });
  if (!statusOk) return { ...refuse(), manifest };
  const belongs =
    manifest.cluster === cluster.name &&
    manifest.platform === deps.platform.name &&
    manifest.provider === deps.providerName;
  checks.push({
    id: 'backup.cluster',
    ok: belongs,
    detail: belongs
      ? `taken of ${manifest.platform}/${manifest.cluster} (${manifest.provider}) on ${manifest.node}`
      : `taken of ${manifest.platform}/${manifest.cluster} (${manifest.provider}), not of ${deps.platform.name}/${cluster.name} (${deps.providerName})`,
  });
  if (!belongs) return { ...refuse(), manifest };
  const liveRevision = await procedure.liveRevision(context).catch(() => undefined);
  const ageSeconds = Math.max(
    0,
    Math.round((deps.now().getTime() - new Date(manifest.createdAt).getTime()) / 1000),
  );
  checks.push({
    id: 'cluster.etcd',
    ok: true,
    detail:
      liveRevision === undefined
        ? `etcd of ${cluster.name} does not answer: the revision it is at is unknown`
        : `etcd of ${cluster.name} is at revision ${liveRevision}: ${Math.max(0, liveRevision - manifest.revision)} revision(s) since the snapshot are lost`,
  });
  return {
    ...base,
    manifest,
    checks,
    ok: true,
    snapshotRevision: manifest.revision,
    ...(liveRevision !== undefined ? { liveRevision } : {}),
    ageSeconds,
    bumpRevision: revisionBump(manifest.revision, liveRevision),
    keptDir: procedure.keptDir,
  };
}

interface Run {
  readonly deps: RestoreDeps;
  readonly options: RestoreOptions;
  readonly context: ProviderContext;
  readonly procedure: EtcdRestoreProcedure;
  readonly journal: RestoreJournal;
  readonly steps: RestoreStepReport[];
}

function log(run: Pick<Run, 'options' | 'journal'>, message: string, step?: string): void {
  run.options.onEvent?.({ cluster: run.journal.cluster, ...(step ? { step } : {}), message });
}

function firstLine(error: unknown): string {
  return (error as Error).message.split('\n')[0]!;
}

/** Undoes what the journal says was done or begun, newest first; the journal goes when all is undone. */
async function rollBack(run: Run): Promise<void> {
  const { journal, procedure, deps } = run;
  // Never cancelled: an interrupted restore is exactly what has to be put back.
  const context: ProviderContext = { layout: run.context.layout, log: run.context.log };
  journal.phase = 'rolling-back';
  await writeJournal(deps.layout, journal);
  const begun = procedure.steps.filter((s) => journal.done.includes(s.id) || journal.current === s.id);
  for (const step of [...begun].reverse()) {
    const started = Date.now();
    log(run, `undoing: ${step.title}`, step.id);
    try {
      const detail = await step.undo(context);
      run.steps.push({
        id: step.id,
        title: step.title,
        outcome: 'undone',
        durationMs: Date.now() - started,
        ...(detail ? { detail } : {}),
      });
    } catch (error) {
      run.steps.push({
        id: step.id,
        title: step.title,
        outcome: 'undo failed',
        durationMs: Date.now() - started,
        detail: firstLine(error),
      });
      throw new RestoreError(
        'restore.rollback-failed',
        'failed',
        `the restore of ${journal.cluster} failed and undoing "${step.title}" failed too: ${firstLine(error)}`,
        { steps: run.steps, journal: journalPath(deps.layout, journal.cluster) },
        `the old data directory is ${procedure.keptDir} when it was swapped out; run the same restore again to retry the rollback`,
        error,
      );
    }
    journal.done = journal.done.filter((id) => id !== step.id);
    if (journal.current === step.id) delete journal.current;
    await writeJournal(deps.layout, journal);
  }
  await removeJournal(deps.layout, journal.cluster);
  log(run, 'rolled back: the cluster runs on its data from before the restore');
}

/** Runs the steps the journal has not done; on a failure undoes them all and returns the error. */
async function runForward(run: Run): Promise<unknown> {
  const { journal, procedure, deps, options } = run;
  const total = procedure.steps.length;
  for (const [index, step] of procedure.steps.entries()) {
    if (journal.done.includes(step.id)) {
      if (!run.steps.some((s) => s.id === step.id))
        run.steps.push({ id: step.id, title: step.title, outcome: 'done earlier' });
      continue;
    }
    if (options.signal?.aborted) {
      const error = new PlatformctlError('restore.interrupted', 'interrupted', 'the restore was interrupted');
      journal.failure = error.message;
      return error;
    }
    journal.current = step.id;
    await writeJournal(deps.layout, journal);
    const started = Date.now();
    log(run, `[${index + 1}/${total}] ${step.title}`, step.id);
    try {
      const detail = await runStep(step, run.context);
      run.steps.push({
        id: step.id,
        title: step.title,
        outcome: 'done',
        durationMs: Date.now() - started,
        ...(detail ? { detail } : {}),
      });
      if (detail) log(run, `  ${detail}`, step.id);
    } catch (error) {
      run.steps.push({
        id: step.id,
        title: step.title,
        outcome: 'failed',
        durationMs: Date.now() - started,
        detail: firstLine(error),
      });
      log(run, `failed: ${firstLine(error)}; putting everything back`, step.id);
      journal.failure = firstLine(error);
      return error;
    }
    journal.done.push(step.id);
    delete journal.current;
    await writeJournal(deps.layout, journal);
  }
  return undefined;
}

async function runStep(step: EtcdRestoreStep, context: ProviderContext): Promise<string | undefined> {
  return (await step.run(context)) ?? undefined;
}

/**
 * Restores one cluster's etcd from a snapshot, under the platform's lock. Returns the report of a
 * restore that finished (verify passed or not) or rolled back; throws a RestoreError when it is
 * refused before anything changed, or when a rollback could not finish (the journal stays).
 */
export async function restore(deps: RestoreDeps, options: RestoreOptions): Promise<RestoreReport> {
  const started = Date.now();
  const cluster = clusterOf(deps.platform, options.cluster);
  if (!deps.provider.etcdRestore)
    throw new RestoreError(
      'restore.not-available',
      'failed',
      `provider ${deps.providerName} cannot restore a cluster's etcd`,
    );
  const context: ProviderContext = {
    layout: deps.layout,
    log: (e) => options.onEvent?.({ cluster: cluster.name, message: e.message }),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const runId = `restore-${process.pid}-${randomBytes(3).toString('hex')}`;
  const lock = await deps.lock(`restore ${cluster.name} --from ${options.from}`, runId);
  try {
    const backup = await resolveBackup(deps, cluster.name, options.from, options.signal);
    const earlier = await readJournal(deps.layout, cluster.name);
    let resumed: RestoreReport['resumed'];
    const steps: RestoreStepReport[] = [];
    if (earlier) {
      resumed = { startedAt: earlier.startedAt, backupId: earlier.backup.id };
      const procedure = deps.provider.etcdRestore(
        {
          platform: deps.platform,
          cluster,
          snapshot: join(earlier.backup.dir, SNAPSHOT_FILE),
          snapshotSha256: earlier.backup.sha256,
          restoreId: earlier.restoreId,
          bumpRevision: earlier.bumpRevision,
        },
        context,
      );
      const run: Run = { deps, options, context, procedure, journal: earlier, steps };
      const same = earlier.backup.dir === backup.dir && earlier.phase === 'restoring';
      const intact =
        same &&
        (await verifySnapshot(earlier.backup.dir, await readManifest(earlier.backup.dir), undefined))
          .verifies;
      if (same && intact) {
        log(run, `resuming the restore from ${earlier.backup.id} started at ${earlier.startedAt}`);
        return await finish(run, backup, started, resumed);
      }
      log(
        run,
        earlier.phase === 'rolling-back'
          ? `an earlier restore from ${earlier.backup.id} was rolling back: finishing its rollback`
          : same
            ? `the snapshot of the interrupted restore (${earlier.backup.id}) no longer verifies: rolling it back`
            : `an interrupted restore from ${earlier.backup.id} is rolled back first`,
      );
      await rollBack(run);
      if (earlier.backup.dir === backup.dir) return report(run, backup, started, 'rolled-back', { resumed });
      steps.push(...run.steps);
    }
    const probe = deps.provider.etcdRestore(
      {
        platform: deps.platform,
        cluster,
        snapshot: join(backup.dir, SNAPSHOT_FILE),
        restoreId: 'probe',
        bumpRevision: BASE_REVISION_BUMP,
      },
      context,
    );
    const pre = await checkPreconditions(deps, cluster, backup, probe, context);
    const restoreId = snapshotId(deps.now()).toLowerCase();
    const procedure = deps.provider.etcdRestore(
      {
        platform: deps.platform,
        cluster,
        snapshot: join(backup.dir, pre.manifest?.file ?? SNAPSHOT_FILE),
        ...(pre.manifest ? { snapshotSha256: pre.manifest.sha256 } : {}),
        restoreId,
        bumpRevision: pre.bumpRevision ?? BASE_REVISION_BUMP,
      },
      context,
    );
    const shown = pre.ok ? { ...pre, keptDir: procedure.keptDir } : pre;
    options.onPreconditions?.(shown);
    if (!pre.ok) {
      const failed = pre.checks.find((c) => !c.ok)!;
      throw new RestoreError(
        failed.id === 'backup.exists' ? 'restore.backup-missing' : 'restore.precondition-failed',
        'input',
        `refusing to restore ${cluster.name} from ${backup.dir}: ${failed.detail}; nothing was changed`,
        { preconditions: shown },
        `platformctl backup list --cluster ${cluster.name} shows which snapshots verify`,
      );
    }
    if (!options.yes) {
      if (!options.confirm)
        throw new RestoreError(
          'restore.confirmation-required',
          'usage',
          `restoring ${cluster.name} replaces its etcd data: confirm with --yes (no terminal to ask on)`,
          { preconditions: shown },
          `platformctl restore ${cluster.name} --from ${options.from} --yes`,
        );
      if (!(await options.confirm(shown)))
        throw new RestoreError('restore.declined', 'input', 'not confirmed: nothing was changed', {
          preconditions: shown,
        });
    }
    const journal: RestoreJournal = {
      format: 1,
      restoreId,
      cluster: cluster.name,
      backup: { id: backup.id, dir: backup.dir, sha256: pre.manifest!.sha256 },
      bumpRevision: pre.bumpRevision!,
      startedAt: deps.now().toISOString(),
      phase: 'restoring',
      done: [],
    };
    await writeJournal(deps.layout, journal);
    const run: Run = { deps, options, context, procedure, journal, steps };
    return await finish(run, backup, started, resumed, shown);
  } finally {
    await lock.release();
  }
}

/** The forward steps, then verify; or the rollback with the error that caused it. */
async function finish(
  run: Run,
  backup: { id: string; dir: string },
  started: number,
  resumed: RestoreReport['resumed'],
  preconditions?: RestorePreconditions,
): Promise<RestoreReport> {
  const failure = await runForward(run);
  const extra = { ...(resumed ? { resumed } : {}), ...(preconditions ? { preconditions } : {}) };
  if (failure) {
    await rollBack(run);
    return report(run, backup, started, 'rolled-back', { ...extra, error: errorObject(failure) });
  }
  await removeJournal(run.deps.layout, run.journal.cluster);
  log(run, `verify ${run.journal.cluster}`);
  const verified = await run.deps.verify(run.journal.cluster);
  const rtoMs = Date.now() - started;
  log(
    run,
    verified.ok
      ? `restored; verify passed (RTO ${(rtoMs / 1000).toFixed(1)}s)`
      : `restored, but verify fails: ${verified.checks
          .filter((c) => c.status === 'fail')
          .map((c) => c.id)
          .join(', ')}`,
  );
  return report(run, backup, started, 'restored', {
    ...extra,
    verify: verified,
    ...(verified.ok ? { rtoMs } : {}),
  });
}

function report(
  run: Run,
  backup: { id: string; dir: string },
  started: number,
  outcome: RestoreReport['outcome'],
  extra: Partial<RestoreReport>,
): RestoreReport {
  return {
    cluster: run.journal.cluster,
    backup,
    outcome,
    steps: run.steps,
    durationMs: Date.now() - started,
    ...(outcome === 'restored' ? { keptDir: run.procedure.keptDir } : {}),
    ...extra,
    ok: outcome === 'restored' && extra.verify?.ok === true,
  };
}

/** A project's restore dependencies: its provider, etcdutl (as `backup` finds it), its lock and its verify. */
export function projectRestoreDeps(project: Project, now: () => Date = () => new Date()): RestoreDeps {
  const backups = projectBackupDeps(project, now);
  return {
    platform: project.platform,
    layout: project.layout,
    providerName: project.providerName,
    provider: project.provider(),
    inspect: backups.inspect,
    verify: (cluster) => project.verify({ clusters: [cluster] }),
    lock: (command, runId) => acquireLock(project.dir, { command, runId }),
    now,
  };
}
