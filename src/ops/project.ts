/**
 * The platform as a library: `openProject` gives the verbs (plan, check, up, down, status) over
 * one project directory, each returning plain data, and `up` the engine's event stream. The
 * command line, the MCP server and the web dashboard are shells over this.
 */
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { systemRunner, type CommandRunner } from '../clients/exec.js';
import { KubeClient } from '../clients/kube.js';
import { up as runUp, prepareUp, stepEnvironment, type Preparation, type UpResult } from '../engine/run.js';
import { driftOfStep, settled } from '../engine/steps.js';
import { readState, StateStore, type PlatformState } from '../engine/state.js';
import { acquireLock } from '../engine/lock.js';
import type { ConcurrencyLimits, EngineEvent } from '../engine/types.js';
import { DEFAULT_CONCURRENCY } from '../engine/types.js';
import { PlatformctlError } from '../errors.js';
import type { PlanRow } from '../plan/format.js';
import { buildPlan, type Plan } from '../plan/plan.js';
import { stepStatus } from '../plan/status.js';
import { projectLayout, type ProjectLayout } from '../project/layout.js';
import { providerFor } from '../providers/index.js';
import { forgetProvider, recordedProvider, recordProvider } from '../providers/record.js';
import { writeMergedKubeconfig } from '../providers/shared/kubeconfig.js';
import { listNodes } from '../providers/shared/nodes.js';
import type {
  ClusterProvider,
  DownTarget,
  ObservedCluster,
  PreflightCheck,
  ProviderContext,
} from '../providers/types.js';
import { renderPlatform } from '../render/index.js';
import { vaultAddress } from '../render/pki.js';
import type { Artifact } from '../render/artifacts.js';
import { removeSecret } from '../engine/secrets.js';
import { VAULT_SECRET } from '../engine/vault.js';
import { CREDENTIALS_SECRET, CredentialStore } from '../engine/credentials.js';
import type { Platform, PlatformCluster } from '../spec/model.js';
import type { AddonName } from '../addons/names.js';
import type { Provider as ProviderName } from '../spec/types.js';
import { Semaphore } from '../util/concurrency.js';
import { probeUrl } from '../clients/reachability.js';
import {
  type ChartsSource,
  preflight,
  PreflightError,
  type PreflightReport,
  type Probe,
} from './preflight.js';
import { leftovers, type PruneReport } from './prune.js';
import { describeRef, installedOn, removeInstalled, type RemovalReport } from './uninstall.js';
import { imageReport, imagesOf, type ImageUse, parseObjects } from './images.js';
import { analyzeSnapshot, type Finding } from './analyze.js';
import { collectSnapshot } from './analyze-collect.js';
import type { Obj, ShippingTarget, VaultObservation } from './analyze-model.js';
import { classifyHost, type ShippingSource, shippingSources } from './analyze-shipping.js';
import { meshChecks, observeMesh } from './verify-mesh.js';
import {
  type DrillReport,
  type DrillScenario,
  drillTarget,
  type DrillTargetDeps,
  runDrill,
  type SyncedSecret,
} from './drill.js';
import { openVault } from '../engine/vault.js';
import { readSecret } from '../engine/secrets.js';
import { ESO_API_VERSION } from '../addons/catalog/external-secrets.js';
import { endpointChecks, observeVaultClients, vaultSources } from './verify-endpoints.js';
import { VaultClient } from '../clients/vault.js';
import { pkiCheck, type PkiReport, vaultAuthorities } from './pki.js';
import {
  authLoginCheck,
  loadBalancerCheck,
  statusChecks,
  vaultCheck,
  type VerifyCheck,
  type VerifyReport,
} from './verify.js';
import { hostChecks, hostFacts, stateDirCheck, toolChecks } from './doctor.js';
import { saveReport } from './reports.js';
import { computeBudget } from '../spec/budget.js';
import { readSpecInput, SpecInvalidError, type SpecInput } from './spec.js';
import { HelmClient } from '../clients/helm.js';
import { CommandError } from '../clients/exec.js';
import { chartFor } from '../addons/charts.js';
import { ADDON_CATALOG } from '../addons/catalog.js';
import { type ResolvedChart, resolveBundle, resolveChart } from '../engine/chart-source.js';

export interface OpenOptions {
  /** A spec file (relative to `cwd`) or "-" for `readStdin`; default ./platform.yaml, else the built-in default. */
  readonly file?: string;
  readonly cwd?: string;
  /** `--provider`: wins over the provider recorded for the project and the spec's. */
  readonly provider?: ProviderName;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: Date;
  readonly readStdin?: () => Promise<string>;
  /** Every external command goes through it (tests script it). */
  readonly runner?: CommandRunner;
  /** How preflight asks whether a chart repository answers (tests script it). */
  readonly probe?: Probe;
}

export interface UpRunOptions {
  /** false: keep what the spec no longer wants (default: remove the clusters it created). */
  readonly prune?: boolean;
  /** Also remove releases of add-ons the spec no longer enables (their volumes may hold data). */
  readonly yes?: boolean;
  /** What the prune before the run removed and kept. */
  readonly onPrune?: (report: PruneReport) => void;
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  readonly concurrency?: ConcurrencyLimits;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: EngineEvent) => void;
}

export interface DriftRow {
  readonly id: string;
  readonly cluster: string;
  /** in sync, drifted, or not checked (the cluster does not serve, or the step is not settled). */
  readonly state: 'in sync' | 'drifted' | 'not checked';
  readonly drift?: string;
}

export interface ClusterStatus {
  readonly name: string;
  readonly role: string;
  readonly exists: boolean;
  readonly serving: boolean;
  readonly ready: boolean;
  readonly detail?: string;
  readonly nodes: ReadonlyArray<{
    readonly name: string;
    readonly ready: boolean;
    readonly address?: string;
  }>;
  /** How to reach it: the kubeconfig file, its context and the API server. */
  readonly connect: { readonly kubeconfig: string; readonly context: string; readonly server?: string };
}

export interface StepStatusRow {
  readonly id: string;
  readonly cluster: string;
  readonly outcome: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  /** new, changed (rendered inputs differ), failed, drifted (live check), in sync, or not checked. */
  readonly state: 'new' | 'changed' | 'failed' | 'drifted' | 'in sync' | 'not checked';
  readonly drift?: string;
  /** The first line of the last error. */
  readonly error?: string;
  /** The step's log of its last run, when that log exists. */
  readonly log?: string;
}

export interface StatusReport {
  readonly platform: string;
  readonly provider: ProviderName;
  readonly clusters: readonly ClusterStatus[];
  readonly steps: readonly StepStatusRow[];
  readonly lastRun: PlatformState['runs'][number] | null;
  /**
   * The platform's Vault: the address every cluster uses (its pinned address), where platformctl
   * reaches it now when that differs (kwok's simulated Vault on loopback), and the file with its
   * unseal keys and root token (0600).
   */
  readonly vault?: { readonly address: string; readonly reachedAt?: string; readonly keys: string };
  /** Healthy: every cluster serves with every node Ready, nothing drifted or failed, the last run ok. */
  readonly healthy: boolean;
  readonly problems: readonly string[];
}

