import { describe, expect, it } from 'vitest';
import {
  availableDrill,
  type DrillDeps,
  drillTarget,
  type EtcdLossDeps,
  type NodeLossDeps,
  runDrill,
} from './drill.js';
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

  it('knows the four scenarios, refuses an unknown one, and wants a target for etcd-loss and node-loss only (exit 2)', () => {
    expect(() => availableDrill('flood')).toThrow(
      expect.objectContaining({ code: 'drill.unknown', kind: 'usage' }),
    );
    expect(availableDrill('etcd-loss')).toBe('etcd-loss');
    expect(availableDrill('node-loss')).toBe('node-loss');
    expect(() => drillTarget('etcd-loss', undefined)).toThrow(
      expect.objectContaining({ code: 'drill.target-required', kind: 'usage' }),
    );
    expect(() => drillTarget('mgmt-down', 'app1')).toThrow(
      expect.objectContaining({ code: 'drill.unexpected-target' }),
    );
    expect(drillTarget('node-loss', 'app1-worker-0')).toBe('app1-worker-0');
    expect(drillTarget('vault-sealed', undefined)).toBeUndefined();
  });
});

describe('drill etcd-loss', () => {
  const lost = report(['cluster.mgmt.api', 'pass'], ['cluster.app1.api', 'fail'], ['vault.unsealed', 'pass']);

  function etcd(did: string[], overrides: Partial<EtcdLossDeps> = {}): EtcdLossDeps {
    return {
      cluster: 'app1',
      backup: { id: '20261208T010000Z', revision: 420, ageSeconds: 60, liveRevision: 480 },
      dataDir: '/w/app1/etcd',
      movedTo: '/w/app1/etcd.drill-lost-x',
      putBackByHand: 'mv /w/app1/etcd.drill-lost-x /w/app1/etcd',
      loseData: () => (did.push('lose data'), Promise.resolve('moved')),
      restore: () => (
        did.push('restore'),
        Promise.resolve({ ok: true, detail: 'restored; verify of app1 passed' })
      ),
      putBack: () => (did.push('put back'), Promise.resolve('back')),
      ...overrides,
    };
  }

  it('loses the data, sees app1 down and mgmt answering, restores, and times it against §20.2 and §15', async () => {
    const asked: string[] = [];
    const did: string[] = [];
    const { deps, did: effects } = platform([healthy(), lost, healthy()], {
      apiAnswers: (c) => (
        asked.push(c),
        Promise.resolve({ ok: c !== 'app1', evidence: c === 'app1' ? 'connection refused' : 'answers' })
      ),
    });
    const r = await runDrill('etcd-loss', { ...deps, etcdLoss: etcd(did) });
    expect(did).toEqual(['lose data', 'restore']);
    expect(effects).toEqual(['verify', 'verify', 'verify']);
    expect(asked).toEqual(['app1', 'mgmt']);
    expect(r.degraded.map((c) => `${c.id} ${c.status}`)).toEqual([
      'degraded.app1.api-down pass',
      'degraded.mgmt.api pass',
      'degraded.verify-names-cluster.app1.api pass',
    ]);
    expect(r.target).toBe('app1');
    expect(r.etcd).toMatchObject({ movedTo: '/w/app1/etcd.drill-lost-x', backup: { revision: 420 } });
    expect(r.recovery.detail).toEqual(['moved', 'restored; verify of app1 passed']);
    expect(r.targets).toEqual([
      { source: '§20.2 etcd RTO', targetMs: 300_000, measuredMs: 1000, pass: true },
      {
        source: '§15 etcd data corruption, snapshot restore (15-30 min)',
        targetMs: 900_000,
        measuredMs: 1000,
        pass: true,
      },
    ]);
    expect(r.ok).toBe(true);
  });

  it('refuses before anything changes when the cluster does not answer at the baseline', async () => {
    const did: string[] = [];
    const { deps } = platform([lost]);
    await expect(runDrill('etcd-loss', { ...deps, etcdLoss: etcd(did) })).rejects.toMatchObject({
      code: 'drill.baseline-failing',
    });
    expect(did).toEqual([]);
  });

  it('fails when the API still answers without its data', async () => {
    const { deps } = platform([healthy(), lost, healthy()]);
    const r = await runDrill('etcd-loss', { ...deps, etcdLoss: etcd([]) });
    expect(r.degraded[0]).toMatchObject({ id: 'degraded.app1.api-down', status: 'fail' });
    expect(r.ok).toBe(false);
  });

  it('a restore that fails puts the moved data back and fails the drill, even when verify passes after', async () => {
    const did: string[] = [];
    const { deps } = platform([healthy(), lost, healthy()], {
      apiAnswers: (c) => Promise.resolve({ ok: c !== 'app1', evidence: '' }),
    });
    const failing = etcd(did, {
      restore: () => (
        did.push('restore'),
        Promise.resolve({ ok: false, detail: 'the restore rolled back: boom' })
      ),
    });
    const r = await runDrill('etcd-loss', { ...deps, etcdLoss: failing });
    expect(did).toEqual(['lose data', 'restore', 'put back']);
    expect(r.recovery.error).toContain('the moved data directory is back in /w/app1/etcd');
    expect(r.recovery.recoveredMs).toBeUndefined();
    expect(r.etcd?.putBack).toBe(true);
    expect(r.targets.every((t) => !t.pass)).toBe(true);
    expect(r.ok).toBe(false);
  });

  it('says where the data is and how to put it back when putting it back fails too', async () => {
    const { deps } = platform([healthy(), lost]);
    const r = await runDrill('etcd-loss', {
      ...deps,
      etcdLoss: etcd([], {
        restore: () => Promise.reject(new Error('etcdutl exploded')),
        putBack: () => Promise.reject(new Error('disk full')),
      }),
    });
    expect(r.recovery.error).toContain('etcdutl exploded');
    expect(r.recovery.error).toContain('disk full');
    expect(r.recovery.error).toContain('mv /w/app1/etcd.drill-lost-x /w/app1/etcd');
    expect(r.etcd?.putBack).toBe(false);
    expect(r.ok).toBe(false);
  });
});

