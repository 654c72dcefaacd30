/**
 * `analyze`: analyzers over a snapshot of a cluster's live objects, each finding with the object,
 * a severity, the evidence (the fields that show it) and a fix hint. Pure: the snapshot in, the
 * findings out; `Project.analyze` takes the snapshot of every cluster at once.
 * TODO(#14): CronJobs, Ingress/Gateway/HTTPRoute backends, PDBs, NetworkPolicies, the platform's
 * own analyzers (Vault, ExternalSecrets, Certificates, HPA/VPA conflicts, monitors selecting
 * nothing), --explain with LLM backends, and the MCP server.
 */

export type Severity = 'error' | 'warning';

export interface Finding {
  readonly cluster: string;
  readonly analyzer: string;
  /** `Kind namespace/name`. */
  readonly object: string;
  readonly severity: Severity;
  readonly evidence: string;
  readonly hint: string;
}

interface Meta {
  readonly name: string;
  readonly namespace?: string;
  readonly ownerReferences?: ReadonlyArray<{ readonly kind: string; readonly name: string }>;
}
interface Obj {
  readonly kind?: string;
  readonly metadata: Meta;
  readonly spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- live objects, read defensively
  readonly status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- live objects, read defensively
}

/** What the analyzers read of one cluster. */
export interface Snapshot {
  readonly pods: readonly Obj[];
  readonly deployments: readonly Obj[];
  readonly statefulSets: readonly Obj[];
  readonly services: readonly Obj[];
  readonly endpointSlices: readonly Obj[];
  readonly pvcs: readonly Obj[];
  readonly nodes: readonly Obj[];
  readonly webhooks: readonly Obj[];
  readonly hpas: readonly Obj[];
}

