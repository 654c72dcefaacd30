/**
 * Prometheus (seed §12, §5.3, §7.5, §20.4 "18.4", ADR-006, corrections 22 and 23), chart
 * kube-prometheus-stack 88.5.3.
 *
 * - Management cluster: a Prometheus server (retention 30 days per §12.0, bounded by the volume)
 *   with a Thanos sidecar that uploads its blocks to MinIO, and Alertmanager.
 * - Workload clusters: Prometheus in agent mode (`prometheus.agentMode`, which makes the chart
 *   render a PrometheusAgent instead of a Prometheus, templates/prometheus/prometheus.yaml). No
 *   local storage beyond the WAL buffer: it remote-writes to the management cluster's Thanos
 *   Receive through its pinned LoadBalancer address (a sidecar cannot serve an agent, correction 22).
 * - Every series carries `cluster: <name>`: an external label, which remote write attaches to
 *   every sample and the sidecar announces to Thanos Query.
 * - Rules: agents evaluate nothing (correction 23). The platform alert rules are evaluated
 *   centrally by a Thanos Ruler (the operator's ThanosRuler, enabled through the chart's
 *   `thanosRuler` section) that queries Thanos Query, which sees every cluster: the management
 *   Prometheus alone holds only its own cluster's data, since the agents write to Receive. It
 *   sends to the management Alertmanager. Without Thanos on the management cluster the
 *   management Prometheus evaluates them over its own data. The rules (001 §7.5 storage, §20.4
 *   capacity) are PrometheusRule objects of the management release (additionalPrometheusRulesMap).
 * - The seed's remote-write keep-regex (`up|container_.*|kube_pod_.*`) drops every metric the
 *   alert rules read; the regex here keeps those too, derived from the rules themselves.
 *
 * Grafana of the stack is off: Grafana is its own add-on. node-exporter needs the host network,
 * PID namespace and filesystem, hence the privileged exemption of the namespace.
 */
import type { IPrometheus } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Prometheus';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { IPrometheusAgent } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/PrometheusAgent';
import type { RenderContext } from '../../render/context.js';
import { RESOURCES } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import { MINIO_API_PORT, objectStoreUser, s3Credentials } from './minio.js';
import { reachableAddress } from '../../render/endpoints.js';

const NAMESPACE = 'monitoring';

/*
 * The engine picks the Helm release names, so every chart of the metrics pipeline gets a
 * fullnameOverride and the wiring between them follows from these names. They live here, the
 * first module of the pipeline, so that thanos.ts and grafana.ts import them without a cycle.
 */
/**
 * kube-prometheus-stack's fullnameOverride (at most 26 characters, templates/_helpers.tpl): the
 * name the chart gives a release called `prometheus` (the add-on's name), pinned so that the
 * Services do not depend on the release name: <fullname>-prometheus, <fullname>-alertmanager
 * (robusta.ts reaches both by these names).
 */
export const PROMETHEUS_FULLNAME = 'prometheus-kube-prometheus';
/** The management Prometheus server, inside the management cluster (its own cluster's data only). */
export const PROMETHEUS_SERVER_URL = `http://${PROMETHEUS_FULLNAME}-prometheus.${NAMESPACE}.svc.cluster.local:9090`;
/** The management Alertmanager, inside the management cluster. */
export const ALERTMANAGER_URL = `http://${PROMETHEUS_FULLNAME}-alertmanager.${NAMESPACE}.svc.cluster.local:9093`;
/** The headless Service of the Thanos sidecar (`prometheus.thanosService`, port name `grpc`). */
export const THANOS_SIDECAR_SERVICE = `${PROMETHEUS_FULLNAME}-thanos-discovery`;
/** The Thanos chart's fullnameOverride: its Services are thanos-query, thanos-receive, ... */
export const THANOS_FULLNAME = 'thanos';
export const THANOS_NAMESPACE = NAMESPACE;
/** Thanos Receive's remote-write port (the seed's 19291, bitnami `receive.service.ports.remote`). */
export const THANOS_RECEIVE_PORT = 19291;
/** Thanos Query's HTTP port (bitnami `query.service.ports.http`), the seed's Grafana URL. */
export const THANOS_QUERY_PORT = 9090;
export const THANOS_BUCKET = 'thanos';
/**
 * Secret (created by the engine from generated MinIO credentials, never rendered) holding
 * AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the `thanos` bucket. With no access_key in the
 * objstore configuration, Thanos' S3 client reads these variables (thanos-io/objstore
 * providers/s3: credentials.EnvAWS first in the chain), so the configuration itself holds no secret.
 */