export interface DownReport {
  readonly provider: ProviderName;
  readonly deleted: readonly string[];
  /** Generated secrets removed with what they protected. */
  readonly secretsRemoved: readonly string[];
  /** Nothing was recorded for this project: there was nothing to delete. */
  readonly nothingRecorded: boolean;
  /**
   * Clusters platformctl does not own (provider existing): what it installed on each, to be
   * removed. Without `yes` this is all `down` does: list it.
   */
  readonly installed?: ReadonlyArray<{ readonly cluster: string; readonly items: readonly string[] }>;
  /** What was removed from those clusters (with `yes`). */
  readonly removed?: readonly RemovalReport[];
}

/** The provider for a project: `--provider`, else the one that created its clusters, else the spec's. */
export async function resolveProvider(
  layout: ProjectLayout,
  platform: Platform,
  flag?: ProviderName,
): Promise<ProviderName> {
  return flag ?? (await recordedProvider(layout.root)) ?? platform.provider;
}

export class Project {
  readonly layout: ProjectLayout;
  #provider: ClusterProvider | undefined;

  constructor(
    readonly input: SpecInput,
    readonly platform: Platform,
    readonly providerName: ProviderName,
    readonly env: Readonly<Record<string, string | undefined>>,
    readonly runner: CommandRunner,
    /** The chart mirror: PLATFORMCTL_CHARTS_DIR, else the one an earlier run recorded. */
    readonly charts: ChartsSource | undefined,
    readonly probe: Probe = probeUrl,
  ) {
    this.layout = projectLayout(input.projectDir);
  }

  /** Everything the plan needs on this machine, before anything is created. */
  async preflight(plan?: Plan): Promise<PreflightReport> {
    const provider = this.provider();
    const report = await preflight({
      plan: plan ?? buildPlan(this.platform, this.render(), this.providerName),
      ...(this.charts ? { charts: this.charts } : {}),
      probe: this.probe,
      env: this.env,
      projectDir: this.dir,
      providerChecks:
        (await provider.preflight?.(this.platform, {
          layout: this.layout,
          recordedNodes: Object.values((await this.state())?.clusters ?? {}).flatMap((c) => c.nodes),
        })) ?? [],
    });
    const values = await this.#userValuesChecks(report);
    return values.length === 0
      ? report
      : { ok: report.ok && values.every((c) => c.status !== 'fail'), checks: [...report.checks, ...values] };
  }

  /**
   * spec.addons.<name>.values against the chart's own schema: `helm template` of the mirrored
   * chart with the rendered values, which is where helm validates values.schema.json. Only with
   * a mirror (without one the chart is not here yet: helm checks it at install) and only for
   * add-ons the user gave values to (the rendered ones are tested against every chart).
   */
  async #userValuesChecks(report: PreflightReport): Promise<PreflightCheck[]> {
    const given = Object.entries(this.platform.document.spec.addons)
      .filter(([, addon]) => addon?.values !== undefined)
      .map(([name]) => name);
    if (
      !this.charts ||
      given.length === 0 ||
      report.checks.some((c) => c.id === 'mirror' && c.status === 'fail')
    )
      return [];
    const tree = new Map(this.render().map((a) => [a.path, a.content]));
    const checks: PreflightCheck[] = [];
    // Outside the project: a dry run changes nothing there.
    const scratch = await mkdtemp(join(tmpdir(), 'platformctl-values-'));
    try {
      for (const cluster of this.platform.clusters)
        for (const addon of cluster.addons.filter((a) => given.includes(a))) {
          const ref = chartFor(addon);
          const text = tree.get(`clusters/${cluster.name}/addons/${addon}/values.yaml`);
          if (!ref || text === undefined) continue;
          const id = `values.${cluster.name}.${addon}`;
          try {
            await this.#template(cluster, addon, resolveChart(ref, this.charts.dir), text, scratch);
            checks.push({
              id,
              status: 'pass',
              detail: `spec.addons.${addon}.values fit ${ref.chart} ${ref.version}`,
            });
          } catch (error) {
            if (!(error instanceof CommandError)) continue; // a missing chart or helm: reported above
            const reason =
              error.outputTail
                .split('\n')
                .map((l) => l.trim())
                .filter(Boolean)
                .slice(-3)
                .join('; ') || `helm exited ${error.exitCode}`;
            checks.push({
              id,
              status: 'fail',
              detail: `${ref.chart} ${ref.version} refuses the values on ${cluster.name}: ${reason}`,
              fix: `correct spec.addons.${addon}.values (the chart's values.schema.json says what it takes)`,
            });
          }
        }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    return checks;
  }

  /**
   * Everything a run needs, for `doctor`: preflight's checks, and for providers that run the
   * platform's machines on this host, the host against the spec's budget; the state directory,
   * helm's version and the optional tools.
   */
  async doctor(): Promise<PreflightReport> {
    const checked = await this.preflight();
    const traits = this.provider().traits;
    const host =
      traits.createsClusters && traits.runsWorkloads
        ? hostChecks(computeBudget(this.platform.document.spec), await hostFacts(this.dir))
        : [];
    const checks = [
      ...checked.checks,
      ...host,
      await stateDirCheck(this.layout),
      ...(await toolChecks(this.runner, this.env, this.dir)),
    ];
    return { ok: checks.every((c) => c.status !== 'fail'), checks };
  }

