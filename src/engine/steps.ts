/**
 * Turns the plan's steps into executable ones. Each runner first asks "needs work?": a step
 * whose rendered inputs are unchanged since it last succeeded only runs a cheap live check, and
 * does its work again only when that check finds drift (ctlptl's desired-vs-observed loop).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ADDON_CATALOG } from '../addons/catalog.js';
import { chartFor } from '../addons/charts.js';
import type { BundleRef, ObjectRef } from '../addons/types.js';
import { parseObjects, type KubeObject } from '../kube/objects.js';
import type { HelmClient } from '../clients/helm.js';
import { latestRelease, releaseObjects } from '../clients/helm-releases.js';
import { KubeApiError, type KubeClient } from '../clients/kube.js';
import { VaultClient } from '../clients/vault.js';
import { stepObjects, type PlanStep, type StepKind } from '../plan/plan.js';
import type { ClusterRequest, ProviderContext } from '../providers/types.js';
import type { KvDemand } from '../kube/generated-secrets.js';
import { KV_MOUNT, type PkiPlan } from '../render/pki.js';
import type { PlatformCluster } from '../spec/model.js';
import { resolveBundle, resolveChart } from './chart-source.js';
import { TransientError } from './errors.js';
import {
  ALL_GATES,
  type Gates,
  gated,
  notReady,
  gatesFor,
  waitReady,
  waitReleaseReady,
} from './readiness.js';
import { readSecret } from './secrets.js';
import { type Runner, simulated, type StepEnvironment } from './step-environment.js';
import { kubeletServingRunner } from './kubelet-serving.js';
import { pkiHandoverRunner } from './pki-handover.js';
import { kvDemandsOf, kvDrift, secretsRunner, writeKv } from './secret-steps.js';
import type { StepState } from './state.js';
import type { ExecutableStep, StepContext } from './types.js';
import {
  applyPkiPlan,
  authMountDrift,
  configureAuthMount,
  openVault,
  pkiDrift,
  VAULT_SECRET,
} from './vault.js';

const MINUTE = 60_000;
const TIMEOUTS: Record<StepKind, number> = {
  provision: 15 * MINUTE,
  bootstrap: 15 * MINUTE,
  manifests: 5 * MINUTE,
  bundle: 3 * MINUTE,
  helm: 15 * MINUTE,
  'vault-configure': 10 * MINUTE,
  'vault-auth': 5 * MINUTE,
  // cert-manager re-issues every certificate through Vault.
  'pki-handover': 5 * MINUTE,
  // A copy of Vault's CA waits for cert-manager to issue its certificate.
  secrets: 10 * MINUTE,
  // The first run waits for every kubelet to ask (3 minutes at most), then for the signatures.
  'kubelet-serving': 5 * MINUTE,
  'vault-kv': 5 * MINUTE,
};

/** Helm's install order, so namespaces and CRDs exist before what lives in them. */
const KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

export function installOrder(objects: readonly KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject) => {
    const i = KIND_ORDER.indexOf(o.kind);
    return i < 0 ? KIND_ORDER.length : i;
  };
  return objects
    .map((object, index) => ({ object, index }))
    .sort((a, b) => rank(a.object) - rank(b.object) || a.index - b.index)
    .map((e) => e.object);
}

const label = (o: KubeObject) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

async function apply(
  client: KubeClient,
  objects: readonly KubeObject[],
  context: StepContext,
): Promise<void> {
  for (const object of installOrder(objects)) {
    try {
      await client.apply(object);
    } catch (error) {
      // A CRD a chart just installed can take a moment to appear in discovery.
      if (error instanceof Error && /does not serve/.test(error.message))
        throw new TransientError(`${label(object)}: ${error.message} (is its CRD installed yet?)`);
      throw error;
    }
    context.log(`applied ${label(object)}`);
  }
}

