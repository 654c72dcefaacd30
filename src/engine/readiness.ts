/**
 * Readiness gates: a step that applies objects waits here until the cluster says they work,
 * judged from their live status the way `kubectl rollout status` and `kubectl wait` judge it.
 * Never a fixed sleep: a gate either sees the condition or times out naming what is missing.
 *
 * Callers must not gate on a PersistentVolumeClaim of a WaitForFirstConsumer StorageClass that no
 * pod uses yet: it stays Pending by design, and notReady cannot tell it from a claim that will
 * never bind (that takes the StorageClass and the namespace's pods), so it reports it as not
 * ready. Gate on the workload that mounts the claim instead.
 */
import type { KubeObject } from '../kube/objects.js';
import { KubeApiError, type KubeClient } from '../clients/kube.js';
import { isTransient, TransientError } from './errors.js';
import type { ClusterProvider } from '../providers/types.js';

export interface ReadinessOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs: number;
  /** Default 1000. */
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
  /** For tests: the clock the deadline is measured with. */
  readonly now?: () => number;
}

/** What the gates use of KubeClient (a KubeClient fits; tests pass a fake). */
export type ReadinessClient = Pick<KubeClient, 'pathFor' | 'getOptional' | 'list'>;

type Fields = Readonly<Record<string, unknown>>;

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly observedGeneration?: number;
}

function fields(value: unknown): Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : {};
}

