import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emptyState, type PlatformState } from '../engine/state.js';
import { buildPlan } from '../plan/plan.js';
import { renderPlatform } from '../render/index.js';
import { testPlatform } from '../test-support/render.js';
import { installedOn, otherManagers } from './uninstall.js';

const platform = testPlatform(
  readFileSync(new URL('../spec/fixtures/valid/existing.yaml', import.meta.url), 'utf8'),
);
const tree = renderPlatform(platform);
const plan = buildPlan(platform, tree);
const contents = new Map(tree.map((a) => [a.path, a.content]));

function stateWith(ids: readonly string[]): PlatformState {
  const state = emptyState(platform.name, 'existing');
  return {
    ...state,
    steps: Object.fromEntries(
      ids.map((id) => [
        id,
        { inputsHash: 'x', outcome: 'succeeded', runId: 'r', finishedAt: '2026-12-07T00:00:00Z' },
      ]),
    ),
  } as PlatformState;
}

describe('what platformctl installed on clusters it does not own', () => {
  it('lists only recorded steps, workload clusters first, newest first', () => {
    const recorded = plan.steps.filter((s) => s.cluster === 'app1' || s.id.startsWith('mgmt/local-path/'));
    const removals = installedOn(platform, plan, stateWith(recorded.map((s) => s.id)), contents);
    expect(removals.map((r) => r.cluster)).toEqual(['app1', 'mgmt']);
    const mgmt = removals[1]!;
    expect(mgmt.releases).toEqual([{ addon: 'local-path', namespace: 'local-path-storage' }]);
    expect(mgmt.namespaces).toEqual([]); // mgmt/namespaces was not recorded
    const app1 = removals[0]!;
    expect(app1.namespaces.length).toBeGreaterThan(0);
    expect(app1.namespaces).not.toContain('kube-system');
    // Newest first: the plan's last installed add-on goes first.
    const order = plan.steps.filter((s) => s.cluster === 'app1' && s.kind === 'helm').map((s) => s.addon);
    expect(app1.releases.map((r) => r.addon)).toEqual([...order].reverse());
    expect(installedOn(platform, plan, stateWith([]), contents)).toEqual([]);
  });

  it('an object another field manager also writes is someone else’s too (status writers do not count)', () => {
    const mine = { manager: 'platformctl' };
    expect(
      otherManagers({
        metadata: { managedFields: [mine, { manager: 'kube-apiserver', subresource: 'status' }] },
      }),
    ).toEqual([]);
    expect(
      otherManagers({
        metadata: { managedFields: [mine, { manager: 'kubectl-edit' }, { manager: 'kubectl-edit' }] },
      }),
    ).toEqual(['kubectl-edit']);
    expect(otherManagers({ metadata: {} })).toEqual([]);
  });
});
