/**
 * `drill <scenario>`: a fault from the seed's failure matrix (§5.1), produced for real on the
 * platform, with what the seed promises while it lasts checked where it can be seen, the
 * recovery, and the time until `verify` passes again beside the seed's targets (§20.2 Vault and
 * etcd RTO 5 min; §5.4 P1 Vault and mgmt control plane 30 min; §15 etcd corruption 15-30 min and
 * Control Plane node failure 1 h).
 *
 * Recovered means: every check that passed in the baseline passes again (a check that already
 * failed before the drill is not the drill's to fix), after a recovery that did not fail. The
 * fault is always undone, whatever fails in between (try/finally): etcd-loss restores the last
 * snapshot through ops/restore.ts and, when that fails, puts the moved data directory back;
 * node-loss starts the node again. Only the platform's own clusters, nodes and Vault are touched,
 * through the provider and Vault's API. The library takes its effects as `DrillDeps`; Project
 * builds them (drill-targets.ts for etcd-loss and node-loss).
 * TODO(#13): the agents' promises (Prometheus Agent and promtail buffering while mgmt is down,
 * resending after) are not checked: nothing runs or ships on kwok. bench/day2.bench.ts measures
 * the recovery times against the seed's targets.
 */
import { PlatformctlError } from '../errors.js';
import type { VerifyCheck, VerifyReport } from './verify.js';

export const DRILL_SCENARIOS = ['mgmt-down', 'vault-sealed', 'etcd-loss', 'node-loss'] as const;
export type DrillScenario = (typeof DRILL_SCENARIOS)[number];
/** The scenarios that name what they break: `drill etcd-loss <cluster>`, `drill node-loss <node>`. */
export const TARGETED_DRILLS: readonly DrillScenario[] = ['etcd-loss', 'node-loss'];

export interface SeedTarget {
  /** Where the seed says it, e.g. `§20.2 Vault RTO`. */
  readonly source: string;
  readonly targetMs: number;
}

const MINUTE = 60_000;

/** The seed's targets each drill is measured against. */
export const SEED_TARGETS: Readonly<Record<DrillScenario, readonly SeedTarget[]>> = {
  'mgmt-down': [{ source: '§5.4 P1 mgmt control plane recovery', targetMs: 30 * MINUTE }],
  'vault-sealed': [
    { source: '§20.2 Vault RTO', targetMs: 5 * MINUTE },
    { source: '§5.4 P1 Vault recovery', targetMs: 30 * MINUTE },
  ],
  // §15 "복구 시나리오별 가이드": etcd data corrupted, snapshot restore 15-30 min (the lower bound
  // is the target); §20.2: etcd RTO 5 min.
  'etcd-loss': [
    { source: '§20.2 etcd RTO', targetMs: 5 * MINUTE },
    { source: '§15 etcd data corruption, snapshot restore (15-30 min)', targetMs: 15 * MINUTE },
  ],
  // The seed has no number for a lost worker; §15 gives a Control Plane node failure (node
  // recreated, etcd restored) 1 h, and the platform's RTO (SLO table) is 1 h too.
  'node-loss': [{ source: '§15 Control Plane node failure / platform RTO 1 h', targetMs: 60 * MINUTE }],
};

/** A Secret External Secrets synced into a workload cluster and keeps when its source is gone. */
export interface SyncedSecret {
  readonly cluster: string;
  /** namespace/name */
  readonly secret: string;
}

/** `drill etcd-loss <cluster>`: what Project gives the drill for that cluster. */
export interface EtcdLossDeps {
  readonly cluster: string;
  /** The snapshot the recovery restores, chosen (and shown) before anything changes. */
  readonly backup: {
    readonly id: string;
    readonly revision: number;
    readonly ageSeconds: number;
    /** The member's revision before the drill, when it answered. */
    readonly liveRevision?: number;
  };
  /** Where the data directory goes, kept (never deleted). */
  readonly dataDir: string;
  readonly movedTo: string;
  /** The cluster stopped through the provider, its etcd data directory moved to `movedTo`. */
  readonly loseData: () => Promise<string>;
  /** ops/restore.ts from `backup`: what it said, ok only when restored and its verify passed. */
  readonly restore: () => Promise<{ readonly ok: boolean; readonly detail: string }>;
  /** After a recovery that failed: the moved data directory back, the cluster started. */
  readonly putBack: () => Promise<string>;
  /** How to put it back by hand, when putBack failed too. */
  readonly putBackByHand: string;
}

