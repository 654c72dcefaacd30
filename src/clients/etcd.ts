/**
 * The one chokepoint into etcd's tools: `etcdctl` talks to a running member (snapshot save,
 * endpoint status), `etcdutl` reads snapshot files (etcd 3.6 moved `snapshot status` and
 * `snapshot restore` there; seed correction 27). Every failure is an EtcdError with a stable code
 * that carries the command line, exit code and output tail of the command that failed.
 */
import { type HasDetails, PlatformctlError } from '../errors.js';
import { findBinaries } from './binaries.js';
import { CommandError, type CommandRunner, commandLine } from './exec.js';

/** How to reach an etcd member: its client URL, and TLS files when it is not plain HTTP. */
export interface EtcdEndpoint {
  readonly url: string;
  readonly cacert?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** What `etcdutl snapshot status -w json` says about a snapshot file. */
export interface SnapshotStatus {
  /** etcd's own hash of the snapshot's contents (not a file checksum). */
  readonly hash: number;
  readonly revision: number;
  readonly totalKeys: number;
  readonly totalSize: number;
  /** The storage version of the snapshot, e.g. `3.6.0`. */
  readonly storageVersion: string;
}

/** What `etcdctl endpoint status -w json` says about the member. */
export interface EndpointStatus {
  /** The server's version, e.g. `3.6.16`. */
  readonly version: string;
  readonly revision: number;
  readonly dbSize: number;
}

export type EtcdErrorCode =
  | 'etcd.snapshot-save-failed'
  | 'etcd.snapshot-invalid'
  | 'etcd.snapshot-restore-failed'
  | 'etcd.status-failed'
  | 'etcd.unexpected-output';

/** The member a snapshot is restored as: its name and peer URL, as etcd runs with them. */
export interface RestoreMember {
  readonly dataDir: string;
  readonly name: string;
  readonly initialCluster: string;
  readonly initialAdvertisePeerUrls: string;
  /** How far the revision jumps (`--bump-revision`, with `--mark-compacted`): watchers see it move on, never back. */
  readonly bumpRevision: number;
}

/**
 * `etcdutl snapshot restore`'s arguments (etcd 3.6: etcdctl has no restore). Kubernetes needs the
 * revision bumped and the old revisions marked compacted, or its watch caches see time go back
 * (etcd-io/etcd#16028; kubernetes.io "Operating etcd clusters", restoring).
 */
export function snapshotRestoreArgs(snapshot: string, member: RestoreMember): string[] {
  return [
    'snapshot',
    'restore',
    snapshot,
    `--data-dir=${member.dataDir}`,
    `--name=${member.name}`,
    `--initial-cluster=${member.initialCluster}`,
    `--initial-advertise-peer-urls=${member.initialAdvertisePeerUrls}`,
    `--bump-revision=${member.bumpRevision}`,
    '--mark-compacted',
  ];
}

/** An etcd tool failed; `details()` has its command line, exit code and output tail. */
export class EtcdError extends PlatformctlError implements HasDetails {
  override readonly name = 'EtcdError';
  readonly commandLine: string;
  readonly exitCode: number | null;
  readonly outputTail: string;

  constructor(
    code: EtcdErrorCode,
    message: string,
    failed: CommandError | { commandLine: string; output: string },
    hint?: string,
  ) {
    const tail =
      failed instanceof CommandError
        ? failed.outputTail
        : failed.output.trimEnd().split('\n').slice(-20).join('\n');
    super(
      code,
      failed instanceof CommandError && failed.kind === 'interrupted' ? 'interrupted' : 'failed',
      `${message}: \`${failed.commandLine}\` ${failed instanceof CommandError ? howItFailed(failed) : 'printed something else'}${tail ? `:\n${tail}` : ''}`,
      { cause: failed, ...(hint ? { hint } : {}) },
    );
    this.commandLine = failed.commandLine;
    this.exitCode = failed instanceof CommandError ? failed.exitCode : 0;
    this.outputTail = tail;
  }

