/**
 * The run as the dashboard shows it: the plan's graph with each step's state, the runs the
 * engine wrote (one JSON-lines event file per run, `.platformctl/logs/<run>/events.jsonl`), a
 * run folded from its events, its timeline, and the tail of a step's log. The follower reads the
 * event files another process is writing, so the page sees an `up` started in any terminal.
 */
import { access, readdir, readFile } from 'node:fs/promises';
import type { StepState } from '../engine/state.js';
import type { EngineEvent, ErrorInfo, StepOutcome } from '../engine/types.js';
import type { Plan } from '../plan/plan.js';
import { stepStatus } from '../plan/status.js';
import type { ProjectLayout } from '../project/layout.js';

/** What a step shows: its plan status until a run touches it, then what that run did. */
export type StepView =
  'new' | 'changed' | 'unchanged' | 'failed' | 'drifted' | 'pending' | 'running' | 'retrying' | StepOutcome;

export interface GraphStep {
  readonly id: string;
  readonly cluster: string;
  readonly addon?: string;
  readonly kind: string;
  readonly phase: string;
  readonly description: string;
  readonly dependsOn: readonly string[];
  readonly expectedDurationMs: number;
  /** Against the state: new, changed, unchanged or failed. */
  readonly status: string;
  /** The longest chain of dependencies before it: its column in the graph. */
  readonly depth: number;
  readonly critical: boolean;
  readonly last?: { readonly outcome: string; readonly runId: string; readonly durationMs?: number };
}

export interface RunGraph {
  readonly steps: readonly GraphStep[];
  readonly criticalPath: Plan['criticalPath'];
}

export function runGraph(plan: Plan, recorded: Readonly<Record<string, StepState>>): RunGraph {
  const critical = new Set(plan.criticalPath.ids);
  const depth = new Map<string, number>();
  // The plan is in topological order: every dependency has its depth already.
  for (const step of plan.steps)
    depth.set(
      step.id,
      step.dependsOn.length === 0 ? 0 : 1 + Math.max(...step.dependsOn.map((d) => depth.get(d) ?? 0)),
    );
  return {
    criticalPath: plan.criticalPath,
    steps: plan.steps.map((step) => {
      const last = recorded[step.id];
      return {
        id: step.id,
        cluster: step.cluster,
        ...(step.addon ? { addon: step.addon } : {}),
        kind: step.kind,
        phase: step.phase,
        description: step.description,
        dependsOn: step.dependsOn,
        expectedDurationMs: step.expectedDurationMs,
        status: stepStatus(step, last),
        depth: depth.get(step.id)!,
        critical: critical.has(step.id),
        ...(last
          ? {
              last: {
                outcome: last.outcome,
                runId: last.runId,
                ...(last.durationMs !== undefined ? { durationMs: last.durationMs } : {}),
              },
            }
          : {}),
      };
    }),
  };
}

export interface StepRun {
  readonly id: string;
  readonly state: 'running' | 'retrying' | StepOutcome;
  readonly attempt: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly error?: ErrorInfo;
  readonly detail?: string;
  readonly blockedBy?: string;
}

export interface RunView {
  readonly runId: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly ok?: boolean;
  /** Steps the run covers. */
  readonly total?: number;
  readonly durationMs?: number;
  readonly steps: Readonly<Record<string, StepRun>>;
}

/** One event applied to a run: the one fold, for the run page's snapshot and the views the page is sent. */
export function applyEvent(run: RunView, event: EngineEvent): RunView {
  switch (event.type) {
    case 'run-started':
      return { runId: event.runId, startedAt: event.at, total: event.steps, steps: {} };
    case 'run-finished':
      return { ...run, finishedAt: event.at, ok: event.ok, durationMs: event.durationMs };
    case 'step-started':
      return {
        ...run,
        steps: {
          ...run.steps,
          [event.id]: {
            id: event.id,
            state: 'running',
            attempt: event.attempt,
            startedAt: run.steps[event.id]?.startedAt ?? event.at,
          },
        },
      };
    case 'step-retry': {
      const before = run.steps[event.id];
      return {
        ...run,
        steps: {
          ...run.steps,
          [event.id]: {
            ...before,
            id: event.id,
            state: 'retrying',
            attempt: event.attempt,
            error: event.error,
          },
        },
      };
    }
    case 'step-finished':
      return { ...run, steps: { ...run.steps, [event.id]: finishedStep(event) } };
    case 'step-log':
      return run;
  }
}

