import { PROVIDER_TRAITS } from '../providers/traits.js';

/**
 * The engine's vocabulary: executable steps, their results, the events a run emits, and the
 * records the state file keeps. The scheduler, the state store, the step runners and the
 * reporters all speak it; none of them knows the others.
 */

/** How a step ended in a run. `unchanged`: its live check found nothing to do. */
export type StepOutcome = 'succeeded' | 'unchanged' | 'failed' | 'skipped' | 'cancelled';

export interface StepContext {
  /** Aborted when the step times out or the run is cancelled (Ctrl-C). */
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** One line to the step's log file (`.platformctl/logs/<run>/<step>.log`). */
  readonly log: (line: string) => void;
}

export interface StepResult {
  readonly outcome: 'succeeded' | 'unchanged';
  /** What later steps or commands need, e.g. discovered node addresses. Recorded in the state. */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** One line for the user, e.g. "applied 12 objects" or "no drift". */
  readonly detail?: string;
}

/** A node of the graph the scheduler runs. */
export interface ExecutableStep {
  readonly id: string;
  readonly cluster: string;
  /**
   * Set on steps that act through a provider (provision, bootstrap): they share its concurrency
   * limit (kwokctl cannot create clusters in parallel). Steps that talk to the API server leave it unset.
   */
  readonly provider?: string;
  readonly dependsOn: readonly string[];
  /** Used for priorities: the step with the longest remaining path to the end starts first. */
  readonly expectedDurationMs: number;
  readonly timeoutMs: number;
  run(context: StepContext): Promise<StepResult>;
}

/** What a failure looked like, for the user, the state file and `--output json`. */
export interface ErrorInfo {
  readonly message: string;
  readonly transient: boolean;
  /** For failed external commands: the command line, exit code and the tail of the output. */
  readonly commandLine?: string;
  readonly exitCode?: number | null;
  readonly outputTail?: string;
}

export interface StepRunRecord {
  readonly id: string;
  readonly cluster: string;
  readonly outcome: StepOutcome;
  /** Attempts made (0 for skipped or cancelled before starting). */
  readonly attempts: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly error?: ErrorInfo;
  readonly outputs?: Readonly<Record<string, unknown>>;
  readonly detail?: string;
  /** For `skipped`: the failed (or cancelled) dependency that stopped it. */
  readonly blockedBy?: string;
}

export type EngineEvent =
  | { readonly type: 'run-started'; readonly runId: string; readonly steps: number; readonly at: string }
  | {
      readonly type: 'step-started';
      readonly id: string;
      readonly cluster: string;
      readonly attempt: number;
      readonly at: string;
    }
  | {
      readonly type: 'step-retry';
      readonly id: string;
      readonly cluster: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: ErrorInfo;
      readonly at: string;
    }
  | { readonly type: 'step-log'; readonly id: string; readonly cluster: string; readonly line: string }
  | ({ readonly type: 'step-finished'; readonly at: string } & StepRunRecord)
  | {
      readonly type: 'run-finished';
      readonly runId: string;
      readonly ok: boolean;
      readonly counts: Readonly<Record<StepOutcome, number>>;
      readonly durationMs: number;
      readonly at: string;
    };

export interface ConcurrencyLimits {
  readonly global: number;
  readonly perCluster: number;
  /** By provider name; a provider not listed is limited only by the other two. */
  readonly perProvider: Readonly<Record<string, number>>;
}

export interface RetryPolicy {
  /** Attempts in all, including the first (1 = no retry). Only transient failures are retried. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_CONCURRENCY: ConcurrencyLimits = {
  global: 8,
  perCluster: 4,
  // Each provider's own limit for provision and bootstrap steps (providers/traits.ts).
  perProvider: Object.fromEntries(Object.values(PROVIDER_TRAITS).map((t) => [t.name, t.concurrency])),
};

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 2_000, maxDelayMs: 30_000 };
