/**
 * One `up`: render, plan, select, then run the graph under the platform's lock, saving the state
 * after every step and writing each step's log. A re-run resumes: steps that succeeded with the
 * same inputs only run their live checks.
 */
import { PlatformctlError } from '../errors.js';
import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { ClusterProvider } from '../providers/types.js';
import { HelmClient } from '../clients/helm.js';
import { KubeClient } from '../clients/kube.js';
import { projectLayout } from '../project/layout.js';
import { buildPlan, type Plan, type PlanStep } from '../plan/plan.js';
import { stepStatus } from '../plan/status.js';
import type { StepStatus } from '../plan/format.js';
import { renderPlatform } from '../render/index.js';
import type { Platform } from '../spec/model.js';
import { acquireLock } from './lock.js';
import { runGraph } from './scheduler.js';
import { emptyState, readState, StateStore, type StepState } from './state.js';
import { executableSteps, settled } from './steps.js';
import type { StepEnvironment } from './step-environment.js';
import { CredentialStore } from './credentials.js';
import type { ConcurrencyLimits, EngineEvent, RetryPolicy, StepOutcome, StepRunRecord } from './types.js';

export interface UpOptions {
  readonly projectDir: string;
  readonly platform: Platform;
  readonly provider: ClusterProvider;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A local chart and bundle mirror (resolved by the caller from PLATFORMCTL_CHARTS_DIR or the project's record). */
  readonly chartsDir?: string;
  /** Selectors: a cluster (`app1`), an add-on (`vault`), `cluster/addon`, or a step id. */
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  readonly concurrency?: ConcurrencyLimits;
  readonly retry?: RetryPolicy;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: EngineEvent) => void;
  /** What the lock and the run history say started this run. */
  readonly command: string;
  /** The plan and selection, when the caller prepared them already (preflight needs the plan first). */
  readonly prepared?: Preparation;
}

export interface PlannedStep {
  readonly step: PlanStep;
  readonly status: StepStatus;
  /** run: does its work; check: settled, only its live check runs; skip: left out by --skip. */
  readonly action: 'run' | 'check' | 'skip';
}

export interface UpResult {
  readonly runId: string;
  readonly ok: boolean;
  readonly plan: Plan;
  readonly records: readonly StepRunRecord[];
  readonly logDir: string;
  readonly counts: Readonly<Record<StepOutcome, number>>;
  /** Set when a stale lock of a dead run was taken over. */
  readonly reclaimedLockOf?: number;
}

export class SelectionError extends PlatformctlError {
  override readonly name = 'SelectionError';
  constructor(message: string) {
    super('selection.no-match', 'usage', message);
  }
}

function matches(step: PlanStep, selector: string): boolean {
  if (step.id === selector || step.cluster === selector || step.addon === selector) return true;
  return step.id.startsWith(`${selector}/`);
}

/** The steps a run covers: --only with everything it depends on, less --skip and what depends on it. */
export function selectSteps(
  plan: Plan,
  only: readonly string[] = [],
  skip: readonly string[] = [],
): Set<string> {
  for (const selector of [...only, ...skip])
    if (!plan.steps.some((s) => matches(s, selector)))
      throw new SelectionError(
        `"${selector}" matches no step: use a cluster (${[...new Set(plan.steps.map((s) => s.cluster))].join(', ')}), an add-on, cluster/add-on, or a step id from \`platformctl plan\``,
      );
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  let selected = new Set(plan.steps.map((s) => s.id));
  if (only.length > 0) {
    selected = new Set();
    const pull = (id: string) => {
      if (selected.has(id)) return;
      selected.add(id);
      for (const dep of byId.get(id)!.dependsOn) pull(dep);
    };
    for (const step of plan.steps) if (only.some((sel) => matches(step, sel))) pull(step.id);
  }
  const skipped = new Set(plan.steps.filter((s) => skip.some((sel) => matches(s, sel))).map((s) => s.id));
  // The plan is in topological order, so one pass carries the skip to every dependent.
  for (const step of plan.steps) if (step.dependsOn.some((d) => skipped.has(d))) skipped.add(step.id);
  for (const id of skipped) selected.delete(id);
  return selected;
}