/** `drill node-loss <node>`. */
export interface NodeLossDeps {
  readonly cluster: string;
  readonly node: string;
  /** The node's heartbeats stopped through the provider (kwok: unmanaged; Multipass: VM stopped). */
  readonly stopNode: () => Promise<string>;
  readonly startNode: () => Promise<string>;
  /** The node's Ready condition now. */
  readonly nodeReady: () => Promise<{ readonly ready: boolean; readonly evidence: string }>;
  /** Whether every other node of the cluster is Ready. */
  readonly othersReady: () => Promise<{ readonly ok: boolean; readonly evidence: string }>;
  /** How long the control plane takes to notice a node gone (kube-controller-manager's grace period). */
  readonly graceMs: number;
}

export interface DrillDeps {
  readonly managementCluster: string;
  readonly workloadClusters: readonly string[];
  readonly verify: () => Promise<VerifyReport>;
  /** The management cluster stopped / started through the provider (Vault with it). */
  readonly stopManagement: () => Promise<void>;
  readonly startManagement: () => Promise<void>;
  /** Seals Vault through its API (root token in a header). */
  readonly sealVault: () => Promise<void>;
  /** Unseals Vault with the saved keys (the engine's openVault), waiting until it answers. */
  readonly unsealVault: () => Promise<void>;
  /** Whether a cluster's API server answers, with what it said. */
  readonly apiAnswers: (cluster: string) => Promise<{ readonly ok: boolean; readonly evidence: string }>;
  /** The Secrets of ExternalSecrets with deletionPolicy Retain whose target exists now. */
  readonly syncedSecrets: (cluster: string) => Promise<SyncedSecret[]>;
  /** Set for `etcd-loss`. */
  readonly etcdLoss?: EtcdLossDeps;
  /** Set for `node-loss`. */
  readonly nodeLoss?: NodeLossDeps;
  readonly log: (line: string) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Between two verify runs while waiting for the recovery (default 2s). */
  readonly pollMs?: number;
}

export interface DrillReport {
  readonly scenario: DrillScenario;
  /** The cluster (etcd-loss) or node (node-loss) the drill broke. */
  readonly target?: string;
  /** Recovered within every target, and every degraded-mode promise held. */
  readonly ok: boolean;
  readonly baseline: { readonly ok: boolean; readonly failing: readonly string[] };
  readonly fault: { readonly injected: string; readonly at: string };
  /** What the seed promises while the fault lasts, checked. */
  readonly degraded: readonly VerifyCheck[];
  readonly recovery: {
    readonly action: string;
    /** From the start of the recovery to the first verify in which every baseline check passes again. */
    readonly recoveredMs?: number;
    /** From the fault to that verify. */
    readonly outageMs?: number;
    readonly verifyRuns: number;
    /** Baseline checks still failing at the last verify (empty when recovered). */
    readonly stillFailing: readonly string[];
    readonly error?: string;
    /** What the recovery did, step by step (etcd-loss: the restore; node-loss: the node back). */
    readonly detail?: readonly string[];
  };
  /** etcd-loss: the snapshot restored and where the lost data directory is kept. */
  readonly etcd?: {
    readonly backup: EtcdLossDeps['backup'];
    readonly dataDir: string;
    readonly movedTo: string;
    /** Whether the moved data directory was put back (only after a failed recovery). */
    readonly putBack?: boolean;
  };
  /** node-loss: how long the control plane took to mark the node NotReady, and Ready again. */
  readonly node?: { readonly notReadyAfterMs?: number; readonly readyAfterMs?: number };
  readonly targets: ReadonlyArray<SeedTarget & { readonly measuredMs?: number; readonly pass: boolean }>;
}

/** The scenario named on the command line; an unknown one is refused (exit 2). */
export function availableDrill(scenario: string): DrillScenario {
  if ((DRILL_SCENARIOS as readonly string[]).includes(scenario)) return scenario as DrillScenario;
  throw new PlatformctlError('drill.unknown', 'usage', `no drill "${scenario}"`, {
    hint: `scenarios: ${DRILL_SCENARIOS.join(', ')}`,
  });
}