/** What is missing or not ready among applied objects; undefined when all is as applied. */
async function driftOf(
  client: KubeClient,
  objects: readonly KubeObject[],
  gates: Gates,
): Promise<string | undefined> {
  for (const object of objects) {
    let live: unknown;
    try {
      live = await client.getOptional(
        await client.pathFor(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name),
      );
    } catch (error) {
      if (error instanceof KubeApiError) throw error;
      return `${label(object)}: ${(error as Error).message}`;
    }
    if (live === undefined) return `${label(object)} is missing`;
    const reason = notReady(live);
    if (reason && gates(object.apiVersion)) return `${label(object)}: ${reason}`;
  }
  return undefined;
}

function remaining(deadline: number): number {
  return Math.max(1_000, deadline - Date.now());
}

function providerContext(env: StepEnvironment, context: StepContext): ProviderContext {
  return { layout: env.layout, log: (event) => context.log(event.message), signal: context.signal };
}

function clusterOf(env: StepEnvironment, name: string): PlatformCluster {
  const cluster = env.platform.clusters.find((c) => c.name === name);
  if (!cluster) throw new Error(`the plan names cluster ${name}, which the spec does not have`);
  return cluster;
}

function clusterRequest(env: StepEnvironment, cluster: PlatformCluster): ClusterRequest {
  return {
    platform: env.platform,
    cluster,
    artifacts: env.contents,
    addresses: env.addresses.get(cluster.name) ?? {},
  };
}

function provisionRunner(env: StepEnvironment, step: PlanStep): Runner {
  const cluster = clusterOf(env, step.cluster);
  return {
    async check(context) {
      const observed = await env.provider.observe(
        clusterRequest(env, cluster),
        providerContext(env, context),
      );
      if (!observed.exists) return `cluster ${cluster.name} does not exist`;
      // A cluster whose API server died is there but unusable: provision repairs it.
      if (!observed.serving)
        return `cluster ${cluster.name} exists but does not serve (${observed.detail ?? 'no answer'})`;
      return undefined;
    },
    async work(context) {
      const result = await env.provider.provision(
        clusterRequest(env, cluster),
        providerContext(env, context),
      );
      env.addresses.set(cluster.name, result.addresses);
      const outputs = { addresses: result.addresses };
      if (result.repaired)
        return { outcome: 'succeeded', detail: `cluster did not serve: ${result.repaired} it`, outputs };
      return result.created
        ? { outcome: 'succeeded', detail: `created ${cluster.nodes.length} node(s)`, outputs }
        : { outcome: 'unchanged', detail: 'exists', outputs };
    },
  };
}

function bootstrapRunner(env: StepEnvironment, step: PlanStep): Runner {
  const cluster = clusterOf(env, step.cluster);
  return {
    async check(context) {
      const observed = await env.provider.observe(
        clusterRequest(env, cluster),
        providerContext(env, context),
      );
      return observed.ready
        ? undefined
        : `cluster ${cluster.name} is not fully bootstrapped (${observed.detail ?? 'not ready'})`;
    },
    async work(context) {
      const result = await env.provider.bootstrap(
        clusterRequest(env, cluster),
        providerContext(env, context),
      );
      return {
        outcome: result.changed ? 'succeeded' : 'unchanged',
        detail: result.detail ?? `${cluster.nodes.length} node(s) Ready`,
        outputs: {
          addresses: result.addresses,
          kubeconfig: result.access.kubeconfig,
          context: result.access.context,
        },
      };
    },
  };
}

/** The object a phase-1 step gives way to exists (PKI phase 2 is in place, ADR-004). */
async function superseded(client: KubeClient, ref: ObjectRef | undefined): Promise<boolean> {
  if (!ref) return false;
  const path = await client.pathFor(ref.apiVersion, ref.kind, ref.namespace, ref.name).catch(() => undefined);
  return path !== undefined && (await client.getOptional(path)) !== undefined;
}

