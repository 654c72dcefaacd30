import { setTimeout as delay } from 'node:timers/promises';
import fc from 'fast-check';
import { CommandError } from '../clients/exec.js';
import { describe, expect, it } from 'vitest';
import { StepTimeoutError, TransientError } from './errors.js';
import { GraphError, priorities, runGraph, validateGraph } from './scheduler.js';
import type {
  ConcurrencyLimits,
  EngineEvent,
  ExecutableStep,
  StepContext,
  StepResult,
  StepRunRecord,
} from './types.js';

const ok: StepResult = { outcome: 'succeeded' };
const unlimited: ConcurrencyLimits = { global: 100, perCluster: 100, perProvider: {} };
const instantSleep = async () => {};

interface StepSpec {
  readonly deps?: readonly string[];
  readonly cluster?: string;
  readonly provider?: string;
  readonly expectedDurationMs?: number;
  readonly timeoutMs?: number;
  readonly run?: (context: StepContext) => Promise<StepResult>;
}

function step(id: string, spec: StepSpec = {}): ExecutableStep {
  return {
    id,
    cluster: spec.cluster ?? 'c1',
    ...(spec.provider !== undefined ? { provider: spec.provider } : {}),
    dependsOn: spec.deps ?? [],
    expectedDurationMs: spec.expectedDurationMs ?? 1,
    timeoutMs: spec.timeoutMs ?? 5_000,
    run: spec.run ?? (async () => ok),
  };
}

/** Wraps steps to see what the scheduler did with them: start order, overlap, invocations. */
function observe(steps: readonly ExecutableStep[]) {
  const started: string[] = [];
  const calls = new Map<string, number>();
  const runningNow = new Map<string, number>();
  const maxRunning = new Map<string, number>();
  const bump = (key: string, delta: number) => {
    const value = (runningNow.get(key) ?? 0) + delta;
    runningNow.set(key, value);
    maxRunning.set(key, Math.max(maxRunning.get(key) ?? 0, value));
  };
  const keys = (s: ExecutableStep) => [
    '*',
    `cluster:${s.cluster}`,
    ...(s.provider ? [`provider:${s.provider}`] : []),
  ];
  const wrapped = steps.map((s): ExecutableStep => ({
    ...s,
    run: async (context) => {
      started.push(s.id);
      calls.set(s.id, (calls.get(s.id) ?? 0) + 1);
      for (const key of keys(s)) bump(key, 1);
      try {
        return await s.run(context);
      } finally {
        for (const key of keys(s)) bump(key, -1);
      }
    },
  }));
  return { steps: wrapped, started, calls, max: (key: string) => maxRunning.get(key) ?? 0 };
}

const byId = (records: readonly StepRunRecord[]) => new Map(records.map((r) => [r.id, r]));
const sleepy = (ms: number) => async () => {
  await delay(ms);
  return ok;
};

describe('validateGraph', () => {
  it('names the cycle path', () => {
    const steps = [step('a', { deps: ['c'] }), step('b', { deps: ['a'] }), step('c', { deps: ['b'] })];
    expect(() => validateGraph(steps)).toThrow(GraphError);
    expect(() => validateGraph(steps)).toThrow('dependency cycle: a -> c -> b -> a');
    expect(() => validateGraph([step('self', { deps: ['self'] })])).toThrow('self -> self');
  });

  it('rejects unknown dependencies and duplicate ids', () => {
    expect(() => validateGraph([step('a', { deps: ['ghost'] })])).toThrow(
      /"a" depends on unknown step "ghost"/,
    );
    expect(() => validateGraph([step('a'), step('a')])).toThrow(/duplicate step id "a"/);
  });

  it('makes runGraph reject before running anything', async () => {
    const run = async () => ok;
    await expect(runGraph([step('a', { deps: ['a'], run })])).rejects.toBeInstanceOf(GraphError);
  });
});

describe('priorities', () => {
  it('is the duration plus the longest chain of dependents', () => {
    const steps = [
      step('a', { expectedDurationMs: 1 }),
      step('b', { deps: ['a'], expectedDurationMs: 10 }),
      step('c', { deps: ['a'], expectedDurationMs: 3 }),
      step('d', { deps: ['c'], expectedDurationMs: 4 }),
      step('e', { expectedDurationMs: 2 }),
    ];
    expect(Object.fromEntries(priorities(steps))).toEqual({ a: 11, b: 10, c: 7, d: 4, e: 2 });
  });
});

