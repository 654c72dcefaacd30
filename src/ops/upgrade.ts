/**
 * `platformctl upgrade <cluster> --to vX.Y.Z` (imperative shell around ops/upgrade-plan.ts):
 * observes the cluster (nodes, /version, /metrics), runs the pre-checks, makes the plan, and
 * for a real run executes it step by step under the platform's lock, journalling each finished
 * step in .platformctl/upgrade-<cluster>.json (0600) so that a re-run resumes.
 *
 * Backup decision: a real run TAKES the pre-upgrade etcd snapshot itself (the backup op, into
 * backups/<cluster>/<time>/) as its first step, rather than trusting an older one; `--skip-backup`
 * leaves it out with a warning. Rollback is restoring that snapshot.
 *
 * Drain decision: when a PodDisruptionBudget blocks the drain past the timeout, the node is
 * uncordoned again (it keeps serving as before), the journal does not advance, and the run
 * fails with `upgrade.drain-blocked` naming the budget.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { KubeClient } from '../clients/kube.js';
import { acquireLock } from '../engine/lock.js';
import { PlatformctlError } from '../errors.js';
import type { ProjectLayout } from '../project/layout.js';
import { writePrivateFile } from '../providers/shared/private-files.js';
import type { Platform } from '../spec/model.js';
import type { Provider as ProviderName } from '../spec/types.js';
import { backup, projectBackupDeps } from './backup.js';
import { cordon, drainOrRestore, uncordon } from './drain.js';
import { parseObjects } from './images.js';
import type { Project } from './project.js';
import {
  type ApiFinding,
  checkVersionJump,
  deprecatedApisFromMetrics,
  type ObservedNode,
  planUpgrade,
  removedApisInObjects,
  type UpgradePlan,
  UpgradeError,
  type UpgradeStep,
} from './upgrade-plan.js';

export interface RenderedObject {
  readonly path: string;
  readonly apiVersion: string;
  readonly kind: string;
}

export interface UpgradeDeps {
  readonly platform: Platform;
  readonly providerName: ProviderName;
  readonly layout: ProjectLayout;
  /** The spec file to update when the upgrade finished; undefined for the built-in spec or stdin. */
  readonly specFile?: string;
  kube(cluster: string): Promise<KubeClient>;
  /** The objects platformctl renders (and applies) for a cluster. */
  renderedObjects(cluster: string): readonly RenderedObject[];
  /** Takes an etcd snapshot of the cluster (the backup op); returns its directory. */
  takeBackup(cluster: string, signal?: AbortSignal): Promise<string>;
  /**
   * Runs one command on a node (the provider's VM client). Undefined when the provider cannot
   * change a node's Kubernetes version: a real run is refused.
   */
  readonly runOnNode?: (node: string, command: readonly string[], signal?: AbortSignal) => Promise<void>;
  /** Why runOnNode is undefined, for the refusal. */
  readonly notSupported?: string;
  readonly now?: () => Date;
}

export interface UpgradeOptions {
  readonly cluster: string;
  readonly to: string;
  readonly dryRun?: boolean;
  readonly skipBackup?: boolean;
  readonly drainTimeoutMs?: number;
  readonly gateTimeoutMs?: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (message: string) => void;
}

export interface PreCheck {
  readonly id: string;
  readonly status: 'pass' | 'warn' | 'fail';
  readonly detail: string;
}

export interface UpgradeReport {
  readonly cluster: string;
  readonly from: string;
  readonly to: string;
  readonly dryRun: boolean;
  readonly ok: boolean;
  readonly checks: readonly PreCheck[];
  readonly apis: readonly ApiFinding[];
  readonly plan: UpgradePlan;
  /** Steps run now, and steps a journal said were done before (resumed). */
  readonly done: readonly string[];
  readonly resumed: readonly string[];
  readonly backup?: string;
  readonly specUpdated: boolean;
  readonly specNote?: string;
}

interface Journal {
  readonly cluster: string;
  readonly from: string;
  readonly to: string;
  readonly startedAt: string;
  done: string[];
  backup?: string;
  finishedAt?: string;
}

export function journalFile(layout: ProjectLayout, cluster: string): string {
  return join(layout.stateDir, `upgrade-${cluster}.json`);
}

async function readJournal(path: string): Promise<Journal | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Journal;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UpgradeError('upgrade.journal-unreadable', 'input', `cannot read the upgrade journal ${path}`, {
      cause: error,
      hint: 'if no upgrade is under way, remove the file',
    });
  }
}

interface NodeObject {
  metadata: { name: string };
  spec?: { unschedulable?: boolean };
  status?: { nodeInfo?: { kubeletVersion?: string }; conditions?: Array<{ type: string; status: string }> };
}