function manifestsRunner(env: StepEnvironment, step: PlanStep): Runner {
  const objects = stepObjects(step, env.contents);
  return {
    async check() {
      if (objects.length === 0) return undefined;
      const client = await env.kube(step.cluster);
      // Never phase 1 over phase 2: once its successor exists, what this step applied may go.
      if (await superseded(client, step.supersededBy)) return undefined;
      return driftOf(client, objects, gatesFor(env.provider));
    },
    async work(context) {
      if (objects.length === 0) return { outcome: 'succeeded', detail: 'nothing to apply' };
      const deadline = Date.now() + TIMEOUTS.manifests;
      const client = await env.kube(step.cluster);
      // Also when its inputs changed (a new spec): phase 1 is never applied over phase 2.
      if (await superseded(client, step.supersededBy)) {
        const by = step.supersededBy!;
        return { outcome: 'unchanged', detail: `superseded: ${by.kind} ${by.name} exists` };
      }
      await apply(client, objects, context);
      await waitReady(client, gated(objects, gatesFor(env.provider)), {
        signal: context.signal,
        timeoutMs: remaining(deadline),
        log: context.log,
      });
      return { outcome: 'succeeded', detail: `applied ${objects.length} object(s)` };
    },
  };
}

/**
 * What to do with a release an interrupted run left behind, from its latest revision. A run killed
 * during `helm upgrade --install` leaves it pending, and Helm then refuses every operation on it;
 * one killed during `helm uninstall` (a pending first install being cleared, or a prune) leaves it
 * `uninstalling`, and `upgrade --install` then fails with "has no deployed releases". Undo or
 * finish the interrupted operation: uninstall a pending first install or an unfinished uninstall,
 * roll back a pending upgrade or rollback to the revision before it.
 */
export function interruptedReleaseRepair(status: {
  readonly status: string;
  readonly revision: number;
}):
  { readonly action: 'uninstall' } | { readonly action: 'rollback'; readonly revision: number } | undefined {
  if (status.status === 'uninstalling') return { action: 'uninstall' };
  if (!status.status.startsWith('pending-')) return undefined;
  if (status.status === 'pending-install' || status.revision <= 1) return { action: 'uninstall' };
  return { action: 'rollback', revision: status.revision - 1 };
}

/** This run holds the platform lock, so no one else is operating on the release: repair it. */
async function clearInterruptedRelease(
  helm: HelmClient,
  name: string,
  namespace: string,
  context: StepContext,
) {
  const status = await helm.status(name, namespace, { signal: context.signal });
  const repair = status && interruptedReleaseRepair(status);
  if (!repair) return;
  context.log(
    `release ${name} was left ${status.status} (revision ${status.revision}) by an interrupted run: ${repair.action === 'uninstall' ? 'uninstalling it' : `rolling back to revision ${repair.revision}`}`,
  );
  if (repair.action === 'uninstall') await helm.uninstall(name, namespace, { signal: context.signal });
  else await helm.rollback(name, namespace, { signal: context.signal, revision: repair.revision });
}

/** The spec's nodes of a cluster as objects for the gates: registered and Ready. */
function nodeObjects(cluster: PlatformCluster): KubeObject[] {
  return cluster.nodes.map((n) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: n.name } }));
}

