/**
 * Scale (`npm run bench`, issue #16): validate, render and plan of generated specs of 3, 10, 50
 * and 200 clusters, in this process, medians of interleaved rounds. Prints the time per cluster
 * and its growth against 10 clusters: 1.00 is linear, 20 would be quadratic over 10 -> 200.
 * Nothing here asserts on time.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../src/addons/catalog.js';
import { buildPlan } from '../src/plan/plan.js';
import { renderPlatform } from '../src/render/index.js';
import { loadSpecText } from '../src/spec/load.js';
import { scaleSpec } from '../src/test-support/scale-spec.js';

const SIZES: readonly number[] = [3, 10, 50, 200];
const ROUNDS = 5;
const now = new Date();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function timed<T>(work: () => T): [T, number] {
  const start = process.hrtime.bigint();
  const result = work();
  return [result, Number(process.hrtime.bigint() - start) / 1e6];
}

describe('scale', () => {
  it('validate, render and plan of 3, 10, 50 and 200 clusters, per cluster, side by side', () => {
    const texts = new Map(SIZES.map((n) => [n, scaleSpec(n)]));
    const samples = new Map(
      SIZES.map((n) => [n, { validate: [] as number[], render: [] as number[], plan: [] as number[] }]),
    );
    const sizes = new Map<number, { artifacts: number; bytes: number; steps: number }>();
    // One warm-up round, then the sizes interleaved so that load on the machine hits each alike.
    for (let round = 0; round <= ROUNDS; round++)
      for (const n of SIZES) {
        const [spec, validate] = timed(() => loadSpecText(texts.get(n)!, { now, catalog: CATALOG }));
        expect(spec.ok).toBe(true);
        const [tree, render] = timed(() => renderPlatform(spec.platform!));
        const [plan, planMs] = timed(() => buildPlan(spec.platform!, tree));
        expect(plan.steps.length).toBeGreaterThan(n);
        sizes.set(n, {
          artifacts: tree.length,
          bytes: tree.reduce((sum, a) => sum + a.content.length, 0),
          steps: plan.steps.length,
        });
        if (round === 0) continue;
        const s = samples.get(n)!;
        s.validate.push(validate);
        s.render.push(render);
        s.plan.push(planMs);
      }
    const perCluster = (n: number, phase: 'validate' | 'render' | 'plan') =>
      median(samples.get(n)![phase]) / n;
    const lines = SIZES.map((n) => {
      const cells = (['validate', 'render', 'plan'] as const).map((phase) => {
        const ms = median(samples.get(n)![phase]);
        const growth = perCluster(n, phase) / perCluster(10, phase);
        return `${phase} ${ms.toFixed(0).padStart(5)} ms (${perCluster(n, phase).toFixed(2)}/cluster, ${growth.toFixed(2)}x)`;
      });
      const size = sizes.get(n)!;
      return `  ${String(n).padStart(3)} clusters  ${cells.join('  ')}  [${size.steps} steps, ${size.artifacts} files, ${(size.bytes / 1e6).toFixed(1)} MB]`;
    });
    console.log(
      [
        `scale, median of ${ROUNDS} interleaved rounds; per-cluster time and its growth against 10 clusters (1.00x = linear):`,
        ...lines,
        '  (ClusterMesh is a full mesh: each cluster lists every peer, so the Cilium values alone grow with n² in total.)',
      ].join('\n'),
    );
  }, 600_000);
});