describe('runGraph ordering', () => {
  it('starts the critical path first, ties in input order', async () => {
    const { steps, started } = observe([
      step('short', { expectedDurationMs: 1 }),
      step('tieA', { expectedDurationMs: 3 }),
      step('long1', { expectedDurationMs: 5 }),
      step('long2', { deps: ['long1'], expectedDurationMs: 5 }),
      step('mid', { expectedDurationMs: 7 }),
      step('tieB', { expectedDurationMs: 3 }),
    ]);
    await runGraph(steps, { concurrency: { global: 1, perCluster: 1, perProvider: {} } });
    // long1 (10) > mid (7) > long2 (5, once long1 is done) > tieA = tieB (3) > short (1)
    expect(started).toEqual(['long1', 'mid', 'long2', 'tieA', 'tieB', 'short']);
  });

  it('starts a dependent only after its dependencies succeeded', async () => {
    const { steps, started } = observe([
      step('a', { run: sleepy(3) }),
      step('b', { run: sleepy(1) }),
      step('c', { deps: ['a', 'b'] }),
    ]);
    const result = await runGraph(steps, { concurrency: unlimited });
    expect(started.indexOf('c')).toBe(2);
    expect(result.ok).toBe(true);
  });

  it('is deterministic: the same graph and behaviour give the same start order', async () => {
    const graph = () =>
      observe(
        Array.from({ length: 12 }, (_, i) =>
          step(`s${i}`, {
            deps: i > 2 ? [`s${i % 3}`, `s${i - 2}`] : [],
            cluster: `c${i % 3}`,
            expectedDurationMs: (i * 7) % 5,
          }),
        ),
      );
    const orders: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const { steps, started } = graph();
      await runGraph(steps, { concurrency: { global: 2, perCluster: 1, perProvider: {} } });
      orders.push(started);
    }
    expect(orders[1]).toEqual(orders[0]);
    expect(orders[2]).toEqual(orders[0]);
  });
});

describe('runGraph concurrency', () => {
  it('respects the global limit', async () => {
    const observed = observe(
      Array.from({ length: 6 }, (_, i) => step(`s${i}`, { cluster: `c${i}`, run: sleepy(2) })),
    );
    await runGraph(observed.steps, { concurrency: { global: 2, perCluster: 10, perProvider: {} } });
    expect(observed.max('*')).toBe(2);
  });

  it('respects the per-cluster limit while other clusters run in parallel', async () => {
    const observed = observe(
      Array.from({ length: 12 }, (_, i) => step(`s${i}`, { cluster: `c${i % 3}`, run: sleepy(2) })),
    );
    await runGraph(observed.steps, { concurrency: { global: 10, perCluster: 2, perProvider: {} } });
    for (const cluster of ['c0', 'c1', 'c2']) expect(observed.max(`cluster:${cluster}`)).toBe(2);
    expect(observed.max('*')).toBe(6);
  });

  it('respects per-provider limits; unlisted providers and steps without one are not limited by them', async () => {
    const observed = observe([
      ...Array.from({ length: 4 }, (_, i) =>
        step(`kwok${i}`, { cluster: `k${i}`, provider: 'kwok', run: sleepy(2) }),
      ),
      ...Array.from({ length: 3 }, (_, i) =>
        step(`mp${i}`, { cluster: `m${i}`, provider: 'other', run: sleepy(2) }),
      ),
      ...Array.from({ length: 3 }, (_, i) => step(`api${i}`, { cluster: `a${i}`, run: sleepy(2) })),
    ]);
    await runGraph(observed.steps, { concurrency: { global: 20, perCluster: 20, perProvider: { kwok: 1 } } });
    expect(observed.max('provider:kwok')).toBe(1);
    expect(observed.max('provider:other')).toBe(3);
    expect(observed.max('*')).toBeGreaterThanOrEqual(7);
  });

  it('refuses limits that would never let a step start', async () => {
    await expect(
      runGraph([step('a')], { concurrency: { global: 0, perCluster: 1, perProvider: {} } }),
    ).rejects.toThrow(RangeError);
  });
});