function helmRunner(env: StepEnvironment, step: PlanStep): Runner {
  const addon = step.addon!;
  const ref = chartFor(addon)!;
  const namespace = ADDON_CATALOG[addon].namespace;
  const valuesPath = `clusters/${step.cluster}/addons/${addon}/values.yaml`;
  const wait = step.wait !== false;
  // Nodes are NotReady until the CNI runs (kubeadm on VMs): where pods really run, the CNI's
  // release waits for every node of the spec Ready, and a re-run finds a NotReady node as drift.
  // kwok's simulated nodes are Ready from the start (its bootstrap waits for them).
  const nodes =
    ADDON_CATALOG[addon].plan?.providesCni && !simulated(env)
      ? nodeObjects(clusterOf(env, step.cluster))
      : [];
  // SIMULATION: where the provider runs the add-on's controller on the host (kwok: cert-manager),
  // that process is part of the release: started once the release is in, and a dead one is drift.
  const hosted = env.provider.hostControllers?.addons.includes(addon)
    ? env.provider.hostControllers
    : undefined;
  const hostControllerDrift = async () =>
    hosted && !(await hosted.running(clusterOf(env, step.cluster), addon, env))
      ? `the ${addon} controller is not running on the host`
      : undefined;
  return {
    async check() {
      // Read from helm's release Secret through the API: no helm process per check.
      const client = await env.kube(step.cluster);
      const release = await latestRelease(client, addon, namespace);
      if (!release) return `release ${addon} is not installed`;
      if (release.status !== 'deployed') return `release ${addon} is ${release.status}`;
      if (release.chart !== `${ref.chart}-${ref.version}`)
        return `release ${addon} runs ${release.chart}, not ${ref.chart}-${ref.version}`;
      const manifest = releaseObjects(release);
      return (
        (await driftOf(client, manifest, gatesFor(env.provider))) ??
        (nodes.length > 0 ? await driftOf(client, nodes, ALL_GATES) : undefined) ??
        (await hostControllerDrift())
      );
    },
    async work(context) {
      const deadline = Date.now() + TIMEOUTS.helm;
      const chart = resolveChart(ref, env.chartsDir);
      let valuesFile: string | undefined;
      const values = env.contents.get(valuesPath);
      if (values !== undefined) {
        // Helm reads values from a file; the rendered tree is in memory.
        valuesFile = env.layout.releaseValues(step.cluster, addon);
        await mkdir(dirname(valuesFile), { recursive: true, mode: 0o700 });
        await writeFile(valuesFile, values, { mode: 0o600 });
      }
      context.log(`chart ${ref.chart} ${ref.version} from the ${chart.from} (${chart.chart})`);
      await clearInterruptedRelease(env.helm(step.cluster), addon, namespace, context);
      const postRenderer = await env.provider.helmPostRenderer?.(clusterOf(env, step.cluster), env);
      await env.helm(step.cluster).upgradeInstall(
        {
          ...(postRenderer ? { postRenderer } : {}),
          name: addon,
          namespace,
          chart: chart.chart,
          ...(chart.version ? { version: chart.version } : {}),
          ...(chart.repo ? { repo: chart.repo } : {}),
          ...(valuesFile ? { valuesFile } : {}),
        },
        { timeoutMs: remaining(deadline), signal: context.signal, onOutput: context.log, wait },
      );
      if (wait)
        await waitReleaseReady(await env.kube(step.cluster), addon, namespace, {
          signal: context.signal,
          timeoutMs: remaining(deadline),
          log: context.log,
        });
      if (nodes.length > 0)
        await waitReady(await env.kube(step.cluster), nodes, {
          signal: context.signal,
          timeoutMs: remaining(deadline),
          log: context.log,
        });
      const controller = hosted
        ? await hosted.ensure(clusterOf(env, step.cluster), addon, providerContext(env, context))
        : undefined;
      return {
        outcome: 'succeeded',
        detail:
          `${ref.chart} ${ref.version} deployed${wait ? '' : ' (not waited for)'}` +
          (nodes.length > 0 ? `, ${nodes.length} node(s) Ready` : '') +
          (controller ? `, its controller runs on the host (pid ${controller.pid})` : ''),
      };
    },
  };
}

async function bundleObjects(env: StepEnvironment, bundle: BundleRef): Promise<KubeObject[]> {
  const source = resolveBundle(bundle, env.chartsDir);
  if (source.path) return parseObjects(await readFile(source.path, 'utf8'));
  const response = await fetch(source.url!).catch((error: unknown) => {
    throw new TransientError(`cannot download ${source.url}: ${(error as Error).message}`);
  });
  if (!response.ok) throw new Error(`cannot download ${source.url}: HTTP ${response.status}`);
  return parseObjects(await response.text());
}

function bundleRunner(env: StepEnvironment, step: PlanStep): Runner {
  if (!step.bundle) throw new Error(`${step.id}: a bundle step without a bundle`);
  const bundle = step.bundle;
  let cached: KubeObject[] | undefined;
  const objects = async () => (cached ??= await bundleObjects(env, bundle));
  return {
    async check() {
      return driftOf(await env.kube(step.cluster), await objects(), gatesFor(env.provider));
    },
    async work(context) {
      const client = await env.kube(step.cluster);
      const list = await objects();
      await apply(client, list, context);
      await waitReady(client, list, { signal: context.signal, timeoutMs: TIMEOUTS.bundle, log: context.log });
      return {
        outcome: 'succeeded',
        detail: `${list.length} object(s) of ${bundle.name} ${bundle.version} ready`,
      };
    },
  };
}

