/**
 * Thanos (seed §12.3, ADR-006, correction 22), chart bitnami/thanos 17.6.0.
 *
 * - Receive: the workload clusters' agents remote-write here, through a LoadBalancer Service
 *   pinned to the management cluster's `thanos-receive` address, port 19291. It keeps a short
 *   local TSDB and uploads 2-hour blocks to MinIO.
 * - Query: reads the management Prometheus' sidecar, Receive and the Store Gateway (the chart
 *   adds Receive and the Store Gateway itself, by DNS SRV; the seed's per-cluster sidecars over
 *   ClusterMesh cannot exist for agents, correction 22). Grafana's default data source, and the
 *   Thanos Ruler's query endpoint (prometheus.ts).
 * - Store Gateway and Compactor: long-term data in MinIO, bucket `thanos`, 30 days (§12.0).
 * - The ruler of this chart stays off: rules are evaluated by the operator's ThanosRuler, which
 *   reads PrometheusRule objects (prometheus.ts).
 *
 * Images: Bitnami moved its versioned images to a paid catalog in 2025 (the chart's default
 * `docker.io/bitnami/thanos:0.39.2-debian-12-r2` is expected to be pullable only from
 * `bitnamilegacy` or with a subscription). The chart runs the image's entrypoint with Thanos
 * sub-commands as arguments only (no `command`, no Bitnami paths in its templates at 17.6.0), so
 * the official `quay.io/thanos/thanos` image, whose entrypoint is the `thanos` binary, works; its
 * tag is the chart's appVersion. The chart refuses substituted images unless
 * `global.security.allowInsecureImages` is set (bitnami/common `common.errors.insecureImages`).
 *
 * Object storage: the chart renders `objstoreConfig` into its Secret thanos-objstore-secret. It
 * has no credentials: Thanos' S3 client then reads AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, set
 * from the engine-created Secret `thanos-minio` (prometheus.ts, THANOS_MINIO_SECRET).
 */
import type { RenderContext } from '../../render/context.js';
import { pinnedAddress } from '../../kube/objects.js';
import { RESOURCES } from '../../render/sizing.js';
import { toYaml } from '../../render/yaml.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import { objectStoreUser, s3Credentials } from './minio.js';
import {
  detach,
  minioCredentialEnv,
  THANOS_FULLNAME,
  THANOS_MINIO_SECRET,
  THANOS_BUCKET,
  THANOS_NAMESPACE,
  THANOS_QUERY_PORT,
  THANOS_RECEIVE_PORT,
  THANOS_SIDECAR_SERVICE,
  thanosObjstoreConfig,
} from './prometheus.js';

/** The official image at the chart's appVersion (0.39.2). */
export const THANOS_IMAGE = { registry: 'quay.io', repository: 'thanos/thanos', tag: 'v0.39.2' } as const;

/** §12.0: 30 days of long-term metrics, at every resolution. */
export const THANOS_RETENTION = '30d';

export function renderThanos(ctx: RenderContext): RenderedAddon {
  const receiveAddress = ctx.cluster.addresses.services['thanos-receive'];
  if (!receiveAddress) throw new Error(`thanos-receive has no pinned address on ${ctx.cluster.name}`);
  const credentials = minioCredentialEnv(THANOS_MINIO_SECRET);
  return {
    values: detach({
      fullnameOverride: THANOS_FULLNAME,
      global: { security: { allowInsecureImages: true } },
      image: { ...THANOS_IMAGE },
      objstoreConfig: toYaml(thanosObjstoreConfig(ctx)),
      query: {
        // Deduplicate Receive replicas (`replica`) and Prometheus replicas (`prometheus_replica`).
        replicaLabel: ['replica', 'prometheus_replica'],
        dnsDiscovery: {
          enabled: true,
          sidecarsService: THANOS_SIDECAR_SERVICE,
          sidecarsNamespace: THANOS_NAMESPACE,
        },
        resources: RESOURCES.medium,
        service: { ports: { http: THANOS_QUERY_PORT } },
      },
      // Grafana and the ruler query Thanos Query directly (the seed's thanos-query:9090).
      queryFrontend: { enabled: false },
      receive: {
        enabled: true,
        mode: 'standalone',
        replicationFactor: 1,
        // Blocks go to MinIO every 2 hours; older data is read through the Store Gateway.
        tsdbRetention: '1d',
        extraEnvVars: credentials,
        resources: RESOURCES.medium,
        persistence: { enabled: true, storageClass: 'local-path', size: ctx.volumeSize('thanos') },
        service: {
          type: 'LoadBalancer',
          annotations: pinnedAddress(receiveAddress),
          ports: { remote: THANOS_RECEIVE_PORT },
          // Query and the hashring address each Receive pod through a headless Service.
          additionalHeadless: true,
        },
      },
      storegateway: {
        enabled: true,
        extraEnvVars: credentials,
        resources: RESOURCES.medium,
        // Index-header cache only, rebuilt from MinIO: an emptyDir, no volume (correction 25 budgets).
        persistence: { enabled: false },
      },
      compactor: {
        enabled: true,
        retentionResolutionRaw: THANOS_RETENTION,
        retentionResolution5m: THANOS_RETENTION,
        retentionResolution1h: THANOS_RETENTION,
        extraEnvVars: credentials,
        resources: RESOURCES.medium,
        // Scratch space for compaction, rebuilt from MinIO: the chart's default emptyDir.
        persistence: { enabled: false },
      },
      ruler: { enabled: false },
    }),
    secrets: [s3Credentials(THANOS_NAMESPACE, THANOS_MINIO_SECRET, objectStoreUser(THANOS_BUCKET))],
  };
}

export const thanos: AddonDefinition = {
  name: 'thanos',
  title: 'Thanos (Receive, Query, Store Gateway, Compactor)',
  phase: 'observability',
  namespace: THANOS_NAMESPACE,
  scope: 'management',
  scopeReason: 'metrics are aggregated centrally; workload clusters remote-write to it (ADR-006)',
  defaultPlacement: 'management',
  requires: [
    { addon: 'minio', on: 'same', why: 'blocks are stored in MinIO' },
    { addon: 'prometheus', on: 'same', why: 'Query reads the management Prometheus sidecar' },
  ],
  after: [],
  seed: '§12.3, §10.2 4.2 (correction 22)',
  plan: { releaseSeconds: 90 },
  render: renderThanos,
};
