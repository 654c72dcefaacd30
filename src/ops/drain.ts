/**
 * Cordon, drain and uncordon a node through the API, as `kubectl drain --ignore-daemonsets`
 * does, for `platformctl upgrade`: every pod leaves through the Eviction API (policy/v1), so the
 * API server enforces PodDisruptionBudgets; pods are never deleted directly. DaemonSet pods and
 * mirror (static) pods stay; finished pods do not block. A budget that keeps refusing past the
 * timeout stops the drain with `upgrade.drain-blocked`, naming the budget(s).
 */
import { KubeApiError, type KubeClient } from '../clients/kube.js';
import { PlatformctlError } from '../errors.js';

interface PodObject {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly ownerReferences?: ReadonlyArray<{
      readonly kind: string;
      readonly name: string;
      readonly controller?: boolean;
    }>;
  };
  readonly status?: { readonly phase?: string };
}

interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: ReadonlyArray<{
    readonly key: string;
    readonly operator: string;
    readonly values?: readonly string[];
  }>;
}

interface PdbObject {
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec?: {
    readonly selector?: LabelSelector;
    readonly minAvailable?: number | string;
    readonly maxUnavailable?: number | string;
  };
  readonly status?: {
    readonly disruptionsAllowed?: number;
    readonly currentHealthy?: number;
    readonly desiredHealthy?: number;
  };
}

export class DrainError extends PlatformctlError {
  override readonly name = 'DrainError';
}

/** Whether a label selector (matchLabels and matchExpressions) selects these labels. */
export function selects(
  selector: LabelSelector | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!selector) return false;
  const hasAny =
    Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions ?? []).length > 0;
  if (!hasAny) return true; // an empty selector selects every pod of the namespace (policy/v1)
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const value = labels[e.key];
    const values = e.values ?? [];
    if (e.operator === 'In' && (value === undefined || !values.includes(value))) return false;
    if (e.operator === 'NotIn' && value !== undefined && values.includes(value)) return false;
    if (e.operator === 'Exists' && value === undefined) return false;
    if (e.operator === 'DoesNotExist' && value !== undefined) return false;
  }
  return true;
}

/** Why a pod stays on the node during a drain, or undefined when it must be evicted. */
export function stays(pod: PodObject): string | undefined {
  if (pod.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined) return 'static pod';
  if (pod.metadata.ownerReferences?.some((o) => o.controller && o.kind === 'DaemonSet'))
    return 'DaemonSet pod';
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 'finished';
  return undefined;
}

async function setUnschedulable(client: KubeClient, node: string, unschedulable: boolean): Promise<void> {
  await client.request(
    'PATCH',
    `/api/v1/nodes/${encodeURIComponent(node)}`,
    { spec: { unschedulable } },
    'application/merge-patch+json',
  );
}

export const cordon = (client: KubeClient, node: string) => setUnschedulable(client, node, true);
export const uncordon = (client: KubeClient, node: string) => setUnschedulable(client, node, false);

export interface DrainOptions {
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
}

export interface DrainResult {
  readonly evicted: readonly string[];
  readonly stayed: ReadonlyArray<{ readonly pod: string; readonly why: string }>;
}

const podId = (p: PodObject) => `${p.metadata.namespace}/${p.metadata.name}`;

async function podsOn(client: KubeClient, node: string): Promise<PodObject[]> {
  return client.list<PodObject>('v1', 'Pod', undefined, { fieldSelector: `spec.nodeName=${node}` });
}

