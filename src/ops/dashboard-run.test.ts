import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../engine/types.js';
import { buildPlan } from '../plan/plan.js';
import { projectLayout } from '../project/layout.js';
import { renderPlatform } from '../render/index.js';
import { testPlatform } from '../test-support/render.js';
import {
  followRuns,
  followRunViews,
  foldRun,
  formatPosition,
  gantt,
  listRuns,
  parsePosition,
  readRunEvents,
  runGraph,
  stepLogTail,
  type Position,
  type RunView,
} from './dashboard-run.js';

const platform = testPlatform();
const plan = buildPlan(platform, renderPlatform(platform), 'kwok');

const RUN_A = '20260101T100000-aaaaaa';
const RUN_B = '20260101T110000-bbbbbb';
const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, seconds)).toISOString();

const started = (id: string, s: number, attempt = 1): EngineEvent => ({
  type: 'step-started',
  id,
  cluster: id.split('/')[0]!,
  attempt,
  at: at(s),
});
const finished = (
  id: string,
  from: number,
  to: number,
  outcome: 'succeeded' | 'failed' = 'succeeded',
): EngineEvent => ({
  type: 'step-finished',
  id,
  cluster: id.split('/')[0]!,
  outcome,
  attempts: 1,
  startedAt: at(from),
  finishedAt: at(to),
  durationMs: (to - from) * 1000,
  at: at(to),
  ...(outcome === 'failed'
    ? { error: { message: 'admission webhook denied', transient: false, commandLine: 'x', exitCode: 1 } }
    : { detail: 'applied 3 objects' }),
});
const runStarted = (runId: string, steps = 3): EngineEvent => ({
  type: 'run-started',
  runId,
  steps,
  at: at(0),
});
const runFinished = (runId: string, ok: boolean): EngineEvent => ({
  type: 'run-finished',
  runId,
  ok,
  counts: { succeeded: 1, unchanged: 0, failed: ok ? 0 : 1, skipped: 0, cancelled: 0 },
  durationMs: 9000,
  at: at(9),
});

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function project() {
  const dir = mkdtempSync(join(tmpdir(), 'platformctl-dashboard-run-'));
  made.push(dir);
  const layout = projectLayout(dir);
  const write = (runId: string, events: EngineEvent[], tail = '') => {
    mkdirSync(layout.runLogDir(runId), { recursive: true });
    appendFileSync(layout.runEvents(runId), events.map((e) => `${JSON.stringify(e)}\n`).join('') + tail);
  };
  return { layout, write };
}

describe('the run graph', () => {
  it('gives every plan step its column, its status against the state and whether it is on the critical path', () => {
    const graph = runGraph(plan, {
      'mgmt/provision': {
        inputsHash: plan.steps.find((s) => s.id === 'mgmt/provision')!.inputsHash,
        outcome: 'succeeded',
        runId: RUN_A,
        attempts: 1,
        durationMs: 1200,
      },
      'app1/provision': { inputsHash: 'old', outcome: 'succeeded', runId: RUN_A, attempts: 1 },
      'app2/provision': { inputsHash: 'x', outcome: 'failed', runId: RUN_A, attempts: 3 },
    });
    const by = new Map(graph.steps.map((s) => [s.id, s]));
    expect(graph.steps).toHaveLength(plan.steps.length);
    expect(by.get('mgmt/provision')).toMatchObject({
      depth: 0,
      status: 'unchanged',
      last: { outcome: 'succeeded', runId: RUN_A, durationMs: 1200 },
    });
    expect(by.get('app1/provision')!.status).toBe('changed');
    expect(by.get('app2/provision')!.status).toBe('failed');
    expect(by.get('mgmt/bootstrap')).toMatchObject({ depth: 1, status: 'new' });
    expect(by.get('mgmt/bootstrap')!.last).toBeUndefined();
    // Every step comes after its dependencies.
    for (const step of graph.steps)
      for (const dep of step.dependsOn) expect(by.get(dep)!.depth).toBeLessThan(step.depth);
    expect(graph.steps.filter((s) => s.critical).map((s) => s.id)).toEqual(
      plan.steps.filter((s) => plan.criticalPath.ids.includes(s.id)).map((s) => s.id),
    );
    expect(plan.criticalPath.ids.length).toBeGreaterThan(3);
  });
});

