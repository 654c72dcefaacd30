import { describe, expect, it } from 'vitest';
import { buildPlan } from '../plan/plan.js';
import { renderPlatform } from '../render/index.js';
import type { PlatformState } from '../engine/state.js';
import { testPlatform } from '../test-support/render.js';
import { leftovers } from './prune.js';

const full = testPlatform();
const fullPlan = buildPlan(full, renderPlatform(full), 'kwok');

/** A state as a converged `up` of the full default spec leaves it. */
const converged: PlatformState = {
  schemaVersion: 1,
  platform: full.name,
  provider: 'kwok',
  clusters: Object.fromEntries(
    full.clusters.map((c) => [c.name, { role: c.role, nodes: c.nodes.map((n) => n.name) }]),
  ),
  steps: Object.fromEntries(
    fullPlan.steps.map((s) => [
      s.id,
      {
        outcome: 'succeeded',
        inputsHash: s.inputsHash,
        runId: 'r1',
        finishedAt: '2026-01-01T00:00:00Z',
        attempts: 1,
      },
    ]),
  ),
  runs: [],
} as unknown as PlatformState;

describe('leftovers of a spec that shrank', () => {
  it('finds nothing when the spec is unchanged, or there is no state', () => {
    expect(leftovers(converged, fullPlan, full)).toEqual({ clusters: [], releases: [] });
    expect(leftovers(undefined, fullPlan, full)).toEqual({ clusters: [], releases: [] });
  });

  it('finds a cluster the spec no longer lists, with its recorded nodes, and an add-on disabled on a cluster it keeps', () => {
    const text = `apiVersion: platformctl.dev/v1alpha1
kind: Platform
metadata: { name: ${full.name} }
spec:
  addons:
    kyverno: { enabled: false }
`;
    const smaller = testPlatform(text);
    expect(smaller.clusters.some((c) => c.addons.includes('kyverno'))).toBe(false);
    const plan = buildPlan(smaller, renderPlatform(smaller), 'kwok');
    const found = leftovers(converged, plan, smaller);
    expect(found.clusters).toEqual([]);
    expect(found.releases.map((r) => `${r.cluster}/${r.addon} ${r.namespace}`)).toEqual([
      'app1/kyverno kyverno',
      'app2/kyverno kyverno',
    ]);
    expect(found.releases[0]!.steps).toEqual(expect.arrayContaining(['app1/kyverno/release']));
    // A cluster it no longer has: state lists it, spec does not.
    const withExtra = {
      ...converged,
      clusters: { ...converged.clusters, app3: { role: 'workload', nodes: ['app3-cp', 'app3-w1'] } },
      steps: { ...converged.steps, 'app3/kyverno/release': converged.steps['app1/kyverno/release']! },
    } as PlatformState;
    const extra = leftovers(withExtra, fullPlan, full);
    expect(extra.clusters).toEqual([{ cluster: 'app3', role: 'workload', nodes: ['app3-cp', 'app3-w1'] }]);
    // Its releases go with the cluster, not one by one.
    expect(extra.releases).toEqual([]);
  });

  it('leaves a release alone when only one of its steps left the plan', () => {
    const plan = { ...fullPlan, steps: fullPlan.steps.filter((s) => s.id !== 'app1/kyverno/manifests') };
    expect(leftovers(converged, plan, full).releases).toEqual([]);
  });
});
