/**
 * Kubernetes objects of any cluster as library calls, for the MCP server: list and get (Secret
 * values redacted, managed fields left out), events, a container's log, and the two changes an
 * operator makes by hand: scaling a workload and restarting a Deployment (as `kubectl rollout
 * restart` does, by stamping the pod template).
 */
import { KubeApiError, type KubeClient } from '../clients/kube.js';
import { PlatformctlError } from '../errors.js';

/** The group version of kinds people name without one. */
const DEFAULT_API_VERSION: Readonly<Record<string, string>> = {
  Pod: 'v1',
  Service: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Namespace: 'v1',
  Node: 'v1',
  Event: 'v1',
  PersistentVolumeClaim: 'v1',
  PersistentVolume: 'v1',
  ServiceAccount: 'v1',
  Endpoints: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Ingress: 'networking.k8s.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  EndpointSlice: 'discovery.k8s.io/v1',
  StorageClass: 'storage.k8s.io/v1',
  CustomResourceDefinition: 'apiextensions.k8s.io/v1',
};

export function apiVersionFor(kind: string, apiVersion?: string): string {
  const known = apiVersion ?? DEFAULT_API_VERSION[kind];
  if (!known)
    throw new PlatformctlError(
      'resources.api-version',
      'input',
      `say which apiVersion serves ${kind} (e.g. cert-manager.io/v1): only core kinds have a default`,
    );
  return known;
}

type Json = Record<string, unknown>;

/** The annotation kubectl keeps the last applied object in: for a Secret, its values too. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * An object as it may leave the machine: no managed fields; a Secret's data and stringData
 * values replaced by their size, and the annotation that would repeat them removed.
 */
export function redactObject(object: Json, kind: string): Json {
  const metadata = { ...((object.metadata as Json | undefined) ?? {}) };
  delete metadata.managedFields;
  if (kind !== 'Secret') return { ...object, metadata };
  const annotations = metadata.annotations as Json | undefined;
  if (annotations && LAST_APPLIED in annotations) {
    const rest = { ...annotations };
    delete rest[LAST_APPLIED];
    metadata.annotations = rest;
  }
  const sizes = (values: unknown, decode: boolean) =>
    Object.fromEntries(
      Object.entries((values as Record<string, string> | undefined) ?? {}).map(([key, value]) => [
        key,
        `(redacted, ${decode ? Buffer.from(String(value), 'base64').length : Buffer.byteLength(String(value))} bytes)`,
      ]),
    );
  return {
    ...object,
    metadata,
    ...(object.data !== undefined ? { data: sizes(object.data, true) } : {}),
    ...(object.stringData !== undefined ? { stringData: sizes(object.stringData, false) } : {}),
  };
}

export interface ListQuery {
  readonly kind: string;
  readonly apiVersion?: string;
  /** All namespaces when absent. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** At most this many objects (default 100). */
  readonly limit?: number;
}

export interface ListAnswer {
  readonly apiVersion: string;
  readonly kind: string;
  readonly count: number;
  readonly truncated: boolean;
  readonly items: readonly Json[];
}

export async function listResources(client: KubeClient, query: ListQuery): Promise<ListAnswer> {
  const apiVersion = apiVersionFor(query.kind, query.apiVersion);
  const items = await client.list<Json>(apiVersion, query.kind, query.namespace, {
    ...(query.labelSelector ? { labelSelector: query.labelSelector } : {}),
    ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}),
  });
  const limit = query.limit ?? 100;
  return {
    apiVersion,
    kind: query.kind,
    count: items.length,
    truncated: items.length > limit,
    items: items
      .slice(0, limit)
      .map((item) => redactObject({ apiVersion, kind: query.kind, ...item }, query.kind)),
  };
}

export async function getResource(
  client: KubeClient,
  query: { kind: string; apiVersion?: string; namespace?: string; name: string },
): Promise<Json> {
  const apiVersion = apiVersionFor(query.kind, query.apiVersion);
  const object = await client.get<Json>(
    await client.pathFor(apiVersion, query.kind, query.namespace, query.name),
  );
  return redactObject(object, query.kind);
}

export interface EventRow {
  readonly namespace?: string;
  readonly object: string;
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly lastSeen?: string;
}