/** `drill etcd-loss` needs a cluster, `drill node-loss` a node; the others take nothing. */
export function drillTarget(scenario: DrillScenario, target: string | undefined): string | undefined {
  if (!TARGETED_DRILLS.includes(scenario)) {
    if (target !== undefined)
      throw new PlatformctlError('drill.unexpected-target', 'usage', `drill ${scenario} takes no target`);
    return undefined;
  }
  if (!target)
    throw new PlatformctlError(
      'drill.target-required',
      'usage',
      `drill ${scenario} needs the ${scenario === 'etcd-loss' ? 'cluster' : 'node'} it breaks`,
      {
        hint:
          scenario === 'etcd-loss'
            ? 'platformctl drill etcd-loss <cluster> --yes'
            : 'platformctl drill node-loss <cluster>-worker-<n> --yes',
      },
    );
  return target;
}

const passing = (report: VerifyReport) =>
  new Set(report.checks.filter((c) => c.status === 'pass').map((c) => c.id));

/** What the seed promises of the workload clusters while mgmt or Vault is down (§5.1, §5.3). */
async function workloadsHold(
  deps: DrillDeps,
  workloads: readonly string[],
  baseline: ReadonlyMap<string, readonly SyncedSecret[]>,
  checkApi: boolean,
): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  for (const cluster of workloads) {
    if (checkApi) {
      const api = await deps.apiAnswers(cluster);
      checks.push({
        id: `degraded.${cluster}.api`,
        status: api.ok ? 'pass' : 'fail',
        evidence: api.evidence,
      });
    }
    const before = baseline.get(cluster) ?? [];
    const id = `degraded.${cluster}.synced-secrets`;
    if (before.length === 0) {
      checks.push({
        id,
        status: 'skipped',
        evidence: 'no Secret synced by External Secrets (deletionPolicy Retain) at the baseline',
      });
      continue;
    }
    const now = new Set((await deps.syncedSecrets(cluster).catch(() => [])).map((s) => s.secret));
    const lost = before.filter((s) => !now.has(s.secret));
    checks.push(
      lost.length === 0
        ? {
            id,
            status: 'pass',
            evidence: `${before.length} synced Secret(s) stay: ${before.map((s) => s.secret).join(', ')}`,
          }
        : { id, status: 'fail', evidence: `lost: ${lost.map((s) => s.secret).join(', ')}` },
    );
  }
  return checks;
}

/** That verify sees the fault: the check the scenario breaks fails. */
function faultSeen(report: VerifyReport, id: string, scenario: string): VerifyCheck {
  const check = report.checks.find((c) => c.id === id);
  return check?.status === 'fail'
    ? { id: `degraded.verify-names-${id}`, status: 'pass', evidence: `verify fails ${id}: ${check.evidence}` }
    : {
        id: `degraded.verify-names-${id}`,
        status: 'fail',
        evidence: `during ${scenario}, verify reports ${id} ${check?.status ?? 'absent'}`,
      };
}

/** What one scenario breaks, checks while it lasts, and does to recover. */
interface FaultPlan {
  readonly target?: string;
  readonly injected: string;
  /** The progress line before the fault. */
  readonly faulting: string;
  readonly action: string;
  inject(): Promise<void>;
  /** What the seed promises while the fault lasts (besides verify naming `faultCheck`). */
  degraded(): Promise<VerifyCheck[]>;
  /** The verify check the fault breaks. */
  readonly faultCheck: string;
  /** Throws when the recovery failed. */
  recover(): Promise<void>;
}

const firstLine = (error: unknown) => (error as Error).message.split('\n')[0]!;

/** Polls `check` until it holds or `withinMs` passed; the time it took, or undefined. */
async function waitUntil(
  check: () => Promise<boolean>,
  withinMs: number,
  clock: { now: () => number; sleep: (ms: number) => Promise<void>; pollMs: number },
): Promise<number | undefined> {
  const started = clock.now();
  for (;;) {
    if (await check().catch(() => false)) return clock.now() - started;
    if (clock.now() - started > withinMs) return undefined;
    await clock.sleep(clock.pollMs);
  }
}