export const THANOS_MINIO_SECRET = 'thanos-minio';
/** Scrape interval of servers and agents; Grafana's `timeInterval` follows it. */
export const SCRAPE_INTERVAL = '30s';
/** The external label every series carries (correction 23). */
export const CLUSTER_LABEL = 'cluster';

/** Which evaluator a PrometheusRule is for: its value tells the ThanosRuler's selector from Prometheus'. */
export const RULES_EVALUATOR_LABEL = 'platformctl.dev/evaluated-by';

/**
 * Values as a tree of their own: shared objects (RESOURCES entries, credential lists) would come
 * out as YAML anchors and aliases, which Helm reads but people reviewing values.yaml should not need to.
 */
export function detach<T>(values: T): T {
  return JSON.parse(JSON.stringify(values)) as T;
}

/** `host:port` of the management cluster's MinIO S3 API, through its pinned address (correction 8). */
export function minioHostPort(ctx: RenderContext): string {
  const address = ctx.addresses(ctx.management.name).services.minio;
  if (!address) throw new Error(`MinIO has no pinned address on ${ctx.management.name}`);
  return `${reachableAddress(ctx.platform, address)}:${MINIO_API_PORT}`;
}

/** Container environment with the S3 credentials from an engine-created Secret. */
export function minioCredentialEnv(secret: string) {
  return ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((key) => ({
    name: key,
    valueFrom: { secretKeyRef: { name: secret, key } },
  }));
}

/** Thanos objstore configuration for the `thanos` bucket: no credentials (they come from the environment). */
export function thanosObjstoreConfig(ctx: RenderContext) {
  return {
    type: 'S3',
    config: {
      bucket: THANOS_BUCKET,
      endpoint: minioHostPort(ctx),
      // The lab's MinIO serves plain HTTP inside the node network.
      insecure: true,
    },
  };
}

/** Where agents remote-write: the management cluster's Thanos Receive, by its pinned address. */
export function thanosReceiveUrl(ctx: RenderContext): string {
  const address = ctx.addresses(ctx.management.name).services['thanos-receive'];
  if (!address) throw new Error(`Thanos Receive has no pinned address on ${ctx.management.name}`);
  return `http://${reachableAddress(ctx.platform, address)}:${THANOS_RECEIVE_PORT}/api/v1/receive`;
}

/** Thanos Query inside the management cluster (Grafana and the Thanos Ruler run there too). */
export function thanosQueryAddress(): string {
  return `${THANOS_FULLNAME}-query.${THANOS_NAMESPACE}.svc.cluster.local:${THANOS_QUERY_PORT}`;
}

/** Thanos Query's HTTP API, every cluster's metrics (Grafana's default data source). */
export const THANOS_QUERY_URL = `http://${thanosQueryAddress()}`;

/** The seed's remote-write queue (001 §5.3): buffers about 2.7 hours while the management cluster is down. */
export const REMOTE_WRITE_QUEUE = {
  capacity: 10000,
  maxShards: 50,
  maxSamplesPerSend: 2000,
  batchSendDeadline: '30s',
  minBackoff: '1s',
  maxBackoff: '5m',
} as const;

interface AlertSpec {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'warning' | 'critical';
  /** Summary text; `%cluster%` becomes the cluster label reference of the evaluator. */
  readonly summary: string;
  /** Metric names the expression reads: the agents must keep sending them. */
  readonly metrics: readonly string[];
}

interface AlertGroup {
  readonly name: string;
  readonly rules: readonly AlertSpec[];
}