interface RawEvent {
  metadata?: { namespace?: string };
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
}

/** Events, newest first: of one namespace (or all), optionally of one object by kind and name. */
export async function listEvents(
  client: KubeClient,
  query: { namespace?: string; kind?: string; name?: string; limit?: number },
): Promise<EventRow[]> {
  const selectors = [
    ...(query.kind ? [`involvedObject.kind=${query.kind}`] : []),
    ...(query.name ? [`involvedObject.name=${query.name}`] : []),
  ].join(',');
  const events = await client.list<RawEvent>('v1', 'Event', query.namespace, {
    ...(selectors ? { fieldSelector: selectors } : {}),
  });
  const when = (e: RawEvent) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '';
  return events
    .sort((a, b) => when(b).localeCompare(when(a)))
    .slice(0, query.limit ?? 100)
    .map((e) => ({
      ...(e.metadata?.namespace ? { namespace: e.metadata.namespace } : {}),
      object: `${e.involvedObject?.kind ?? '?'} ${e.involvedObject?.name ?? '?'}`,
      ...(e.type ? { type: e.type } : {}),
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.message ? { message: e.message } : {}),
      ...(e.count !== undefined ? { count: e.count } : {}),
      ...(when(e) ? { lastSeen: when(e) } : {}),
    }));
}

export interface PodLogAnswer {
  /** The log, when the API server could give it. */
  readonly log?: string;
  /** The API server's answer when it could not (on kwok no container runs: there is no log). */
  readonly error?: { readonly status: number; readonly reason: string; readonly message: string };
}

/** A container's log through the API server, or the API server's error as it gave it. */
export async function podLog(
  client: KubeClient,
  query: { namespace: string; pod: string; container?: string; tailLines?: number; previous?: boolean },
): Promise<PodLogAnswer> {
  const params = new URLSearchParams({
    tailLines: String(query.tailLines ?? 200),
    ...(query.container ? { container: query.container } : {}),
    ...(query.previous ? { previous: 'true' } : {}),
  });
  const path = `/api/v1/namespaces/${encodeURIComponent(query.namespace)}/pods/${encodeURIComponent(query.pod)}/log?${params}`;
  try {
    return { log: await client.text(path) };
  } catch (error) {
    if (error instanceof KubeApiError)
      return {
        error: {
          status: error.status,
          reason: error.reason,
          message: error.message.replace(/^GET \S+: \d+ [^:]*: /, ''),
        },
      };
    throw error;
  }
}

export type ScalableKind = 'Deployment' | 'StatefulSet' | 'ReplicaSet';

/** Sets a workload's replicas through its scale subresource; returns the replicas before and after. */
export async function scaleWorkload(
  client: KubeClient,
  target: { kind: ScalableKind; namespace: string; name: string; replicas: number },
): Promise<{ readonly before: number; readonly after: number }> {
  const path = `${await client.pathFor('apps/v1', target.kind, target.namespace, target.name)}/scale`;
  const before = await client.get<{ spec?: { replicas?: number } }>(path);
  const after = await client.request<{ spec?: { replicas?: number } }>(
    'PATCH',
    path,
    { spec: { replicas: target.replicas } },
    'application/merge-patch+json',
  );
  return { before: before.spec?.replicas ?? 0, after: after.spec?.replicas ?? target.replicas };
}

/** The annotation `kubectl rollout restart` stamps on the pod template. */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** Restarts a Deployment's pods the way `kubectl rollout restart` does; returns the stamp. */
export async function restartDeployment(
  client: KubeClient,
  target: { namespace: string; name: string; now?: Date },
): Promise<{ readonly restartedAt: string; readonly generation?: number }> {
  const restartedAt = (target.now ?? new Date()).toISOString();
  const path = await client.pathFor('apps/v1', 'Deployment', target.namespace, target.name);
  const patched = await client.request<{ metadata?: { generation?: number } }>(
    'PATCH',
    path,
    { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: restartedAt } } } } },
    'application/merge-patch+json',
  );
  return {
    restartedAt,
    ...(patched.metadata?.generation !== undefined ? { generation: patched.metadata.generation } : {}),
  };
}