function plainPlan(
  scenario: 'mgmt-down' | 'vault-sealed',
  deps: DrillDeps,
  workloads: readonly string[],
  secrets: ReadonlyMap<string, readonly SyncedSecret[]>,
): FaultPlan {
  const mgmt = scenario === 'mgmt-down';
  return {
    injected: mgmt
      ? `stopped the management cluster ${deps.managementCluster} (and its Vault)`
      : 'sealed Vault through its API',
    faulting: mgmt ? `stopping ${deps.managementCluster}` : 'sealing Vault',
    action: mgmt
      ? `started ${deps.managementCluster} and unsealed Vault with the saved keys`
      : 'unsealed Vault with the saved keys',
    inject: () => (mgmt ? deps.stopManagement() : deps.sealVault()),
    degraded: () => workloadsHold(deps, workloads, secrets, mgmt),
    faultCheck: mgmt ? `cluster.${deps.managementCluster}.api` : 'vault.unsealed',
    recover: async () => {
      if (mgmt) await deps.startManagement();
      await deps.unsealVault();
    },
  };
}

/** The other clusters that answered at the baseline still answer. */
async function othersAnswer(deps: DrillDeps, clusters: readonly string[]): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  for (const cluster of clusters) {
    const api = await deps.apiAnswers(cluster);
    checks.push({ id: `degraded.${cluster}.api`, status: api.ok ? 'pass' : 'fail', evidence: api.evidence });
  }
  return checks;
}

function etcdLossPlan(
  loss: EtcdLossDeps,
  deps: DrillDeps,
  others: readonly string[],
  detail: string[],
  outcome: { putBack?: boolean },
): FaultPlan {
  return {
    target: loss.cluster,
    injected: `stopped ${loss.cluster} and moved its etcd data directory ${loss.dataDir} to ${loss.movedTo} (kept)`,
    faulting: `stopping ${loss.cluster} and moving its etcd data away`,
    action: `restored ${loss.cluster}'s etcd from snapshot ${loss.backup.id} (revision ${loss.backup.revision})`,
    inject: async () => {
      detail.push(await loss.loseData());
    },
    degraded: async () => {
      const api = await deps.apiAnswers(loss.cluster);
      return [
        {
          id: `degraded.${loss.cluster}.api-down`,
          // Its data is gone: the API must not be serving (it would be serving something else).
          status: api.ok ? 'fail' : 'pass',
          evidence: api.ok
            ? `the API of ${loss.cluster} answers without its etcd data: ${api.evidence}`
            : `the API of ${loss.cluster} does not answer: ${api.evidence}`,
        },
        ...(await othersAnswer(deps, others)),
      ];
    },
    faultCheck: `cluster.${loss.cluster}.api`,
    recover: async () => {
      const restored = await loss
        .restore()
        .catch((error: unknown) => ({ ok: false, detail: firstLine(error) }));
      detail.push(restored.detail);
      if (restored.ok) return;
      deps.log(`the restore did not recover ${loss.cluster}: putting the moved data directory back`);
      try {
        detail.push(await loss.putBack());
        outcome.putBack = true;
      } catch (error) {
        outcome.putBack = false;
        throw new PlatformctlError(
          'drill.recovery-failed',
          'failed',
          `restore failed (${restored.detail}); putting the data back failed: ${firstLine(error)}; ` +
            loss.putBackByHand,
        );
      }
      throw new PlatformctlError(
        'drill.recovery-failed',
        'failed',
        `restore failed (${restored.detail}); the moved data directory is back in ${loss.dataDir}`,
      );
    },
  };
}