export interface Preparation {
  readonly plan: Plan;
  readonly contents: ReadonlyMap<string, string>;
  readonly recorded: Readonly<Record<string, StepState>>;
  readonly planned: readonly PlannedStep[];
}

/**
 * Node addresses by cluster, as the provision steps of earlier runs recorded them (what the
 * machines got), or the bootstrap steps (what the nodes registered with: kwok's simulated nodes
 * exist only from bootstrap on). Rendering uses the provision ones.
 */
export function recordedAddresses(
  recorded: Readonly<Record<string, StepState>>,
  kind: 'provision' | 'bootstrap' = 'provision',
): Map<string, Readonly<Record<string, string>>> {
  const out = new Map<string, Readonly<Record<string, string>>>();
  const suffix = `/${kind}`;
  for (const [id, step] of Object.entries(recorded)) {
    const addresses = step.outputs?.['addresses'];
    if (!id.endsWith(suffix) || typeof addresses !== 'object' || addresses === null) continue;
    out.set(id.slice(0, -suffix.length), addresses as Record<string, string>);
  }
  return out;
}

function observedNodes(addresses: ReadonlyMap<string, Readonly<Record<string, string>>>) {
  const all: Record<string, string> = {};
  for (const byNode of addresses.values()) Object.assign(all, byNode);
  return { addresses: all };
}

/** Pure apart from reading the state file: what `up` would do (also `--dry-run`). */
export async function prepareUp(
  options: Pick<UpOptions, 'projectDir' | 'platform' | 'provider' | 'only' | 'skip'>,
): Promise<Preparation> {
  const state = await readState(options.projectDir);
  const recorded = state?.steps ?? {};
  // Rendered with the node addresses the provider observed, so kubeadm and the like name them.
  const tree = renderPlatform(options.platform, { observed: observedNodes(recordedAddresses(recorded)) });
  const plan = buildPlan(options.platform, tree, options.provider.traits.name);
  const selected = selectSteps(plan, options.only, options.skip);
  const planned = plan.steps.map((step) => ({
    step,
    status: stepStatus(step, recorded[step.id]),
    action: !selected.has(step.id) ? 'skip' : settled(step, recorded[step.id]) ? 'check' : 'run',
  })) satisfies PlannedStep[];
  return { plan, contents: new Map(tree.map((a) => [a.path, a.content])), recorded, planned };
}

/** What the step runners need: the plan, the rendered tree, and clients for each cluster. */
export function stepEnvironment(
  options: Pick<UpOptions, 'projectDir' | 'platform' | 'provider' | 'env' | 'chartsDir'>,
  prepared: Pick<Preparation, 'plan' | 'contents' | 'recorded'>,
): StepEnvironment {
  const layout = projectLayout(options.projectDir);
  const clients = new Map<string, Promise<KubeClient>>();
  // Where the provider says each cluster is reached: its kubeconfig file and context.
  const access = (name: string) => {
    const cluster = options.platform.clusters.find((c) => c.name === name);
    if (!cluster) throw new Error(`the plan names cluster ${name}, which the spec does not have`);
    return options.provider.access(options.platform, cluster, { layout });
  };
  return {
    platform: options.platform,
    plan: prepared.plan,
    contents: prepared.contents,
    provider: options.provider,
    layout,
    recorded: prepared.recorded,
    addresses: recordedAddresses(prepared.recorded),
    // One client per kubeconfig as written, so discovery is asked once per cluster; a bootstrap
    // that rewrites the file (a recreated cluster) gets a new one; a failed load is not kept.
    kube: (cluster) => {
      const { kubeconfig, context } = access(cluster);
      const key = `${cluster}\0${kubeconfig}\0${context}\0${statSync(kubeconfig, { throwIfNoEntry: false })?.mtimeMs ?? 0}`;
      const cached = clients.get(key);
      if (cached) return cached;
      const client = KubeClient.fromFile(kubeconfig, context);
      clients.set(key, client);
      client.catch(() => clients.delete(key));
      return client;
    },
    helm: (cluster) => {
      const { kubeconfig, context } = access(cluster);
      return HelmClient.find({
        env: options.env,
        projectDir: options.projectDir,
        kubeconfig,
        kubeContext: context,
      });
    },
    ...(options.chartsDir ? { chartsDir: options.chartsDir } : {}),
    credentials: new CredentialStore(layout, options.platform.name),
    environment: options.env,
  };
}

