import { describe, expect, it } from 'vitest';
import { finishedLine, jsonProgress, liveProgress, plainProgress } from './progress.js';
import type { EngineEvent } from '../engine/types.js';

const at = '2026-12-02T00:00:00.000Z';
const events: EngineEvent[] = [
  { type: 'run-started', runId: 'r1', steps: 3, at },
  { type: 'step-started', id: 'app1/provision', cluster: 'app1', attempt: 1, at },
  { type: 'step-log', id: 'app1/provision', cluster: 'app1', line: 'creating' },
  {
    type: 'step-retry',
    id: 'app1/provision',
    cluster: 'app1',
    attempt: 1,
    delayMs: 2000,
    error: { message: 'connect ECONNREFUSED\nmore', transient: true },
    at,
  },
  {
    type: 'step-finished',
    id: 'app1/provision',
    cluster: 'app1',
    outcome: 'succeeded',
    attempts: 2,
    durationMs: 1500,
    detail: 'created 2 node(s)',
    at,
  },
  {
    type: 'step-finished',
    id: 'app1/bootstrap',
    cluster: 'app1',
    outcome: 'failed',
    attempts: 1,
    error: { message: '`kwokctl get` exited with code 1:\ntail', transient: false },
    at,
  },
  {
    type: 'step-finished',
    id: 'app1/namespaces',
    cluster: 'app1',
    outcome: 'skipped',
    attempts: 0,
    blockedBy: 'app1/bootstrap',
    at,
  },
  {
    type: 'run-finished',
    runId: 'r1',
    ok: false,
    counts: { succeeded: 1, unchanged: 0, failed: 1, skipped: 1, cancelled: 0 },
    durationMs: 2500,
    at,
  },
];

describe('progress', () => {
  it('plain lines name each outcome with its cause', () => {
    let out = '';
    const sink = plainProgress((t) => (out += t));
    for (const e of events) sink.onEvent(e);
    expect(out).toContain('  > app1/provision started');
    expect(out).toContain('~ app1/provision attempt 1 failed (connect ECONNREFUSED); retrying in 2.0s');
    expect(out).toContain('✓ app1/provision succeeded (1.5s): created 2 node(s)');
    expect(out).toContain('✗ app1/bootstrap failed: `kwokctl get` exited with code 1:');
    expect(out).toContain('- app1/namespaces skipped: blocked by app1/bootstrap');
    expect(out).toContain('FAILED in 2.5s: 1 succeeded, 1 failed, 1 skipped');
    expect(out).not.toContain('creating');
  });

  it('json is one parseable event per line, without log lines', () => {
    let out = '';
    const sink = jsonProgress((t) => (out += t));
    for (const e of events) sink.onEvent(e);
    const lines = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as EngineEvent);
    expect(lines.map((e) => e.type)).toEqual(events.filter((e) => e.type !== 'step-log').map((e) => e.type));
  });

  it('the live view shows running steps per cluster with elapsed time and erases itself', () => {
    let out = '';
    let now = 0;
    const sink = liveProgress((t) => (out += t), { now: () => now });
    sink.onEvent(events[1]!);
    now = 3200;
    sink.onEvent({ type: 'step-started', id: 'mgmt/provision', cluster: 'mgmt', attempt: 1, at });
    expect(out).toContain('[app1] provision 3.2s');
    expect(out).toContain('[mgmt] provision 0.0s');
    sink.onEvent(events[4]!);
    sink.close();
    expect(out).toContain(`${String.fromCharCode(27)}[J`);
    expect(finishedLine(events[4]!)).toBe('  ✓ app1/provision succeeded (1.5s): created 2 node(s)');
  });

  it('the live view counts the steps, estimates what is left, and never draws a row wider than the terminal', () => {
    let out = '';
    let now = 0;
    const width = 60;
    const sink = liveProgress((t) => (out += t), { now: () => now, columns: () => width });
    sink.onEvent({ type: 'run-started', runId: 'r', steps: 10, at });
    const long = 'clusters/with/a/very/long/step/name/that/would/wrap/on/a/narrow/terminal';
    for (let i = 0; i < 4; i++) {
      sink.onEvent({ type: 'step-started', id: `app1/${long}-${i}`, cluster: 'app1', attempt: 1, at });
      now += 10_000;
      sink.onEvent({
        type: 'step-finished',
        id: `app1/${long}-${i}`,
        cluster: 'app1',
        outcome: i === 3 ? 'failed' : 'succeeded',
        attempts: 1,
        durationMs: 10_000,
        at,
        ...(i === 3 ? { error: { message: 'boom', transient: false } } : {}),
      });
    }
    sink.onEvent({ type: 'step-started', id: `app1/${long}-x`, cluster: 'app1', attempt: 1, at });
    // 4 of 10 done in 40 s: 6 left at the same pace is about a minute.
    expect(out).toContain('4/10 steps (1 failed) · 1 running · 0:40 · ~1:00 left');
    // The live rows are cut to the width; finished lines are printed whole (they are not redrawn).
    const live = out.split('\x1b[J').at(-1)!.split('\n').filter(Boolean);
    expect(live.length).toBe(2);
    for (const row of live) expect([...row].length).toBeLessThan(width);
    expect(live[1]).toMatch(/…$/);
    sink.close();
  });
});