const ref = (kind: string, o: Obj) =>
  `${kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

type Analyzer = (cluster: string, s: Snapshot) => Finding[];

const pods: Analyzer = (cluster, s) =>
  s.pods.flatMap((pod): Finding[] => {
    const phase = pod.status?.phase as string | undefined;
    const waiting = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]
      .map((c: { name: string; state?: { waiting?: { reason?: string; message?: string } } }) => ({
        name: c.name,
        waiting: c.state?.waiting,
      }))
      .filter(
        (c) =>
          c.waiting?.reason &&
          c.waiting.reason !== 'ContainerCreating' &&
          c.waiting.reason !== 'PodInitializing',
      );
    if (waiting.length > 0)
      return [
        {
          cluster,
          analyzer: 'Pod',
          object: ref('Pod', pod),
          severity: 'error',
          evidence: waiting
            .map(
              (c) =>
                `container ${c.name}: ${c.waiting!.reason}${c.waiting!.message ? ` (${c.waiting!.message})` : ''}`,
            )
            .join('; '),
          hint: 'kubectl describe pod and its logs say why the container cannot run',
        },
      ];
    if (phase === 'Pending') {
      const unschedulable = (pod.status?.conditions ?? []).find(
        (c: { type: string; status: string; reason?: string; message?: string }) =>
          c.type === 'PodScheduled' && c.status === 'False',
      );
      return [
        {
          cluster,
          analyzer: 'Pod',
          object: ref('Pod', pod),
          severity: 'error',
          evidence: unschedulable
            ? `Pending: ${unschedulable.reason ?? 'not scheduled'}: ${unschedulable.message ?? ''}`.trim()
            : 'Pending',
          hint: unschedulable
            ? 'lower its requests, or add nodes that fit them'
            : 'kubectl describe pod shows what it waits for',
        },
      ];
    }
    if (phase === 'Failed')
      return [
        {
          cluster,
          analyzer: 'Pod',
          object: ref('Pod', pod),
          severity: 'error',
          evidence: `Failed: ${pod.status?.reason ?? ''} ${pod.status?.message ?? ''}`.trim(),
          hint: 'see its logs',
        },
      ];
    return [];
  });

const replicas: Analyzer = (cluster, s) =>
  [
    ...s.deployments.map((o) => ['Deployment', o] as const),
    ...s.statefulSets.map((o) => ['StatefulSet', o] as const),
  ].flatMap(([kind, o]): Finding[] => {
    const want = (o.spec?.replicas as number | undefined) ?? 1;
    const ready = (o.status?.readyReplicas as number | undefined) ?? 0;
    return ready >= want
      ? []
      : [
          {
            cluster,
            analyzer: kind,
            object: ref(kind, o),
            severity: 'error',
            evidence: `${ready}/${want} replicas ready`,
            hint: `its pods say why (kubectl get pods -n ${o.metadata.namespace})`,
          },
        ];
  });

const services: Analyzer = (cluster, s) =>
  s.services.flatMap((svc): Finding[] => {
    if (
      !svc.spec?.selector ||
      Object.keys(svc.spec.selector).length === 0 ||
      svc.spec.type === 'ExternalName'
    )
      return [];
    const slices = s.endpointSlices.filter(
      (e) =>
        e.metadata.namespace === svc.metadata.namespace &&
        (e as { metadata: { labels?: Record<string, string> } }).metadata.labels?.[
          'kubernetes.io/service-name'
        ] === svc.metadata.name,
    );
    const ready = slices.flatMap((e) =>
      ((e as unknown as { endpoints?: Array<{ conditions?: { ready?: boolean } }> }).endpoints ?? []).filter(
        (p) => p.conditions?.ready !== false,
      ),
    );
    return ready.length > 0
      ? []
      : [
          {
            cluster,
            analyzer: 'Service',
            object: ref('Service', svc),
            severity: 'warning',
            evidence: `no ready endpoint for selector ${Object.entries(svc.spec.selector)
              .map(([k, v]) => `${k}=${v}`)
              .join(',')}`,
            hint: 'no ready pod matches the selector: check the labels and the pods',
          },
        ];
  });

const pvcs: Analyzer = (cluster, s) =>
  s.pvcs.flatMap((pvc): Finding[] =>
    pvc.status?.phase === 'Pending'
      ? [
          {
            cluster,
            analyzer: 'PersistentVolumeClaim',
            object: ref('PersistentVolumeClaim', pvc),
            severity: 'error',
            evidence: `Pending (storageClassName ${pvc.spec?.storageClassName ?? 'default'})`,
            hint: 'the storage class must exist and provision (local-path binds when a pod using it is scheduled)',
          },
        ]
      : [],
  );

const nodes: Analyzer = (cluster, s) =>
  s.nodes.flatMap((node): Finding[] =>
    (node.status?.conditions ?? []).flatMap(
      (c: { type: string; status: string; reason?: string; message?: string }): Finding[] => {
        const bad = c.type === 'Ready' ? c.status !== 'True' : c.status === 'True';
        return bad
          ? [
              {
                cluster,
                analyzer: 'Node',
                object: ref('Node', node),
                severity: c.type === 'Ready' ? 'error' : 'warning',
                evidence: `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`,
                hint:
                  c.type === 'Ready'
                    ? 'the kubelet does not report: check the machine'
                    : 'the node is under pressure: free resources or add nodes',
              },
            ]
          : [];
      },
    ),
  );

const webhooks: Analyzer = (cluster, s) =>
  s.webhooks.flatMap((config) =>
    (
      (
        config as unknown as {
          webhooks?: Array<{
            name: string;
            clientConfig?: { service?: { name: string; namespace: string } };
          }>;
        }
      ).webhooks ?? []
    ).flatMap((hook): Finding[] => {
      const target = hook.clientConfig?.service;
      if (!target) return [];
      const exists = s.services.some(
        (svc) => svc.metadata.name === target.name && svc.metadata.namespace === target.namespace,
      );
      return exists
        ? []
        : [
            {
              cluster,
              analyzer: config.kind ?? 'Webhook',
              object: ref(config.kind ?? 'Webhook', config),
              severity: 'error',
              evidence: `webhook ${hook.name} calls Service ${target.namespace}/${target.name}, which does not exist`,
              hint: 'reinstall the add-on that owns it, or delete the stale webhook configuration',
            },
          ];
    }),
  );

const hpas: Analyzer = (cluster, s) =>
  s.hpas.flatMap((hpa): Finding[] => {
    const target = hpa.spec?.scaleTargetRef as { kind: string; name: string } | undefined;
    if (!target) return [];
    const pool =
      target.kind === 'Deployment'
        ? s.deployments
        : target.kind === 'StatefulSet'
          ? s.statefulSets
          : undefined;
    if (
      pool &&
      !pool.some((o) => o.metadata.name === target.name && o.metadata.namespace === hpa.metadata.namespace)
    )
      return [
        {
          cluster,
          analyzer: 'HorizontalPodAutoscaler',
          object: ref('HorizontalPodAutoscaler', hpa),
          severity: 'error',
          evidence: `scaleTargetRef ${target.kind} ${hpa.metadata.namespace}/${target.name} does not exist`,
          hint: 'point scaleTargetRef at the workload, or delete the autoscaler',
        },
      ];
    const min = (hpa.spec?.minReplicas as number | undefined) ?? 1;
    const max = hpa.spec?.maxReplicas as number | undefined;
    if (max !== undefined && max <= min)
      return [
        {
          cluster,
          analyzer: 'HorizontalPodAutoscaler',
          object: ref('HorizontalPodAutoscaler', hpa),
          severity: 'warning',
          evidence: `maxReplicas ${max} is not above minReplicas ${min}: it can never scale`,
          hint: 'raise maxReplicas',
        },
      ];
    return [];
  });

export const ANALYZERS: Readonly<Record<string, Analyzer>> = {
  Pod: pods,
  Workload: replicas,
  Service: services,
  PersistentVolumeClaim: pvcs,
  Node: nodes,
  Webhook: webhooks,
  HorizontalPodAutoscaler: hpas,
};

export function analyzeSnapshot(cluster: string, snapshot: Snapshot, filter?: readonly string[]): Finding[] {
  return Object.entries(ANALYZERS)
    .filter(([name]) => !filter || filter.includes(name))
    .flatMap(([, analyzer]) => analyzer(cluster, snapshot));
}