function finishedStep(event: Extract<EngineEvent, { type: 'step-finished' }>): StepRun {
  return {
    id: event.id,
    state: event.outcome,
    attempt: event.attempts,
    ...(event.startedAt ? { startedAt: event.startedAt } : {}),
    ...(event.finishedAt ? { finishedAt: event.finishedAt } : {}),
    ...(event.durationMs !== undefined ? { durationMs: event.durationMs } : {}),
    ...(event.error ? { error: event.error } : {}),
    ...(event.detail ? { detail: event.detail } : {}),
    ...(event.blockedBy ? { blockedBy: event.blockedBy } : {}),
  };
}

export function foldRun(runId: string, events: readonly EngineEvent[]): RunView {
  return events.reduce(applyEvent, { runId, steps: {} } as RunView);
}

export interface GanttRow {
  readonly id: string;
  readonly state: StepRun['state'];
  /** From the run's start. */
  readonly offsetMs: number;
  readonly durationMs: number;
  readonly critical: boolean;
}

/** Each step that started, by start time; a step still running lasts until `now`. */
export function gantt(
  run: RunView,
  critical: ReadonlySet<string> = new Set(),
  now: Date = new Date(),
): { rows: GanttRow[]; totalMs: number } {
  const origin = run.startedAt ? Date.parse(run.startedAt) : undefined;
  const started = Object.values(run.steps).filter((s) => s.startedAt);
  if (origin === undefined || started.length === 0) return { rows: [], totalMs: 0 };
  const rows = started
    .map((s) => {
      const start = Date.parse(s.startedAt!);
      const end = s.finishedAt ? Date.parse(s.finishedAt) : now.getTime();
      return {
        id: s.id,
        state: s.state,
        offsetMs: Math.max(0, start - origin),
        durationMs: Math.max(0, s.durationMs ?? end - start),
        critical: critical.has(s.id),
      };
    })
    .sort((a, b) => a.offsetMs - b.offsetMs || a.id.localeCompare(b.id));
  const totalMs = Math.max(run.durationMs ?? 0, ...rows.map((r) => r.offsetMs + r.durationMs));
  return { rows, totalMs };
}

/** A run id as the engine makes them (`20260101T120000-a1b2c3`): nothing else names a run directory. */
export const RUN_ID = /^\d{8}T\d{6}-[0-9a-f]{6}$/;

/** The runs with an event file, oldest first (run ids sort by their start). */
export async function listRuns(layout: ProjectLayout): Promise<string[]> {
  const names = await readdir(layout.logsDir).catch(() => [] as string[]);
  const runs: string[] = [];
  for (const name of names.filter((n) => RUN_ID.test(n)).sort())
    if (
      await access(layout.runEvents(name)).then(
        () => true,
        () => false,
      )
    )
      runs.push(name);
  return runs;
}

/**
 * The complete lines of a run's event file from line `from` (0-based) on: a line the engine is
 * still writing (no newline yet) waits for the next read. A line that is not an event is skipped.
 */
export async function readRunEvents(
  layout: ProjectLayout,
  runId: string,
  from = 0,
): Promise<{ events: Array<{ line: number; event: EngineEvent }>; next: number }> {
  const text = await readFile(layout.runEvents(runId), 'utf8').catch(() => '');
  const lines = text.split('\n');
  lines.pop(); // after the last newline: empty, or a line not finished yet
  const events: Array<{ line: number; event: EngineEvent }> = [];
  for (let i = from; i < lines.length; i++) {
    try {
      const event = JSON.parse(lines[i]!) as EngineEvent;
      if (typeof event === 'object' && event !== null && typeof event.type === 'string')
        events.push({ line: i, event });
    } catch {
      // a damaged line: the others still tell the run
    }
  }
  return { events, next: Math.max(from, lines.length) };
}

