/**
 * The state file, `.platformctl/state.json`: what the last run that touched each step recorded,
 * and the latest runs. `plan` reads `steps[id].inputsHash` and `.outcome` from it without this
 * module, so those stay where they are.
 */
import { PlatformctlError, type ErrorDetails } from '../errors.js';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { projectLayout } from '../project/layout.js';
import { isProcessAlive } from './lock.js';
import type { ErrorInfo, StepOutcome } from './types.js';

export const STATE_VERSION = 1;
const MAX_RUNS = 20;
/** Temp files of `replace`, named after their writer's pid so orphans of a crash can be told apart. */
const TEMP_FILE = /^state\.json(?:\.bak)?\.(\d+)\.[0-9a-f]+\.tmp$/;

/** What the last run that touched a step recorded. */
export interface StepState {
  readonly inputsHash: string;
  readonly outcome: StepOutcome;
  readonly runId: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly attempts: number;
  readonly outputs?: Readonly<Record<string, unknown>>;
  readonly error?: ErrorInfo;
  readonly detail?: string;
}

export interface RunSummaryState {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly ok?: boolean;
  readonly command: string;
  readonly logDir: string;
  readonly counts?: Record<string, number>;
}

/** A cluster a provider created (or connected to) for this project: what `down` removes, spec or no spec. */
export interface ClusterRecord {
  readonly role: 'management' | 'workload';
  readonly nodes: readonly string[];
}

export interface PlatformState {
  readonly version: 1;
  readonly platform: string;
  readonly provider: string;
  readonly steps: Readonly<Record<string, StepState>>;
  /** By name; recorded before the provider first creates anything for the cluster. */
  readonly clusters?: Readonly<Record<string, ClusterRecord>>;
  /** Oldest first, at most 20. */
  readonly runs: readonly RunSummaryState[];
}

export class StateError extends PlatformctlError {
  override readonly name = 'StateError';
  constructor(message: string, details: ErrorDetails = {}) {
    super('state.invalid', 'input', message, details);
  }
}

export function statePath(projectDir: string): string {
  return projectLayout(projectDir).stateFile;
}

export function emptyState(platform: string, provider: string): PlatformState {
  return { version: STATE_VERSION, platform, provider, steps: {}, runs: [] };
}

/** Undefined when there is no state file yet. */
export async function readState(projectDir: string): Promise<PlatformState | undefined> {
  const path = statePath(projectDir);
  const text = await readFile(path, 'utf8').catch((e: unknown) =>
    (e as { code?: unknown }).code === 'ENOENT' ? undefined : Promise.reject(e),
  );
  if (text === undefined) return undefined;
  const state = parseState(text);
  if (typeof state === 'string') {
    throw new StateError(
      `${path} ${state}; restore ${path}.bak or remove it (every step then counts as new and runs again)`,
    );
  }
  return state;
}

/**
 * Crash safety: state.json is only ever replaced by rename(2), which swaps the directory entry
 * atomically, so at every instant it holds the old or the new content in full. Contents are
 * fsynced before the rename and the directory after it, so the new name cannot outlive a power
 * loss without its data. The backup goes the same way before that, leaving state.json untouched;
 * a crash between the two renames leaves a .bak equal to state.json, which is harmless.
 */
