import { systemRunner } from '../clients/exec.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../plan/plan.js';
import { KwokProvider } from '../providers/kwok/provider.js';
import { renderPlatform } from '../render/index.js';
import { testPlatform } from '../test-support/render.js';
import { prepareUp, SelectionError, selectSteps } from './run.js';
import { StateStore, emptyState } from './state.js';

const platform = testPlatform();
const plan = buildPlan(platform, renderPlatform(platform), 'kwok');
const ids = (set: Set<string>) => [...set].sort();

describe('selectSteps', () => {
  it('selects everything by default', () => {
    expect(selectSteps(plan).size).toBe(plan.steps.length);
  });

  it('--only a cluster pulls in what its steps depend on on other clusters', () => {
    const selected = selectSteps(plan, ['app1']);
    expect(selected).toContain('app1/external-secrets/release');
    // External Secrets on app1 waits for Vault on mgmt (cross-cluster edge): pulled in.
    expect([...selected].some((id) => id.startsWith('mgmt/vault/'))).toBe(true);
    expect([...selected].some((id) => id.startsWith('app2/'))).toBe(false);
    for (const id of selected)
      for (const dep of plan.steps.find((s) => s.id === id)!.dependsOn) expect(selected).toContain(dep);
  });

  it('--only an add-on selects it on every cluster, with its dependencies only', () => {
    const selected = selectSteps(plan, ['kyverno']);
    expect(ids(selected).filter((id) => id.includes('/kyverno/'))).toEqual([
      'app1/kyverno/manifests',
      'app1/kyverno/release',
      'app2/kyverno/manifests',
      'app2/kyverno/release',
    ]);
    expect(selected).not.toContain('mgmt/grafana/release');
  });

  it('--skip leaves out the step and everything that depends on it', () => {
    const selected = selectSteps(plan, [], ['mgmt/vault']);
    expect([...selected].some((id) => id.startsWith('mgmt/vault/'))).toBe(false);
    expect(selected).not.toContain('app1/external-secrets/release');
    expect(selected).toContain('app1/kyverno/release');
    expect(selected).toContain('mgmt/provision');
  });

  it('rejects a selector that matches nothing, naming what would', () => {
    expect(() => selectSteps(plan, ['app9'])).toThrow(SelectionError);
    expect(() => selectSteps(plan, [], ['valut'])).toThrow(
      /matches no step: use a cluster \(mgmt, app1, app2\)/,
    );
  });
});

describe('prepareUp', () => {
  it('runs new steps, only checks settled ones, and redoes those whose inputs changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'platformctl-prepare-'));
    const provider = new KwokProvider({ env: {}, runner: systemRunner });
    const fresh = await prepareUp({ projectDir: dir, platform, provider });
    expect(fresh.planned.every((p) => p.action === 'run' && p.status === 'new')).toBe(true);

    const store = new StateStore(dir, emptyState(platform.name, 'kwok'));
    const [first, second, third] = fresh.plan.steps;
    await store.recordStep(first!.id, {
      inputsHash: first!.inputsHash,
      outcome: 'succeeded',
      runId: 'r',
      attempts: 1,
    });
    await store.recordStep(second!.id, {
      inputsHash: 'stale',
      outcome: 'succeeded',
      runId: 'r',
      attempts: 1,
    });
    await store.recordStep(third!.id, {
      inputsHash: third!.inputsHash,
      outcome: 'failed',
      runId: 'r',
      attempts: 3,
    });
    const again = await prepareUp({ projectDir: dir, platform, provider, skip: ['app2'] });
    const byId = new Map(again.planned.map((p) => [p.step.id, p]));
    expect(byId.get(first!.id)).toMatchObject({ action: 'check', status: 'unchanged' });
    expect(byId.get(second!.id)).toMatchObject({ action: 'run', status: 'changed' });
    expect(byId.get(third!.id)).toMatchObject({ action: 'run', status: 'failed' });
    expect(again.planned.filter((p) => p.step.cluster === 'app2').every((p) => p.action === 'skip')).toBe(
      true,
    );
  });
});
