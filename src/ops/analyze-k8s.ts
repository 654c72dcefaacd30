/**
 * The analyzers k8sgpt ships by default, over one cluster's snapshot: pods, workloads, CronJobs,
 * Services, Ingresses and Gateway API routes, claims, nodes, webhooks, autoscaler targets,
 * PodDisruptionBudgets and NetworkPolicies. Pure: the snapshot in, the findings out.
 */
import { selectorMatches, selectorText, type LabelSelector } from '../kube/selectors.js';
import {
  type Analyzer,
  because,
  condition,
  type Finding,
  named,
  type Obj,
  ref,
  type Snapshot,
} from './analyze-model.js';

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

const ownedBy = (o: Obj, kind: string) => (o.metadata.ownerReferences ?? []).some((r) => r.kind === kind);

const replicas: Analyzer = (cluster, s) => [
  ...[
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
            analyzer: 'Workload',
            object: ref(kind, o),
            severity: 'error',
            evidence: `${ready}/${want} replicas ready`,
            hint: `its pods say why (kubectl get pods -n ${o.metadata.namespace})`,
          },
        ];
  }),
  // A ReplicaSet of a Deployment is the Deployment's finding, unless it says why it cannot create pods.
  ...(s.replicaSets ?? []).flatMap((o): Finding[] => {
    const want = (o.spec?.replicas as number | undefined) ?? 1;
    const ready = (o.status?.readyReplicas as number | undefined) ?? 0;
    const failure = condition(o, 'ReplicaFailure');
    if (failure?.status === 'True')
      return [
        {
          cluster,
          analyzer: 'Workload',
          object: ref('ReplicaSet', o),
          severity: 'error',
          evidence: `${ready}/${want} replicas ready, ReplicaFailure${because(failure)}`,
          hint: 'the controller cannot create its pods: a quota, a LimitRange or an admission policy refuses them',
        },
      ];
    return want > ready && !ownedBy(o, 'Deployment')
      ? [
          {
            cluster,
            analyzer: 'Workload',
            object: ref('ReplicaSet', o),
            severity: 'error',
            evidence: `${ready}/${want} replicas ready`,
            hint: `its pods say why (kubectl get pods -n ${o.metadata.namespace})`,
          },
        ]
      : [];
  }),
  ...(s.daemonSets ?? []).flatMap((o): Finding[] => {
    const desired = (o.status?.desiredNumberScheduled as number | undefined) ?? 0;
    const ready = (o.status?.numberReady as number | undefined) ?? 0;
    const misscheduled = (o.status?.numberMisscheduled as number | undefined) ?? 0;
    return ready < desired
      ? [
          {
            cluster,
            analyzer: 'Workload',
            object: ref('DaemonSet', o),
            severity: 'error',
            evidence: `${ready}/${desired} scheduled pods ready${misscheduled > 0 ? `, ${misscheduled} misscheduled` : ''}`,
            hint: `its pods say why (kubectl get pods -n ${o.metadata.namespace} -o wide)`,
          },
        ]
      : [];
  }),
];

/** The newest Job a CronJob made, by creation time. */
const lastJob = (cronJob: Obj, jobs: readonly Obj[]) =>
  jobs
    .filter(
      (j) =>
        j.metadata.namespace === cronJob.metadata.namespace &&
        (j.metadata.ownerReferences ?? []).some(
          (r) => r.kind === 'CronJob' && r.name === cronJob.metadata.name,
        ),
    )
    .sort((a, b) =>
      String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')),
    )[0];

const cronJobs: Analyzer = (cluster, s) =>
  (s.cronJobs ?? []).flatMap((cronJob): Finding[] => {
    const findings: Finding[] = [];
    if (cronJob.spec?.suspend === true)
      findings.push({
        cluster,
        analyzer: 'CronJob',
        object: ref('CronJob', cronJob),
        severity: 'warning',
        evidence: `suspended (spec.suspend true, schedule "${cronJob.spec?.schedule ?? ''}")${cronJob.status?.lastScheduleTime ? `, last scheduled ${cronJob.status.lastScheduleTime}` : ', never scheduled'}`,
        hint: `kubectl patch cronjob -n ${cronJob.metadata.namespace} ${cronJob.metadata.name} -p '{"spec":{"suspend":false}}' if it should run`,
      });
    const job = lastJob(cronJob, s.jobs ?? []);
    const failed = job ? condition(job, 'Failed') : undefined;
    if (job && failed?.status === 'True')
      findings.push({
        cluster,
        analyzer: 'CronJob',
        object: ref('CronJob', cronJob),
        severity: 'error',
        evidence: `its last Job ${job.metadata.name} failed${because(failed)}${cronJob.status?.lastSuccessfulTime ? `; last success ${cronJob.status.lastSuccessfulTime}` : '; it never succeeded'}`,
        hint: `kubectl logs -n ${cronJob.metadata.namespace} job/${job.metadata.name} shows why`,
      });
    return findings;
  });