describe('runGraph records and events', () => {
  it('records times from the injected clock, attempts, outputs and detail; forwards logs', async () => {
    let clock = 1_000;
    const logs: string[] = [];
    const events: EngineEvent[] = [];
    const steps = [
      step('a', {
        run: async (context) => {
          context.log('hello');
          clock += 50;
          return { outcome: 'unchanged', outputs: { address: '10.0.0.1' }, detail: 'no drift' };
        },
      }),
    ];
    const result = await runGraph(steps, {
      now: () => clock,
      log: (id, line) => logs.push(`${id}: ${line}`),
      onEvent: (event) => events.push(event),
    });
    expect(result).toEqual({
      ok: true,
      makespanMs: 50,
      records: [
        {
          id: 'a',
          cluster: 'c1',
          outcome: 'unchanged',
          attempts: 1,
          startedAt: new Date(1_000).toISOString(),
          finishedAt: new Date(1_050).toISOString(),
          durationMs: 50,
          outputs: { address: '10.0.0.1' },
          detail: 'no drift',
        },
      ],
    });
    // The step's own lines, between the scheduler's record of the attempt and its outcome.
    expect(logs).toEqual(['a: attempt 1 of 3 started', 'a: hello', 'a: unchanged: no drift']);
    expect(events.map((e) => e.type)).toEqual(['step-started', 'step-log', 'step-finished']);
    expect(events[2]).toMatchObject({
      type: 'step-finished',
      id: 'a',
      outcome: 'unchanged',
      at: new Date(1_050).toISOString(),
    });
  });

  it('treats a step that throws synchronously as a failed attempt', async () => {
    const steps = [
      step('a', {
        run: () => {
          throw new Error('boom');
        },
      }),
    ];
    const { records } = await runGraph(steps);
    expect(records[0]).toMatchObject({
      outcome: 'failed',
      attempts: 1,
      error: { message: 'boom', transient: false },
    });
  });
});

describe('runGraph failure isolation', () => {
  it('skips every transitive dependent of a failed step and lets independent branches finish', async () => {
    const settled: string[] = [];
    const { steps, calls } = observe([
      step('bad', {
        run: async () => {
          throw new Error('chart not found');
        },
      }),
      step('other', { run: sleepy(2) }),
      step('child', { deps: ['bad'] }),
      step('grandchild', { deps: ['child', 'other'] }),
      step('otherChild', { deps: ['other'] }),
    ]);
    const result = await runGraph(steps, { onSettled: (r) => void settled.push(`${r.id}:${r.outcome}`) });
    const records = byId(result.records);
    expect(result.ok).toBe(false);
    expect(result.records.map((r) => r.id)).toEqual(['bad', 'other', 'child', 'grandchild', 'otherChild']);
    expect(records.get('bad')).toMatchObject({
      outcome: 'failed',
      attempts: 1,
      error: { message: 'chart not found', transient: false },
    });
    expect(records.get('child')).toEqual({
      id: 'child',
      cluster: 'c1',
      outcome: 'skipped',
      attempts: 0,
      blockedBy: 'bad',
    });
    expect(records.get('grandchild')).toMatchObject({ outcome: 'skipped', attempts: 0, blockedBy: 'bad' });
    expect(records.get('other')?.outcome).toBe('succeeded');
    expect(records.get('otherChild')?.outcome).toBe('succeeded');
    expect(calls.has('child') || calls.has('grandchild')).toBe(false);
    expect([...settled].sort()).toEqual(
      ['bad:failed', 'child:skipped', 'grandchild:skipped', 'other:succeeded', 'otherChild:succeeded'].sort(),
    );
  });
});

