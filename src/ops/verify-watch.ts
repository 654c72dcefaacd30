/**
 * `verify --watch`: verify again and again until interrupted, and what changed between two runs
 * (a check's status, a check that appeared or went away). The loop takes the run as a function,
 * so tests drive it with scripted reports and a clock of their own.
 */
import { PlatformctlError } from '../errors.js';
import type { VerifyCheck, VerifyReport } from './verify.js';

export interface VerifyChange {
  readonly id: string;
  /** undefined: the check is new in this run. */
  readonly from?: VerifyCheck['status'];
  /** undefined: the check is gone in this run. */
  readonly to?: VerifyCheck['status'];
  readonly evidence?: string;
}

/** Checks whose status differs between two runs, in the order of the newer run (gone ones last). */
export function verifyChanges(previous: VerifyReport, next: VerifyReport): VerifyChange[] {
  const before = new Map(previous.checks.map((c) => [c.id, c]));
  const now = new Set(next.checks.map((c) => c.id));
  const changed = next.checks.flatMap((check): VerifyChange[] => {
    const old = before.get(check.id);
    if (old?.status === check.status) return [];
    return [
      { id: check.id, ...(old ? { from: old.status } : {}), to: check.status, evidence: check.evidence },
    ];
  });
  const gone = previous.checks
    .filter((c) => !now.has(c.id))
    .map((c): VerifyChange => ({ id: c.id, from: c.status }));
  return [...changed, ...gone];
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `--interval`: `10s`, `2m`, `500ms`, or a number of seconds; at least one second. */
export function parseInterval(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNITS[match[2] ?? 's']! : NaN;
  if (!Number.isFinite(ms) || ms < 1000)
    throw new PlatformctlError('usage', 'usage', `--interval ${text}: not a duration of at least 1s`, {
      hint: 'e.g. 10s, 2m (a bare number is seconds)',
    });
  return ms;
}

export interface WatchOptions {
  readonly intervalMs: number;
  readonly signal: AbortSignal;
  /** Each run's report, with what changed since the one before (empty for the first run). */
  readonly onRun: (report: VerifyReport, changes: readonly VerifyChange[], run: number) => void;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `verify` until `signal` aborts, `intervalMs` between the end of one run and the start of
 * the next. Returns the last finished run's report (a run cut short by the signal is dropped).
 */
export async function watchVerify(
  verify: () => Promise<VerifyReport>,
  options: WatchOptions,
): Promise<VerifyReport | undefined> {
  const sleep = options.sleep ?? abortableSleep;
  let last: VerifyReport | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    if (options.signal.aborted) resolve(undefined);
    options.signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  for (let run = 1; !options.signal.aborted; run++) {
    // Interrupted during a run: that run is dropped, the last finished one counts.
    const report = await Promise.race([verify(), aborted]);
    if (!report) break;
    options.onRun(report, last ? verifyChanges(last, report) : [], run);
    last = report;
    await sleep(options.intervalMs, options.signal);
  }
  return last;
}