/** Ready endpoints of a Service, from its EndpointSlices. */
const readyEndpoints = (s: Snapshot, service: Obj) =>
  s.endpointSlices
    .filter(
      (e) =>
        e.metadata.namespace === service.metadata.namespace &&
        e.metadata.labels?.['kubernetes.io/service-name'] === service.metadata.name,
    )
    .flatMap((e) =>
      ((e as unknown as { endpoints?: Array<{ conditions?: { ready?: boolean } }> }).endpoints ?? []).filter(
        (p) => p.conditions?.ready !== false,
      ),
    ).length;

const services: Analyzer = (cluster, s) =>
  s.services.flatMap((svc): Finding[] => {
    if (
      !svc.spec?.selector ||
      Object.keys(svc.spec.selector).length === 0 ||
      svc.spec.type === 'ExternalName'
    )
      return [];
    return readyEndpoints(s, svc) > 0
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
            failurePolicy?: string;
            clientConfig?: { service?: { name: string; namespace: string } };
          }>;
        }
      ).webhooks ?? []
    ).flatMap((hook): Finding[] => {
      const target = hook.clientConfig?.service;
      if (!target) return [];
      const service = named(s.services, target.name, target.namespace);
      const base = {
        cluster,
        analyzer: 'Webhook',
        object: ref(config.kind ?? 'Webhook', config),
      } as const;
      if (!service)
        return [
          {
            ...base,
            severity: 'error',
            evidence: `webhook ${hook.name} calls Service ${target.namespace}/${target.name}, which does not exist`,
            hint: 'reinstall the add-on that owns it, or delete the stale webhook configuration',
          },
        ];
      const selects = service.spec?.selector && Object.keys(service.spec.selector).length > 0;
      return selects && readyEndpoints(s, service) === 0
        ? [
            {
              ...base,
              // Fail (the default) refuses every object the webhook matches; Ignore only skips it.
              severity: hook.failurePolicy === 'Ignore' ? 'warning' : 'error',
              evidence: `webhook ${hook.name} calls Service ${target.namespace}/${target.name}, which has no ready endpoint (failurePolicy ${hook.failurePolicy ?? 'Fail'})`,
              hint: `the webhook's pods in ${target.namespace} must run: kubectl get pods -n ${target.namespace}`,
            },
          ]
        : [];
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
          : target.kind === 'ReplicaSet'
            ? s.replicaSets
            : undefined;
    if (pool && !named(pool, target.name, hpa.metadata.namespace))
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
    const inactive = condition(hpa, 'ScalingActive');
    return inactive?.status === 'False'
      ? [
          {
            cluster,
            analyzer: 'HorizontalPodAutoscaler',
            object: ref('HorizontalPodAutoscaler', hpa),
            severity: 'warning',
            evidence: `ScalingActive False${because(inactive)}`,
            hint: 'it cannot compute a replica count: the metrics API (metrics-server) must serve its metrics and the pods must request the resource',
          },
        ]
      : [];
  });

const DEFAULT_CLASS = 'ingressclass.kubernetes.io/is-default-class';

