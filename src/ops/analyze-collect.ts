/**
 * The live part of `analyze`'s snapshot of one cluster: every kind the selected analyzers read,
 * listed in parallel, and only where the cluster serves it (a kind whose CRD is not installed is
 * skipped, not an error). A kind that is served but cannot be listed is recorded with why, so the
 * analysis says it is blind there instead of reporting nothing.
 */
import { KubeApiError, type KubeClient } from '../clients/kube.js';
import { isTransient } from '../engine/errors.js';
import { mapLimit } from '../util/concurrency.js';
import type { Obj, Snapshot } from './analyze-model.js';

type ListKey = {
  [K in keyof Snapshot]-?: NonNullable<Snapshot[K]> extends readonly Obj[] ? K : never;
}[keyof Snapshot];

interface ListSpec {
  readonly key: ListKey;
  /** The first one the cluster serves is listed (CRDs move from beta to v1). */
  readonly apiVersions: readonly string[];
  readonly kind: string;
  /** The analyzers that read it: it is listed only when one of them runs. */
  readonly readers: readonly string[];
}

const list = (key: ListKey, apiVersions: string | string[], kind: string, readers: string[]): ListSpec => ({
  key,
  apiVersions: typeof apiVersions === 'string' ? [apiVersions] : apiVersions,
  kind,
  readers,
});

const ESO = ['external-secrets.io/v1', 'external-secrets.io/v1beta1'];
const CM = 'cert-manager.io/v1';
const MONITORING = 'monitoring.coreos.com/v1';
const GATEWAY = ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'];

/** What is listed, for which analyzers. */
export const SNAPSHOT_LISTS: readonly ListSpec[] = [
  list('pods', 'v1', 'Pod', ['Pod', 'NetworkPolicy', 'Monitor']),
  list('deployments', 'apps/v1', 'Deployment', ['Workload', 'HorizontalPodAutoscaler']),
  list('statefulSets', 'apps/v1', 'StatefulSet', ['Workload', 'HorizontalPodAutoscaler']),
  list('replicaSets', 'apps/v1', 'ReplicaSet', ['Workload', 'HorizontalPodAutoscaler']),
  list('daemonSets', 'apps/v1', 'DaemonSet', ['Workload']),
  list('jobs', 'batch/v1', 'Job', ['CronJob']),
  list('cronJobs', 'batch/v1', 'CronJob', ['CronJob']),
  list('services', 'v1', 'Service', ['Service', 'Webhook', 'Ingress', 'Gateway', 'Monitor', 'Shipping']),
  list('endpointSlices', 'discovery.k8s.io/v1', 'EndpointSlice', ['Service', 'Webhook']),
  list('pvcs', 'v1', 'PersistentVolumeClaim', ['PersistentVolumeClaim']),
  list('nodes', 'v1', 'Node', ['Node']),
  list('namespaces', 'v1', 'Namespace', ['PodSecurityExemption', 'Monitor']),
  list('webhooks', 'admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', ['Webhook']),
  list('webhooks', 'admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', ['Webhook']),
  list('hpas', 'autoscaling/v2', 'HorizontalPodAutoscaler', ['HorizontalPodAutoscaler', 'Autoscaling']),
  list('vpas', 'autoscaling.k8s.io/v1', 'VerticalPodAutoscaler', ['Autoscaling']),
  list('ingresses', 'networking.k8s.io/v1', 'Ingress', ['Ingress']),
  list('ingressClasses', 'networking.k8s.io/v1', 'IngressClass', ['Ingress']),
  list('networkPolicies', 'networking.k8s.io/v1', 'NetworkPolicy', ['NetworkPolicy']),
  list('pdbs', 'policy/v1', 'PodDisruptionBudget', ['PodDisruptionBudget']),
  list('gatewayClasses', GATEWAY, 'GatewayClass', ['Gateway']),
  list('gateways', GATEWAY, 'Gateway', ['Gateway']),
  list('httpRoutes', GATEWAY, 'HTTPRoute', ['Gateway']),
  list('externalSecrets', ESO, 'ExternalSecret', ['ExternalSecret']),
  list('secretStores', ESO, 'SecretStore', ['ExternalSecret']),
  list('secretStores', ESO, 'ClusterSecretStore', ['ExternalSecret']),
  list('certificates', CM, 'Certificate', ['Certificate']),
  list('issuers', CM, 'Issuer', ['Certificate']),
  list('issuers', CM, 'ClusterIssuer', ['Certificate']),
  list('serviceMonitors', MONITORING, 'ServiceMonitor', ['Monitor']),
  list('podMonitors', MONITORING, 'PodMonitor', ['Monitor']),
  list('prometheuses', MONITORING, 'Prometheus', ['Monitor']),
  list('prometheuses', MONITORING, 'PrometheusAgent', ['Monitor']),
];

