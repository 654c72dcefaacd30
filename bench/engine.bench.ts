/**
 * Engine benchmarks (`npm run bench`). Each prints numbers measured side by side in this run;
 * none asserts on time.
 *
 * 1. Scheduler efficiency on the default plan with the planner's expected step durations (the
 *    reference hardware), time-scaled so the run takes seconds: makespan over the critical path,
 *    and the speed-up over running the same steps one after another, as the seed's scripts do.
 * 2. The predicted timeline of a Multipass run of the default plan: the real scheduler on a
 *    virtual clock with the planner's durations and the default limits, when each cluster is up,
 *    has its CNI and is done, against the seed's scripts run one after another (the sum of every
 *    step's duration), as a ratio. A prediction from the planner's estimates, not a measurement.
 * 3. Engine overhead per step: a graph of no-op steps through the scheduler with the state saved
 *    after every step, against awaiting the same no-ops in a loop.
 * 4. No-op re-run of `up` on the converged kwok platform against the full run (needs the harness).
 */
import { CATALOG } from '../src/addons/catalog.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { runGraph } from '../src/engine/scheduler.js';
import { emptyState, StateStore } from '../src/engine/state.js';
import { DEFAULT_CONCURRENCY, type ExecutableStep } from '../src/engine/types.js';
import { buildPlan } from '../src/plan/plan.js';
import { renderPlatform } from '../src/render/index.js';
import { loadBuiltinSpec } from '../src/spec/load.js';
import { SHARED_CHART_MIRROR } from '../src/test-support/chart-values.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const platform = loadBuiltinSpec({ now: new Date(), catalog: CATALOG }).platform!;
const ratio = (a: number, b: number) => (a / b).toFixed(3);
const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