const ingresses: Analyzer = (cluster, s) =>
  (s.ingresses ?? []).flatMap((ingress): Finding[] => {
    const findings: Finding[] = [];
    const base = { cluster, analyzer: 'Ingress', object: ref('Ingress', ingress) } as const;
    const className =
      (ingress.spec?.ingressClassName as string | undefined) ??
      ingress.metadata.annotations?.['kubernetes.io/ingress.class'];
    if (s.ingressClasses) {
      if (className && !named(s.ingressClasses, className))
        findings.push({
          ...base,
          severity: 'error',
          evidence: `ingressClassName ${className}: no IngressClass of that name (there are ${s.ingressClasses.map((c) => c.metadata.name).join(', ') || 'none'})`,
          hint: 'name an existing IngressClass, or install the controller that provides it',
        });
      if (!className && !s.ingressClasses.some((c) => c.metadata.annotations?.[DEFAULT_CLASS] === 'true'))
        findings.push({
          ...base,
          severity: 'error',
          evidence: 'no ingressClassName and no default IngressClass: no controller serves it',
          hint: `set spec.ingressClassName, or mark one IngressClass with ${DEFAULT_CLASS}=true`,
        });
    }
    const backends = [
      ...(ingress.spec?.defaultBackend ? [ingress.spec.defaultBackend] : []),
      ...((ingress.spec?.rules ?? []) as Array<{ http?: { paths?: Array<{ backend?: unknown }> } }>).flatMap(
        (rule) => (rule.http?.paths ?? []).map((p) => p.backend),
      ),
    ] as Array<{ service?: { name: string } } | undefined>;
    const missing = [
      ...new Set(
        backends
          .map((b) => b?.service?.name)
          .filter((name): name is string => !!name && !named(s.services, name, ingress.metadata.namespace)),
      ),
    ];
    if (missing.length > 0)
      findings.push({
        ...base,
        severity: 'error',
        evidence: `backend Service ${missing.map((m) => `${ingress.metadata.namespace}/${m}`).join(', ')} does not exist`,
        hint: 'point the backend at an existing Service, or create it',
      });
    return findings;
  });

interface RouteRef {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
}

const gatewayApi: Analyzer = (cluster, s) => {
  const findings: Finding[] = [];
  for (const gc of s.gatewayClasses ?? []) {
    const accepted = condition(gc, 'Accepted');
    if (accepted?.status === 'False')
      findings.push({
        cluster,
        analyzer: 'Gateway',
        object: ref('GatewayClass', gc),
        severity: 'error',
        evidence: `Accepted False${because(accepted)} (controller ${gc.spec?.controllerName ?? '?'})`,
        hint: 'its controller refuses it: check the controller and the parametersRef',
      });
  }
  for (const gateway of s.gateways ?? []) {
    const base = { cluster, analyzer: 'Gateway', object: ref('Gateway', gateway) } as const;
    const className = gateway.spec?.gatewayClassName as string | undefined;
    if (s.gatewayClasses && className && !named(s.gatewayClasses, className)) {
      findings.push({
        ...base,
        severity: 'error',
        evidence: `gatewayClassName ${className}: no GatewayClass of that name (there are ${s.gatewayClasses.map((c) => c.metadata.name).join(', ') || 'none'})`,
        hint: 'name an existing GatewayClass, or install the controller that provides it',
      });
      continue;
    }
    for (const type of ['Accepted', 'Programmed']) {
      const c = condition(gateway, type);
      if (c?.status === 'False')
        findings.push({
          ...base,
          severity: 'error',
          evidence: `${type} False${because(c)}`,
          hint: 'the Gateway controller says why in the condition: listeners, addresses or certificates',
        });
    }
  }
  for (const route of s.httpRoutes ?? []) {
    const namespace = route.metadata.namespace;
    const base = { cluster, analyzer: 'Gateway', object: ref('HTTPRoute', route) } as const;
    if (s.gateways) {
      const parents = ((route.spec?.parentRefs ?? []) as RouteRef[]).filter(
        (p) => (p.kind ?? 'Gateway') === 'Gateway',
      );
      const missing = parents.filter((p) => !named(s.gateways, p.name, p.namespace ?? namespace));
      if (missing.length > 0)
        findings.push({
          ...base,
          severity: 'error',
          evidence: `parentRef Gateway ${missing.map((p) => `${p.namespace ?? namespace}/${p.name}`).join(', ')} does not exist`,
          hint: 'attach the route to an existing Gateway',
        });
    }
    const backends = ((route.spec?.rules ?? []) as Array<{ backendRefs?: RouteRef[] }>).flatMap(
      (rule) => rule.backendRefs ?? [],
    );
    const missing = [
      ...new Set(
        backends
          .filter((b) => (b.kind ?? 'Service') === 'Service' && (b.group ?? '') === '')
          .filter((b) => !named(s.services, b.name, b.namespace ?? namespace))
          .map((b) => `${b.namespace ?? namespace}/${b.name}`),
      ),
    ];
    if (missing.length > 0)
      findings.push({
        ...base,
        severity: 'error',
        evidence: `backendRef Service ${missing.join(', ')} does not exist`,
        hint: 'point the backendRef at an existing Service, or create it',
      });
    const unresolved = ((route.status?.parents ?? []) as Array<{ conditions?: unknown[] }>).flatMap((p) =>
      (p.conditions ?? []).filter(
        (c) =>
          (c as { type?: string }).type === 'ResolvedRefs' && (c as { status?: string }).status === 'False',
      ),
    ) as Array<{ reason?: string; message?: string; type: string; status: string }>;
    if (missing.length === 0 && unresolved.length > 0)
      findings.push({
        ...base,
        severity: 'error',
        evidence: `ResolvedRefs False${because(unresolved[0])}`,
        hint: 'a backendRef cannot be used: across namespaces it needs a ReferenceGrant',
      });
  }
  return findings;
};