  /**
   * Every container image each cluster will run: helm template of each pinned chart (from the
   * mirror, else its repository) with the rendered values, and the rendered manifests.
   */
  async images(options: { clusters?: readonly string[] } = {}): Promise<ImageUse[]> {
    const tree = new Map(this.render().map((a) => [a.path, a.content]));
    const limit = new Semaphore(4);
    const scratch = await mkdtemp(join(tmpdir(), 'platformctl-images-'));
    try {
      const uses = await Promise.all(
        this.platform.clusters
          .filter((c) => !options.clusters || options.clusters.includes(c.name))
          .flatMap((cluster) =>
            cluster.addons.map((addon) =>
              limit.run(async () => {
                const dir = `clusters/${cluster.name}/addons/${addon}/`;
                const objects = [...tree]
                  .filter(
                    ([path]) =>
                      path.startsWith(dir) && path.endsWith('.yaml') && !path.endsWith('values.yaml'),
                  )
                  .flatMap(([, text]) => parseObjects(text));
                const ref = chartFor(addon);
                if (ref) {
                  const chart = resolveChart(ref, this.charts?.dir);
                  const values = tree.get(`${dir}values.yaml`) ?? '{}\n';
                  objects.push(...parseObjects(await this.#template(cluster, addon, chart, values, scratch)));
                }
                return { cluster: cluster.name, addon, images: imagesOf(objects) };
              }),
            ),
          ),
      );
      return imageReport(uses);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /**
   * One health report: `status`'s observations as checks, LoadBalancer Services on their pinned
   * addresses, Vault unsealed and each cluster's auth mount logging in with its own identity.
   * Saved as the latest verify report (`.platformctl/reports/`) unless `save` is false.
   */
  async verify(options: { clusters?: readonly string[]; save?: boolean } = {}): Promise<VerifyReport> {
    const at = new Date().toISOString();
    const status = await this.status(options.clusters ? { clusters: options.clusters } : {});
    const checks: VerifyCheck[] = statusChecks(status);
    const serving = status.clusters.filter((c) => c.serving);
    const clients = new Map(
      await Promise.all(
        serving.map(
          async (c) => [c.name, await KubeClient.fromFile(c.connect.kubeconfig, c.connect.context)] as const,
        ),
      ),
    );
    for (const c of serving) checks.push(await loadBalancerCheck(c.name, clients.get(c.name)!));
    if (status.vault) {
      const provider = this.provider();
      if (!provider.runningVault)
        checks.push({
          id: 'vault.unsealed',
          status: 'skipped',
          evidence: `provider ${this.providerName} cannot reach Vault yet`,
        });
      else {
        const endpoint = await provider
          .runningVault({ layout: this.layout }, this.platform)
          .catch(() => undefined);
        checks.push(await vaultCheck(endpoint));
        for (const c of serving)
          if (this.platform.clusters.find((p) => p.name === c.name)?.addons.includes('external-secrets'))
            checks.push(await authLoginCheck(c.name, clients.get(c.name)!, endpoint));
      }
    }
    // The PKI as it stands (no test certificate: verify changes nothing). The bootstrap issuer
    // still in use is phase 1, which is a warning here; `pki check` fails on it.
    const pki = await pkiCheck({
      clusters: this.#pkiClusters(
        serving.map((c) => c.name),
        clients,
      ),
      testCertificate: false,
    });
    for (const check of pki.checks)
      checks.push(
        check.status === 'fail' && /bootstrap/.test(check.id) ? { ...check, status: 'warn' } : check,
      );
    checks.push(...(await this.#crossClusterChecks(status, clients)));
    const report: VerifyReport = { ok: checks.every((c) => c.status !== 'fail'), checks };
    if (options.save !== false)
      await saveReport(this.layout, {
        kind: 'verify',
        at,
        ...(options.clusters ? { clusters: options.clusters } : {}),
        report,
      });
    return report;
  }

  /**
   * What clusters depend on of each other: ClusterMesh (one CA, every peer at its pinned
   * address) and each workload cluster's endpoints on mgmt (Vault, Thanos Receive, Loki, OTLP),
   * the latter named as `analyze` names its shipping targets (#shippingTargets).
   */
  async #crossClusterChecks(
    status: StatusReport,
    clients: ReadonlyMap<string, KubeClient>,
  ): Promise<VerifyCheck[]> {
    const scope = status.clusters.map((c) => c.name);
    const servingNow = (name: string) => clients.has(name);
    const mesh = new Map(
      await Promise.all(
        scope.map(
          async (name) =>
            [
              name,
              servingNow(name)
                ? await observeMesh(clients.get(name)!).catch(() => ({ serving: false }))
                : { serving: false },
            ] as const,
        ),
      ),
    );
    // The owners of pinned addresses may be outside --cluster: their Services are read too.
    const anyClient = new Map(clients);
    for (const cluster of this.platform.clusters)
      if (!anyClient.has(cluster.name) && !scope.includes(cluster.name))
        await this.kube(cluster.name)
          .then((client) => anyClient.set(cluster.name, client))
          .catch(() => undefined);
    const workloads = this.platform.clusters.filter(
      (c) => c.role === 'workload' && scope.includes(c.name) && servingNow(c.name),
    );
    const vaultSourcesOf = new Map(
      await Promise.all(
        workloads.map(
          async (c) => [c.name, vaultSources(await observeVaultClients(clients.get(c.name)!))] as const,
        ),
      ),
    );
    const state = await this.state();
    const targets = await this.#shippingTargets(
      workloads,
      state,
      new Map(),
      anyClient,
      resolveHost,
      vaultSourcesOf,
    );
    const endpoints = await Promise.all(
      workloads.map(async (c) => {
        const local = await clients
          .get(c.name)!
          .list<Obj>('v1', 'Service')
          .catch(() => undefined);
        return endpointChecks(c.name, targets.get(c.name) ?? [], local, c.addons);
      }),
    );
    const ciliumInstalled = (cluster: string) =>
      ['succeeded', 'unchanged'].includes(state?.steps[`${cluster}/cilium/release`]?.outcome ?? '');
    return [...meshChecks(this.platform, mesh, scope, ciliumInstalled), ...endpoints.flat()];
  }

  /**
   * `drill <scenario>` (drill.ts) on this platform, under the platform's lock: the provider stops
   * and starts the management cluster, Vault is sealed through its API with the root token in a
   * header and unsealed by the engine's openVault with the saved keys; etcd-loss and node-loss
   * (`target`: the cluster, the node) go through the provider's seam and ops/restore.ts
   * (drill-targets.ts).
   */
  async drill(
    scenario: DrillScenario,
    options: {
      log?: (line: string) => void;
      target?: string;
      /**
       * What etcd-loss and node-loss act on, checked before anything changes: ops/drill-targets.ts
       * (`drillTargetDeps`), given by the caller because it builds on ops/restore.ts, which builds
       * on this module.
       */
      targetDeps?: (
        target: string,
        context: ProviderContext,
        log: (line: string) => void,
      ) => Promise<DrillTargetDeps>;
    } = {},
  ): Promise<DrillReport> {
    const log = options.log ?? (() => {});
    const provider = this.provider();
    const management = this.platform.clusters.find((c) => c.name === this.platform.managementCluster)!;
    if (scenario === 'mgmt-down' && (!provider.stopCluster || !provider.startCluster))
      throw new PlatformctlError(
        'drill.not-available',
        'usage',
        `provider ${this.providerName} cannot stop its clusters`,
      );
    const needsVault = scenario === 'mgmt-down' || scenario === 'vault-sealed';
    if (needsVault && (!management.addons.includes('vault') || !provider.runningVault))
      throw new PlatformctlError(
        'drill.not-available',
        'usage',
        `Vault does not run where ${this.providerName} reaches it`,
      );
    const context = this.#context((event) =>
      log(`${event.cluster ? `[${event.cluster}] ` : ''}${event.message}`),
    );
    // Checked (and the snapshot chosen) before the lock and before anything changes.
    const target = drillTarget(scenario, options.target);
    const { etcdLoss, nodeLoss } = target
      ? ((await options.targetDeps?.(target, context, log)) ?? {})
      : ({} as DrillTargetDeps);
    if (scenario === 'etcd-loss' && !etcdLoss)
      throw new Error('drill etcd-loss: no etcd-loss dependencies given');
    if (scenario === 'node-loss' && !nodeLoss)
      throw new Error('drill node-loss: no node-loss dependencies given');
    const lock = await acquireLock(this.dir, {
      command: `drill ${scenario}${target ? ` ${target}` : ''}`,
      runId: `drill-${process.pid}`,
    });
    const vaultNow = async (): Promise<VaultClient> => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const endpoint = await provider.runningVault!({ layout: this.layout }, this.platform).catch(
          () => undefined,
        );
        if (endpoint) return new VaultClient(endpoint);
        if (Date.now() > deadline) throw new Error('Vault does not answer');
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    try {
      return await runDrill(scenario, {
        managementCluster: management.name,
        workloadClusters: this.platform.clusters.filter((c) => c.role === 'workload').map((c) => c.name),
        verify: () => this.verify({ save: false }),
        stopManagement: () =>
          provider.stopCluster!({ platform: this.platform, cluster: management }, context),
        startManagement: () =>
          provider.startCluster!({ platform: this.platform, cluster: management }, context),
        sealVault: async () => {
          const secret = await readSecret<{ rootToken: string }>(this.layout, VAULT_SECRET);
          if (!secret)
            throw new Error(
              `${this.layout.secretFile(VAULT_SECRET)} is missing: Vault cannot be unsealed after`,
            );
          await (await vaultNow()).withToken(secret.rootToken).call('PUT', 'sys/seal');
        },
        unsealVault: async () => {
          await openVault(await vaultNow(), this.layout, log);
        },
        apiAnswers: async (cluster) => {
          try {
            const version = await (await this.kube(cluster)).get<{ gitVersion?: string }>('/version');
            return { ok: true, evidence: `answers (${version.gitVersion ?? 'version unknown'})` };
          } catch (error) {
            return { ok: false, evidence: (error as Error).message.split('\n')[0]! };
          }
        },
        syncedSecrets: async (cluster) => {
          const client = await this.kube(cluster);
          const externals = await client
            .list<Obj>(ESO_API_VERSION, 'ExternalSecret')
            .catch(() => [] as Obj[]);
          const kept: SyncedSecret[] = [];
          for (const e of externals) {
            // External Secrets' default deletionPolicy is Retain too.
            if ((e.spec?.target?.deletionPolicy ?? 'Retain') !== 'Retain') continue;
            const name = `${e.metadata.namespace}/${e.spec?.target?.name ?? e.metadata.name}`;
            const [namespace, secretName] = name.split('/');
            if (await client.getOptional(`/api/v1/namespaces/${namespace}/secrets/${secretName}`))
              kept.push({ cluster, secret: name });
          }
          return kept;
        },
        ...(etcdLoss ? { etcdLoss } : {}),
        ...(nodeLoss ? { nodeLoss } : {}),
        log,
      });
    } finally {
      await lock.release();
    }
  }

  /** The serving clusters that run cert-manager, for the PKI checks. */
  #pkiClusters(serving: readonly string[], clients: ReadonlyMap<string, KubeClient>) {
    return this.platform.clusters
      .filter((c) => serving.includes(c.name) && c.addons.includes('cert-manager'))
      .map((c) => ({ name: c.name, client: clients.get(c.name)!, domain: this.platform.network.domain }));
  }

  /**
   * `pki check`: the phase-2 checklist on every serving cluster that runs cert-manager, with a
   * test certificate issued through each cluster's Vault issuer (checked against Vault's
   * intermediate CA when Vault answers) and removed with its Secret.
   */
  async pkiCheck(
    options: { clusters?: readonly string[]; log?: (line: string) => void } = {},
  ): Promise<PkiReport> {
    const observed = await this.#observeAll(options.clusters);
    const serving = [...observed].filter(([, o]) => o.serving).map(([name]) => name);
    const clients = new Map(
      await Promise.all(
        serving.map(async (name) => {
          const access = this.provider().access(
            this.platform,
            this.platform.clusters.find((c) => c.name === name)!,
            { layout: this.layout },
          );
          return [name, await KubeClient.fromFile(access.kubeconfig, access.context)] as const;
        }),
      ),
    );
    const endpoint = await this.provider()
      .runningVault?.({ layout: this.layout }, this.platform)
      .catch(() => undefined);
    const authorities = endpoint ? await vaultAuthorities(endpoint) : undefined;
    const clusters = this.#pkiClusters(serving, clients);
    const unserved = this.platform.clusters
      .filter((c) => c.addons.includes('cert-manager') && !serving.includes(c.name))
      .filter((c) => !options.clusters || options.clusters.includes(c.name));
    const report = await pkiCheck({
      clusters,
      ...(authorities ? { authorities } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    if (unserved.length === 0 && authorities) return report;
    const extra: VerifyCheck[] = [
      ...unserved.map((c): VerifyCheck => ({
        id: `pki.${c.name}.api`,
        status: 'fail',
        evidence: 'the cluster does not serve',
      })),
      ...(authorities
        ? []
        : [
            {
              id: 'pki.vault',
              status: 'fail',
              evidence: 'Vault does not answer: its CAs cannot be read',
            } as const,
          ]),
    ];
    return { ...report, ok: false, phase: 1, checks: [...extra, ...report.checks] };
  }

  /**
   * The analyzers over every serving cluster's live objects at once; a cluster that does not
   * serve is a finding. Beside the live objects, each snapshot carries what platformctl observes
   * itself: Vault's seal status (on the cluster that runs it), the shipping endpoints of the
   * rendered configuration with what each names, and `status`'s judgement of each step (drift).
   * Saved as the latest findings (`.platformctl/reports/`) unless `save` is false.
   */
  async analyze(
    options: {
      clusters?: readonly string[];
      filter?: readonly string[];
      save?: boolean;
      /** How a host name is resolved (tests script it); default the system resolver. */
      resolveHost?: (host: string) => Promise<void>;
    } = {},
  ): Promise<Finding[]> {
    const at = new Date().toISOString();
    const wants = (analyzer: string) => !options.filter || options.filter.includes(analyzer);
    const observed = await this.#observeAll(options.clusters);
    const wanted = this.platform.clusters.filter(
      (c) => !options.clusters || options.clusters.includes(c.name),
    );
    const serving = this.platform.clusters.filter((c) => observed.get(c.name)?.serving);
    const clients = new Map(
      await Promise.all(
        serving.map(async (cluster) => {
          const access = this.provider().access(this.platform, cluster, { layout: this.layout });
          return [cluster.name, await KubeClient.fromFile(access.kubeconfig, access.context)] as const;
        }),
      ),
    );
    const [live, vault, steps, state] = await Promise.all([
      Promise.all(
        wanted
          .filter((c) => clients.has(c.name))
          .map(async (c) => [c.name, await collectSnapshot(clients.get(c.name)!, options.filter)] as const),
      ).then((entries) => new Map(entries)),
      wants('Vault') ? this.#observeVault() : undefined,
      // Drift is what `status` judges of each step: the same rows, not a second copy of the check.
      wants('Drift')
        ? this.status({ ...(options.clusters ? { clusters: options.clusters } : {}) }).then((r) => r.steps)
        : undefined,
      this.state(),
    ]);
    const shipping = wants('Shipping')
      ? await this.#shippingTargets(wanted, state, live, clients, options.resolveHost ?? resolveHost)
      : new Map<string, ShippingTarget[]>();
    const perCluster = wanted.map((cluster): Finding[] => {
      const seen = observed.get(cluster.name);
      const snapshot = live.get(cluster.name);
      if (!seen?.serving || !snapshot)
        return [
          {
            cluster: cluster.name,
            analyzer: 'Cluster',
            object: `Cluster ${cluster.name}`,
            severity: 'error',
            evidence: seen?.exists ? `does not serve: ${seen.detail ?? 'no answer'}` : 'does not exist',
            hint: `platformctl up --provider ${this.providerName} repairs it`,
          },
        ];
      return analyzeSnapshot(
        cluster.name,
        {
          ...snapshot,
          observedAt: at,
          ...(vault && cluster.name === this.platform.managementCluster ? { vault } : {}),
          ...(shipping.has(cluster.name) ? { shipping: shipping.get(cluster.name)! } : {}),
          ...(steps ? { steps: steps.filter((s) => s.cluster === cluster.name) } : {}),
        },
        options.filter,
      );
    });
    const findings = perCluster.flat();
    if (options.save !== false)
      await saveReport(this.layout, {
        kind: 'analyze',
        at,
        ...(options.clusters ? { clusters: options.clusters } : {}),
        ...(options.filter ? { filter: options.filter } : {}),
        findings,
      });
    return findings;
  }

  /** Vault's seal status where platformctl reaches it, when the management cluster runs Vault. */
  async #observeVault(): Promise<VaultObservation | undefined> {
    const management = this.platform.clusters.find((c) => c.name === this.platform.managementCluster);
    if (!management?.addons.includes('vault')) return undefined;
    const provider = this.provider();
    const pinned = vaultAddress(this.platform);
    if (!provider.runningVault)
      return { address: pinned, answered: false, error: `provider ${this.providerName} cannot reach Vault` };
    const endpoint = await provider
      .runningVault({ layout: this.layout }, this.platform)
      .catch(() => undefined);
    if (!endpoint) return { address: pinned, answered: false, error: 'it does not run' };
    try {
      const seal = await new VaultClient(endpoint).sealStatus();
      return {
        address: endpoint.address,
        answered: true,
        initialized: seal.initialized,
        sealed: seal.sealed,
      };
    } catch (error) {
      return { address: endpoint.address, answered: false, error: (error as Error).message.split('\n')[0]! };
    }
  }

  /**
   * The shipping endpoints of each cluster's rendered configuration (add-ons whose release the
   * last `up` installed), with what each host names: the Services of the cluster a pinned address
   * belongs to, or whether a DNS name resolves. Nothing is dialled.
   */
  async #shippingTargets(
    clusters: readonly PlatformCluster[],
    state: PlatformState | undefined,
    live: ReadonlyMap<string, { readonly services: readonly Obj[] }>,
    clients: ReadonlyMap<string, KubeClient>,
    resolve: (host: string) => Promise<void>,
    /** Sources beside the shipping ones, per cluster (verify: where its Vault clients point). */
    more: ReadonlyMap<string, readonly ShippingSource[]> = new Map(),
  ): Promise<Map<string, ShippingTarget[]>> {
    const artifacts = new Map(this.render().map((a) => [a.path, a.content]));
    const services = new Map<string, Promise<readonly Obj[] | undefined>>();
    const servicesOf = (cluster: string) => {
      let found = services.get(cluster);
      if (!found) {
        const taken = live.get(cluster)?.services;
        const client = clients.get(cluster);
        found = taken
          ? Promise.resolve(taken)
          : client
            ? client.list<Obj>('v1', 'Service').catch(() => undefined)
            : Promise.resolve(undefined);
        services.set(cluster, found);
      }
      return found;
    };
    const entries = await Promise.all(
      clusters.map(async (cluster) => {
        const installed = (addon: string) =>
          cluster.addons.includes(addon as AddonName) &&
          state?.steps[`${cluster.name}/${addon}/release`]?.outcome === 'succeeded';
        const targets = await Promise.all(
          [...shippingSources(cluster.name, artifacts, installed), ...(more.get(cluster.name) ?? [])].map(
            async (source): Promise<ShippingTarget> => {
              const names = classifyHost(this.platform, source.host);
              if (names.kind === 'pinned') {
                const found = await servicesOf(names.cluster);
                return { ...source, names: { ...names, ...(found ? { services: found } : {}) } };
              }
              if (names.kind === 'dns') {
                const error = await resolve(source.host).then(
                  () => undefined,
                  (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message,
                );
                return {
                  ...source,
                  names: { kind: 'dns', resolved: error === undefined, ...(error ? { error } : {}) },
                };
              }
              return { ...source, names };
            },
          ),
        );
        return [cluster.name, targets] as const;
      }),
    );
    return new Map(entries);
  }

  /** `helm template` of an add-on's chart with these values (written 0600 under `scratch`): no cluster is contacted. */
  async #template(
    cluster: PlatformCluster,
    addon: AddonName,
    chart: ResolvedChart,
    values: string,
    scratch: string,
  ): Promise<string> {
    const valuesFile = join(scratch, `${cluster.name}-${addon}.yaml`);
    await writeFile(valuesFile, values, { mode: 0o600 });
    const access = this.provider().access(this.platform, cluster, { layout: this.layout });
    return HelmClient.find({
      env: this.env,
      projectDir: this.dir,
      kubeconfig: access.kubeconfig,
      runner: this.runner,
    }).template({
      name: addon,
      namespace: ADDON_CATALOG[addon].namespace,
      chart: chart.chart,
      ...(chart.version ? { version: chart.version } : {}),
      ...(chart.repo ? { repo: chart.repo } : {}),
      valuesFile,
    });
  }

  get #chartsDir(): { chartsDir?: string } {
    return this.charts ? { chartsDir: this.charts.dir } : {};
  }

  get dir(): string {
    return this.layout.root;
  }

  /** Created on first use: a provider that is not available fails only commands that need it. */
  provider(): ClusterProvider {
    return (this.#provider ??= providerFor(this.providerName, { env: this.env, runner: this.runner }));
  }

  /** A client of one cluster's API server, through the kubeconfig its provider wrote. */
  async kube(clusterName: string): Promise<KubeClient> {
    const cluster = this.platform.clusters.find((c) => c.name === clusterName);
    if (!cluster)
      throw new PlatformctlError(
        'cluster.unknown',
        'input',
        `the spec has no cluster "${clusterName}" (it has ${this.platform.clusters.map((c) => c.name).join(', ')})`,
      );
    const access = this.provider().access(this.platform, cluster, { layout: this.layout });
    return KubeClient.fromFile(access.kubeconfig, access.context);
  }

  #context(log: ProviderContext['log'] = () => {}, signal?: AbortSignal): ProviderContext {
    return { layout: this.layout, log, ...(signal ? { signal } : {}) };
  }

  async state(): Promise<PlatformState | undefined> {
    const state = await readState(this.dir);
    if (state && state.platform !== this.platform.name)
      throw new PlatformctlError(
        'state.other-platform',
        'input',
        `${this.layout.stateFile} belongs to platform "${state.platform}", but the spec describes "${this.platform.name}"`,
        {
          hint: `use the spec of "${state.platform}" here (or its metadata.name), or another directory for this platform`,
        },
      );
    return state;
  }

  render(): Artifact[] {
    return renderPlatform(this.platform);
  }

  /** The plan with each step's status against the state (pure apart from reading the state). */
  async plan(): Promise<{ plan: Plan; rows: PlanRow[] }> {
    const recorded = (await this.state())?.steps ?? {};
    const plan = buildPlan(this.platform, this.render(), this.providerName);
    return {
      plan,
      rows: plan.steps.map((step) => ({ ...step, status: stepStatus(step, recorded[step.id]) })),
    };
  }

  /** What `up` would do, step by step, and its preflight (also `up --dry-run`). */
  async dryRun(
    options: Pick<UpRunOptions, 'only' | 'skip'> = {},
  ): Promise<Preparation & { preflight: PreflightReport }> {
    await this.state();
    const prepared = await prepareUp({
      projectDir: this.dir,
      platform: this.platform,
      provider: this.provider(),
      ...options,
    });
    return { ...prepared, preflight: await this.preflight(selectedPlan(prepared)) };
  }

  /**
   * The live check of every settled step whose cluster serves, in parallel within the engine's
   * limits: what drifted since the last `up`. Shared by `status` and `plan --check`.
   */
  async check(
    options: {
      clusters?: readonly string[];
      signal?: AbortSignal;
      observed?: ReadonlyMap<string, ObservedCluster>;
      prepared?: Preparation;
    } = {},
  ): Promise<DriftRow[]> {
    await this.state();
    const provider = this.provider();
    const prepared =
      options.prepared ?? (await prepareUp({ projectDir: this.dir, platform: this.platform, provider }));
    const env = stepEnvironment(
      { projectDir: this.dir, platform: this.platform, provider, env: this.env, ...this.#chartsDir },
      prepared,
    );
    const observed = options.observed ?? (await this.#observeAll(options.clusters));
    const signal = options.signal ?? AbortSignal.timeout(120_000);
    const wanted = prepared.planned.filter(
      ({ step }) => !options.clusters || options.clusters.includes(step.cluster),
    );
    const global = new Semaphore(DEFAULT_CONCURRENCY.global);
    const perCluster = new Map(
      this.platform.clusters.map((c) => [c.name, new Semaphore(DEFAULT_CONCURRENCY.perCluster)]),
    );
    return Promise.all(
      wanted.map(async ({ step }): Promise<DriftRow> => {
        const base = { id: step.id, cluster: step.cluster };
        if (!settled(step, prepared.recorded[step.id]) || !observed.get(step.cluster)?.serving)
          return { ...base, state: 'not checked' };
        return global.run(() =>
          perCluster.get(step.cluster)!.run(async () => {
            const drift = await driftOfStep(env, step, { signal, attempt: 1, log: () => {} }).catch(
              (e: unknown) => `live check failed: ${(e as Error).message.split('\n')[0]}`,
            );
            return drift
              ? { ...base, state: 'drifted' as const, drift }
              : { ...base, state: 'in sync' as const };
          }),
        );
      }),
    );
  }

  async #observeAll(clusters?: readonly string[]): Promise<Map<string, ObservedCluster>> {
    const provider = this.provider();
    const wanted = this.platform.clusters.filter((c) => !clusters || clusters.includes(c.name));
    const results = await Promise.all(
      wanted.map(async (cluster) => {
        const observed = await provider
          .observe({ platform: this.platform, cluster, artifacts: new Map(), addresses: {} }, this.#context())
          .catch((error: unknown): ObservedCluster => ({
            exists: false,
            serving: false,
            ready: false,
            detail: (error as Error).message.split('\n')[0]!,
          }));
        return [cluster.name, observed] as const;
      }),
    );
    return new Map(results);
  }

  /** Preflight first: a failed check stops it before anything is created (PreflightError, exit 5). */
  async up(options: UpRunOptions = {}): Promise<UpResult> {
    await this.state();
    const provider = this.provider();
    // A bad selector is a usage error, found before the machine is checked.
    const prepared = await prepareUp({
      projectDir: this.dir,
      platform: this.platform,
      provider,
      ...(options.only ? { only: options.only } : {}),
      ...(options.skip ? { skip: options.skip } : {}),
    });
    const checked = await this.preflight(selectedPlan(prepared));
    if (!checked.ok) throw new PreflightError(checked);
    const pruned = await this.prune(prepared.plan, {
      ...(options.prune !== undefined ? { prune: options.prune } : {}),
      ...(options.yes !== undefined ? { yes: options.yes } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    options.onPrune?.(pruned);
    await recordProvider(this.dir, this.providerName);
    if (this.charts?.from === 'PLATFORMCTL_CHARTS_DIR') await recordMirror(this.layout, this.charts.dir);
    return runUp({
      projectDir: this.dir,
      platform: this.platform,
      provider,
      env: this.env,
      ...this.#chartsDir,
      prepared,
      ...options,
      command: `up --provider ${this.providerName}`,
    });
  }

  async status(options: { clusters?: readonly string[]; check?: boolean } = {}): Promise<StatusReport> {
    const state = await this.state();
    const recorded = state?.steps ?? {};
    const provider = this.provider();
    const observed = await this.#observeAll(options.clusters);
    const wanted = this.platform.clusters.filter(
      (c) => !options.clusters || options.clusters.includes(c.name),
    );
    const clusters = await Promise.all(
      wanted.map(async (cluster): Promise<ClusterStatus> => {
        const seen = observed.get(cluster.name)!;
        const access = provider.access(this.platform, cluster, { layout: this.layout });
        let nodes: ClusterStatus['nodes'] = [];
        let server: string | undefined;
        if (seen.serving) {
          const client = await KubeClient.fromFile(access.kubeconfig, access.context).catch(() => undefined);
          server = client?.config.server;
          nodes = client ? await listNodes(client).catch(() => []) : [];
        }
        return {
          name: cluster.name,
          role: cluster.role,
          exists: seen.exists,
          serving: seen.serving,
          ready: seen.ready,
          ...(seen.detail ? { detail: seen.detail } : {}),
          nodes,
          connect: { kubeconfig: access.kubeconfig, context: access.context, ...(server ? { server } : {}) },
        };
      }),
    );
    const prepared = await prepareUp({ projectDir: this.dir, platform: this.platform, provider });
    const plan = prepared.plan;
    const drift = new Map(
      (options.check === false
        ? []
        : await this.check({
            observed,
            prepared,
            ...(options.clusters ? { clusters: options.clusters } : {}),
          })
      ).map((row) => [row.id, row]),
    );
    const steps: StepStatusRow[] = plan.steps
      .filter((step) => !options.clusters || options.clusters.includes(step.cluster))
      .map((step) => {
        const last = recorded[step.id];
        const status = stepStatus(step, last);
        const live = drift.get(step.id);
        const state: StepStatusRow['state'] =
          status !== 'unchanged'
            ? status
            : live?.state === 'drifted'
              ? 'drifted'
              : live?.state === 'in sync'
                ? 'in sync'
                : 'not checked';
        return {
          id: step.id,
          cluster: step.cluster,
          outcome: last?.outcome ?? 'never run',
          ...(last?.finishedAt ? { finishedAt: last.finishedAt } : {}),
          ...(last?.durationMs !== undefined ? { durationMs: last.durationMs } : {}),
          state,
          ...(live?.drift ? { drift: live.drift } : {}),
          ...(last?.error ? { error: last.error.message.split('\n')[0]! } : {}),
          ...(last?.runId ? { log: this.layout.stepLog(last.runId, step.id) } : {}),
        };
      });
    const lastRun = state?.runs.at(-1) ?? null;
    const problems: string[] = [];
    for (const c of clusters) {
      if (!c.exists) problems.push(`cluster ${c.name} does not exist`);
      else if (!c.serving) problems.push(`cluster ${c.name} does not serve: ${c.detail ?? 'no answer'}`);
      else if (!c.ready) problems.push(`cluster ${c.name} is not ready: ${c.detail ?? 'nodes not Ready'}`);
    }
    for (const s of steps) {
      if (s.state === 'failed') problems.push(`${s.id} failed: ${s.error ?? 'see its log'}`);
      if (s.state === 'drifted') problems.push(`${s.id} drifted: ${s.drift}`);
    }
    if (lastRun && lastRun.ok === false) problems.push(`the last run (${lastRun.runId}) failed`);
    const management = this.platform.clusters.find((c) => c.name === this.platform.managementCluster);
    const running = management?.addons.includes('vault')
      ? await provider.runningVault?.({ layout: this.layout }, this.platform).catch(() => undefined)
      : undefined;
    const vault = management?.addons.includes('vault')
      ? {
          address: vaultAddress(this.platform),
          ...(running && running.address !== vaultAddress(this.platform)
            ? { reachedAt: running.address }
            : {}),
          keys: this.layout.secretFile(VAULT_SECRET),
        }
      : undefined;
    return {
      platform: this.platform.name,
      provider: this.providerName,
      clusters,
      steps,
      lastRun,
      ...(vault ? { vault } : {}),
      healthy: problems.length === 0,
      problems,
    };
  }

  /**
   * Deletes clusters through the provider (when it owns them), Vault's keys with the management
   * cluster, and their records; shared by `down` and the prune of `up`.
   */
  async #deleteClusters(
    ordered: readonly DownTarget[],
    state: PlatformState | undefined,
    options: { log?: ProviderContext['log']; signal?: AbortSignal },
  ): Promise<{ deleted: readonly string[]; gone: string[]; secretsRemoved: string[] }> {
    const provider = this.provider();
    const { deleted } = provider.traits.ownsClusters
      ? await provider.down(ordered, this.#context(options.log, options.signal))
      : { deleted: [] as string[] };
    const secretsRemoved: string[] = [];
    if (
      provider.traits.ownsClusters &&
      ordered.some((t) => t.role === 'management' && deleted.includes(t.cluster))
    ) {
      await removeSecret(this.layout, VAULT_SECRET);
      secretsRemoved.push(VAULT_SECRET);
    }
    const gone = provider.traits.ownsClusters ? ordered.map((t) => t.cluster) : [];
    if (state) await new StateStore(this.dir, state).forgetClusters(gone);
    await this.#refreshMergedKubeconfig(gone);
    return { deleted, gone, secretsRemoved };
  }

  /**
   * Removes what an earlier `up` made and the spec no longer wants, under the platform lock:
   * clusters it created (unless `prune` is false), add-on releases only with `yes` (their
   * volumes may hold data). Reports what it removed and what it kept.
   */
  async prune(
    plan: Plan,
    options: { prune?: boolean; yes?: boolean; log?: ProviderContext['log']; signal?: AbortSignal } = {},
  ): Promise<PruneReport> {
    const state = await this.state();
    const found = leftovers(state, plan, this.platform);
    const report = {
      clusters: [] as string[],
      releases: [] as string[],
      kept: [] as string[],
      failed: [] as string[],
    };
    if (found.clusters.length === 0 && found.releases.length === 0) return report;
    const removeClusters = options.prune !== false && this.provider().traits.ownsClusters;
    const removeReleases = options.prune !== false && options.yes === true;
    if (!removeClusters) report.kept.push(...found.clusters.map((c) => `cluster ${c.cluster}`));
    if (!removeReleases) report.kept.push(...found.releases.map((r) => `release ${r.cluster}/${r.addon}`));
    if (!removeClusters && !removeReleases) return report;
    const lock = await acquireLock(this.dir, {
      command: `up --prune (${this.providerName})`,
      runId: `prune-${process.pid}`,
    });
    try {
      if (removeClusters && found.clusters.length > 0) {
        // Workload clusters first, as down does.
        const ordered = [...found.clusters].sort(
          (a, b) => Number(a.role === 'management') - Number(b.role === 'management'),
        );
        try {
          const { gone } = await this.#deleteClusters(ordered, state, options);
          report.clusters.push(...gone);
        } catch (error) {
          report.failed.push(
            `clusters ${ordered.map((c) => c.cluster).join(', ')}: ${(error as Error).message.split('\n')[0]}`,
          );
        }
      }
      if (removeReleases) {
        const store = new StateStore(this.dir, (await this.state())!);
        for (const release of found.releases) {
          try {
            const cluster = this.platform.clusters.find((c) => c.name === release.cluster)!;
            const access = this.provider().access(this.platform, cluster, { layout: this.layout });
            const helm = HelmClient.find({
              env: this.env,
              projectDir: this.dir,
              kubeconfig: access.kubeconfig,
              kubeContext: access.context,
              runner: this.runner,
            });
            await helm.uninstall(
              release.addon,
              release.namespace,
              options.signal ? { signal: options.signal } : {},
            );
            await store.forget(release.steps);
            report.releases.push(`${release.cluster}/${release.addon}`);
          } catch (error) {
            report.failed.push(
              `release ${release.cluster}/${release.addon}: ${(error as Error).message.split('\n')[0]}`,
            );
          }
        }
      }
    } finally {
      await lock.release();
    }
    return report;
  }

  /**
   * Deletes every cluster the state records (and the spec's, when the state has none recorded by
   * name), workload clusters first; idempotent, and nothing recorded is success. Generated
   * secrets go only with what they protect: Vault's keys when the management cluster is gone,
   * the generated credentials when no cluster is left.
   */
  async down(
    options: { log?: ProviderContext['log']; signal?: AbortSignal; yes?: boolean } = {},
  ): Promise<DownReport> {
    const state = await this.state();
    const recordedName = await recordedProvider(this.dir);
    if (!state && !recordedName)
      return { provider: this.providerName, deleted: [], secretsRemoved: [], nothingRecorded: true };
    if (!this.provider().traits.ownsClusters) return this.#removeInstalled(state, options);
    const lock = await acquireLock(this.dir, {
      command: `down --provider ${this.providerName}`,
      runId: `down-${process.pid}`,
    });
    try {
      const recordedClusters = state?.clusters ?? {};
      const targets = new Map<string, DownTarget>();
      for (const [cluster, record] of Object.entries(recordedClusters))
        targets.set(cluster, { cluster, role: record.role, nodes: record.nodes });
      // State files of earlier versions recorded steps, not clusters: fall back to the spec's.
      if (targets.size === 0)
        for (const cluster of this.platform.clusters)
          if (Object.keys(state?.steps ?? {}).some((id) => id.startsWith(`${cluster.name}/`)) || !state)
            targets.set(cluster.name, {
              cluster: cluster.name,
              role: cluster.role,
              nodes: cluster.nodes.map((n) => n.name),
            });
      // Workload clusters first, in reverse spec order (clusters the spec no longer has before
      // them); the management cluster they depend on last.
      const position = (name: string) => this.platform.clusters.findIndex((c) => c.name === name);
      const ordered = [...targets.values()].sort(
        (a, b) =>
          Number(a.role === 'management') - Number(b.role === 'management') ||
          position(b.cluster) - position(a.cluster),
      );
      const provider = this.provider();
      const { deleted, gone, secretsRemoved } = await this.#deleteClusters(ordered, state, options);
      const remaining = Object.keys(recordedClusters).filter((c) => !gone.includes(c));
      // The generated credentials protect every cluster: they go only when none is left.
      if (remaining.length === 0 && provider.traits.ownsClusters && gone.length > 0) {
        await new CredentialStore(this.layout, this.platform.name).remove();
        secretsRemoved.push(CREDENTIALS_SECRET);
      }
      if (remaining.length === 0) await forgetProvider(this.dir);
      return { provider: this.providerName, deleted, secretsRemoved, nothingRecorded: false };
    } finally {
      await lock.release();
    }
  }

  /**
   * `down` where platformctl owns no cluster: lists what it installed on each (its releases, the
   * objects it applied, its namespaces), and with `yes` removes exactly that, never a cluster.
   * Generated credentials and Vault's keys stay: the volumes helm leaves behind may need them.
   */
  async #removeInstalled(
    state: PlatformState | undefined,
    options: { log?: ProviderContext['log']; signal?: AbortSignal; yes?: boolean },
  ): Promise<DownReport> {
    const tree = this.render();
    const plan = buildPlan(this.platform, tree, this.providerName);
    const contents = new Map(tree.map((a) => [a.path, a.content]));
    const removals = state ? installedOn(this.platform, plan, state, contents) : [];
    const installed = removals.map((r) => ({
      cluster: r.cluster,
      items: [
        ...r.objects.map(describeRef),
        ...r.releases.map((x) => `release ${x.namespace}/${x.addon}`),
        ...r.late.map(describeRef),
        ...r.bundles.map((b) => `bundle ${b.name} ${b.version}`),
        ...r.namespaces.map((n) => `Namespace ${n} (when empty)`),
      ],
    }));
    const base = {
      provider: this.providerName,
      deleted: [],
      secretsRemoved: [],
      nothingRecorded: false,
      installed,
    };
    if (!options.yes || removals.length === 0)
      return { ...base, ...(removals.length === 0 ? { removed: [] } : {}) };
    const lock = await acquireLock(this.dir, {
      command: `down --provider ${this.providerName}`,
      runId: `down-${process.pid}`,
    });
    try {
      const removed: RemovalReport[] = [];
      const store = new StateStore(this.dir, state!);
      for (const removal of removals) {
        const cluster = this.platform.clusters.find((c) => c.name === removal.cluster)!;
        const access = this.provider().access(this.platform, cluster, { layout: this.layout });
        const report = await removeInstalled(removal, {
          kube: await KubeClient.fromFile(access.kubeconfig, access.context),
          helm: HelmClient.find({
            env: this.env,
            projectDir: this.dir,
            kubeconfig: access.kubeconfig,
            kubeContext: access.context,
            runner: this.runner,
          }),
          bundleObjects: async (bundle) => {
            const source = resolveBundle(bundle, this.charts?.dir);
            if (source.path) return parseObjects(await readFile(source.path, 'utf8'));
            const response = await fetch(source.url!);
            if (!response.ok) throw new Error(`cannot download ${source.url}: HTTP ${response.status}`);
            return parseObjects(await response.text());
          },
          log: (message) => options.log?.({ cluster: removal.cluster, message }),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        removed.push(report);
        // Recorded steps go only where everything went: a re-run of down retries the rest.
        if (report.failed.length === 0) await store.forget(removal.steps);
      }
      if (removed.every((r) => r.failed.length === 0)) await forgetProvider(this.dir);
      return { ...base, removed };
    } finally {
      await lock.release();
    }
  }

  /** platform.conf with the clusters that remain, or none. */
  async #refreshMergedKubeconfig(gone: readonly string[]): Promise<void> {
    const remaining = this.platform.clusters.map((c) => c.name).filter((c) => !gone.includes(c));
    const files = remaining.map((c) => this.layout.kubeconfig(c));
    const present = files.filter((f) => existsSync(f));
    if (present.length === 0) await rm(this.layout.mergedKubeconfig, { force: true });
    else {
      const current = remaining.includes(this.platform.managementCluster)
        ? this.platform.managementCluster
        : remaining[0]!;
      await writeMergedKubeconfig(this.layout.mergedKubeconfig, present, current);
    }
  }
}

/** Reads the spec, checks it, and resolves the provider: the entry to every verb. */
export async function openProject(options: OpenOptions = {}): Promise<Project> {
  const input = await readSpecInput({
    ...(options.file !== undefined ? { file: options.file } : {}),
    cwd: options.cwd ?? process.cwd(),
    now: options.now ?? new Date(),
    ...(options.readStdin ? { readStdin: options.readStdin } : {}),
  });
  const platform = input.result.platform;
  if (!platform) throw new SpecInvalidError(input);
  const layout = projectLayout(input.projectDir);
  const providerName = await resolveProvider(layout, platform, options.provider);
  const env = options.env ?? process.env;
  return new Project(
    input,
    // What is rendered follows the provider that runs it (`--provider kwok` renders loopback endpoints).
    providerName === platform.provider ? platform : { ...platform, provider: providerName },
    providerName,
    env,
    options.runner ?? systemRunner,
    await chartsSource(layout, env, options.cwd ?? process.cwd()),
    options.probe,
  );
}

/** The steps a run may do (run, or check and redo on drift): what preflight must find the means for. */
function selectedPlan(prepared: Preparation): Plan {
  const wanted = new Set(prepared.planned.filter((p) => p.action !== 'skip').map((p) => p.step.id));
  return { ...prepared.plan, steps: prepared.plan.steps.filter((s) => wanted.has(s.id)) };
}

/** PLATFORMCTL_CHARTS_DIR of this run, else the mirror the project's last `up` used. */
async function chartsSource(
  layout: ProjectLayout,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Promise<ChartsSource | undefined> {
  if (env.PLATFORMCTL_CHARTS_DIR)
    return { dir: resolve(cwd, env.PLATFORMCTL_CHARTS_DIR), from: 'PLATFORMCTL_CHARTS_DIR' };
  const text = await readFile(layout.mirrorRecord, 'utf8').catch(() => undefined);
  let dir: unknown;
  try {
    dir = text === undefined ? undefined : (JSON.parse(text) as { dir?: unknown }).dir;
  } catch {
    // A damaged record is no record: the repositories (or PLATFORMCTL_CHARTS_DIR) decide.
    dir = undefined;
  }
  return typeof dir === 'string' ? { dir, from: 'recorded' } : undefined;
}

async function recordMirror(layout: ProjectLayout, dir: string): Promise<void> {
  await mkdir(dirname(layout.mirrorRecord), { recursive: true, mode: 0o700 });
  await writeFile(layout.mirrorRecord, `${JSON.stringify({ dir }, null, 2)}\n`);
}

/** Resolves a host name with the system resolver (getaddrinfo, as the shipping agents do); rejects when it does not resolve. */
async function resolveHost(host: string): Promise<void> {
  await lookup(host);
}
