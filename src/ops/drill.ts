/**
 * `drill <scenario>`: a fault from the seed's failure matrix (§5.1), produced for real on the
 * platform, with what the seed promises while it lasts checked where it can be seen, the
 * recovery, and the time until `verify` passes again beside the seed's targets (§20.2 Vault RTO
 * 5 min; §5.4 P1 Vault and mgmt control plane 30 min).
 *
 * Recovered means: every check that passed in the baseline passes again (a check that already
 * failed before the drill is not the drill's to fix). The fault is always undone, whatever
 * fails in between (try/finally). Only the platform's own clusters and Vault are touched, through
 * the provider and Vault's API. The library takes its effects as `DrillDeps`; Project builds them.
 * TODO(#13): the agents' promises (Prometheus Agent and promtail buffering while mgmt is down,
 * resending after) are not checked: nothing runs or ships on kwok. bench/day2.bench.ts measures
 * the recovery times against the seed's targets.
 */
import { PlatformctlError } from '../errors.js';
import type { VerifyCheck, VerifyReport } from './verify.js';

export const DRILL_SCENARIOS = ['mgmt-down', 'vault-sealed', 'etcd-loss', 'node-loss'] as const;
export type DrillScenario = (typeof DRILL_SCENARIOS)[number];
export type AvailableDrill = 'mgmt-down' | 'vault-sealed';

export interface SeedTarget {
  /** Where the seed says it, e.g. `§20.2 Vault RTO`. */
  readonly source: string;
  readonly targetMs: number;
}

const MINUTE = 60_000;

/** The seed's targets each drill is measured against. */
export const SEED_TARGETS: Readonly<Record<AvailableDrill, readonly SeedTarget[]>> = {
  'mgmt-down': [{ source: '§5.4 P1 mgmt control plane recovery', targetMs: 30 * MINUTE }],
  'vault-sealed': [
    { source: '§20.2 Vault RTO', targetMs: 5 * MINUTE },
    { source: '§5.4 P1 Vault recovery', targetMs: 30 * MINUTE },
  ],
};

/** A Secret External Secrets synced into a workload cluster and keeps when its source is gone. */
export interface SyncedSecret {
  readonly cluster: string;
  /** namespace/name */
  readonly secret: string;
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
  readonly log: (line: string) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Between two verify runs while waiting for the recovery (default 2s). */
  readonly pollMs?: number;
}

export interface DrillReport {
  readonly scenario: AvailableDrill;
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
  };
  readonly targets: ReadonlyArray<SeedTarget & { readonly measuredMs?: number; readonly pass: boolean }>;
}

/** `drill etcd-loss` and `drill node-loss`: refused with exit 2 until they exist. */
export function availableDrill(scenario: string): AvailableDrill {
  if (scenario === 'mgmt-down' || scenario === 'vault-sealed') return scenario;
  if (scenario === 'etcd-loss' || scenario === 'node-loss')
    // TODO(#13): etcd-loss (the cluster stopped, its etcd data moved away, the last snapshot put
    // back through ops/restore.ts) and node-loss (a provider seam that stops one node).
    throw new PlatformctlError('drill.not-available', 'usage', `drill ${scenario} is not available yet`, {
      hint: 'available: mgmt-down, vault-sealed',
    });
  throw new PlatformctlError('drill.unknown', 'usage', `no drill "${scenario}"`, {
    hint: `scenarios: ${DRILL_SCENARIOS.join(', ')}`,
  });
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

export async function runDrill(scenario: AvailableDrill, deps: DrillDeps): Promise<DrillReport> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = deps.pollMs ?? 2000;
  const targets = SEED_TARGETS[scenario];
  const deadlineMs = Math.max(...targets.map((t) => t.targetMs));

  deps.log('baseline: verify');
  const baseline = await deps.verify();
  const wanted = passing(baseline);
  const failingBefore = baseline.checks.filter((c) => c.status === 'fail').map((c) => c.id);
  if (failingBefore.length > 0)
    deps.log(`baseline: ${failingBefore.length} check(s) already fail; recovery is judged without them`);
  // Only the workload clusters that answered before the drill are the drill's to judge.
  const workloads = deps.workloadClusters.filter((c) => wanted.has(`cluster.${c}.api`));
  const secrets = new Map<string, SyncedSecret[]>();
  for (const cluster of workloads) secrets.set(cluster, await deps.syncedSecrets(cluster).catch(() => []));

  const injected =
    scenario === 'mgmt-down'
      ? `stopped the management cluster ${deps.managementCluster} (and its Vault)`
      : 'sealed Vault through its API';
  const recoveryAction =
    scenario === 'mgmt-down'
      ? `started ${deps.managementCluster} and unsealed Vault with the saved keys`
      : 'unsealed Vault with the saved keys';
  const faultAt = now();
  const degraded: VerifyCheck[] = [];
  let recoveryError: string | undefined;
  let recoveryStart = faultAt;
  deps.log(`fault: ${scenario === 'mgmt-down' ? `stopping ${deps.managementCluster}` : 'sealing Vault'}`);
  try {
    if (scenario === 'mgmt-down') await deps.stopManagement();
    else await deps.sealVault();
    deps.log('degraded mode: checking what the seed promises');
    degraded.push(...(await workloadsHold(deps, workloads, secrets, scenario === 'mgmt-down')));
    const during = await deps.verify();
    degraded.push(
      faultSeen(
        during,
        scenario === 'mgmt-down' ? `cluster.${deps.managementCluster}.api` : 'vault.unsealed',
        scenario,
      ),
    );
  } catch (error) {
    degraded.push({
      id: 'degraded.observed',
      status: 'fail',
      evidence: (error as Error).message.split('\n')[0]!,
    });
  } finally {
    recoveryStart = now();
    deps.log(`recovery: ${recoveryAction}`);
    try {
      if (scenario === 'mgmt-down') await deps.startManagement();
      await deps.unsealVault();
    } catch (error) {
      recoveryError = (error as Error).message.split('\n')[0]!;
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
    if (stillFailing.length === 0) {
      recoveredAt = now();
      break;
    }
    if (now() - recoveryStart > deadlineMs) break;
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
      : `not recovered: ${stillFailing.join(', ')} still fail`,
  );
  return {
    scenario,
    ok: measured.every((t) => t.pass) && degraded.every((c) => c.status !== 'fail'),
    baseline: { ok: baseline.ok, failing: failingBefore },
    fault: { injected, at: new Date(faultAt).toISOString() },
    degraded,
    recovery: {
      action: recoveryAction,
      ...(recoveredMs !== undefined ? { recoveredMs, outageMs: recoveredAt! - faultAt } : {}),
      verifyRuns: runs,
      stillFailing,
      ...(recoveryError ? { error: recoveryError } : {}),
    },
    targets: measured,
  };
}