  details(): Record<string, unknown> {
    return { commandLine: this.commandLine, exitCode: this.exitCode, outputTail: this.outputTail };
  }
}

function howItFailed(error: CommandError): string {
  if (error.reason === 'timeout') return 'timed out';
  if (error.reason === 'aborted') return 'was cancelled';
  if (error.reason === 'spawn') return 'could not start';
  return error.signal ? `was killed by ${error.signal}` : `exited with code ${error.exitCode}`;
}

/** The JSON of `etcdutl snapshot status -w json` (also printed inside a VM), checked. */
export function parseSnapshotStatus(stdout: string, commandLine: string): SnapshotStatus {
  const line = stdout.split('\n').find((l) => l.trim().startsWith('{'));
  try {
    const parsed = JSON.parse(line ?? '') as Record<string, unknown>;
    const { hash, revision, totalKey, totalSize, version } = parsed;
    if (
      typeof hash === 'number' &&
      typeof revision === 'number' &&
      typeof totalKey === 'number' &&
      typeof totalSize === 'number' &&
      typeof version === 'string'
    )
      return { hash, revision, totalKeys: totalKey, totalSize, storageVersion: version };
  } catch {
    // reported below
  }
  throw new EtcdError('etcd.unexpected-output', 'cannot read the snapshot status', {
    commandLine,
    output: stdout,
  });
}

/** The JSON of `etcdctl endpoint status -w json` for one endpoint, checked. */
export function parseEndpointStatus(stdout: string, commandLine: string): EndpointStatus {
  try {
    const parsed = JSON.parse(stdout.trim()) as Array<{
      Status?: { version?: unknown; dbSize?: unknown; header?: { revision?: unknown } };
    }>;
    const status = parsed[0]?.Status;
    if (
      typeof status?.version === 'string' &&
      typeof status.dbSize === 'number' &&
      typeof status.header?.revision === 'number'
    )
      return { version: status.version, revision: status.header.revision, dbSize: status.dbSize };
  } catch {
    // reported below
  }
  throw new EtcdError('etcd.unexpected-output', 'cannot read the endpoint status', {
    commandLine,
    output: stdout,
  });
}

/**
 * etcdctl's connection flags: TLS files when given, a short dial timeout, and a command timeout
 * (an unreachable member makes a request wait for all of it).
 */
export function etcdctlFlags(endpoint: EtcdEndpoint, commandTimeout = '60s'): string[] {
  return [
    `--endpoints=${endpoint.url}`,
    '--dial-timeout=5s',
    `--command-timeout=${commandTimeout}`,
    ...(endpoint.cacert ? [`--cacert=${endpoint.cacert}`] : []),
    ...(endpoint.cert ? [`--cert=${endpoint.cert}`] : []),
    ...(endpoint.key ? [`--key=${endpoint.key}`] : []),
  ];
}

const TIMEOUT_MS = 120_000;

export class EtcdClient {
  constructor(
    private readonly runner: CommandRunner,
    private readonly binaries: { readonly etcdctl: string; readonly etcdutl: string },
  ) {}

  /** The harness's (or PATH's) etcdctl and etcdutl; throws binary.missing naming both when absent. */
  static find(options: {
    env: Readonly<Record<string, string | undefined>>;
    projectDir: string;
    runner: CommandRunner;
  }): EtcdClient {
    return new EtcdClient(
      options.runner,
      findBinaries(['etcdctl', 'etcdutl'] as const, { env: options.env, projectDir: options.projectDir }),
    );
  }

  async #run(
    binary: string,
    args: readonly string[],
    code: EtcdErrorCode,
    what: string,
    signal?: AbortSignal,
    hint?: string,
  ) {
    try {
      return await this.runner.run(binary, args, { timeoutMs: TIMEOUT_MS, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (error instanceof CommandError) throw new EtcdError(code, what, error, hint);
      throw error;
    }
  }

  /** Streams a snapshot of the member into `path` (etcdctl writes `path.part`, then renames). */
  async snapshotSave(endpoint: EtcdEndpoint, path: string, signal?: AbortSignal): Promise<void> {
    await this.#run(
      this.binaries.etcdctl,
      [...etcdctlFlags(endpoint), 'snapshot', 'save', path],
      'etcd.snapshot-save-failed',
      `cannot take a snapshot of etcd at ${endpoint.url}`,
      signal,
    );
  }

  async endpointStatus(endpoint: EtcdEndpoint, signal?: AbortSignal): Promise<EndpointStatus> {
    // A status answers at once: an unreachable member fails in seconds, not a minute.
    const args = [...etcdctlFlags(endpoint, '10s'), 'endpoint', 'status', '-w', 'json'];
    const { stdout } = await this.#run(
      this.binaries.etcdctl,
      args,
      'etcd.status-failed',
      `etcd at ${endpoint.url} does not answer`,
      signal,
      'is the cluster running? `platformctl status` shows it; `platformctl up` starts or repairs it',
    );
    return parseEndpointStatus(stdout, commandLine(this.binaries.etcdctl, args));
  }

  /** Restores a snapshot file into a new data directory (which must not exist yet). */
  async snapshotRestore(snapshot: string, member: RestoreMember, signal?: AbortSignal): Promise<void> {
    await this.#run(
      this.binaries.etcdutl,
      snapshotRestoreArgs(snapshot, member),
      'etcd.snapshot-restore-failed',
      `cannot restore ${snapshot} into ${member.dataDir}`,
      signal,
    );
  }

  /** Reads the whole snapshot file (a damaged one fails: etcdutl checks every page it reads). */
  async snapshotStatus(path: string, signal?: AbortSignal): Promise<SnapshotStatus> {
    const args = ['snapshot', 'status', path, '-w', 'json'];
    const { stdout } = await this.#run(
      this.binaries.etcdutl,
      args,
      'etcd.snapshot-invalid',
      `${path} is not a readable etcd snapshot`,
      signal,
    );
    return parseSnapshotStatus(stdout, commandLine(this.binaries.etcdutl, args));
  }
}