function pkiPlanOf(env: StepEnvironment, step: PlanStep): PkiPlan {
  const planText = env.contents.get('pki/plan.json');
  if (!planText) throw new Error(`${step.id}: no pki/plan.json was rendered`);
  return JSON.parse(planText) as PkiPlan;
}

async function vaultEndpoint(env: StepEnvironment, step: PlanStep, context: StepContext) {
  if (!env.provider.vaultEndpoint)
    throw new Error(
      `${step.description}: provider ${env.plan.provider} cannot reach Vault yet in this version`,
    );
  return env.provider.vaultEndpoint(env.platform, providerContext(env, context));
}

/** Vault with the project's root token, for a live check; a string says why there is none. */
async function rootVault(
  env: StepEnvironment,
  step: PlanStep,
  context: StepContext,
): Promise<VaultClient | string> {
  const secret = await readSecret<{ rootToken: string }>(env.layout, VAULT_SECRET);
  if (!secret) return 'Vault has not been initialised by this project';
  return new VaultClient(await vaultEndpoint(env, step, context), secret.rootToken);
}

/** Vault unsealed with the saved keys (initialised first when new), for a step's work. */
async function openedVault(env: StepEnvironment, step: PlanStep, context: StepContext): Promise<VaultClient> {
  return openVault(new VaultClient(await vaultEndpoint(env, step, context)), env.layout, context.log);
}

/** `<mgmt>/vault/configure`: Vault initialised (keys 0600 in the project), unsealed, the PKI plan applied. */
function vaultConfigureRunner(env: StepEnvironment, step: PlanStep): Runner {
  const plan = pkiPlanOf(env, step);
  return {
    async check(context) {
      const vault = await rootVault(env, step, context);
      if (typeof vault === 'string') return vault;
      const missing = [...(await pkiDrift(vault, plan))];
      if (missing.length === 0) missing.push(...(await kvDrift(vault, kvDemandsOf(env), env)));
      return missing.length > 0 ? `missing in Vault: ${missing.join(', ')}` : undefined;
    },
    async work(context) {
      const vault = await openedVault(env, step, context);
      await applyPkiPlan(vault, plan, context.log);
      const kv = await writeKv(vault, kvDemandsOf(env), env, context.log);
      const waiting =
        kv.waiting.length > 0 ? `; ${kv.waiting.length} KV field(s) wait for their variable` : '';
      return {
        outcome: 'succeeded',
        detail: `Vault unsealed, PKI plan applied, ${kv.written} KV entr${kv.written === 1 ? 'y' : 'ies'} written${waiting}`,
      };
    },
  };
}

/** `<cluster>/vault-auth`: that cluster's own Kubernetes auth mount (correction 18). */
function vaultAuthRunner(env: StepEnvironment, step: PlanStep): Runner {
  const plan = pkiPlanOf(env, step);
  const mount = plan.kubernetesAuth.find((m) => m.cluster === step.cluster);
  if (!mount) throw new Error(`${step.id}: the PKI plan has no auth mount for ${step.cluster}`);
  // Vault reaches the cluster's API where its kubeconfig points: the API VIP on real machines,
  // 127.0.0.1 for kwok's simulated clusters and the simulated Vault beside them.
  const host = async () => {
    const client = await env.kube(step.cluster);
    return simulated(env) ? client.config.server : mount.config.params.kubernetes_host;
  };
  return {
    async check(context) {
      const vault = await rootVault(env, step, context);
      return typeof vault === 'string' ? vault : authMountDrift(vault, mount, await host());
    },
    async work(context) {
      const vault = await openedVault(env, step, context);
      const client = await env.kube(step.cluster);
      const { namespace, tokenSecret } = mount.tokenReviewer;
      const secret = await client.getOptional<{ data?: Record<string, string> }>(
        `/api/v1/namespaces/${namespace}/secrets/${tokenSecret}`,
      );
      const data = secret?.data ?? {};
      // The token controller fills the Secret shortly after it is created.
      if (!data['token'] || !data['ca.crt'])
        throw new TransientError(`Secret ${namespace}/${tokenSecret} on ${step.cluster} has no token yet`);
      const decode = (value: string) => Buffer.from(value, 'base64').toString('utf8');
      await configureAuthMount(
        vault,
        mount,
        { host: await host(), caCert: decode(data['ca.crt']), reviewerJwt: decode(data['token']) },
        context.log,
      );
      return { outcome: 'succeeded', detail: `auth mount ${mount.path}/ configured` };
    },
  };
}