/** The last `count` lines of a step's log in a run; empty when it wrote none. */
export async function stepLogTail(
  layout: ProjectLayout,
  runId: string,
  stepId: string,
  count = 40,
): Promise<string[]> {
  const text = await readFile(layout.stepLog(runId, stepId), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).slice(-count);
}

export interface Position {
  readonly runId: string;
  /** Lines of that run's event file already delivered. */
  readonly next: number;
}

/** `<run>:<lines delivered>`: what a server-sent event's id carries, and Last-Event-ID brings back. */
export function formatPosition(position: Position): string {
  return `${position.runId}:${position.next}`;
}

export function parsePosition(text: string | undefined): Position | undefined {
  const match = /^(.+):(\d+)$/.exec(text ?? '');
  return match && RUN_ID.test(match[1]!) ? { runId: match[1]!, next: Number(match[2]) } : undefined;
}

/**
 * Follows the runs' event files: the events of the latest run from `after` (or from its first
 * line), then every event written to it and to any run started later, until `signal` aborts.
 */
export async function followRuns(
  layout: ProjectLayout,
  options: {
    after?: Position;
    pollMs?: number;
    signal: AbortSignal;
    onEvent: (event: EngineEvent, position: Position) => void;
    /** Every event written so far is delivered: called before each wait for more. */
    onCaughtUp?: () => void;
  },
): Promise<void> {
  const pollMs = options.pollMs ?? 200;
  let current: Position | undefined = options.after;
  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pollMs);
      options.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  while (!options.signal.aborted) {
    const runs = await listRuns(layout);
    if (!current || !runs.includes(current.runId)) {
      const latest = runs.at(-1);
      current = latest ? { runId: latest, next: 0 } : undefined;
    }
    if (current) {
      const { events, next } = await readRunEvents(layout, current.runId, current.next);
      for (const { line, event } of events) {
        if (options.signal.aborted) return;
        options.onEvent(event, { runId: current.runId, next: line + 1 });
      }
      current = { runId: current.runId, next };
      // A later run: this one's events are all out, so on to it.
      const later = runs.filter((r) => r > current!.runId);
      if (later.length > 0) {
        current = { runId: later[0]!, next: 0 };
        continue;
      }
    }
    options.onCaughtUp?.();
    await sleep();
  }
}

/**
 * The latest run as the page shows it, folded here (the page folds nothing): once every event
 * written so far is read, one view of where the run stands; then a new view for every event
 * written while it is followed, so the page sees each step turn from running to its outcome
 * however fast it goes. `after` (a reconnect's Last-Event-ID) names the run to begin with, which
 * is folded from its start again: each view is whole, so nothing the page missed is lost.
 */
export async function followRunViews(
  layout: ProjectLayout,
  options: {
    after?: Position;
    pollMs?: number;
    signal: AbortSignal;
    onView: (view: RunView, position: Position) => void;
  },
): Promise<void> {
  let view: RunView | undefined;
  let position: Position | undefined;
  let live = false;
  await followRuns(layout, {
    ...(options.after ? { after: { runId: options.after.runId, next: 0 } } : {}),
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    signal: options.signal,
    onEvent: (event, at) => {
      const before = view?.runId === at.runId ? view : { runId: at.runId, steps: {} };
      view = applyEvent(before, event);
      position = at;
      // An event that changes nothing the page shows (none is written today) sends nothing.
      if (live && view !== before) options.onView(view, at);
    },
    onCaughtUp: () => {
      if (!live && view && position) options.onView(view, position);
      live = true;
    },
  });
}