export async function observeNodes(client: KubeClient): Promise<ObservedNode[]> {
  const nodes = await client.list<NodeObject>('v1', 'Node');
  return nodes.map((n) => ({
    name: n.metadata.name,
    kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? '',
    ready: Boolean(n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
    ...(n.spec?.unschedulable ? { unschedulable: true } : {}),
  }));
}

async function serverVersion(client: KubeClient): Promise<string> {
  const v = await client.get<{ gitVersion?: string }>('/version');
  return (v.gitVersion ?? '').replace(/[+-].*$/, '');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pre-checks, the plan, and for a real run its execution. */
export async function upgrade(deps: UpgradeDeps, options: UpgradeOptions): Promise<UpgradeReport> {
  const log = options.onEvent ?? (() => {});
  const cluster = deps.platform.clusters.find((c) => c.name === options.cluster);
  if (!cluster)
    throw new UpgradeError(
      'cluster.unknown',
      'input',
      `the spec has no cluster "${options.cluster}" (it has ${deps.platform.clusters.map((c) => c.name).join(', ')})`,
    );
  const client = await deps.kube(cluster.name);
  log(`observing ${cluster.name}`);
  const running = await serverVersion(client);
  const observed = await observeNodes(client);
  const { target } = checkVersionJump(running, options.to);
  const checks: PreCheck[] = [
    {
      id: 'version',
      status: 'pass',
      detail: `API server ${running} → ${options.to}: one minor at most, inside the window, no downgrade`,
    },
  ];
  if (running !== deps.platform.kubernetes.version)
    checks.push({
      id: 'spec-version',
      status: 'warn',
      detail: `the spec says ${deps.platform.kubernetes.version}, the API server runs ${running} (the observed version is used)`,
    });
  const notReady = observed.filter((n) => !n.ready).map((n) => n.name);
  checks.push(
    notReady.length === 0
      ? { id: 'nodes-ready', status: 'pass', detail: `${observed.length} node(s) Ready` }
      : { id: 'nodes-ready', status: 'fail', detail: `not Ready: ${notReady.join(', ')}` },
  );
  const metrics = await client.text('/metrics');
  const apis = [
    ...deprecatedApisFromMetrics(metrics, target),
    ...removedApisInObjects(deps.renderedObjects(cluster.name), target),
  ];
  const blocking = apis.filter((a) => a.blocks);
  checks.push(
    blocking.length > 0
      ? {
          id: 'removed-apis',
          status: 'fail',
          detail: `still in use and removed by ${options.to}: ${blocking.map((a) => `${a.apiVersion} ${a.resource} (${a.where})`).join('; ')}`,
        }
      : apis.length > 0
        ? {
            id: 'removed-apis',
            status: 'warn',
            detail: `deprecated, not removed by ${options.to}: ${apis.map((a) => `${a.apiVersion} ${a.resource}`).join(', ')}`,
          }
        : {
            id: 'removed-apis',
            status: 'pass',
            detail: 'no deprecated API requested (apiserver_requested_deprecated_apis) and none rendered',
          },
  );
  checks.push(
    options.skipBackup
      ? { id: 'backup', status: 'warn', detail: '--skip-backup: no pre-upgrade etcd snapshot' }
      : {
          id: 'backup',
          status: 'pass',
          detail: `an etcd snapshot is taken first into backups/${cluster.name}/`,
        },
  );
  const plan = planUpgrade({
    cluster,
    current: running,
    target: options.to,
    observed,
    backup: !options.skipBackup,
  });
  for (const w of plan.warnings) checks.push({ id: 'plan-warning', status: 'warn', detail: w });
  const failed = checks.some((c) => c.status === 'fail');
  const base = { cluster: cluster.name, from: plan.from, to: plan.to, checks, apis, plan };
  if (options.dryRun)
    return { ...base, dryRun: true, ok: !failed, done: [], resumed: [], specUpdated: false };

  if (!deps.runOnNode)
    // TODO(#13): kwok's harness builds one Kubernetes version; a real upgrade on kwok needs a
    // second set of binaries and a restart of its control plane with them.
    throw new UpgradeError(
      'upgrade.not-supported',
      'failed',
      `provider ${deps.providerName} cannot upgrade ${cluster.name}: ${deps.notSupported ?? "it cannot change a node's Kubernetes version"}`,
      {
        hint: `platformctl upgrade ${cluster.name} --to ${plan.to} --dry-run runs the pre-checks and prints the sequence`,
      },
    );
  if (failed)
    throw new UpgradeError(
      'upgrade.prechecks-failed',
      'failed',
      `pre-checks failed: ${checks
        .filter((c) => c.status === 'fail')
        .map((c) => `${c.id}: ${c.detail}`)
        .join('; ')}`,
      { hint: `see platformctl upgrade ${cluster.name} --to ${plan.to} --dry-run` },
    );

  const lock = await acquireLock(deps.layout.root, {
    command: `upgrade ${cluster.name} --to ${plan.to}`,
    runId: `upgrade-${process.pid}`,
  });
  try {
    return await execute(deps, options, client, plan, base, log);
  } finally {
    await lock.release();
  }
}

async function execute(
  deps: UpgradeDeps,
  options: UpgradeOptions,
  client: KubeClient,
  plan: UpgradePlan,
  base: Omit<UpgradeReport, 'dryRun' | 'ok' | 'done' | 'resumed' | 'specUpdated'>,
  log: (message: string) => void,
): Promise<UpgradeReport> {
  const now = deps.now ?? (() => new Date());
  const path = journalFile(deps.layout, plan.cluster);
  const earlier = await readJournal(path);
  if (earlier && !earlier.finishedAt && earlier.to !== plan.to)
    throw new UpgradeError(
      'upgrade.other-in-progress',
      'input',
      `an upgrade of ${plan.cluster} to ${earlier.to} is under way (started ${earlier.startedAt})`,
      { hint: `finish it: platformctl upgrade ${plan.cluster} --to ${earlier.to}` },
    );
  const journal: Journal =
    earlier && !earlier.finishedAt
      ? earlier
      : { cluster: plan.cluster, from: plan.from, to: plan.to, startedAt: now().toISOString(), done: [] };
  const save = () => writePrivateFile(path, `${JSON.stringify(journal, null, 2)}\n`);
  await save();
  const done: string[] = [];
  const resumed: string[] = [];
  for (const [i, step] of plan.steps.entries()) {
    // Gates, cordons and drains are idempotent and re-checked; commands and the backup are not re-run.
    if (
      journal.done.includes(step.id) &&
      (step.kind === 'node-commands' || step.kind === 'backup' || step.kind === 'kubeadm-plan')
    ) {
      resumed.push(step.id);
      log(`[${i + 1}/${plan.steps.length}] ${step.title}: done before`);
      continue;
    }
    log(`[${i + 1}/${plan.steps.length}] ${step.title}`);
    await runStep(deps, options, client, step, journal);
    journal.done.push(step.id);
    await save();
    done.push(step.id);
  }
  // Observed, not assumed: every node at the target before the spec says so.
  const after = await observeNodes(client);
  const behind = after
    .filter((n) => n.kubeletVersion !== plan.to)
    .map((n) => `${n.name} (${n.kubeletVersion})`);
  if (behind.length > 0)
    throw new UpgradeError(
      'upgrade.incomplete',
      'failed',
      `after the upgrade, node(s) not at ${plan.to}: ${behind.join(', ')}`,
      {
        hint: `run platformctl upgrade ${plan.cluster} --to ${plan.to} again: it resumes`,
      },
    );
  journal.finishedAt = now().toISOString();
  await save();
  const spec = await updateSpec(deps, plan);
  return {
    ...base,
    dryRun: false,
    ok: true,
    done,
    resumed,
    ...(journal.backup ? { backup: journal.backup } : {}),
    ...spec,
  };
}

async function runStep(
  deps: UpgradeDeps,
  options: UpgradeOptions,
  client: KubeClient,
  step: UpgradeStep,
  journal: Journal,
): Promise<void> {
  const pollMs = options.pollMs ?? 2000;
  switch (step.kind) {
    case 'backup':
      journal.backup = await deps.takeBackup(journal.cluster, options.signal);
      return;
    case 'kubeadm-plan':
    case 'node-commands':
      for (const command of step.commands) await deps.runOnNode!(step.node, command, options.signal);
      return;
    case 'cordon':
      return cordon(client, step.node);
    case 'uncordon':
      return uncordon(client, step.node);
    case 'drain':
      // Cordons again (idempotent, for a resumed run) and uncordons when the drain fails.
      await drainOrRestore(client, step.node, {
        timeoutMs: options.drainTimeoutMs ?? 300_000,
        pollMs,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onEvent ? { log: options.onEvent } : {}),
      });
      return;
    case 'gate': {
      const deadline = Date.now() + (options.gateTimeoutMs ?? 600_000);
      for (;;) {
        const ready = await client.raw('/readyz').then(
          (r) => r.status === 200,
          () => false,
        );
        const node = ready ? (await observeNodes(client)).find((n) => n.name === step.node) : undefined;
        if (ready && node?.ready && node.kubeletVersion === step.version) return;
        if (Date.now() > deadline)
          throw new UpgradeError(
            'upgrade.gate-timeout',
            'failed',
            `${step.node} is not Ready at ${step.version} with the API answering after ${Math.round((options.gateTimeoutMs ?? 600_000) / 1000)}s (API ${ready ? 'answers' : 'does not answer'}; node ${node ? `${node.ready ? 'Ready' : 'not Ready'}, kubelet ${node.kubeletVersion}` : 'unknown'})`,
            {
              hint: `look at the node (journalctl -u kubelet), then run platformctl upgrade ${journal.cluster} --to ${journal.to} again: it resumes`,
            },
          );
        await sleep(pollMs);
      }
    }
  }
}

/**
 * The spec holds one Kubernetes version for every cluster: it is written (comments and layout
 * kept, yaml's Document API) only when every cluster's API server runs the target.
 */
async function updateSpec(
  deps: UpgradeDeps,
  plan: UpgradePlan,
): Promise<{ specUpdated: boolean; specNote?: string }> {
  if (!deps.specFile)
    return { specUpdated: false, specNote: 'the spec is not a file: set spec.kubernetes.version yourself' };
  const behind: string[] = [];
  for (const other of deps.platform.clusters) {
    if (other.name === plan.cluster) continue;
    const version = await deps.kube(other.name).then(serverVersion, () => 'unreachable');
    if (version !== plan.to) behind.push(`${other.name} (${version})`);
  }
  if (behind.length > 0)
    return {
      specUpdated: false,
      specNote: `spec.kubernetes.version stays until every cluster runs ${plan.to}; still behind: ${behind.join(', ')}`,
    };
  const text = await readFile(deps.specFile, 'utf8');
  await writeFile(deps.specFile, setSpecVersion(text, plan.to));
  return { specUpdated: true };
}

/** spec.kubernetes.version set in the spec's text, everything else (comments, order) kept. */
export function setSpecVersion(text: string, version: string): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    throw new PlatformctlError(
      'upgrade.spec-unparsable',
      'input',
      `the spec does not parse: ${doc.errors[0]!.message}`,
    );
  doc.setIn(['spec', 'kubernetes', 'version'], version);
  return doc.toString();
}