describe('a run folded from its events', () => {
  it('follows each step from running to its outcome, with retries, errors and the run’s end', () => {
    const events: EngineEvent[] = [
      runStarted(RUN_A),
      started('mgmt/provision', 0),
      started('mgmt/bootstrap', 1),
      {
        type: 'step-retry',
        id: 'mgmt/bootstrap',
        cluster: 'mgmt',
        attempt: 1,
        delayMs: 2000,
        error: { message: 'connection refused', transient: true },
        at: at(2),
      },
    ];
    let run = foldRun(RUN_A, events);
    expect(run).toMatchObject({ runId: RUN_A, startedAt: at(0), total: 3 });
    expect(run.steps['mgmt/provision']).toMatchObject({ state: 'running', attempt: 1, startedAt: at(0) });
    expect(run.steps['mgmt/bootstrap']).toMatchObject({
      state: 'retrying',
      error: { message: 'connection refused' },
    });
    run = foldRun(RUN_A, [
      ...events,
      started('mgmt/bootstrap', 4, 2),
      finished('mgmt/provision', 0, 3),
      finished('mgmt/bootstrap', 1, 8, 'failed'),
      runFinished(RUN_A, false),
    ]);
    // The second attempt keeps the step's first start.
    expect(run.steps['mgmt/bootstrap']).toMatchObject({
      state: 'failed',
      startedAt: at(1),
      durationMs: 7000,
      error: { message: 'admission webhook denied', exitCode: 1 },
    });
    expect(run.steps['mgmt/provision']).toMatchObject({ state: 'succeeded', detail: 'applied 3 objects' });
    expect(run).toMatchObject({ ok: false, finishedAt: at(9), durationMs: 9000 });
  });

  it('a new run-started begins a new run', () => {
    const run = foldRun(RUN_A, [runStarted(RUN_A), started('mgmt/provision', 0), runStarted(RUN_B, 7)]);
    expect(run).toMatchObject({ runId: RUN_B, total: 7, steps: {} });
  });

  it('lays the steps on a timeline from the run’s start; a running step lasts until now', () => {
    const run = foldRun(RUN_A, [
      runStarted(RUN_A),
      started('a/x', 2),
      finished('a/x', 2, 5),
      started('a/y', 4),
    ]);
    const { rows, totalMs } = gantt(run, new Set(['a/y']), new Date(at(10)));
    expect(rows).toEqual([
      { id: 'a/x', state: 'succeeded', offsetMs: 2000, durationMs: 3000, critical: false },
      { id: 'a/y', state: 'running', offsetMs: 4000, durationMs: 6000, critical: true },
    ]);
    expect(totalMs).toBe(10_000);
    expect(gantt(foldRun(RUN_A, [runStarted(RUN_A)]))).toEqual({ rows: [], totalMs: 0 });
  });
});

describe('the event files', () => {
  it('lists runs with an event file, oldest first, and nothing else in the logs directory', async () => {
    const { layout, write } = project();
    expect(await listRuns(layout)).toEqual([]);
    write(RUN_B, [runStarted(RUN_B)]);
    write(RUN_A, [runStarted(RUN_A)]);
    mkdirSync(layout.runLogDir('20260101T120000-cccccc'), { recursive: true }); // no events yet
    mkdirSync(join(layout.logsDir, 'not-a-run'), { recursive: true });
    writeFileSync(join(layout.logsDir, 'not-a-run', 'events.jsonl'), '');
    expect(await listRuns(layout)).toEqual([RUN_A, RUN_B]);
  });

  it('reads complete lines only, skips damaged ones, and resumes from a line', async () => {
    const { layout, write } = project();
    write(RUN_A, [runStarted(RUN_A), started('a/x', 1)], 'not json\n{"type":"step-star');
    const first = await readRunEvents(layout, RUN_A);
    expect(first.events.map((e) => [e.line, e.event.type])).toEqual([
      [0, 'run-started'],
      [1, 'step-started'],
    ]);
    expect(first.next).toBe(3);
    appendFileSync(layout.runEvents(RUN_A), `ted","id":"a/y","cluster":"a","attempt":1,"at":"${at(2)}"}\n`);
    const second = await readRunEvents(layout, RUN_A, first.next);
    expect(second.events).toEqual([
      { line: 3, event: expect.objectContaining({ type: 'step-started', id: 'a/y' }) },
    ]);
    expect(second.next).toBe(4);
  });

  it("gives the tail of a step's log", async () => {
    const { layout } = project();
    mkdirSync(layout.runLogDir(RUN_A), { recursive: true });
    writeFileSync(
      layout.stepLog(RUN_A, 'app1/namespaces'),
      Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n') + '\n',
    );
    const tail = await stepLogTail(layout, RUN_A, 'app1/namespaces', 5);
    expect(tail).toEqual(['line 45', 'line 46', 'line 47', 'line 48', 'line 49']);
    expect(await stepLogTail(layout, RUN_A, 'app1/other')).toEqual([]);
  });

  it('positions round-trip, and only run ids are accepted', () => {
    expect(parsePosition(formatPosition({ runId: RUN_A, next: 12 }))).toEqual({ runId: RUN_A, next: 12 });
    expect(parsePosition('../../etc:3')).toBeUndefined();
    expect(parsePosition(undefined)).toBeUndefined();
  });
});

