/**
 * What `analyze`'s analyzers read and write: the snapshot of one cluster (its live objects and
 * what platformctl observed beside them) and the findings. Types and the small helpers every
 * analyzer shares; no I/O.
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

export interface Meta {
  readonly name: string;
  readonly namespace?: string;
  readonly generation?: number;
  readonly creationTimestamp?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: ReadonlyArray<{ readonly kind: string; readonly name: string }>;
}

export interface Obj {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: Meta;
  readonly spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- live objects, read defensively
  readonly status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- live objects, read defensively
}

/** Vault as platformctl reached it (`sys/seal-status`), on the snapshot of the cluster that runs it. */
export interface VaultObservation {
  /** Where platformctl reached it (or tried to). */
  readonly address: string;
  readonly answered: boolean;
  readonly initialized?: boolean;
  readonly sealed?: boolean;
  /** Why it did not answer. */
  readonly error?: string;
}

/**
 * A host metrics, logs or traces are shipped to, from the rendered configuration of one cluster,
 * with what its host names by the platform's addresses and what was observed of it.
 */
export interface ShippingTarget {
  /** e.g. `prometheus remote-write`, `promtail client`. */
  readonly source: string;
  readonly url: string;
  readonly host: string;
  readonly names:
    | {
        /** One of the platform's pinned LoadBalancer addresses (its loopback twin on kwok). */
        readonly kind: 'pinned';
        readonly cluster: string;
        readonly service: string;
        readonly pinned: string;
        /** The Services of that cluster; undefined when it was not observed (it does not serve). */
        readonly services?: readonly Obj[];
      }
    | { readonly kind: 'in-cluster'; readonly namespace: string; readonly name: string }
    | { readonly kind: 'dns'; readonly resolved: boolean; readonly error?: string }
    | { readonly kind: 'address' };
}

/** One step of the last `up` on this cluster, as `status` judges it (see Project.status). */
export interface StepObservation {
  readonly id: string;
  readonly state: string;
  readonly drift?: string;
  readonly error?: string;
}

/**
 * What the analyzers read of one cluster. A list that is absent was not taken: its kind is not
 * served there (its CRD is not installed) or the analyzers that read it were not asked for.
 */
export interface Snapshot {
  /** When it was taken (ISO 8601): expiry and renew windows are judged against it. */
  readonly observedAt: string;
  readonly pods: readonly Obj[];
  readonly deployments: readonly Obj[];
  readonly statefulSets: readonly Obj[];
  readonly services: readonly Obj[];
  readonly endpointSlices: readonly Obj[];
  readonly pvcs: readonly Obj[];
  readonly nodes: readonly Obj[];
  /** Validating and mutating webhook configurations, each with its kind. */
  readonly webhooks: readonly Obj[];
  readonly hpas: readonly Obj[];
  readonly replicaSets?: readonly Obj[];
  readonly daemonSets?: readonly Obj[];
  readonly jobs?: readonly Obj[];
  readonly cronJobs?: readonly Obj[];
  readonly ingresses?: readonly Obj[];
  readonly ingressClasses?: readonly Obj[];
  readonly gateways?: readonly Obj[];
  readonly gatewayClasses?: readonly Obj[];
  readonly httpRoutes?: readonly Obj[];
  readonly pdbs?: readonly Obj[];
  readonly networkPolicies?: readonly Obj[];
  readonly namespaces?: readonly Obj[];
  readonly vpas?: readonly Obj[];
  readonly externalSecrets?: readonly Obj[];
  /** SecretStores and ClusterSecretStores, each with its kind. */
  readonly secretStores?: readonly Obj[];
  readonly certificates?: readonly Obj[];
  /** Issuers and ClusterIssuers, each with its kind. */
  readonly issuers?: readonly Obj[];
  readonly serviceMonitors?: readonly Obj[];
  readonly podMonitors?: readonly Obj[];
  /** Prometheus and PrometheusAgent objects, each with its kind. */
  readonly prometheuses?: readonly Obj[];
  readonly vault?: VaultObservation;
  readonly shipping?: readonly ShippingTarget[];
  readonly steps?: readonly StepObservation[];
  /** Kinds the cluster serves that could not be listed, with why. */
  readonly unlisted?: ReadonlyArray<{ readonly kind: string; readonly error: string }>;
}

export type Analyzer = (cluster: string, s: Snapshot) => Finding[];

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

/** `Kind namespace/name`, or `Kind name` for cluster-scoped objects. */
export const ref = (kind: string, o: Obj) =>
  `${kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

export const conditions = (o: Obj): readonly Condition[] =>
  Array.isArray(o.status?.conditions) ? (o.status.conditions as Condition[]) : [];

export const condition = (o: Obj, type: string): Condition | undefined =>
  conditions(o).find((c) => c.type === type);

/** ` (reason: message)` of a condition, or nothing. */
export const because = (c: Condition | undefined): string => {
  const why = [c?.reason, c?.message].filter(Boolean).join(': ');
  return why ? ` (${why})` : '';
};

export const sameNamespace = (a: Obj, namespace: string | undefined) => a.metadata.namespace === namespace;

export const named = (pool: readonly Obj[] | undefined, name: string, namespace?: string) =>
  (pool ?? []).find(
    (o) => o.metadata.name === name && (namespace === undefined || sameNamespace(o, namespace)),
  );