function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
}

export async function up(options: UpOptions): Promise<UpResult> {
  const { plan, contents, recorded, planned } = options.prepared ?? (await prepareUp(options));
  const layout = projectLayout(options.projectDir);
  const started = new Date();
  const runId = newRunId(started);
  const logDir = layout.runLogDir(runId);
  const lock = await acquireLock(options.projectDir, { command: options.command, runId });
  try {
    mkdirSync(logDir, { recursive: true, mode: 0o700 });
    const state =
      (await readState(options.projectDir)) ??
      emptyState(options.platform.name, options.provider.traits.name);
    const store = new StateStore(options.projectDir, state);
    await store.recordRun({ runId, startedAt: started.toISOString(), command: options.command, logDir });
    // Recorded before the provider creates anything, so `down` finds it even if the spec drops it.
    const touched = new Set(
      planned.filter((p) => p.action !== 'skip' && p.step.phase === 'cluster').map((p) => p.step.cluster),
    );
    for (const cluster of options.platform.clusters)
      if (touched.has(cluster.name) && !store.current.clusters?.[cluster.name])
        await store.recordCluster(cluster.name, {
          role: cluster.role,
          nodes: cluster.nodes.map((n) => n.name),
        });
    // Every event also goes to events.jsonl, one per line, for whoever follows the run from
    // another process (the dashboard); step-log lines stay in the step logs.
    const eventsFile = layout.runEvents(runId);
    const emit = (event: EngineEvent) => {
      if (event.type !== 'step-log')
        appendFileSync(eventsFile, `${JSON.stringify(event)}\n`, { mode: 0o600 });
      options.onEvent?.(event);
    };
    emit({
      type: 'run-started',
      runId,
      steps: planned.filter((p) => p.action !== 'skip').length,
      at: started.toISOString(),
    });

    const byId = new Map(plan.steps.map((s) => [s.id, s]));
    const steps = executableSteps(stepEnvironment(options, { plan, contents, recorded }));
    const selected = new Set(planned.filter((p) => p.action !== 'skip').map((p) => p.step.id));
    const result = await runGraph(
      steps
        .filter((s) => selected.has(s.id))
        .map((s) => ({ ...s, dependsOn: s.dependsOn.filter((d) => selected.has(d)) })),
      {
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onEvent: emit,
        log: (id, line) =>
          appendFileSync(layout.stepLog(runId, id), `${new Date().toISOString()} ${line}\n`, {
            mode: 0o600,
          }),
        onSettled: async (record) => {
          // A step that never started keeps what an earlier run recorded about it.
          if (record.attempts === 0 && (record.outcome === 'skipped' || record.outcome === 'cancelled'))
            return;
          await store.recordStep(record.id, {
            inputsHash: byId.get(record.id)!.inputsHash,
            outcome: record.outcome,
            runId,
            attempts: record.attempts,
            ...(record.startedAt ? { startedAt: record.startedAt } : {}),
            ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
            ...(record.durationMs !== undefined ? { durationMs: record.durationMs } : {}),
            ...(record.outputs ? { outputs: record.outputs } : {}),
            ...(record.error ? { error: record.error } : {}),
            ...(record.detail ? { detail: record.detail } : {}),
          });
        },
      },
    );
    const counts = countOutcomes(result.records);
    const finished = new Date();
    await store.recordRun({
      runId,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      ok: result.ok,
      command: options.command,
      logDir,
      counts,
    });
    emit({
      type: 'run-finished',
      runId,
      ok: result.ok,
      counts,
      durationMs: finished.getTime() - started.getTime(),
      at: finished.toISOString(),
    });
    return {
      runId,
      ok: result.ok,
      plan,
      records: result.records,
      logDir,
      counts,
      ...(lock.reclaimed ? { reclaimedLockOf: lock.reclaimed.pid } : {}),
    };
  } finally {
    await lock.release();
  }
}

export function countOutcomes(records: readonly StepRunRecord[]): Record<StepOutcome, number> {
  const counts: Record<StepOutcome, number> = {
    succeeded: 0,
    unchanged: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
  };
  for (const record of records) counts[record.outcome]++;
  return counts;
}