/** The budgets that select this pod and allow no disruption now: the ones blocking its eviction. */
async function blockingBudgets(client: KubeClient, pod: PodObject): Promise<PdbObject[]> {
  const pdbs = await client.list<PdbObject>('policy/v1', 'PodDisruptionBudget', pod.metadata.namespace);
  return pdbs.filter(
    (b) => selects(b.spec?.selector, pod.metadata.labels ?? {}) && (b.status?.disruptionsAllowed ?? 0) <= 0,
  );
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Evicts every pod that must leave `node` (cordon it first) and waits until they are gone. An
 * eviction the API server refuses with 429 (a budget) is retried until the timeout; then the
 * drain throws `upgrade.drain-blocked` naming the budget, having evicted nothing more. The
 * caller decides what becomes of the cordon (upgrade uncordons again: the node keeps serving).
 */
export async function drain(client: KubeClient, node: string, options: DrainOptions): Promise<DrainResult> {
  const pollMs = options.pollMs ?? 1000;
  const deadline = Date.now() + options.timeoutMs;
  const pods = await podsOn(client, node);
  const stayed = pods.flatMap((p) => {
    const why = stays(p);
    return why ? [{ pod: podId(p), why }] : [];
  });
  const leaving = pods.filter((p) => stays(p) === undefined);
  const unmanaged = leaving.filter((p) => !p.metadata.ownerReferences?.some((o) => o.controller));
  if (unmanaged.length > 0)
    throw new DrainError(
      'upgrade.drain-unmanaged-pods',
      'failed',
      `node ${node} runs pod(s) no controller re-creates elsewhere: ${unmanaged.map(podId).join(', ')}`,
      {
        hint: 'move or delete them yourself (their data is lost with them), then run platformctl upgrade again',
      },
    );
  const evicted: string[] = [];
  for (const pod of leaving) {
    for (;;) {
      if (options.signal?.aborted)
        throw new DrainError('interrupted', 'interrupted', `drain of ${node} interrupted`);
      try {
        await client.request(
          'POST',
          `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace)}/pods/${encodeURIComponent(pod.metadata.name)}/eviction`,
          {
            apiVersion: 'policy/v1',
            kind: 'Eviction',
            metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace },
          },
        );
        evicted.push(podId(pod));
        options.log?.(`evicted ${podId(pod)}`);
        break;
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) break; // already gone
        if (!(error instanceof KubeApiError && error.status === 429)) throw error;
        if (Date.now() > deadline) {
          const budgets = await blockingBudgets(client, pod);
          const named =
            budgets.length > 0
              ? budgets
                  .map(
                    (b) =>
                      `PodDisruptionBudget ${b.metadata.namespace}/${b.metadata.name} (${b.status?.currentHealthy ?? '?'} healthy, needs ${b.status?.desiredHealthy ?? '?'})`,
                  )
                  .join(', ')
              : 'a PodDisruptionBudget';
          throw new DrainError(
            'upgrade.drain-blocked',
            'failed',
            `drain of ${node} blocked after ${Math.round(options.timeoutMs / 1000)}s: evicting ${podId(pod)} would violate ${named}`,
            {
              hint: 'scale the workload up (or onto other nodes), or relax the budget, then run platformctl upgrade again; the node was uncordoned',
            },
          );
        }
        options.log?.(`eviction of ${podId(pod)} refused by a disruption budget; retrying`);
        await sleep(pollMs, options.signal);
      }
    }
  }
  // Evicted pods terminate on their own time (grace period): the drain ends when they are gone.
  const left = new Set(evicted);
  for (;;) {
    const still = (await podsOn(client, node)).filter((p) => left.has(podId(p)) && stays(p) === undefined);
    if (still.length === 0) break;
    if (Date.now() > deadline)
      throw new DrainError(
        'upgrade.drain-timeout',
        'failed',
        `drain of ${node}: pod(s) still terminating after ${Math.round(options.timeoutMs / 1000)}s: ${still.map(podId).join(', ')}`,
        {
          hint: 'see why they do not stop (finalizers, a long grace period), then run platformctl upgrade again',
        },
      );
    await sleep(pollMs, options.signal);
  }
  return { evicted, stayed };
}

/**
 * The upgrade's drain: cordon, drain, and when the drain fails (a budget blocks it, a pod does
 * not stop) uncordon again so the node serves as before, then rethrow.
 */
export async function drainOrRestore(
  client: KubeClient,
  node: string,
  options: DrainOptions,
): Promise<DrainResult> {
  await cordon(client, node);
  try {
    return await drain(client, node, options);
  } catch (error) {
    await uncordon(client, node);
    throw error;
  }
}