describe('runGraph retries', () => {
  const retry = { attempts: 4, baseDelayMs: 100, maxDelayMs: 250 };

  it('retries a transient failure and reports the delay', async () => {
    const events: EngineEvent[] = [];
    const delays: number[] = [];
    let attemptsSeen: number[] = [];
    const steps = [
      step('flaky', {
        run: async ({ attempt }) => {
          attemptsSeen = [...attemptsSeen, attempt];
          if (attempt === 1) throw new TransientError('API server busy');
          return ok;
        },
      }),
    ];
    const result = await runGraph(steps, {
      retry,
      sleep: async (ms) => void delays.push(ms),
      onEvent: (e) => events.push(e),
    });
    expect(result.records[0]).toMatchObject({ outcome: 'succeeded', attempts: 2 });
    expect(attemptsSeen).toEqual([1, 2]);
    expect(delays).toEqual([100]);
    const retryEvent = events.find((e) => e.type === 'step-retry');
    expect(retryEvent).toMatchObject({
      id: 'flaky',
      attempt: 1,
      delayMs: 100,
      error: { message: 'API server busy', transient: true },
    });
  });

  it('does not retry a permanent failure', async () => {
    const delays: number[] = [];
    const { steps, calls } = observe([
      step('broken', {
        run: async () => {
          throw new Error('invalid manifest');
        },
      }),
    ]);
    const result = await runGraph(steps, { retry, sleep: async (ms) => void delays.push(ms) });
    expect(result.records[0]).toMatchObject({ outcome: 'failed', attempts: 1 });
    expect(calls.get('broken')).toBe(1);
    expect(delays).toEqual([]);
  });

  it("writes a failed command's line, exit code and output tail into the step's log", async () => {
    const logs: string[] = [];
    const result = await runGraph(
      [
        step('helm', {
          run: async () => {
            throw new CommandError(
              'helm upgrade --install x ./x',
              1,
              null,
              'Error: UPGRADE FAILED: boom',
              'exit',
            );
          },
        }),
      ],
      { retry, sleep: async () => {}, log: (_id, line) => logs.push(line) },
    );
    expect(result.records[0]).toMatchObject({ outcome: 'failed' });
    const text = logs.join('\n');
    expect(text).toContain('attempt 1 of');
    expect(text).toContain('command: helm upgrade --install x ./x (exit code 1)');
    expect(text).toContain('Error: UPGRADE FAILED: boom');
  });

  it('fails once the attempts are exhausted, backing off exponentially up to the cap', async () => {
    const delays: number[] = [];
    const { steps, calls } = observe([
      step('down', {
        run: async () => {
          throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        },
      }),
    ]);
    const result = await runGraph(steps, { retry, sleep: async (ms) => void delays.push(ms) });
    expect(result.records[0]).toMatchObject({ outcome: 'failed', attempts: 4, error: { transient: true } });
    expect(calls.get('down')).toBe(4);
    expect(delays).toEqual([100, 200, 250]);
  });

  it('uses the injected classifier', async () => {
    const steps = [
      step('a', {
        run: async ({ attempt }) => {
          if (attempt < 3) throw new Error('odd but retryable');
          return ok;
        },
      }),
    ];
    const result = await runGraph(steps, {
      retry,
      sleep: instantSleep,
      classify: (error) => ({ message: String(error), transient: true }),
    });
    expect(result.records[0]).toMatchObject({ outcome: 'succeeded', attempts: 3 });
  });
});

describe('runGraph timeouts', () => {
  it('fails a step that never settles as timed out, retries it, and terminates', async () => {
    const reasons: unknown[] = [];
    const { steps, calls } = observe([
      step('hung', {
        timeoutMs: 5,
        run: ({ signal }) => {
          signal.addEventListener('abort', () => reasons.push(signal.reason));
          return new Promise<StepResult>(() => {});
        },
      }),
      step('after', { deps: ['hung'] }),
    ]);
    const result = await runGraph(steps, {
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      sleep: instantSleep,
    });
    expect(result.records[0]).toMatchObject({
      outcome: 'failed',
      attempts: 2,
      error: { message: 'step hung timed out after 0s', transient: true },
    });
    expect(result.records[1]).toMatchObject({ outcome: 'skipped', blockedBy: 'hung' });
    expect(calls.get('hung')).toBe(2);
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toBeInstanceOf(StepTimeoutError);
  }, 2_000);

  it('lets a step that finishes in time succeed', async () => {
    const result = await runGraph([step('quick', { timeoutMs: 1_000, run: sleepy(1) })]);
    expect(result.ok).toBe(true);
  });
});

