import { describe, expect, it } from 'vitest';
import { availableDrill, type DrillDeps, runDrill } from './drill.js';
import type { VerifyCheck, VerifyReport } from './verify.js';

const report = (...checks: Array<[string, VerifyCheck['status']]>): VerifyReport => ({
  ok: checks.every(([, s]) => s !== 'fail'),
  checks: checks.map(([id, status]) => ({ id, status, evidence: `${id} ${status}` })),
});

const healthy = () =>
  report(
    ['cluster.mgmt.api', 'pass'],
    ['cluster.app1.api', 'pass'],
    ['vault.unsealed', 'pass'],
    ['cluster.app2.api', 'fail'],
  );

/** A scripted platform: what each verify returns, the clock moving 1s per verify, every effect recorded. */
function platform(verifies: VerifyReport[], overrides: Partial<DrillDeps> = {}) {
  let clock = 0;
  const did: string[] = [];
  let secretsGone = false;
  const deps: DrillDeps = {
    managementCluster: 'mgmt',
    workloadClusters: ['app1', 'app2'],
    verify: () => {
      clock += 1000;
      did.push('verify');
      return Promise.resolve(verifies.length > 1 ? verifies.shift()! : verifies[0]!);
    },
    stopManagement: () => (did.push('stop mgmt'), Promise.resolve()),
    startManagement: () => (did.push('start mgmt'), Promise.resolve()),
    sealVault: () => (did.push('seal'), Promise.resolve()),
    unsealVault: () => (did.push('unseal'), Promise.resolve()),
    apiAnswers: (c) => Promise.resolve({ ok: true, evidence: `${c} answers` }),
    syncedSecrets: (cluster) =>
      Promise.resolve(cluster === 'app1' && !secretsGone ? [{ cluster, secret: 'demo/app-secrets' }] : []),
    log: () => {},
    now: () => clock,
    sleep: (ms) => ((clock += ms), Promise.resolve()),
    pollMs: 2000,
    ...overrides,
  };
  return { deps, did, loseSecrets: () => (secretsGone = true) };
}

describe('drill', () => {
  it('vault-sealed: baseline, seal, verify names vault.unsealed, unseal, time to a passing verify beside §20.2 and §5.4', async () => {
    const sealed = report(
      ['cluster.mgmt.api', 'pass'],
      ['cluster.app1.api', 'pass'],
      ['vault.unsealed', 'fail'],
    );
    const { deps, did } = platform([healthy(), sealed, sealed, healthy()]);
    const r = await runDrill('vault-sealed', deps);
    expect(did).toEqual(['verify', 'seal', 'verify', 'unseal', 'verify', 'verify']);
    expect(r.baseline.failing).toEqual(['cluster.app2.api']);
    expect(r.degraded.map((c) => `${c.id} ${c.status}`)).toEqual([
      'degraded.app1.synced-secrets pass',
      'degraded.verify-names-vault.unsealed pass',
    ]);
    // The first verify after unsealing still sees it sealed; the next one (1s + 2s poll + 1s) passes.
    expect(r.recovery).toMatchObject({ recoveredMs: 4000, verifyRuns: 2, stillFailing: [] });
    expect(r.targets).toEqual([
      { source: '§20.2 Vault RTO', targetMs: 300_000, measuredMs: 4000, pass: true },
      { source: '§5.4 P1 Vault recovery', targetMs: 1_800_000, measuredMs: 4000, pass: true },
    ]);
    expect(r.ok).toBe(true);
  });

  it('mgmt-down: stops and starts mgmt, checks only the workload clusters that answered at the baseline', async () => {
    const down = report(
      ['cluster.mgmt.api', 'fail'],
      ['cluster.app1.api', 'pass'],
      ['vault.unsealed', 'fail'],
    );
    const asked: string[] = [];
    const { deps, did } = platform([healthy(), down, healthy()], {
      apiAnswers: (c) => (asked.push(c), Promise.resolve({ ok: true, evidence: 'answers' })),
    });
    const r = await runDrill('mgmt-down', deps);
    expect(did).toEqual(['verify', 'stop mgmt', 'verify', 'start mgmt', 'unseal', 'verify']);
    expect(asked).toEqual(['app1']);
    expect(r.degraded.map((c) => `${c.id} ${c.status}`)).toEqual([
      'degraded.app1.api pass',
      'degraded.app1.synced-secrets pass',
      'degraded.verify-names-cluster.mgmt.api pass',
    ]);
    expect(r.targets).toEqual([
      { source: '§5.4 P1 mgmt control plane recovery', targetMs: 1_800_000, measuredMs: 1000, pass: true },
    ]);
  });

  it('recovers even when a check in the middle throws, and fails the drill for a lost Secret', async () => {
    const { deps, did } = platform([healthy()]);
    const broken = { ...deps, apiAnswers: () => Promise.reject(new Error('boom')) };
    const r = await runDrill('mgmt-down', broken);
    expect(did).toContain('start mgmt');
    expect(r.degraded.at(-1)).toMatchObject({ id: 'degraded.observed', status: 'fail', evidence: 'boom' });
    expect(r.ok).toBe(false);

    const lost = platform([healthy()]);
    const sealAndLose = { ...lost.deps, sealVault: () => (lost.loseSecrets(), Promise.resolve()) };
    const r2 = await runDrill('vault-sealed', sealAndLose);
    expect(r2.degraded[0]).toMatchObject({ status: 'fail', evidence: 'lost: demo/app-secrets' });
    expect(r2.ok).toBe(false);
  });

  it('fails the targets when verify never passes again within the longest target, naming what still fails', async () => {
    const sealed = report(
      ['cluster.mgmt.api', 'pass'],
      ['cluster.app1.api', 'pass'],
      ['vault.unsealed', 'fail'],
    );
    const { deps } = platform([healthy(), sealed], { pollMs: 60_000 });
    const r = await runDrill('vault-sealed', deps);
    expect(r.recovery.recoveredMs).toBeUndefined();
    expect(r.recovery.stillFailing).toEqual(['vault.unsealed']);
    expect(r.targets.every((t) => !t.pass)).toBe(true);
  });

  it('refuses etcd-loss and node-loss as not available (exit 2), and an unknown scenario', () => {
    expect(() => availableDrill('etcd-loss')).toThrow(
      expect.objectContaining({ code: 'drill.not-available', kind: 'usage' }),
    );
    expect(() => availableDrill('node-loss')).toThrow(/not available yet/);
    expect(() => availableDrill('flood')).toThrow(expect.objectContaining({ code: 'drill.unknown' }));
    expect(availableDrill('mgmt-down')).toBe('mgmt-down');
  });
});
