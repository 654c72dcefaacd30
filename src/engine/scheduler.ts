/**
 * Runs the executable graph: critical-path-first list scheduling under global, per-cluster and
 * per-provider limits, with a deadline per attempt, backoff retries of transient failures,
 * failure isolation (dependents of a failed step are skipped, independent branches go on) and
 * cancellation. The caller persists state in `onSettled`, which gates every dependent.
 */
import { PlatformctlError } from '../errors.js';
import { setMaxListeners } from 'node:events';
import { errorInfo, StepTimeoutError } from './errors.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_RETRY,
  type ConcurrencyLimits,
  type EngineEvent,
  type ErrorInfo,
  type ExecutableStep,
  type RetryPolicy,
  type StepContext,
  type StepOutcome,
  type StepResult,
  type StepRunRecord,
} from './types.js';

export interface SchedulerOptions {
  /** Default DEFAULT_CONCURRENCY. */
  readonly concurrency?: ConcurrencyLimits;
  /** Default DEFAULT_RETRY. */
  readonly retry?: RetryPolicy;
  /** Cancellation (Ctrl-C): running steps get their signal aborted, nothing new starts. */
  readonly signal?: AbortSignal;
  /** step-started, step-retry, step-log and step-finished; the caller emits run-started/run-finished. */
  readonly onEvent?: (event: EngineEvent) => void;
  /**
   * Awaited after each step ends (any outcome, including skipped/cancelled), before any dependent
   * starts: the caller saves state here. If it throws, the run stops like a cancellation and
   * runGraph rejects with that error once the running steps have settled.
   */
  readonly onSettled?: (record: StepRunRecord) => Promise<void> | void;
  /** Receives StepContext.log lines (which are also emitted as step-log events). */
  readonly log?: (stepId: string, line: string) => void;
  /** Backoff waits (not deadlines); may resolve or reject early when the signal aborts. Default real timers. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Clock in ms for records, events and the makespan. Default Date.now. */
  readonly now?: () => number;
  /** Default errorInfo from errors.ts. */
  readonly classify?: (error: unknown) => ErrorInfo;
}

export interface GraphResult {
  /** Every step succeeded or was unchanged. */
  readonly ok: boolean;
  /** One per step, in the input order. */
  readonly records: readonly StepRunRecord[];
  readonly makespanMs: number;
}

/** A malformed step graph: a bug in the planner, never the user's input. */
export class GraphError extends PlatformctlError {
  override readonly name = 'GraphError';
  constructor(message: string) {
    super('engine.graph', 'failed', message);
  }
}

type GraphNode = Pick<ExecutableStep, 'id' | 'dependsOn'>;
type WeightedNode = Pick<ExecutableStep, 'id' | 'dependsOn' | 'expectedDurationMs'>;

const SUCCESS: ReadonlySet<StepOutcome> = new Set(['succeeded', 'unchanged']);
// setTimeout fires at once for longer delays, which would time every step out immediately.
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** Ids with every dependency before its dependents; throws GraphError on a malformed graph. */
function topologicalOrder(steps: readonly GraphNode[]): string[] {
  const byId = new Map<string, GraphNode>();
  for (const step of steps) {
    if (byId.has(step.id)) throw new GraphError(`duplicate step id "${step.id}"`);
    byId.set(step.id, step);
  }
  for (const step of steps)
    for (const dep of step.dependsOn)
      if (!byId.has(dep)) throw new GraphError(`step "${step.id}" depends on unknown step "${dep}"`);

  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const order: string[] = [];
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting')
      throw new GraphError(`dependency cycle: ${[...path.slice(path.indexOf(id)), id].join(' -> ')}`);
    state.set(id, 'visiting');
    path.push(id);
    for (const dep of byId.get(id)!.dependsOn) visit(dep);
    path.pop();
    state.set(id, 'done');
    order.push(id);
  };
  for (const step of steps) visit(step.id);
  return order;
}

export function validateGraph(steps: readonly GraphNode[]): void {
  topologicalOrder(steps);
}

function dependentsOf(steps: readonly GraphNode[]): Map<string, string[]> {
  const dependents = new Map<string, string[]>(steps.map((step) => [step.id, []]));
  for (const step of steps) for (const dep of new Set(step.dependsOn)) dependents.get(dep)!.push(step.id);
  return dependents;
}

/** For each step: its expectedDurationMs plus the longest chain of dependents after it ("bottom level"). */
export function priorities(steps: readonly WeightedNode[]): Map<string, number> {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const dependents = dependentsOf(steps);
  const level = new Map<string, number>();
  for (const id of topologicalOrder(steps).reverse()) {
    const after = Math.max(0, ...dependents.get(id)!.map((dependent) => level.get(dependent)!));
    level.set(id, byId.get(id)!.expectedDurationMs + after);
  }
  return level;
}