/** The deps of a project on disk: its provider's VM client (Multipass), its backups, its spec file. */
export function projectUpgradeDeps(project: Project): UpgradeDeps {
  const provider = project.provider();
  const context = { layout: project.layout, log: () => {} };
  const file = project.input.file;
  const specFile =
    file && file !== '-'
      ? resolve(file)
      : file === undefined && existsSync(join(project.dir, 'platform.yaml'))
        ? join(project.dir, 'platform.yaml')
        : undefined;
  const runOnNode = provider.runOnNode?.bind(provider);
  return {
    platform: project.platform,
    providerName: project.providerName,
    layout: project.layout,
    ...(specFile ? { specFile } : {}),
    kube: (cluster) => project.kube(cluster),
    renderedObjects: (cluster) =>
      project
        .render()
        .filter(
          (a) =>
            a.path.startsWith(`clusters/${cluster}/`) &&
            a.path.endsWith('.yaml') &&
            !a.path.endsWith('values.yaml'),
        )
        .flatMap((a) =>
          parseObjects(a.content).map((o) => ({ path: a.path, apiVersion: o.apiVersion, kind: o.kind })),
        ),
    takeBackup: async (cluster, signal) => {
      const report = await backup(projectBackupDeps(project), {
        clusters: [cluster],
        what: ['etcd'],
        ...(signal ? { signal } : {}),
      });
      const taken = report.backups[0];
      if (!taken?.ok || !taken.snapshot)
        throw new UpgradeError(
          'upgrade.backup-failed',
          'failed',
          `the pre-upgrade etcd snapshot of ${cluster} failed: ${taken?.error?.message ?? 'no snapshot'}`,
          {
            hint: 'fix the backup (platformctl backup --cluster), or run with --skip-backup if you have a snapshot of your own',
          },
        );
      return taken.snapshot.dir;
    },
    ...(runOnNode
      ? {
          runOnNode: (node, command, signal) =>
            runOnNode(node, command, { ...context, ...(signal ? { signal } : {}) }),
        }
      : {
          notSupported:
            project.providerName === 'kwok'
              ? "kwok's harness builds one Kubernetes version: its binaries cannot be swapped, and a version change would be faked"
              : 'platformctl did not create these nodes: upgrade them with the tools that did',
        }),
  };
}