describe('runGraph cancellation', () => {
  it('aborts running steps, cancels unstarted ones, keeps a success that landed anyway, and resolves', async () => {
    const controller = new AbortController();
    const started = new Set<string>();
    const settled: string[] = [];
    const steps = [
      step('obedient', {
        cluster: 'a',
        run: ({ signal }) => {
          started.add('obedient');
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
        },
      }),
      step('stubborn', {
        cluster: 'b',
        run: async ({ signal }) => {
          started.add('stubborn');
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
          await delay(2);
          return ok;
        },
      }),
      step('later', { deps: ['obedient'] }),
      step('queued', { cluster: 'a' }),
    ];
    const run = runGraph(steps, {
      signal: controller.signal,
      concurrency: { global: 10, perCluster: 1, perProvider: {} },
      onSettled: (r) => void settled.push(r.id),
      onEvent: (event) => {
        if (event.type === 'step-started' && event.id === 'stubborn') setImmediate(() => controller.abort());
      },
    });
    const result = await run;
    const records = byId(result.records);
    expect(result.ok).toBe(false);
    expect(records.get('obedient')).toMatchObject({ outcome: 'cancelled', attempts: 1 });
    expect(records.get('stubborn')).toMatchObject({ outcome: 'succeeded', attempts: 1 });
    expect(records.get('later')).toEqual({ id: 'later', cluster: 'c1', outcome: 'cancelled', attempts: 0 });
    expect(records.get('queued')).toMatchObject({ outcome: 'cancelled', attempts: 0 });
    expect([...started].sort()).toEqual(['obedient', 'stubborn']);
    expect(settled.sort()).toEqual(['later', 'obedient', 'queued', 'stubborn']);
  });

  it('cancels a step waiting in backoff promptly', async () => {
    const controller = new AbortController();
    const began = Date.now();
    const result = await runGraph(
      [
        step('flaky', {
          run: async () => {
            throw new TransientError('not ready');
          },
        }),
      ],
      {
        signal: controller.signal,
        retry: { attempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 },
        onEvent: (event) => {
          if (event.type === 'step-retry') controller.abort();
        },
      },
    );
    expect(Date.now() - began).toBeLessThan(1_000);
    expect(result.records[0]).toMatchObject({ outcome: 'cancelled', attempts: 1 });
  }, 2_000);

  it('starts nothing when the signal is already aborted', async () => {
    const { steps, calls } = observe([step('a'), step('b', { deps: ['a'] })]);
    const result = await runGraph(steps, { signal: AbortSignal.abort() });
    expect(result.ok).toBe(false);
    expect(result.records.map((r) => [r.outcome, r.attempts])).toEqual([
      ['cancelled', 0],
      ['cancelled', 0],
    ]);
    expect(calls.size).toBe(0);
  });
});

describe('runGraph onSettled', () => {
  it('starts a dependent only after the dependency onSettled resolved', async () => {
    const trace: string[] = [];
    const steps = [
      step('a', { run: async () => (trace.push('a run'), ok) }),
      step('b', { deps: ['a'], run: async () => (trace.push('b run'), ok) }),
    ];
    await runGraph(steps, {
      onSettled: async (record) => {
        trace.push(`${record.id} saving`);
        await delay(3);
        trace.push(`${record.id} saved`);
      },
    });
    expect(trace).toEqual(['a run', 'a saving', 'a saved', 'b run', 'b saving', 'b saved']);
  });

  it('stops the run when onSettled throws and rejects after the running steps settle', async () => {
    const saveError = new Error('disk full');
    let slowSettled = false;
    let slowAborted = false;
    const { steps, calls } = observe([
      step('a'),
      step('slow', {
        cluster: 'c2',
        run: async ({ signal }) => {
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
          slowAborted = true;
          await delay(3);
          slowSettled = true;
          throw signal.reason;
        },
      }),
      step('b', { deps: ['a'] }),
    ]);
    const run = runGraph(steps, {
      onSettled: (record) => {
        if (record.id === 'a') throw saveError;
      },
    });
    await expect(run).rejects.toBe(saveError);
    expect(slowAborted).toBe(true);
    expect(slowSettled).toBe(true);
    expect(calls.has('b')).toBe(false);
  });
});