export async function writeState(projectDir: string, state: PlatformState): Promise<void> {
  const { stateDir: dir, stateFile: path } = projectLayout(projectDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await sweepOrphans(dir);
  const previous = await readFile(path, 'utf8').catch(() => undefined);
  // A damaged state.json must not overwrite the good backup the user would restore.
  if (previous !== undefined && typeof parseState(previous) !== 'string')
    await replace(dir, `${path}.bak`, previous);
  await replace(dir, path, serialize(state));
}

/** Serialises the writes of one run: each call persists the state after it, in call order. */
export class StateStore {
  #state: PlatformState;
  #written: PlatformState | undefined;
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly projectDir: string,
    initial: PlatformState,
  ) {
    this.#state = initial;
  }

  get current(): PlatformState {
    return this.#state;
  }

  recordStep(id: string, step: StepState): Promise<void> {
    return this.#update((s) => ({ ...s, steps: { ...s.steps, [id]: step } }));
  }

  /** Replaces the run with the same id, or appends it. */
  recordRun(run: RunSummaryState): Promise<void> {
    return this.#update((s) => {
      const at = s.runs.findIndex((r) => r.runId === run.runId);
      const runs = at < 0 ? [...s.runs, run] : s.runs.map((r, i) => (i === at ? run : r));
      return { ...s, runs: runs.slice(-MAX_RUNS) };
    });
  }

  recordCluster(name: string, record: ClusterRecord): Promise<void> {
    return this.#update((s) => ({ ...s, clusters: { ...s.clusters, [name]: record } }));
  }

  /** Forgets clusters and every step recorded for them. */
  forgetClusters(names: readonly string[]): Promise<void> {
    const gone = new Set(names);
    return this.#update((s) => ({
      ...s,
      clusters: Object.fromEntries(Object.entries(s.clusters ?? {}).filter(([name]) => !gone.has(name))),
      steps: Object.fromEntries(Object.entries(s.steps).filter(([id]) => !gone.has(id.split('/')[0]!))),
    }));
  }

  forget(ids: readonly string[]): Promise<void> {
    const gone = new Set(ids);
    return this.#update((s) => ({
      ...s,
      steps: Object.fromEntries(Object.entries(s.steps).filter(([id]) => !gone.has(id))),
    }));
  }

  #update(change: (state: PlatformState) => PlatformState): Promise<void> {
    // Applied at once, so `current` and the order of changes follow the calls; a write queued
    // behind others persists the newest state, which makes the writes it would repeat unnecessary.
    this.#state = change(this.#state);
    const write = this.#queue.then(async () => {
      const latest = this.#state;
      if (latest === this.#written) return;
      await writeState(this.projectDir, latest);
      this.#written = latest;
    });
    // A failed write is reported to its caller but must not stop the ones queued after it.
    this.#queue = write.catch(() => undefined);
    return write;
  }
}

/** The state, or what is wrong with the text. */
function parseState(text: string): PlatformState | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'is not valid JSON';
  }
  if (!isPlainObject(value)) return 'is not a JSON object';
  if (value.version !== STATE_VERSION)
    return `has version ${JSON.stringify(value.version)}, but this platformctl reads version ${STATE_VERSION}`;
  if (typeof value.platform !== 'string' || typeof value.provider !== 'string')
    return 'lacks platform or provider';
  const steps = value.steps;
  const stepOk = (s: unknown) =>
    isPlainObject(s) && typeof s.inputsHash === 'string' && typeof s.outcome === 'string';
  if (!isPlainObject(steps) || !Object.values(steps).every(stepOk)) return 'has malformed steps';
  if (!Array.isArray(value.runs)) return 'has malformed runs';
  return value as unknown as PlatformState;
}

function serialize(state: PlatformState): string {
  const { version, platform, provider } = state;
  const steps = sortKeys(state.steps);
  const clusters = state.clusters ? { clusters: sortKeys(state.clusters) } : {};
  return `${JSON.stringify({ version, platform, provider, ...clusters, steps, runs: state.runs.slice(-MAX_RUNS) }, null, 2)}\n`;
}

/** Sorted at every level so that a step's record diffs the same whichever order it was built in. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys(value[k])]),
  );
}

async function replace(dir: string, target: string, content: string): Promise<void> {
  const temp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const file = await open(temp, 'wx', 0o600);
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  // Windows cannot open a directory; its renames are as durable as they get without this.
  const handle = await open(dir, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
}

const swept = new Set<string>();

/** Once per process and directory: temp files whose writer died mid-write. */
async function sweepOrphans(dir: string): Promise<void> {
  if (swept.has(dir)) return;
  swept.add(dir);
  for (const name of await readdir(dir)) {
    const pid = Number(TEMP_FILE.exec(name)?.[1]);
    if (pid && pid !== process.pid && !isProcessAlive(pid))
      await unlink(join(dir, name)).catch(() => undefined);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