function numberAt(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function stringAt(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function conditionsOf(status: Fields): Condition[] {
  const list = Array.isArray(status.conditions) ? (status.conditions as unknown[]) : [];
  return list.flatMap((raw) => {
    const c = fields(raw);
    const type = stringAt(c.type);
    const state = stringAt(c.status);
    if (!type || !state) return [];
    const reason = stringAt(c.reason);
    const message = stringAt(c.message);
    const observedGeneration = numberAt(c.observedGeneration);
    return [
      {
        type,
        status: state,
        ...(reason ? { reason } : {}),
        ...(message ? { message } : {}),
        ...(observedGeneration === undefined ? {} : { observedGeneration }),
      },
    ];
  });
}

function explain(condition: Condition | undefined): string {
  if (!condition) return '';
  const why = [condition.reason, condition.message].filter(Boolean).join(': ');
  return why ? ` (${why})` : '';
}

/** A condition that must be True; the reason for waiting otherwise. */
function conditionTrue(conditions: readonly Condition[], type: string): string | undefined {
  const condition = conditions.find((c) => c.type === type);
  if (!condition) return `no ${type} condition yet`;
  if (condition.status !== 'True') return `${type} is ${condition.status}${explain(condition)}`;
  return undefined;
}

/** The workload controller has not yet acted on the latest spec: its status describes an older one. */
function staleGeneration(metadata: Fields, status: Fields): string | undefined {
  const generation = numberAt(metadata.generation);
  const observed = numberAt(status.observedGeneration);
  if (observed === undefined) return 'the controller has not reported a status yet';
  if (generation !== undefined && observed < generation)
    return `the controller has observed generation ${observed} of ${generation}`;
  return undefined;
}

function deploymentNotReady(spec: Fields, status: Fields): string | undefined {
  const deadline = conditionsOf(status).find(
    (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
  );
  // Permanent until someone changes the Deployment, so say so instead of a bare replica count.
  if (deadline)
    return `rollout exceeded its progress deadline (ProgressDeadlineExceeded)${explain(deadline)}`;
  const replicas = numberAt(spec.replicas) ?? 1;
  const updated = numberAt(status.updatedReplicas) ?? 0;
  const total = numberAt(status.replicas) ?? 0;
  const available = numberAt(status.availableReplicas) ?? 0;
  if (updated < replicas) return `${updated} of ${replicas} replicas updated`;
  if (total > updated) return `${total - updated} old replicas pending termination`;
  if (available < replicas) return `${available} of ${replicas} replicas available`;
  return undefined;
}

function statefulSetNotReady(spec: Fields, status: Fields): string | undefined {
  const replicas = numberAt(spec.replicas) ?? 1;
  const ready = numberAt(status.readyReplicas) ?? 0;
  if (ready < replicas) return `${ready} of ${replicas} replicas ready`;
  const strategy = fields(spec.updateStrategy);
  // OnDelete: pods move to a new revision only when deleted, so there is no rollout to wait for.
  if ((stringAt(strategy.type) ?? 'RollingUpdate') !== 'RollingUpdate') return undefined;
  const partition = numberAt(fields(strategy.rollingUpdate).partition);
  if (partition !== undefined && partition > 0) {
    // A partition keeps the ordinals below it on the old revision on purpose.
    const updated = numberAt(status.updatedReplicas) ?? 0;
    const expected = Math.max(0, replicas - partition);
    return updated < expected ? `${updated} of ${expected} pods above the partition updated` : undefined;
  }
  const current = stringAt(status.currentRevision);
  const update = stringAt(status.updateRevision);
  if (update !== undefined && current !== update)
    return `rolling update to revision ${update} in progress (${numberAt(status.updatedReplicas) ?? 0} of ${replicas} pods updated)`;
  return undefined;
}

function daemonSetNotReady(spec: Fields, status: Fields): string | undefined {
  const desired = numberAt(status.desiredNumberScheduled) ?? 0;
  const updated = numberAt(status.updatedNumberScheduled) ?? 0;
  const ready = numberAt(status.numberReady) ?? 0;
  // OnDelete: old pods stay until deleted by hand, so "updated" would never catch up.
  const rolling = (stringAt(fields(spec.updateStrategy).type) ?? 'RollingUpdate') === 'RollingUpdate';
  if (rolling && updated < desired) return `${updated} of ${desired} scheduled pods updated`;
  if (ready < desired) return `${ready} of ${desired} scheduled pods ready`;
  return undefined;
}

/**
 * Kinds whose controllers always report a Ready condition: until it appears, the object has not
 * been processed yet, which must not count as ready.
 */
const REPORTS_READY = new Set([
  'cert-manager.io/Certificate',
  'cert-manager.io/CertificateRequest',
  'cert-manager.io/Issuer',
  'cert-manager.io/ClusterIssuer',
  'external-secrets.io/ExternalSecret',
  'external-secrets.io/ClusterExternalSecret',
  'external-secrets.io/SecretStore',
  'external-secrets.io/ClusterSecretStore',
]);

function readyConditionNotReady(
  typeName: string,
  metadata: Fields,
  conditions: readonly Condition[],
): string | undefined {
  const ready = conditions.find((c) => c.type === 'Ready');
  if (!ready) return REPORTS_READY.has(typeName) ? 'no Ready condition yet' : undefined;
  const generation = numberAt(metadata.generation);
  // A Ready=True about an older spec says nothing about the current one.
  if (
    ready.observedGeneration !== undefined &&
    generation !== undefined &&
    ready.observedGeneration < generation
  )
    return `Ready condition is for generation ${ready.observedGeneration} of ${generation}`;
  return ready.status === 'True' ? undefined : `Ready is ${ready.status}${explain(ready)}`;
}

/** What is not ready yet about one live object, or undefined when ready. Pure: unit-testable on plain objects. */
export function notReady(live: unknown): string | undefined {
  if (live === undefined || live === null) return 'not found yet';
  const object = fields(live);
  const metadata = fields(object.metadata);
  const spec = fields(object.spec);
  const status = fields(object.status);
  const apiVersion = stringAt(object.apiVersion) ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const typeName = `${group}/${stringAt(object.kind) ?? ''}`;
  const conditions = conditionsOf(status);
  switch (typeName) {
    case 'apps/Deployment':
      return staleGeneration(metadata, status) ?? deploymentNotReady(spec, status);
    case 'apps/StatefulSet':
      return staleGeneration(metadata, status) ?? statefulSetNotReady(spec, status);
    case 'apps/DaemonSet':
      return staleGeneration(metadata, status) ?? daemonSetNotReady(spec, status);
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      return conditionTrue(conditions, 'Established');
    case 'apiregistration.k8s.io/APIService':
      return conditionTrue(conditions, 'Available');
    case 'batch/Job': {
      const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
      if (failed) return `failed${explain(failed)}`;
      return conditions.some((c) => c.type === 'Complete' && c.status === 'True')
        ? undefined
        : 'not complete yet';
    }
    case '/Pod': {
      const unready = conditionTrue(conditions, 'Ready');
      const phase = stringAt(status.phase);
      return unready && phase ? `${unready}, phase ${phase}` : unready;
    }
    case '/Service': {
      if (stringAt(spec.type) !== 'LoadBalancer') return undefined;
      const ingress = fields(status.loadBalancer).ingress;
      return Array.isArray(ingress) && ingress.length > 0 ? undefined : 'no load-balancer address yet';
    }
    // The kubelet reports Ready only once the node's network runs (after the CNI).
    case '/Node':
      return conditionTrue(conditions, 'Ready');
    case '/PersistentVolumeClaim': {
      const phase = stringAt(status.phase) ?? 'Pending';
      return phase === 'Bound' ? undefined : `phase ${phase}, not Bound`;
    }
    default:
      return readyConditionNotReady(typeName, metadata, conditions);
  }
}

function describe(kind: string, name: string, namespace: string | undefined): string {
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/** Resolves after ms, or rejects with the abort reason as soon as the signal fires. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolvePromise();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polls `pending` (object description → why it is not ready; empty when all are) until it is
 * empty, the deadline passes (TransientError listing what is still waiting), or the signal fires.
 */
async function pollUntilReady(
  what: string,
  pending: () => Promise<ReadonlyMap<string, string>>,
  options: ReadinessOptions,
): Promise<void> {
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 1000;
  const started = now();
  const deadline = started + options.timeoutMs;
  let lastReport = '';
  for (;;) {
    options.signal?.throwIfAborted();
    const waiting = await pending();
    options.signal?.throwIfAborted();
    const report = [...waiting].map(([object, reason]) => `${object}: ${reason}`).join('; ');
    if (waiting.size === 0) {
      options.log?.(`${what} ready after ${((now() - started) / 1000).toFixed(1)}s`);
      return;
    }
    // Only changes are logged: a long wait should not fill the step log with identical lines.
    if (report !== lastReport) options.log?.(`waiting for ${what}: ${report}`);
    lastReport = report;
    const left = deadline - now();
    if (left <= 0)
      throw new TransientError(`${what} not ready after ${Math.round(options.timeoutMs / 1000)}s: ${report}`);
    await pause(Math.min(pollMs, left), options.signal);
  }
}

async function whyNotReady(client: ReadinessClient, object: KubeObject): Promise<string | undefined> {
  try {
    const path = await client.pathFor(
      object.apiVersion,
      object.kind,
      object.metadata.namespace,
      object.metadata.name,
    );
    const live = await client.getOptional(path);
    if (
      live !== undefined &&
      object.apiVersion === 'admissionregistration.k8s.io/v1' &&
      (WEBHOOK_KINDS as readonly string[]).includes(object.kind)
    ) {
      const waiting = await webhooksNotServing(client, [
        { kind: object.kind, config: live as WebhookConfiguration },
      ]);
      return [...waiting.values()][0];
    }
    return notReady(live);
  } catch (error) {
    // Discovery 404: the API group (a CRD's) is not served yet, which is "not there yet" too.
    if (error instanceof KubeApiError && error.status === 404)
      return `not found yet (${object.apiVersion} is not served yet)`;
    // A restarting API server or a refused connection is part of waiting, not a failure.
    if (isTransient(error))
      return `cannot check yet: ${error instanceof Error ? error.message : String(error)}`;
    // KubeClient caches discovery: a kind missing from an already discovered group stays missing.
    if (error instanceof Error && /does not serve/.test(error.message)) return error.message;
    throw error;
  }
}

/** Groups whose readiness the API server or kwok itself provides; others need their controllers. */
export const SIMULATED_GATES: ReadonlySet<string> = new Set([
  'v1',
  'apps/v1',
  'batch/v1',
  'apiextensions.k8s.io/v1',
  'apiregistration.k8s.io/v1',
]);

/** Whether the objects of an API version are waited for (their readiness counts). */
export type Gates = (apiVersion: string) => boolean;

/** Where workloads run: every object's readiness counts. */
export const ALL_GATES: Gates = () => true;

/**
 * On a simulation (kwok): what the API server or kwok itself settles (SIMULATED_GATES), and the
 * API versions whose objects its host controllers make Ready (kwok: cert-manager's).
 */
export function simulationGates(hosted: readonly string[] = []): Gates {
  const reconciled = new Set(hosted);
  return (apiVersion) => SIMULATED_GATES.has(apiVersion) || reconciled.has(apiVersion);
}

/** The gates of a provider: all where its workloads run, else what its simulation settles. */
export function gatesFor(provider: Pick<ClusterProvider, 'traits' | 'hostControllers'>): Gates {
  return provider.traits.runsWorkloads ? ALL_GATES : simulationGates(provider.hostControllers?.apiVersions);
}

/** The objects a gate can wait for. */
export function gated(objects: readonly KubeObject[], gates: Gates): KubeObject[] {
  return objects.filter((o) => gates(o.apiVersion));
}

const labelOf = (object: KubeObject) =>
  describe(object.kind, object.metadata.name, object.metadata.namespace);

/**
 * Once, without waiting: each given object that is not ready, with why (what waitReady would
 * still wait for), by its label (`Deployment ns/name`). Asked one at a time, as the gate does.
 */
export async function notReadyNow(
  client: ReadinessClient,
  objects: readonly KubeObject[],
): Promise<Map<string, string>> {
  const waiting = new Map<string, string>();
  for (const object of objects) {
    const reason = await whyNotReady(client, object);
    if (reason !== undefined) waiting.set(labelOf(object), reason);
  }
  return waiting;
}

/** Waits until every given object (by apiVersion/kind/namespace/name) is ready; throws TransientError listing what is still not ready (object + reason) when timeoutMs passes; honours signal (throws the abort reason). */
export async function waitReady(
  client: ReadinessClient,
  objects: readonly KubeObject[],
  options: ReadinessOptions,
): Promise<void> {
  let remaining = [...objects];
  await pollUntilReady(
    objects.length === 1 ? '1 object' : `${objects.length} objects`,
    async () => {
      // One at a time: a step may gate on hundreds of objects, and one request each in parallel
      // would open as many connections to the API server.
      const waiting = await notReadyNow(client, remaining);
      // Once ready, an object is not fetched again: the gate is "has become ready", and a
      // momentary blip of one object should not restart the wait for all of them.
      remaining = remaining.filter((object) => waiting.has(labelOf(object)));
      return waiting;
    },
    options,
  );
}

const WEBHOOK_KINDS = ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'] as const;

interface WebhookConfiguration {
  readonly metadata: ListedWorkload['metadata'];
  readonly webhooks?: ReadonlyArray<{
    readonly name: string;
    readonly clientConfig?: { readonly service?: { readonly namespace: string; readonly name: string } };
  }>;
}

interface EndpointSlice {
  readonly metadata: { readonly labels?: Readonly<Record<string, string>> };
  readonly endpoints?: ReadonlyArray<{ readonly conditions?: { readonly ready?: boolean } }>;
}

/**
 * Why a webhook configuration does not serve yet: a webhook whose Service has no ready endpoint
 * makes the API server reject (or time out) every request it intercepts, so objects applied
 * right after a chart (cert-manager's issuers, Kyverno's policies) would fail. Pure.
 */
export function webhookNotServing(
  config: WebhookConfiguration,
  slices: (namespace: string) => readonly EndpointSlice[],
): string | undefined {
  for (const webhook of config.webhooks ?? []) {
    const service = webhook.clientConfig?.service;
    if (!service) continue; // a URL webhook: nothing in the cluster to wait for
    const ready = slices(service.namespace)
      .filter((slice) => slice.metadata.labels?.['kubernetes.io/service-name'] === service.name)
      .some((slice) => (slice.endpoints ?? []).some((e) => e.conditions?.ready !== false));
    if (!ready)
      return `webhook ${webhook.name}: Service ${service.namespace}/${service.name} has no ready endpoint`;
  }
  return undefined;
}

async function webhooksNotServing(
  client: ReadinessClient,
  configs: ReadonlyArray<{ readonly kind: string; readonly config: WebhookConfiguration }>,
): Promise<Map<string, string>> {
  const waiting = new Map<string, string>();
  const cache = new Map<string, EndpointSlice[]>();
  for (const { config } of configs)
    for (const webhook of config.webhooks ?? []) {
      const ns = webhook.clientConfig?.service?.namespace;
      if (ns && !cache.has(ns))
        cache.set(ns, await client.list<EndpointSlice>('discovery.k8s.io/v1', 'EndpointSlice', ns));
    }
  for (const { kind, config } of configs) {
    const reason = webhookNotServing(config, (ns) => cache.get(ns) ?? []);
    if (reason) waiting.set(describe(kind, config.metadata.name, undefined), reason);
  }
  return waiting;
}

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;

interface ListedWorkload {
  readonly metadata: {
    readonly name: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
}

/** Whether helm's ownership marks (or the chart's standard instance label) tie a workload to the release. */
function belongsTo(workload: ListedWorkload, release: string, namespace: string): boolean {
  const { labels = {}, annotations = {} } = workload.metadata;
  if (labels['app.kubernetes.io/instance'] === release) return true;
  return (
    annotations['meta.helm.sh/release-name'] === release &&
    (annotations['meta.helm.sh/release-namespace'] ?? namespace) === namespace
  );
}

/** Waits for the workloads of a Helm release: all Deployments/StatefulSets/DaemonSets in the namespace with label app.kubernetes.io/instance=<release> (or whose meta.helm.sh/release-name annotation is the release). */
export async function waitReleaseReady(
  client: ReadinessClient,
  release: string,
  namespace: string,
  options: ReadinessOptions,
): Promise<void> {
  await pollUntilReady(
    `workloads of release ${namespace}/${release}`,
    async () => {
      const lists = await Promise.all(
        WORKLOAD_KINDS.map(async (kind) => {
          const items = await client.list<ListedWorkload>('apps/v1', kind, namespace);
          // List items carry no apiVersion/kind; notReady needs them to pick the rule.
          return items
            .filter((item) => belongsTo(item, release, namespace))
            .map((item) => ({
              kind,
              name: item.metadata.name,
              live: { ...item, apiVersion: 'apps/v1', kind },
            }));
        }),
      );
      const waiting = new Map(
        lists.flat().flatMap(({ kind, name, live }) => {
          const reason = notReady(live);
          return reason === undefined ? [] : [[describe(kind, name, namespace), reason] as const];
        }),
      );
      // Webhooks only once the workloads serving them are up: until then they cannot serve.
      if (waiting.size > 0) return waiting;
      const configs = (
        await Promise.all(
          WEBHOOK_KINDS.map(async (kind) =>
            (await client.list<WebhookConfiguration>('admissionregistration.k8s.io/v1', kind))
              .filter((config) => belongsTo(config, release, namespace))
              .map((config) => ({ kind, config })),
          ),
        )
      ).flat();
      return webhooksNotServing(client, configs);
    },
    options,
  );
}