/**
 * 001 §7.5 (storage) and §20.4 "18.4" (capacity). Fixes to the seed's expressions:
 * - PodResourceQuotaExhausted divided `type="used"` by `type="hard"` series one-to-one, which never
 *   match (their `type` labels differ): `ignoring(type)`, and quotas with a zero hard limit skipped.
 * - Every summary names the cluster, the namespace and the object.
 * Note: kubelet reports kubelet_volume_stats_* only for volumes with a metrics provider; local-path
 * hostPath volumes have none, so on those the PVC alerts stay silent and NodeDiskPressure (the
 * volumes live on the node's root filesystem) is what fires.
 */
export const ALERT_GROUPS: readonly AlertGroup[] = [
  {
    name: 'storage',
    rules: [
      {
        alert: 'PVCNearlyFull',
        expr: '(kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes) > 0.85',
        for: '5m',
        severity: 'warning',
        summary:
          'PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} on cluster %cluster% is over 85% full',
        metrics: ['kubelet_volume_stats_used_bytes', 'kubelet_volume_stats_capacity_bytes'],
      },
      {
        alert: 'PVCCriticallyFull',
        expr: '(kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes) > 0.95',
        for: '1m',
        severity: 'critical',
        summary:
          'PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} on cluster %cluster% is over 95% full: act now',
        metrics: ['kubelet_volume_stats_used_bytes', 'kubelet_volume_stats_capacity_bytes'],
      },
    ],
  },
  {
    name: 'capacity',
    rules: [
      {
        alert: 'NodeMemoryPressure',
        expr: '(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > 0.85',
        for: '5m',
        severity: 'warning',
        summary: 'Node {{ $labels.instance }} on cluster %cluster% uses over 85% of its memory',
        metrics: ['node_memory_MemAvailable_bytes', 'node_memory_MemTotal_bytes'],
      },
      {
        alert: 'NodeDiskPressure',
        expr: '(1 - node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes{mountpoint="/"}) > 0.80',
        for: '5m',
        severity: 'warning',
        summary: 'Node {{ $labels.instance }} on cluster %cluster% uses over 80% of its root disk',
        metrics: ['node_filesystem_avail_bytes', 'node_filesystem_size_bytes'],
      },
      {
        alert: 'PodResourceQuotaExhausted',
        expr: 'kube_resourcequota{type="used"} / ignoring(type) (kube_resourcequota{type="hard"} > 0) > 0.90',
        for: '1m',
        severity: 'critical',
        summary:
          'Quota {{ $labels.namespace }}/{{ $labels.resourcequota }} ({{ $labels.resource }}) on cluster %cluster% is over 90% used',
        metrics: ['kube_resourcequota'],
      },
    ],
  },
];

/** Metric names the alert rules read, sorted and unique. */
export function alertRuleMetrics(): string[] {
  return [...new Set(ALERT_GROUPS.flatMap((g) => g.rules.flatMap((r) => r.metrics)))].sort();
}

/** The seed's keep-regex (§5.3) plus every metric the rules read (correction 23). */
export function remoteWriteKeepRegex(): string {
  return ['up', 'container_.*', 'kube_pod_.*', ...alertRuleMetrics()].join('|');
}

type Evaluator = 'thanos-ruler' | 'prometheus';

function evaluator(ctx: RenderContext): Evaluator {
  return ctx.enabled('thanos') ? 'thanos-ruler' : 'prometheus';
}

type RuleGroup = NonNullable<IPrometheusRule['spec']['groups']>[number];

/**
 * The platform rules as the chart's `additionalPrometheusRulesMap` (templates/prometheus/
 * additionalPrometheusRules.yaml renders one PrometheusRule per entry with `toYaml`, so the
 * `{{ $labels... }}` templates pass through to the evaluator untouched). Shipping them with the
 * release rather than as separate manifests keeps them on the cluster that evaluates them, with
 * the CRDs that the same release installs.
 */