function nodeLossPlan(
  loss: NodeLossDeps,
  deps: DrillDeps,
  clock: { now: () => number; sleep: (ms: number) => Promise<void>; pollMs: number },
  detail: string[],
  times: { notReadyAfterMs?: number; readyAfterMs?: number },
): FaultPlan {
  let stoppedAt = 0;
  return {
    target: loss.node,
    injected: `stopped the heartbeats of ${loss.node} (cluster ${loss.cluster})`,
    faulting: `stopping ${loss.node}`,
    action: `started ${loss.node} again`,
    inject: async () => {
      detail.push(await loss.stopNode());
      stoppedAt = clock.now();
    },
    degraded: async () => {
      deps.log(
        `waiting for the control plane to mark ${loss.node} NotReady (grace period ${(loss.graceMs / 1000).toFixed(0)}s)`,
      );
      let last = '';
      const took = await waitUntil(
        async () => {
          const ready = await loss.nodeReady();
          last = ready.evidence;
          return !ready.ready;
        },
        // The grace period, the controller's monitor period and a poll or two on top.
        loss.graceMs + 60_000,
        clock,
      );
      if (took !== undefined) times.notReadyAfterMs = clock.now() - stoppedAt;
      const api = await deps.apiAnswers(loss.cluster);
      const others = await loss.othersReady();
      return [
        took === undefined
          ? {
              id: `degraded.${loss.node}.not-ready`,
              status: 'fail',
              evidence: `still Ready ${((loss.graceMs + 60_000) / 1000).toFixed(0)}s after its heartbeats stopped: ${last}`,
            }
          : {
              id: `degraded.${loss.node}.not-ready`,
              status: 'pass',
              evidence: `NotReady ${(times.notReadyAfterMs! / 1000).toFixed(1)}s after its heartbeats stopped: ${last}`,
            },
        { id: `degraded.${loss.cluster}.api`, status: api.ok ? 'pass' : 'fail', evidence: api.evidence },
        {
          id: `degraded.${loss.cluster}.other-nodes`,
          status: others.ok ? 'pass' : 'fail',
          evidence: others.evidence,
        },
      ];
    },
    faultCheck: `cluster.${loss.cluster}.nodes`,
    recover: async () => {
      const started = clock.now();
      detail.push(await loss.startNode());
      const took = await waitUntil(
        async () => (await loss.nodeReady()).ready,
        loss.graceMs + 5 * MINUTE,
        clock,
      );
      if (took === undefined)
        throw new PlatformctlError('drill.recovery-failed', 'failed', `${loss.node} is not Ready again`);
      times.readyAfterMs = clock.now() - started;
      detail.push(`${loss.node} Ready ${(times.readyAfterMs / 1000).toFixed(1)}s after it was started`);
    },
  };
}