/**
 * `<cluster>/<what>` of kind vault-kv: the Vault KV entries of its file, with values another step
 * on this cluster produces (argocd-credentials: the argocd-manager token). Written on the cluster
 * they come from; fields already in Vault are kept (writeKv).
 */
function vaultKvRunner(env: StepEnvironment, step: PlanStep): Runner {
  const entries = step.artifacts.flatMap((path) => {
    const text = env.contents.get(path);
    return text ? (JSON.parse(text) as { entries: KvDemand[] }).entries : [];
  });
  return {
    async check(context) {
      const vault = await rootVault(env, step, context);
      if (typeof vault === 'string') return vault;
      const missing = await kvDrift(vault, entries, env);
      return missing.length > 0 ? `missing in Vault: ${missing.join(', ')}` : undefined;
    },
    async work(context) {
      const vault = await openedVault(env, step, context);
      const kv = await writeKv(vault, entries, env, context.log);
      // The token controller fills a token Secret shortly after it is created.
      if (kv.waiting.length > 0) throw new TransientError(`not in Vault yet: ${kv.waiting.join('; ')}`);
      return {
        outcome: 'succeeded',
        detail: `${kv.written} KV entr${kv.written === 1 ? 'y' : 'ies'} written (${entries.map((e) => `${KV_MOUNT}/${e.path}`).join(', ')})`,
      };
    },
  };
}

const RUNNERS: Record<StepKind, (env: StepEnvironment, step: PlanStep) => Runner> = {
  provision: provisionRunner,
  bootstrap: bootstrapRunner,
  manifests: manifestsRunner,
  bundle: bundleRunner,
  helm: helmRunner,
  'vault-configure': vaultConfigureRunner,
  'vault-auth': vaultAuthRunner,
  secrets: secretsRunner,
  'pki-handover': (env, step) => pkiHandoverRunner(env, step, stepObjects(step, env.contents)),
  'kubelet-serving': kubeletServingRunner,
  'vault-kv': vaultKvRunner,
};

/** Whether a recorded step still stands for this plan's step: it succeeded with the same inputs. */
export function settled(step: PlanStep, recorded: StepState | undefined): boolean {
  return (
    recorded !== undefined &&
    recorded.inputsHash === step.inputsHash &&
    (recorded.outcome === 'succeeded' || recorded.outcome === 'unchanged')
  );
}

/** The live check of one settled step: what drifted, or undefined. Used by `status`. */
export function driftOfStep(
  env: StepEnvironment,
  step: PlanStep,
  context: StepContext,
): Promise<string | undefined> {
  return RUNNERS[step.kind](env, step).check(context);
}

export function executableSteps(env: StepEnvironment): ExecutableStep[] {
  return env.plan.steps.map((step) => {
    const runner = RUNNERS[step.kind](env, step);
    return {
      id: step.id,
      cluster: step.cluster,
      ...(step.kind === 'provision' || step.kind === 'bootstrap'
        ? { provider: env.provider.traits.name }
        : {}),
      dependsOn: step.dependsOn,
      expectedDurationMs: step.expectedDurationMs,
      timeoutMs: TIMEOUTS[step.kind],
      async run(context) {
        const last = env.recorded[step.id];
        if (settled(step, last)) {
          const drift = await runner.check(context);
          // What the step's work recorded (the nodes' addresses) still holds: the record keeps it.
          if (drift === undefined)
            return {
              outcome: 'unchanged',
              detail: 'no drift',
              ...(last?.outputs ? { outputs: last.outputs } : {}),
            };
          context.log(`drift: ${drift}`);
          const result = await runner.work(context);
          return { ...result, outcome: 'succeeded', outputs: { ...result.outputs, drift } };
        }
        return runner.work(context);
      },
    };
  });
}