export function alertRulesMap(
  ctx: RenderContext,
): Record<string, { additionalLabels: Record<string, string>; groups: RuleGroup[] }> {
  const by = evaluator(ctx);
  // Through Thanos Query every series carries the cluster label; a Prometheus evaluating its own
  // data has it only as an external label, which templates read as $externalLabels.
  const cluster = by === 'thanos-ruler' ? '{{ $labels.cluster }}' : '{{ $externalLabels.cluster }}';
  return Object.fromEntries(
    ALERT_GROUPS.map((group) => [
      `platform-${group.name}`,
      {
        // Not MANAGED_BY: the chart labels these rules `app.kubernetes.io/managed-by: Helm` itself,
        // and a second key of that name makes the rendered YAML invalid (a duplicate mapping key).
        additionalLabels: { [RULES_EVALUATOR_LABEL]: by },
        groups: [
          {
            name: group.name,
            // One unreachable store must not silence every rule (Thanos Ruler only).
            ...(by === 'thanos-ruler' ? { partial_response_strategy: 'warn' } : {}),
            rules: group.rules.map((rule) => ({
              alert: rule.alert,
              expr: rule.expr,
              for: rule.for,
              labels: { severity: rule.severity },
              annotations: { summary: rule.summary.replace('%cluster%', cluster) },
            })),
          },
        ],
      },
    ]),
  );
}

type RemoteWrite = NonNullable<IPrometheusAgent['spec']['remoteWrite']>[number];
type PrometheusContainer = NonNullable<IPrometheus['spec']['containers']>[number];

function agentRemoteWrite(ctx: RenderContext): RemoteWrite[] {
  return [
    {
      url: thanosReceiveUrl(ctx),
      queueConfig: { ...REMOTE_WRITE_QUEUE },
      writeRelabelConfigs: [{ sourceLabels: ['__name__'], regex: remoteWriteKeepRegex(), action: 'keep' }],
    },
  ];
}

/** Values shared by server and agent: what runs on every cluster besides Prometheus itself. */
function commonValues(server: boolean) {
  return {
    fullnameOverride: PROMETHEUS_FULLNAME,
    // Grafana is its own add-on (management cluster only).
    grafana: { enabled: false },
    // kubeadm binds controller-manager, scheduler and etcd metrics to 127.0.0.1, and kube-proxy
    // does not run (Cilium replaces it, correction 3): scraping them would only raise TargetDown.
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeEtcd: { enabled: false },
    kubeProxy: { enabled: false },
    // The chart's default rules need an evaluator: only the server has one.
    defaultRules: { create: server },
    alertmanager: server
      ? { enabled: true, alertmanagerSpec: { resources: RESOURCES.small } }
      : { enabled: false },
    prometheusOperator: {
      resources: RESOURCES.small,
      prometheusConfigReloader: { resources: RESOURCES.small },
      admissionWebhooks: { patch: { resources: RESOURCES.small } },
    },
    // Subchart values (kube-state-metrics 8.4.0 and prometheus-node-exporter 4.56.1 values.yaml: `resources: {}`).
    'kube-state-metrics': { resources: RESOURCES.small },
    'prometheus-node-exporter': { resources: RESOURCES.small },
  };
}

/** The largest TSDB size that fits the volume with room for the WAL and compaction: 80% of it, in MB (2^20 B). */
export function retentionSizeFor(volumeSize: string): string {
  const match = /^(\d+)Gi$/.exec(volumeSize);
  if (!match) throw new Error(`unexpected volume size ${volumeSize}`);
  return `${Math.floor(Number(match[1]) * 1024 * 0.8)}MB`;
}

