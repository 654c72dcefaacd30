/**
 * Shows a run as it happens: a live view of the running steps per cluster on a terminal, plain
 * lines without one (CI), or one JSON event per line (`--output json`).
 */
import type { EngineEvent } from '../engine/types.js';

export interface ProgressSink {
  readonly onEvent: (event: EngineEvent) => void;
  /** Stops timers and leaves the screen tidy. */
  readonly close: () => void;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

const SYMBOL: Record<string, string> = {
  succeeded: '✓',
  unchanged: '=',
  failed: '✗',
  skipped: '-',
  cancelled: '!',
};

/** One line per finished step (and per retry); what a log file or CI shows. */
export function finishedLine(event: EngineEvent): string | undefined {
  switch (event.type) {
    case 'run-started':
      return `run ${event.runId}: ${event.steps} step(s)`;
    case 'step-retry':
      return `  ~ ${event.id} attempt ${event.attempt} failed (${event.error.message.split('\n')[0]}); retrying in ${seconds(event.delayMs)}`;
    case 'step-finished': {
      const took = event.durationMs !== undefined ? ` (${seconds(event.durationMs)})` : '';
      const why =
        event.outcome === 'failed'
          ? `: ${event.error?.message.split('\n')[0] ?? 'failed'}`
          : event.outcome === 'skipped' && event.blockedBy
            ? `: blocked by ${event.blockedBy}`
            : event.detail
              ? `: ${event.detail}`
              : '';
      return `  ${SYMBOL[event.outcome] ?? '?'} ${event.id} ${event.outcome}${took}${why}`;
    }
    case 'run-finished': {
      const parts = Object.entries(event.counts)
        .filter(([, n]) => n > 0)
        .map(([outcome, n]) => `${n} ${outcome}`);
      return `${event.ok ? 'done' : 'FAILED'} in ${seconds(event.durationMs)}: ${parts.join(', ') || 'nothing to do'}`;
    }
    default:
      return undefined;
  }
}

export function plainProgress(write: (text: string) => void): ProgressSink {
  return {
    onEvent(event) {
      if (event.type === 'step-started' && event.attempt === 1) write(`  > ${event.id} started\n`);
      const line = finishedLine(event);
      if (line) write(`${line}\n`);
    },
    close() {},
  };
}

export function jsonProgress(write: (text: string) => void): ProgressSink {
  return {
    onEvent(event) {
      // Log lines stay in the step logs: the stream is for machines following the run.
      if (event.type !== 'step-log') write(`${JSON.stringify(event)}\n`);
    },
    close() {},
  };
}

const clock = (ms: number) => {
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
};

/** Cut to the terminal's width, so that no row wraps and the redraw knows how many rows it drew. */
function fit(line: string, columns: number): string {
  const width = Math.max(20, columns - 1);
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, width - 1).join('')}…`;
}

/**
 * A live block under the finished lines: how many steps are done of how many, the time so far
 * and an estimate of what is left (from the pace so far), then one row per cluster with its
 * running steps and how long each has run, redrawn in place, each row cut to the terminal width.
 */
export function liveProgress(
  write: (text: string) => void,
  options: { now?: () => number; columns?: () => number } = {},
): ProgressSink {
  const now = options.now ?? Date.now;
  const columns = options.columns ?? (() => 80);
  const running = new Map<string, { cluster: string; since: number }>();
  const started = now();
  let total = 0;
  let finished = 0;
  let failed = 0;
  let drawn = 0;
  const erase = () => {
    if (drawn > 0) write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  };
  const header = () => {
    const elapsed = now() - started;
    // The pace of the steps finished so far, once there are a few: a rough, honest estimate.
    const left =
      finished >= 3 && finished < total ? ` · ~${clock(((total - finished) * elapsed) / finished)} left` : '';
    return `  ${finished}/${total} steps${failed ? ` (${failed} failed)` : ''} · ${running.size} running · ${clock(elapsed)}${left}`;
  };
  const draw = () => {
    const byCluster = new Map<string, string[]>();
    for (const [id, step] of running) {
      const list = byCluster.get(step.cluster) ?? [];
      list.push(`${id.slice(step.cluster.length + 1)} ${seconds(now() - step.since)}`);
      byCluster.set(step.cluster, list);
    }
    const rows = [...byCluster]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([c, steps]) => `  [${c}] ${steps.join(' · ')}`);
    const lines = total > 0 ? [header(), ...rows] : rows;
    erase();
    const width = columns();
    if (lines.length > 0) write(`${lines.map((l) => fit(l, width)).join('\n')}\n`);
    drawn = lines.length;
  };
  const timer = setInterval(draw, 250);
  timer.unref();
  return {
    onEvent(event) {
      if (event.type === 'run-started') total = event.steps;
      if (event.type === 'step-started') running.set(event.id, { cluster: event.cluster, since: now() });
      if (event.type === 'step-finished') {
        running.delete(event.id);
        finished += 1;
        if (event.outcome === 'failed') failed += 1;
      }
      const line = finishedLine(event);
      if (line) {
        erase();
        write(`${line}\n`);
      }
      draw();
    },
    close() {
      clearInterval(timer);
      erase();
    },
  };
}