function assertUsableLimits(limits: ConcurrencyLimits): void {
  const named: [string, number][] = [
    ['global', limits.global],
    ['perCluster', limits.perCluster],
    ...Object.entries(limits.perProvider).map(([provider, limit]): [string, number] => [
      `perProvider.${provider}`,
      limit,
    ]),
  ];
  // A limit below one would leave its steps waiting forever.
  for (const [name, limit] of named)
    if (!(limit >= 1)) throw new RangeError(`concurrency limit ${name} must be at least 1, got ${limit}`);
}

function realSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const wake = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal.addEventListener('abort', wake, { once: true });
  });
}

export async function runGraph(
  steps: readonly ExecutableStep[],
  options: SchedulerOptions = {},
): Promise<GraphResult> {
  const priority = priorities(steps);
  const limits = options.concurrency ?? DEFAULT_CONCURRENCY;
  assertUsableLimits(limits);
  const retry = options.retry ?? DEFAULT_RETRY;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const classify = options.classify ?? errorInfo;
  const emit = options.onEvent ?? (() => {});
  const iso = (ms: number = now()) => new Date(ms).toISOString();
  const runStartedAt = now();

  const inputIndex = new Map(steps.map((step, index) => [step.id, index]));
  const byInputOrder = (a: string, b: string) => inputIndex.get(a)! - inputIndex.get(b)!;
  // Ties fall back to the input order so that the same graph always starts in the same order.
  const waiting = new Set(
    [...steps].sort((a, b) => priority.get(b.id)! - priority.get(a.id)! || byInputOrder(a.id, b.id)),
  );
  const byId = new Map(steps.map((step) => [step.id, step]));
  const dependents = dependentsOf(steps);
  const records = new Map<string, StepRunRecord>();
  const satisfied = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  const running = { total: 0, byCluster: new Map<string, number>(), byProvider: new Map<string, number>() };

  const stop = new AbortController();
  // Every running step listens on it: as many listeners as steps at once is expected, not a leak.
  setMaxListeners(0, stop.signal);
  let settleFailure: { readonly error: unknown } | undefined;
  const cancel = () => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) cancel();
  else options.signal?.addEventListener('abort', cancel, { once: true });

  const providerLimit = (provider: string) =>
    // hasOwn: a provider named like an Object.prototype member must not read that member.
    Object.hasOwn(limits.perProvider, provider) ? limits.perProvider[provider]! : Infinity;
  const fits = (step: ExecutableStep) =>
    running.total < limits.global &&
    (running.byCluster.get(step.cluster) ?? 0) < limits.perCluster &&
    (step.provider === undefined ||
      (running.byProvider.get(step.provider) ?? 0) < providerLimit(step.provider));
  const occupy = (step: ExecutableStep, delta: 1 | -1) => {
    running.total += delta;
    running.byCluster.set(step.cluster, (running.byCluster.get(step.cluster) ?? 0) + delta);
    if (step.provider !== undefined)
      running.byProvider.set(step.provider, (running.byProvider.get(step.provider) ?? 0) + delta);
  };

  const announce = async (record: StepRunRecord) => {
    emit({ type: 'step-finished', at: iso(), ...record });
    // Once saving has failed the run is lost; more saves would only fail again.
    if (!settleFailure) await options.onSettled?.(record);
  };

  function attemptOnce(step: ExecutableStep, attempt: number): Promise<StepResult> {
    const controller = new AbortController();
    const forwardStop = () => controller.abort(stop.signal.reason);
    stop.signal.addEventListener('abort', forwardStop, { once: true });
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
    // Racing the deadline, not trusting the step to honour its signal, is what keeps a hung step from hanging the run.
    const deadline = new Promise<never>((_, reject) => {
      deadlineTimer = setTimeout(
        () => {
          const timeout = new StepTimeoutError(step.id, step.timeoutMs);
          controller.abort(timeout);
          reject(timeout);
        },
        Math.min(step.timeoutMs, LONGEST_TIMER_MS),
      );
    });
    const context: StepContext = {
      signal: controller.signal,
      attempt,
      log: (line) => {
        options.log?.(step.id, line);
        emit({ type: 'step-log', id: step.id, cluster: step.cluster, line });
      },
    };
    // Deferred so that a step throwing synchronously fails its attempt like one that rejects.
    const work = Promise.resolve().then(() => step.run(context));
    return Promise.race([work, deadline]).finally(() => {
      clearTimeout(deadlineTimer);
      stop.signal.removeEventListener('abort', forwardStop);
    });
  }

  async function execute(step: ExecutableStep): Promise<StepRunRecord> {
    const startedAt = now();
    const ended = (fields: Pick<StepRunRecord, 'outcome' | 'attempts' | 'error' | 'outputs' | 'detail'>) => {
      const finishedAt = now();
      const record: StepRunRecord = {
        id: step.id,
        cluster: step.cluster,
        startedAt: iso(startedAt),
        finishedAt: iso(finishedAt),
        durationMs: finishedAt - startedAt,
        ...fields,
      };
      return record;
    };
    const maxAttempts = Math.max(1, retry.attempts);
    // Every step's log exists and ends with how the step ended: the path printed for a failed
    // step always leads to its error.
    const logLine = (line: string) => options.log?.(step.id, line);
    for (let attempt = 1; ; attempt++) {
      emit({ type: 'step-started', id: step.id, cluster: step.cluster, attempt, at: iso() });
      logLine(`attempt ${attempt} of ${maxAttempts} started`);
      try {
        const { outcome, outputs, detail } = await attemptOnce(step, attempt);
        logLine(`${outcome}${detail ? `: ${detail}` : ''}`);
        return ended({
          outcome,
          attempts: attempt,
          ...(outputs ? { outputs } : {}),
          ...(detail ? { detail } : {}),
        });
      } catch (error) {
        // Whatever a step throws once its signal was aborted by the stop is a consequence of the stop.
        if (stop.signal.aborted) {
          logLine('cancelled');
          return ended({ outcome: 'cancelled', attempts: attempt });
        }
        const info = classify(error);
        logLine(`attempt ${attempt} failed${info.transient ? ' (transient)' : ''}: ${info.message}`);
        if (info.commandLine) logLine(`command: ${info.commandLine} (exit code ${info.exitCode ?? 'none'})`);
        if (info.outputTail) logLine(`output (last lines):\n${info.outputTail}`);
        if (!info.transient || attempt >= maxAttempts)
          return ended({ outcome: 'failed', attempts: attempt, error: info });
        const delayMs = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
        emit({
          type: 'step-retry',
          id: step.id,
          cluster: step.cluster,
          attempt,
          delayMs,
          error: info,
          at: iso(),
        });
        // The sleep may reject on abort instead of resolving; the check below covers both.
        await sleep(delayMs, stop.signal).catch(() => {});
        if (stop.signal.aborted) return ended({ outcome: 'cancelled', attempts: attempt });
      }
    }
  }

  /** Takes every not-yet-started transitive dependent of a failed step out of the queue. */
  function skipDependentsOf(failedId: string): StepRunRecord[] {
    const skipped: StepRunRecord[] = [];
    const frontier = [failedId];
    for (let id = frontier.pop(); id !== undefined; id = frontier.pop())
      for (const dependentId of dependents.get(id)!) {
        const dependent = byId.get(dependentId)!;
        // Not waiting: already skipped, with its own dependents, by an earlier failure.
        if (!waiting.delete(dependent)) continue;
        const record: StepRunRecord = {
          id: dependentId,
          cluster: dependent.cluster,
          outcome: 'skipped',
          attempts: 0,
          blockedBy: failedId,
        };
        records.set(dependentId, record);
        skipped.push(record);
        frontier.push(dependentId);
      }
    return skipped.sort((a, b) => byInputOrder(a.id, b.id));
  }

  async function runTask(step: ExecutableStep): Promise<void> {
    try {
      const record = await execute(step);
      records.set(step.id, record);
      // Skipped at once, before any await, so that no dependent can start meanwhile.
      const skipped = record.outcome === 'failed' ? skipDependentsOf(step.id) : [];
      await announce(record);
      if (SUCCESS.has(record.outcome)) satisfied.add(step.id);
      for (const skip of skipped) await announce(skip);
    } catch (error) {
      settleFailure ??= { error };
      stop.abort(error);
    } finally {
      occupy(step, -1);
    }
  }

  function startReadySteps(): void {
    for (const step of waiting) {
      if (stop.signal.aborted) return;
      if (!fits(step) || !step.dependsOn.every((dep) => satisfied.has(dep))) continue;
      waiting.delete(step);
      occupy(step, 1);
      const task: Promise<void> = runTask(step).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  }

  try {
    for (;;) {
      if (!stop.signal.aborted) startReadySteps();
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
    }
    // Still waiting: the run stopped before their turn came.
    for (const step of waiting) {
      const record: StepRunRecord = { id: step.id, cluster: step.cluster, outcome: 'cancelled', attempts: 0 };
      records.set(step.id, record);
      await announce(record).catch((error: unknown) => {
        settleFailure ??= { error };
      });
    }
  } finally {
    options.signal?.removeEventListener('abort', cancel);
  }
  if (settleFailure) throw settleFailure.error;
  const ordered = steps.map((step) => records.get(step.id)!);
  return {
    ok: ordered.every((r) => SUCCESS.has(r.outcome)),
    records: ordered,
    makespanMs: now() - runStartedAt,
  };
}