function serverValues(ctx: RenderContext) {
  const thanos = ctx.enabled('thanos');
  const volume = ctx.volumeSize('prometheus');
  const sidecarEnv: PrometheusContainer[] = [
    // The operator merges this into its thanos-sidecar container (strategic merge by name).
    { name: 'thanos-sidecar', env: minioCredentialEnv(THANOS_MINIO_SECRET) },
  ];
  return {
    ...commonValues(true),
    additionalPrometheusRulesMap: alertRulesMap(ctx),
    prometheus: {
      agentMode: false,
      // The sidecar's gRPC StoreAPI, for Thanos Query (dnssrv+_grpc._tcp.<service>).
      ...(thanos ? { thanosService: { enabled: true } } : {}),
      prometheusSpec: {
        externalLabels: { [CLUSTER_LABEL]: ctx.cluster.name },
        scrapeInterval: SCRAPE_INTERVAL,
        resources: RESOURCES.prometheus,
        // §12.0: 30 days on the management cluster, bounded by what the fitted volume holds.
        retention: '30d',
        retentionSize: retentionSizeFor(volume),
        storageSpec: {
          volumeClaimTemplate: {
            spec: {
              storageClassName: 'local-path',
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: volume } },
            },
          },
        },
        // Select every rule except those meant for the Thanos Ruler: the chart's default rules
        // and, without Thanos, the platform rules (a NotIn selector also matches a missing label).
        ruleSelectorNilUsesHelmValues: false,
        ruleSelector: {
          matchExpressions: [{ key: RULES_EVALUATOR_LABEL, operator: 'NotIn', values: ['thanos-ruler'] }],
        },
        ...(thanos
          ? {
              // ThanosSpec (monitoring.coreos.com/v1); objectStorageConfig.secret is rendered by the
              // chart into its Secret <fullname>-prometheus (templates/prometheus/secret.yaml).
              thanos: {
                resources: RESOURCES.small,
                objectStorageConfig: { secret: thanosObjstoreConfig(ctx) },
              },
              containers: sidecarEnv,
            }
          : {}),
      },
    },
    ...(thanos
      ? {
          thanosRuler: {
            enabled: true,
            thanosRulerSpec: {
              resources: RESOURCES.small,
              queryEndpoints: [thanosQueryAddress()],
              ruleSelectorNilUsesHelmValues: false,
              ruleSelector: { matchLabels: { [RULES_EVALUATOR_LABEL]: 'thanos-ruler' } },
              // Thanos' alertmanagers configuration: the operator's alertmanager-operated Service.
              alertmanagersConfig: {
                secret: {
                  alertmanagers: [
                    {
                      static_configs: [`alertmanager-operated.${NAMESPACE}.svc.cluster.local:9093`],
                      scheme: 'http',
                      api_version: 'v2',
                    },
                  ],
                },
              },
            },
          },
        }
      : {}),
  };
}

function agentValues(ctx: RenderContext) {
  return {
    ...commonValues(false),
    prometheus: {
      agentMode: true,
      prometheusSpec: {
        externalLabels: { [CLUSTER_LABEL]: ctx.cluster.name },
        scrapeInterval: SCRAPE_INTERVAL,
        resources: RESOURCES['prometheus-agent'],
        remoteWrite: agentRemoteWrite(ctx),
      },
    },
  };
}

export function renderPrometheus(ctx: RenderContext): RenderedAddon {
  if (ctx.cluster.role === 'management') {
    // The Thanos sidecar uploads blocks to MinIO with the thanos user's credentials.
    const secrets = ctx.enabled('thanos')
      ? [s3Credentials(NAMESPACE, THANOS_MINIO_SECRET, objectStoreUser(THANOS_BUCKET))]
      : [];
    return { values: detach(serverValues(ctx)), secrets };
  }
  return { values: detach(agentValues(ctx)) };
}

export const prometheus: AddonDefinition = {
  name: 'prometheus',
  title: 'Prometheus (server on management, agent mode on workload clusters)',
  phase: 'observability',
  namespace: NAMESPACE,
  scope: 'any',
  defaultPlacement: 'all',
  requires: [
    {
      addon: 'local-path',
      on: 'same',
      forRole: 'management',
      why: 'the server keeps its TSDB on a local-path volume',
    },
    {
      addon: 'thanos',
      on: 'management',
      forRole: 'workload',
      why: 'the agent remote-writes to Thanos Receive (ADR-006, correction 22)',
    },
  ],
  after: [],
  podSecurity: {
    level: 'privileged',
    why: 'node-exporter uses the host network, PID namespace and filesystem',
  },
  seed: '§12, §5.3, §10.2 4.1 (corrections 22, 23)',
  plan: { releaseSeconds: 120 },
  render: renderPrometheus,
};