describe('following the runs as another process writes them', () => {
  async function collect(
    layout: ReturnType<typeof project>['layout'],
    after: Position | undefined,
    act: (seen: Array<[string, Position]>) => Promise<void>,
  ) {
    const seen: Array<[string, Position]> = [];
    const controller = new AbortController();
    const following = followRuns(layout, {
      ...(after ? { after } : {}),
      pollMs: 20,
      signal: controller.signal,
      onEvent: (event, position) =>
        seen.push([
          event.type === 'step-started' || event.type === 'step-finished'
            ? `${event.type} ${event.id}`
            : event.type,
          position,
        ]),
    });
    try {
      await act(seen);
    } finally {
      controller.abort();
      await following;
    }
    return seen;
  }
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };

  it('replays the latest run, delivers lines as they are written, then moves on to a run started later', async () => {
    const { layout, write } = project();
    write(RUN_A, [runStarted(RUN_A), started('a/x', 1)]);
    const seen = await collect(layout, undefined, async (seen) => {
      await until(() => seen.length === 2);
      write(RUN_A, [finished('a/x', 1, 2), runFinished(RUN_A, true)]);
      await until(() => seen.length === 4);
      write(RUN_B, [runStarted(RUN_B), started('b/y', 3)]);
      await until(() => seen.length === 6);
    });
    expect(seen.map(([what]) => what)).toEqual([
      'run-started',
      'step-started a/x',
      'step-finished a/x',
      'run-finished',
      'run-started',
      'step-started b/y',
    ]);
    expect(seen.map(([, p]) => formatPosition(p))).toEqual([
      `${RUN_A}:1`,
      `${RUN_A}:2`,
      `${RUN_A}:3`,
      `${RUN_A}:4`,
      `${RUN_B}:1`,
      `${RUN_B}:2`,
    ]);
  });

  it('resumes after a position (a reconnect) without repeating what was delivered', async () => {
    const { layout, write } = project();
    write(RUN_A, [runStarted(RUN_A), started('a/x', 1), finished('a/x', 1, 2)]);
    const seen = await collect(layout, { runId: RUN_A, next: 2 }, async (seen) => {
      await until(() => seen.length === 1);
      write(RUN_A, [runFinished(RUN_A, true)]);
      await until(() => seen.length === 2);
    });
    expect(seen.map(([what]) => what)).toEqual(['step-finished a/x', 'run-finished']);
  });

  it('waits for a first run when there is none', async () => {
    const { layout, write } = project();
    const seen = await collect(layout, undefined, async (seen) => {
      await new Promise((r) => setTimeout(r, 60));
      expect(seen).toEqual([]);
      write(RUN_A, [runStarted(RUN_A)]);
      await until(() => seen.length === 1);
    });
    expect(seen[0]![0]).toBe('run-started');
  });
});

describe('the run folded as it is followed (what the page is sent)', () => {
  it('one view of what was written before, then a whole view per event: a step seen running even when it finishes at once, and the next run', async () => {
    const { layout, write } = project();
    write(RUN_A, [runStarted(RUN_A), started('a/x', 1), finished('a/x', 1, 2)]);
    const views: Array<[Position, Record<string, string>, boolean | undefined]> = [];
    const controller = new AbortController();
    const following = followRunViews(layout, {
      pollMs: 20,
      signal: controller.signal,
      onView: (view, position) =>
        views.push([
          position,
          Object.fromEntries(Object.values(view.steps).map((s) => [s.id, s.state])),
          view.ok,
        ]),
    });
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(check()).toBe(true);
    };
    try {
      await until(() => views.length === 1);
      // Written at once, read in one go: still one view for each.
      write(RUN_A, [started('a/y', 3), finished('a/y', 3, 3), runFinished(RUN_A, true)]);
      await until(() => views.length === 4);
      write(RUN_B, [runStarted(RUN_B), started('b/z', 5)]);
      await until(() => views.length === 6);
    } finally {
      controller.abort();
      await following;
    }
    expect(views).toEqual([
      [{ runId: RUN_A, next: 3 }, { 'a/x': 'succeeded' }, undefined],
      [{ runId: RUN_A, next: 4 }, { 'a/x': 'succeeded', 'a/y': 'running' }, undefined],
      [{ runId: RUN_A, next: 5 }, { 'a/x': 'succeeded', 'a/y': 'succeeded' }, undefined],
      [{ runId: RUN_A, next: 6 }, { 'a/x': 'succeeded', 'a/y': 'succeeded' }, true],
      [{ runId: RUN_B, next: 1 }, {}, undefined],
      [{ runId: RUN_B, next: 2 }, { 'b/z': 'running' }, undefined],
    ]);
  });

  it('folds a resumed run from its start again: the view is whole', async () => {
    const { layout, write } = project();
    write(RUN_A, [runStarted(RUN_A), started('a/x', 1), finished('a/x', 1, 2)]);
    const views: RunView[] = [];
    const controller = new AbortController();
    const following = followRunViews(layout, {
      after: { runId: RUN_A, next: 2 },
      pollMs: 20,
      signal: controller.signal,
      onView: (view) => views.push(view),
    });
    for (let i = 0; i < 200 && views.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await following;
    expect(views).toEqual([foldRun(RUN_A, [runStarted(RUN_A), started('a/x', 1), finished('a/x', 1, 2)])]);
  });
});