/** minAvailable/maxUnavailable as a number of pods for `expected` pods (percentages round up, as the controller does). */
const podsOf = (value: unknown, expected: number): number | undefined => {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+%$/.test(value))
    return Math.ceil((Number(value.slice(0, -1)) / 100) * expected);
  return undefined;
};

const pdbs: Analyzer = (cluster, s) =>
  (s.pdbs ?? []).flatMap((pdb): Finding[] => {
    const expected = (pdb.status?.expectedPods as number | undefined) ?? 0;
    const base = {
      cluster,
      analyzer: 'PodDisruptionBudget',
      object: ref('PodDisruptionBudget', pdb),
      severity: 'warning',
    } as const;
    const maxUnavailable = pdb.spec?.maxUnavailable as unknown;
    const minAvailable = pdb.spec?.minAvailable as unknown;
    // By its spec, even with every pod healthy: a drain of any node it covers never finishes.
    if (maxUnavailable !== undefined && podsOf(maxUnavailable, Math.max(expected, 1)) === 0)
      return [
        {
          ...base,
          evidence: `maxUnavailable ${String(maxUnavailable)}: no pod may ever be evicted${expected > 0 ? ` (${expected} pod(s) covered)` : ''}`,
          hint: 'allow at least one disruption (maxUnavailable 1), or node drains and upgrades block',
        },
      ];
    if (minAvailable !== undefined && expected > 0 && (podsOf(minAvailable, expected) ?? 0) >= expected)
      return [
        {
          ...base,
          evidence: `minAvailable ${String(minAvailable)} of ${expected} pod(s): no pod may ever be evicted`,
          hint: 'lower minAvailable below the replica count, or add replicas',
        },
      ];
    const allowed = pdb.status?.disruptionsAllowed as number | undefined;
    const healthy = (pdb.status?.currentHealthy as number | undefined) ?? 0;
    const desired = (pdb.status?.desiredHealthy as number | undefined) ?? 0;
    return expected > 0 && allowed === 0
      ? [
          {
            ...base,
            evidence: `disruptionsAllowed 0: ${healthy} healthy of ${expected}, ${desired} required${because(condition(pdb, 'DisruptionAllowed'))}`,
            hint: 'evictions wait until more of its pods are healthy: fix the unhealthy pods first',
          },
        ]
      : [];
  });

const networkPolicies: Analyzer = (cluster, s) =>
  (s.networkPolicies ?? []).flatMap((policy): Finding[] => {
    const selector = (policy.spec?.podSelector ?? {}) as LabelSelector;
    const empty =
      Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
    if (empty) return [];
    const selected = s.pods.filter(
      (pod) =>
        pod.metadata.namespace === policy.metadata.namespace &&
        selectorMatches(selector, pod.metadata.labels),
    );
    return selected.length > 0
      ? []
      : [
          {
            cluster,
            analyzer: 'NetworkPolicy',
            object: ref('NetworkPolicy', policy),
            severity: 'warning',
            evidence: `podSelector ${selectorText(selector)} selects no pod in ${policy.metadata.namespace}`,
            hint: "the policy protects nothing: match the pods' labels (kubectl get pods --show-labels)",
          },
        ];
  });

/** The analyzers of k8sgpt's default set, by the name `--filter` takes. */
export const K8S_ANALYZERS: Readonly<Record<string, Analyzer>> = {
  Pod: pods,
  Workload: replicas,
  CronJob: cronJobs,
  Service: services,
  Ingress: ingresses,
  Gateway: gatewayApi,
  PersistentVolumeClaim: pvcs,
  Node: nodes,
  Webhook: webhooks,
  HorizontalPodAutoscaler: hpas,
  PodDisruptionBudget: pdbs,
  NetworkPolicy: networkPolicies,
};