/** The lists a snapshot always has (Snapshot's required fields), empty when not taken. */
const REQUIRED: readonly ListKey[] = [
  'pods',
  'deployments',
  'statefulSets',
  'services',
  'endpointSlices',
  'pvcs',
  'nodes',
  'webhooks',
  'hpas',
];

/** At most this many requests in flight to one API server. */
const PARALLEL_LISTS = 8;
/**
 * A transient answer (429 while the watch cache of a CRD installed a moment ago initialises, a
 * 5xx, a reset) is asked again, at most this many times, before the kind counts as unlisted.
 */
const ATTEMPTS = 4;
const RETRY_MS = 500;

async function retried<T>(fn: () => Promise<T>, pause: (ms: number) => Promise<void>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= ATTEMPTS || !isTransient(error)) throw error;
      await pause(RETRY_MS * attempt);
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type LiveSnapshot = Omit<Snapshot, 'observedAt' | 'vault' | 'shipping' | 'steps'>;

/**
 * Lists what the analyzers in `filter` (all when undefined) read. Discovery decides what is
 * served: a group version the server does not know (404), or a kind it does not list, is skipped.
 */
export async function collectSnapshot(
  client: Pick<KubeClient, 'resources' | 'list'>,
  filter?: readonly string[],
  pause: (ms: number) => Promise<void> = sleep,
): Promise<LiveSnapshot> {
  const wanted = SNAPSHOT_LISTS.filter((l) => !filter || l.readers.some((r) => filter.includes(r)));
  const discovery = new Map<string, Promise<readonly string[] | undefined>>();
  const served = (apiVersion: string) => {
    let kinds = discovery.get(apiVersion);
    if (!kinds) {
      kinds = retried(() => client.resources(apiVersion), pause).then(
        (resources) => resources.map((r) => r.kind),
        (error: unknown) => {
          if (error instanceof KubeApiError && error.status === 404) return undefined;
          throw error;
        },
      );
      discovery.set(apiVersion, kinds);
    }
    return kinds;
  };
  const unlisted: Array<{ kind: string; error: string }> = [];
  const results = await mapLimit(wanted, PARALLEL_LISTS, async (spec) => {
    try {
      for (const apiVersion of spec.apiVersions) {
        const kinds = await served(apiVersion);
        if (!kinds?.includes(spec.kind)) continue;
        const items = await retried(() => client.list<Obj>(apiVersion, spec.kind), pause);
        // List items come without apiVersion and kind; the analyzers name objects by kind.
        return { spec, items: items.map((o) => ({ ...o, apiVersion, kind: spec.kind })) };
      }
      return { spec, items: undefined };
    } catch (error) {
      unlisted.push({ kind: spec.kind, error: (error as Error).message.split('\n')[0]! });
      return { spec, items: undefined };
    }
  });
  const lists: Partial<Record<ListKey, Obj[]>> = {};
  for (const { spec, items } of results) if (items) (lists[spec.key] ??= []).push(...items);
  for (const key of REQUIRED) lists[key] ??= [];
  return {
    ...(lists as Record<(typeof REQUIRED)[number], Obj[]> & Partial<Record<ListKey, Obj[]>>),
    ...(unlisted.length > 0 ? { unlisted } : {}),
  };
}
