import { describe, expect, it } from 'vitest';
import { CATALOG } from '../addons/catalog.js';
import { renderPlatform } from '../render/index.js';
import { loadSpecText } from '../spec/load.js';
import { MAX_SCALE_CLUSTERS, scaleSpec } from '../test-support/scale-spec.js';
import { buildPlan, hashInputs } from './plan.js';

const now = new Date('2026-12-01T00:00:00Z');

function planOf(count: number) {
  const result = loadSpecText(scaleSpec(count), { now, catalog: CATALOG });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  expect(errors, JSON.stringify(errors.slice(0, 3))).toEqual([]);
  const tree = renderPlatform(result.platform!);
  return { platform: result.platform!, tree, plan: buildPlan(result.platform!, tree) };
}

describe('fifty clusters (issue #16)', () => {
  const fifty = planOf(50);

  it('a generated spec of 50 clusters validates, renders and plans', () => {
    expect(fifty.platform.clusters).toHaveLength(50);
    expect(fifty.platform.clusters.filter((c) => c.role === 'management').map((c) => c.name)).toEqual([
      'mgmt',
    ]);
    for (const cluster of fifty.platform.clusters) {
      expect(fifty.plan.steps.some((s) => s.id === `${cluster.name}/bootstrap`)).toBe(true);
      expect(fifty.tree.some((a) => a.path.startsWith(`clusters/${cluster.name}/addons/`))).toBe(true);
    }
    // provider existing: no VMs to create.
    expect(fifty.plan.steps.some((s) => s.kind === 'provision')).toBe(false);
  });

  it('each workload cluster adds the same steps and edges: the plan grows linearly', () => {
    const two = planOf(2).plan.steps;
    const three = planOf(3).plan.steps;
    const edges = (steps: typeof two) => steps.reduce((sum, s) => sum + s.dependsOn.length, 0);
    const stepsPerCluster = three.length - two.length;
    const edgesPerCluster = edges(three) - edges(two);
    expect(stepsPerCluster).toBeGreaterThan(10);
    expect(fifty.plan.steps.length).toBe(two.length + 48 * stepsPerCluster);
    expect(edges(fifty.plan.steps)).toBe(edges(two) + 48 * edgesPerCluster);
  });

  it('input hashes taken with the shared artifact digests equal those taken one step at a time', () => {
    const contents = new Map(fifty.tree.map((a) => [a.path, a.content]));
    const sample = fifty.plan.steps.filter((_, i) => i % 97 === 0 || i === fifty.plan.steps.length - 1);
    expect(sample.length).toBeGreaterThan(10);
    for (const step of sample) expect(hashInputs(step, contents)).toBe(step.inputsHash);
    // And a changed artifact changes the hash of the steps that read it.
    const auth = fifty.plan.steps.find((s) => s.kind === 'vault-auth')!;
    const changed = new Map(contents).set(auth.artifacts[0]!, `${contents.get(auth.artifacts[0]!)} `);
    expect(hashInputs(auth, changed)).not.toBe(auth.inputsHash);
  });

  it('refuses a count Cilium cannot number', () => {
    expect(() => scaleSpec(0)).toThrow(RangeError);
    expect(() => scaleSpec(MAX_SCALE_CLUSTERS + 1)).toThrow(/1\.\.255/);
    expect(() => scaleSpec(MAX_SCALE_CLUSTERS)).not.toThrow();
  });
});
