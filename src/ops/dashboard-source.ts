/**
 * The dashboard's data over one project: each view gathered from the ops verbs, read-only
 * (the spec, the state, the provider's record, status without changes, verify, analyze).
 */
import { healthView, topology, type HealthView, type Topology } from './dashboard.js';
import {
  foldRun,
  listRuns,
  readRunEvents,
  runGraph,
  stepLogTail,
  type RunGraph,
  type RunView,
} from './dashboard-run.js';
import type { ProjectLayout } from '../project/layout.js';
import { KubeClient } from '../clients/kube.js';
import { addonLive, type AddonLive } from './addon-live.js';
import type { Project } from './project.js';
import { savedReports } from './reports.js';
import { gatesFor } from '../engine/readiness.js';

export interface RunPage {
  readonly graph: RunGraph;
  /** The latest run, folded from its event file; absent before the first `up`. */
  readonly run?: RunView;
  readonly runs: readonly string[];
}

/** A cluster's add-ons as they run: each release's status and its objects' readiness. */
export interface ClusterAddons {
  readonly cluster: string;
  /** When they were read. */
  readonly at: string;
  readonly addons: readonly AddonLive[];
  /** Why none could be read (no kubeconfig yet). */
  readonly error?: string;
}

/** What the web server asks for; tests give their own. */
export interface DashboardSource {
  readonly layout: ProjectLayout;
  topology(): Promise<Topology>;
  /** Undefined for a cluster the spec does not have. Asked when its detail opens: it reads every release. */
  addons(cluster: string): Promise<ClusterAddons | undefined>;
  run(): Promise<RunPage>;
  /** The checks are slow (every cluster's API): kept until `refresh`. */
  health(refresh: boolean): Promise<HealthView>;
  /** Undefined when the run or the step does not exist. */
  logTail(runId: string, stepId: string): Promise<string[] | undefined>;
}

const errorLine = (what: string, error: unknown) => `${what}: ${(error as Error).message.split('\n')[0]}`;

export function projectSource(project: Project, now: () => Date = () => new Date()): DashboardSource {
  let health: Promise<HealthView> | undefined;
  const gatherHealth = async (): Promise<HealthView> => {
    const errors: string[] = [];
    const status = await project.status().catch((e: unknown) => void errors.push(errorLine('status', e)));
    // Not saved: the dashboard changes nothing, the saved reports are the ones run elsewhere.
    const verify = await project
      .verify({ save: false })
      .catch((e: unknown) => void errors.push(errorLine('verify', e)));
    const findings = await project
      .analyze({ save: false })
      .catch((e: unknown) => void errors.push(errorLine('analyze', e)));
    const saved = await savedReports(project.layout);
    return healthView({
      at: now(),
      ...(status ? { status } : {}),
      ...(verify ? { verify } : {}),
      ...(findings ? { findings } : {}),
      saved,
      errors,
    });
  };
  return {
    layout: project.layout,
    async topology() {
      const state = await project.state();
      // Whether each cluster serves and its live nodes; no drift checks (they are the health page's).
      const live = await project.status({ check: false }).catch(() => undefined);
      return topology({
        platform: project.platform,
        provider: project.providerName,
        state,
        ...(live ? { live } : {}),
      });
    },
    async addons(name) {
      const cluster = project.platform.clusters.find((c) => c.name === name);
      if (!cluster) return undefined;
      const at = now().toISOString();
      const provider = project.provider();
      const access = provider.access(project.platform, cluster, { layout: project.layout });
      const client = await KubeClient.fromFile(access.kubeconfig, access.context).catch(
        (error: unknown) => error as Error,
      );
      if (client instanceof Error)
        return { cluster: name, at, addons: [], error: errorLine('kubeconfig', client) };
      const gates = gatesFor(provider);
      const addons: AddonLive[] = [];
      // One add-on at a time: each reads its objects one by one, as the gates do.
      for (const addon of cluster.addons) {
        const first = addons.find((a) => a.release);
        const failed = addons.find((a) => a.error);
        // A cluster that answered none so far (not serving, no right to read Secrets) is not asked again.
        if (failed && !first) addons.push({ name: addon, error: failed.error! });
        else addons.push(await addonLive(client, addon, project.platform.addonNamespaces[addon], { gates }));
      }
      return { cluster: name, at, addons };
    },
    async run() {
      const { plan } = await project.plan();
      const state = await project.state();
      const runs = await listRuns(project.layout);
      const latest = runs.at(-1);
      const run = latest
        ? foldRun(
            latest,
            (await readRunEvents(project.layout, latest)).events.map((e) => e.event),
          )
        : undefined;
      return { graph: runGraph(plan, state?.steps ?? {}), ...(run ? { run } : {}), runs };
    },
    health(refresh) {
      if (refresh || !health) {
        health = gatherHealth();
        health.catch(() => (health = undefined));
      }
      return health;
    },
    async logTail(runId, stepId) {
      const runs = await listRuns(project.layout);
      const { plan } = await project.plan();
      if (!runs.includes(runId) || !plan.steps.some((s) => s.id === stepId)) return undefined;
      return stepLogTail(project.layout, runId, stepId);
    },
  };
}