export async function runDrill(scenario: DrillScenario, deps: DrillDeps): Promise<DrillReport> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = deps.pollMs ?? 2000;
  const clock = { now, sleep, pollMs };
  const targets = SEED_TARGETS[scenario];
  const deadlineMs = Math.max(...targets.map((t) => t.targetMs));
  if (scenario === 'etcd-loss' && !deps.etcdLoss)
    throw new PlatformctlError('drill.not-available', 'usage', 'drill etcd-loss needs the cluster it breaks');
  if (scenario === 'node-loss' && !deps.nodeLoss)
    throw new PlatformctlError('drill.not-available', 'usage', 'drill node-loss needs the node it breaks');

  deps.log('baseline: verify');
  const baseline = await deps.verify();
  const wanted = passing(baseline);
  const failingBefore = baseline.checks.filter((c) => c.status === 'fail').map((c) => c.id);
  if (failingBefore.length > 0)
    deps.log(`baseline: ${failingBefore.length} check(s) already fail; recovery is judged without them`);
  // A fault on a cluster that is already broken would be judged against nothing: refused
  // before anything changes.
  const precondition =
    scenario === 'etcd-loss'
      ? `cluster.${deps.etcdLoss!.cluster}.api`
      : scenario === 'node-loss'
        ? `cluster.${deps.nodeLoss!.cluster}.nodes`
        : undefined;
  if (precondition && !wanted.has(precondition))
    throw new PlatformctlError(
      'drill.baseline-failing',
      'failed',
      `drill ${scenario} needs ${precondition} passing before the fault; the baseline verify says ${
        baseline.checks.find((c) => c.id === precondition)?.evidence ?? 'nothing about it'
      }: nothing was changed`,
      { hint: 'platformctl verify shows what fails; platformctl up repairs it' },
    );
  // Only the workload clusters that answered before the drill are the drill's to judge.
  const workloads = deps.workloadClusters.filter((c) => wanted.has(`cluster.${c}.api`));
  const answering = [deps.managementCluster, ...deps.workloadClusters].filter((c) =>
    wanted.has(`cluster.${c}.api`),
  );
  const secrets = new Map<string, SyncedSecret[]>();
  if (scenario === 'mgmt-down' || scenario === 'vault-sealed')
    for (const cluster of workloads) secrets.set(cluster, await deps.syncedSecrets(cluster).catch(() => []));

  const detail: string[] = [];
  const etcdOutcome: { putBack?: boolean } = {};
  const nodeTimes: { notReadyAfterMs?: number; readyAfterMs?: number } = {};
  const plan =
    scenario === 'etcd-loss'
      ? etcdLossPlan(
          deps.etcdLoss!,
          deps,
          answering.filter((c) => c !== deps.etcdLoss!.cluster),
          detail,
          etcdOutcome,
        )
      : scenario === 'node-loss'
        ? nodeLossPlan(deps.nodeLoss!, deps, clock, detail, nodeTimes)
        : plainPlan(scenario, deps, workloads, secrets);

  const faultAt = now();
  const degraded: VerifyCheck[] = [];
  let recoveryError: string | undefined;
  let recoveryStart = faultAt;
  deps.log(`fault: ${plan.faulting}`);
  try {
    await plan.inject();
    deps.log('degraded mode: checking what the seed promises');
    degraded.push(...(await plan.degraded()));
    const during = await deps.verify();
    degraded.push(faultSeen(during, plan.faultCheck, scenario));
  } catch (error) {
    degraded.push({ id: 'degraded.observed', status: 'fail', evidence: firstLine(error) });
  } finally {
    recoveryStart = now();
    deps.log(`recovery: ${plan.action}`);
    try {
      await plan.recover();
    } catch (error) {
      recoveryError = firstLine(error);
      deps.log(`recovery failed: ${recoveryError}`);
    }
  }

  let runs = 0;
  let stillFailing: string[] = [...wanted];
  let recoveredAt: number | undefined;
  while (recoveryError === undefined || runs === 0) {
    const report = await deps.verify();
    runs++;
    const passed = passing(report);
    stillFailing = [...wanted].filter((id) => !passed.has(id));
    // A recovery that failed is not one, whatever verify says after the fault was put back.
    if (stillFailing.length === 0 && recoveryError === undefined) {
      recoveredAt = now();
      break;
    }
    if (recoveryError !== undefined || now() - recoveryStart > deadlineMs) break;
    if (runs === 1 || runs % 10 === 0) deps.log(`waiting for: ${stillFailing.slice(0, 5).join(', ')}`);
    await sleep(pollMs);
  }
  const recoveredMs = recoveredAt === undefined ? undefined : recoveredAt - recoveryStart;
  const measured = targets.map((t) => ({
    ...t,
    ...(recoveredMs !== undefined ? { measuredMs: recoveredMs } : {}),
    pass: recoveredMs !== undefined && recoveredMs <= t.targetMs,
  }));
  deps.log(
    recoveredMs !== undefined
      ? `recovered: verify passes again ${(recoveredMs / 1000).toFixed(1)}s after the recovery started`
      : `not recovered: ${recoveryError ?? `${stillFailing.join(', ')} still fail`}`,
  );
  const loss = deps.etcdLoss;
  return {
    scenario,
    ...(plan.target ? { target: plan.target } : {}),
    ok: measured.every((t) => t.pass) && degraded.every((c) => c.status !== 'fail'),
    baseline: { ok: baseline.ok, failing: failingBefore },
    fault: { injected: plan.injected, at: new Date(faultAt).toISOString() },
    degraded,
    recovery: {
      action: plan.action,
      ...(recoveredMs !== undefined ? { recoveredMs, outageMs: recoveredAt! - faultAt } : {}),
      verifyRuns: runs,
      stillFailing,
      ...(recoveryError ? { error: recoveryError } : {}),
      ...(detail.length > 0 ? { detail } : {}),
    },
    ...(scenario === 'etcd-loss' && loss
      ? {
          etcd: {
            backup: loss.backup,
            dataDir: loss.dataDir,
            movedTo: loss.movedTo,
            ...(etcdOutcome.putBack !== undefined ? { putBack: etcdOutcome.putBack } : {}),
          },
        }
      : {}),
    ...(scenario === 'node-loss' ? { node: nodeTimes } : {}),
    targets: measured,
  };
}

/** The dependencies of the scenario with a target, built by ops/drill-targets.ts. */
export interface DrillTargetDeps {
  readonly etcdLoss?: EtcdLossDeps;
  readonly nodeLoss?: NodeLossDeps;
}