describe('engine benchmarks', () => {
  it('scheduler efficiency on the default plan (multipass durations, 1 s planned = 1 ms here)', async () => {
    const plan = buildPlan(platform, renderPlatform(platform), 'multipass');
    const SCALE = 1000;
    const sleepSteps = (): ExecutableStep[] =>
      plan.steps.map((s) => ({
        id: s.id,
        cluster: s.cluster,
        ...(s.kind === 'provision' || s.kind === 'bootstrap' ? { provider: 'multipass' } : {}),
        dependsOn: s.dependsOn,
        expectedDurationMs: s.expectedDurationMs,
        timeoutMs: 60_000,
        run: () =>
          new Promise((r) => setTimeout(() => r({ outcome: 'succeeded' }), s.expectedDurationMs / SCALE)),
      }));
    const critical = plan.criticalPath.lengthMs / SCALE;
    const serial = plan.steps.reduce((sum, s) => sum + s.expectedDurationMs, 0) / SCALE;
    const unbounded = await runGraph(sleepSteps(), {
      concurrency: { global: 1000, perCluster: 1000, perProvider: {} },
    });
    const defaults = await runGraph(sleepSteps(), { concurrency: DEFAULT_CONCURRENCY });
    const oneByOne = await runGraph(sleepSteps(), {
      concurrency: { global: 1, perCluster: 1, perProvider: {} },
    });
    expect(unbounded.ok && defaults.ok && oneByOne.ok).toBe(true);
    console.log(
      [
        `scheduler, default plan: ${plan.steps.length} steps, critical path ${critical.toFixed(0)} ms, sum of steps ${serial.toFixed(0)} ms (scaled 1:${SCALE})`,
        `  makespan / critical path, no limits:       ${ratio(unbounded.makespanMs, critical)}  (target <= 1.05)`,
        `  makespan / critical path, default limits:  ${ratio(defaults.makespanMs, critical)}  (global ${DEFAULT_CONCURRENCY.global}, ${DEFAULT_CONCURRENCY.perCluster}/cluster, multipass ${DEFAULT_CONCURRENCY.perProvider['multipass']})`,
        `  speed-up over one step at a time (measured ${oneByOne.makespanMs.toFixed(0)} ms): ${ratio(oneByOne.makespanMs, defaults.makespanMs)}x with default limits, ${ratio(oneByOne.makespanMs, unbounded.makespanMs)}x without`,
      ].join('\n'),
    );
  });

  it('predicted timeline of a Multipass run of the default plan, against the seed running one script after another', async () => {
    const plan = buildPlan(platform, renderPlatform(platform), 'multipass');
    const steps: ExecutableStep[] = plan.steps.map((s) => ({
      id: s.id,
      cluster: s.cluster,
      ...(s.kind === 'provision' || s.kind === 'bootstrap' ? { provider: 'multipass' } : {}),
      dependsOn: s.dependsOn,
      expectedDurationMs: s.expectedDurationMs,
      timeoutMs: 24 * 3_600_000,
      run: () => new Promise((r) => setTimeout(() => r({ outcome: 'succeeded' }), s.expectedDurationMs)),
    }));
    // The scheduler itself, on a virtual clock: its limits and priorities, none of the waiting.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 });
    let result: Awaited<ReturnType<typeof runGraph>>;
    try {
      const running = runGraph(steps, { concurrency: DEFAULT_CONCURRENCY });
      await vi.runAllTimersAsync();
      result = await running;
    } finally {
      vi.useRealTimers();
    }
    expect(result.ok).toBe(true);
    const finished = new Map(result.records.map((r) => [r.id, Date.parse(r.finishedAt!)]));
    const predicted = result.makespanMs;
    const serial = plan.steps.reduce((sum, s) => sum + s.expectedDurationMs, 0);
    const critical = plan.criticalPath.lengthMs;
    expect(predicted).toBeGreaterThanOrEqual(critical);
    expect(predicted).toBeLessThanOrEqual(serial);
    const cni = plan.steps.filter((s) => s.addon === 'cilium' && s.kind === 'helm');
    const rows = platform.clusters.map((c) => {
      const own = plan.steps.filter((s) => s.cluster === c.name);
      const at = (id: string) => (finished.has(id) ? clock(finished.get(id)!) : '-');
      return `  ${c.name.padEnd(6)} VMs ${at(`${c.name}/provision`)}  kubeadm ${at(`${c.name}/bootstrap`)}  CNI ${at(cni.find((s) => s.cluster === c.name)?.id ?? '')}  done ${clock(Math.max(...own.map((s) => finished.get(s.id)!)))}  (${own.length} steps)`;
    });
    console.log(
      [
        `predicted Multipass run of the default plan (planner estimates, default limits; min:s from the start):`,
        ...rows,
        `  predicted ${clock(predicted)}, critical path ${clock(critical)} (${plan.criticalPath.ids.length} steps, ${plan.criticalPath.ids[0]} -> ${plan.criticalPath.ids.at(-1)})`,
        `  the seed's scripts one after another: ${clock(serial)} (all ${plan.steps.length} steps in sequence)`,
        `  seed order / predicted: ${ratio(serial, predicted)}x; predicted / critical path: ${ratio(predicted, critical)}`,
      ].join('\n'),
    );
  });

  it('engine overhead per step (scheduler + atomic state save after every step)', async () => {
    const N = 400;
    const steps: ExecutableStep[] = Array.from({ length: N }, (_, i) => ({
      id: `c${i % 3}/step-${i}`,
      cluster: `c${i % 3}`,
      dependsOn: i >= 3 ? [`c${(i - 3) % 3}/step-${i - 3}`] : [],
      expectedDurationMs: 1,
      timeoutMs: 10_000,
      run: async () => ({ outcome: 'succeeded' as const }),
    }));
    let t = performance.now();
    for (const step of steps)
      await step.run({ signal: new AbortController().signal, attempt: 1, log: () => {} });
    const bare = performance.now() - t;
    const dir = mkdtempSync(join(tmpdir(), 'platformctl-bench-'));
    const store = new StateStore(dir, emptyState('bench', 'kwok'));
    t = performance.now();
    const result = await runGraph(steps, {
      onSettled: (r) =>
        store.recordStep(r.id, { inputsHash: 'x', outcome: r.outcome, runId: 'bench', attempts: r.attempts }),
    });
    const engine = performance.now() - t;
    t = performance.now();
    await runGraph(steps, {});
    const schedulerOnly = performance.now() - t;
    expect(result.ok).toBe(true);
    console.log(
      [
        `engine overhead, ${N} no-op steps in 3 chains:`,
        `  scheduler alone: ${(schedulerOnly / N).toFixed(3)} ms/step; with the state saved after each step: ${(engine / N).toFixed(3)} ms/step`,
        `  bare loop: ${(bare / N).toFixed(4)} ms/step; engine / bare: ${ratio(engine, bare)}`,
      ].join('\n'),
    );
  });

  const harness =
    existsSync(join(ROOT, '.harness/bin/kwokctl')) && existsSync(join(ROOT, 'dist/cli/main.js'));
  it.skipIf(!harness)('no-op re-run of up, and status, on the converged kwok platform', () => {
    const project = mkdtempSync(join(tmpdir(), 'platformctl-bench-up-'));
    const env = { ...process.env, NO_COLOR: '1', PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR };
    const timed = (...args: string[]) => {
      const t = performance.now();
      const r = spawnSync(process.execPath, [join(ROOT, 'bin/platformctl.js'), ...args], {
        cwd: project,
        env,
        encoding: 'utf8',
      });
      return { ms: performance.now() - t, code: r.status, stderr: r.stderr };
    };
    try {
      const full = timed('up', '--provider', 'kwok');
      const noop = timed('up', '--provider', 'kwok');
      const status = timed('status', '--provider', 'kwok');
      const version = timed('--version');
      expect(full.code, full.stderr).toBe(0);
      expect(noop.code, noop.stderr).toBe(0);
      expect(status.code, status.stderr).toBe(0);
      console.log(
        [
          `up on kwok (the real pinned charts): full run ${(full.ms / 1000).toFixed(1)} s, no-op re-run ${(noop.ms / 1000).toFixed(1)} s, ratio ${ratio(noop.ms, full.ms)}`,
          `status with live checks of every step: ${(status.ms / 1000).toFixed(1)} s (goal 3 s), ${ratio(status.ms, noop.ms)} of the no-op up, ${ratio(status.ms, version.ms)} of --version`,
        ].join('\n'),
      );
    } finally {
      timed('down', '--provider', 'kwok');
    }
  });
});