describe('drill node-loss', () => {
  const degradedNodes = report(
    ['cluster.mgmt.api', 'pass'],
    ['cluster.app1.api', 'pass'],
    ['cluster.app1.nodes', 'fail'],
  );
  const healthyNodes = () =>
    report(['cluster.mgmt.api', 'pass'], ['cluster.app1.api', 'pass'], ['cluster.app1.nodes', 'pass']);

  /** A node that goes NotReady `downAfter` polls after its stop and Ready `upAfter` polls after its start. */
  function node(did: string[], downAfter: number, upAfter: number): NodeLossDeps {
    let stopped = false;
    let polls = 0;
    return {
      cluster: 'app1',
      node: 'app1-worker-0',
      graceMs: 50_000,
      stopNode: () => (did.push('stop node'), (stopped = true), (polls = 0), Promise.resolve('label off')),
      startNode: () => (did.push('start node'), (stopped = false), (polls = 0), Promise.resolve('label on')),
      nodeReady: () => {
        polls++;
        const ready = stopped ? polls <= downAfter : polls > upAfter;
        return Promise.resolve({
          ready,
          evidence: ready ? 'Ready=True' : 'Ready=Unknown (NodeStatusUnknown)',
        });
      },
      othersReady: () => Promise.resolve({ ok: true, evidence: '1 other node(s) Ready: app1-cp-0' }),
    };
  }

  it('waits until the node is NotReady, checks the API and the other nodes, starts it, times Ready and verify', async () => {
    const did: string[] = [];
    const { deps } = platform([healthyNodes(), degradedNodes, healthyNodes()], { pollMs: 5000 });
    const r = await runDrill('node-loss', { ...deps, nodeLoss: node(did, 10, 2) });
    expect(did).toEqual(['stop node', 'start node']);
    expect(r.degraded.map((c) => `${c.id} ${c.status}`)).toEqual([
      'degraded.app1-worker-0.not-ready pass',
      'degraded.app1.api pass',
      'degraded.app1.other-nodes pass',
      'degraded.verify-names-cluster.app1.nodes pass',
    ]);
    // 10 polls Ready, 5s apart: NotReady at the 11th, 50s after the stop.
    expect(r.node).toEqual({ notReadyAfterMs: 50_000, readyAfterMs: 10_000 });
    expect(r.targets[0]).toMatchObject({ targetMs: 3_600_000, pass: true });
    expect(r.ok).toBe(true);
  });

  it('fails the drill when the node is never marked NotReady, and still starts it', async () => {
    const did: string[] = [];
    const { deps } = platform([healthyNodes()], { pollMs: 5000 });
    const r = await runDrill('node-loss', { ...deps, nodeLoss: node(did, 1_000, 0) });
    expect(did).toEqual(['stop node', 'start node']);
    expect(r.degraded[0]).toMatchObject({ id: 'degraded.app1-worker-0.not-ready', status: 'fail' });
    expect(r.node?.notReadyAfterMs).toBeUndefined();
    expect(r.ok).toBe(false);
  });

  it('fails the recovery when the node never comes back Ready', async () => {
    const { deps } = platform([healthyNodes(), degradedNodes], { pollMs: 5000 });
    const r = await runDrill('node-loss', { ...deps, nodeLoss: node([], 1, 1_000_000) });
    expect(r.recovery.error).toBe('app1-worker-0 is not Ready again');
    expect(r.recovery.recoveredMs).toBeUndefined();
    expect(r.ok).toBe(false);
  });
});