describe('runGraph properties', () => {
  interface Shape {
    readonly deps: number[];
    readonly cluster: number;
    readonly provider: 'kwok' | 'multipass' | undefined;
    readonly durationMs: number;
    readonly failsPermanently: boolean;
    readonly transientFailures: number;
  }
  const shapeArb = (index: number, withTransient: boolean): fc.Arbitrary<Shape> =>
    fc.record({
      deps:
        index === 0 ? fc.constant([]) : fc.uniqueArray(fc.nat(index - 1), { maxLength: Math.min(index, 3) }),
      cluster: fc.nat(2),
      provider: fc.constantFrom('kwok' as const, 'multipass' as const, undefined),
      durationMs: fc.nat(3),
      failsPermanently: fc.nat(9).map((n) => n < 2),
      transientFailures: withTransient ? fc.nat(3) : fc.constant(0),
    });
  const graphArb = (withTransient: boolean) =>
    fc
      .integer({ min: 1, max: 25 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => shapeArb(i, withTransient))));
  const limitsArb: fc.Arbitrary<ConcurrencyLimits> = fc.record({
    global: fc.integer({ min: 1, max: 4 }),
    perCluster: fc.integer({ min: 1, max: 3 }),
    perProvider: fc.record({ kwok: fc.integer({ min: 1, max: 2 }) }),
  });
  const ATTEMPTS = 3;

  async function check(shapes: readonly Shape[], limits: ConcurrencyLimits): Promise<void> {
    const id = (i: number) => `s${i}`;
    const failuresLeft = shapes.map((s) => s.transientFailures);
    const settledOk = new Set<string>();
    const violations: string[] = [];
    const observed = observe(
      shapes.map((shape, i) =>
        step(id(i), {
          deps: shape.deps.map(id),
          cluster: `c${shape.cluster}`,
          ...(shape.provider ? { provider: shape.provider } : {}),
          expectedDurationMs: shape.durationMs,
          run: async () => {
            for (const dep of shape.deps)
              if (!settledOk.has(id(dep))) violations.push(`${id(i)} ran before ${id(dep)} succeeded`);
            await delay(shape.durationMs);
            if (shape.failsPermanently) throw new Error('permanent');
            if (failuresLeft[i]! > 0) {
              failuresLeft[i]!--;
              throw new TransientError('transient');
            }
            return ok;
          },
        }),
      ),
    );
    const settledCount = new Map<string, number>();
    const result = await runGraph(observed.steps, {
      concurrency: limits,
      retry: { attempts: ATTEMPTS, baseDelayMs: 1, maxDelayMs: 1 },
      sleep: instantSleep,
      onSettled: async (record) => {
        settledCount.set(record.id, (settledCount.get(record.id) ?? 0) + 1);
        await delay(0);
        if (record.outcome === 'succeeded') settledOk.add(record.id);
      },
    });

    // (a) dependencies first
    expect(violations).toEqual([]);
    // (b) run() at most once without retries, at most ATTEMPTS times with transient failures
    shapes.forEach((shape, i) => {
      const calls = observed.calls.get(id(i)) ?? 0;
      const expectedMax = shape.failsPermanently ? 1 : Math.min(shape.transientFailures + 1, ATTEMPTS);
      expect(calls).toBeLessThanOrEqual(expectedMax);
    });
    // (c) limits
    expect(observed.max('*')).toBeLessThanOrEqual(limits.global);
    for (let c = 0; c < 3; c++) expect(observed.max(`cluster:c${c}`)).toBeLessThanOrEqual(limits.perCluster);
    expect(observed.max('provider:kwok')).toBeLessThanOrEqual(limits.perProvider.kwok!);
    // (d) exactly one record (and one onSettled) per step; skipped iff a transitive dependency failed
    expect(result.records.map((r) => r.id)).toEqual(shapes.map((_, i) => id(i)));
    for (const s of observed.steps) expect(settledCount.get(s.id)).toBe(1);
    const failedOrSkipped = new Set<number>();
    const failedAncestors = shapes.map(() => new Set<string>());
    shapes.forEach((shape, i) => {
      const record = result.records[i]!;
      const blocked = shape.deps.some((d) => failedOrSkipped.has(d));
      for (const d of shape.deps)
        for (const ancestor of [
          ...failedAncestors[d]!,
          ...(result.records[d]!.outcome === 'failed' ? [id(d)] : []),
        ])
          failedAncestors[i]!.add(ancestor);
      const fails = shape.failsPermanently || shape.transientFailures >= ATTEMPTS;
      const expected = blocked ? 'skipped' : fails ? 'failed' : 'succeeded';
      expect(record.outcome, id(i)).toBe(expected);
      if (expected !== 'succeeded') failedOrSkipped.add(i);
      if (expected === 'skipped') {
        expect(record.attempts).toBe(0);
        expect(failedAncestors[i]!.has(record.blockedBy!), `${id(i)} blockedBy ${record.blockedBy}`).toBe(
          true,
        );
      }
      if (expected !== 'skipped') expect(observed.calls.get(id(i))).toBe(record.attempts);
    });
    expect(result.ok).toBe(failedOrSkipped.size === 0);
  }

  it('holds over random DAGs with permanent failures', async () => {
    await fc.assert(fc.asyncProperty(graphArb(false), limitsArb, check), { numRuns: 50 });
  });

  it('holds over random DAGs with transient failures and retries', async () => {
    await fc.assert(fc.asyncProperty(graphArb(true), limitsArb, check), { numRuns: 50 });
  });
});
