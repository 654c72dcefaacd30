/**
 * Loki (seed §12, §7.5, ADR-006), chart grafana-community/loki 18.11.0.
 *
 * Monolithic (single binary) mode, sized for a lab: one replica, no gateway, no caches, no
 * canary. Chunks and index go to MinIO (bucket `loki`) through the management cluster's pinned
 * MinIO address; the write-ahead log and compactor scratch space live on a local-path volume.
 * Logs are kept 7 days (§7.5): the compactor applies `retention_period`.
 *
 * The single binary's Service is a LoadBalancer pinned to the management cluster's `loki`
 * address, port 3100: Promtail on workload clusters pushes to it (correction 8); on the
 * management cluster Promtail and Grafana use the in-cluster name.
 *
 * S3 credentials: the chart starts Loki with `-config.expand-env=true` (templates/_pod.tpl), so
 * the configuration names ${AWS_ACCESS_KEY_ID} and ${AWS_SECRET_ACCESS_KEY}, taken from the
 * engine-created Secret `loki-minio`.
 */
import type { RenderContext } from '../../render/context.js';
import { pinnedAddress } from '../../kube/objects.js';
import { RESOURCES } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import { objectStoreUser, s3Credentials } from './minio.js';
import { detach, minioHostPort } from './prometheus.js';
import { reachableAddress } from '../../render/endpoints.js';

const NAMESPACE = 'logging';

/** The chart's fullnameOverride: the single binary's Service is `loki`. */
export const LOKI_FULLNAME = 'loki';
export const LOKI_NAMESPACE = NAMESPACE;
/** Loki's HTTP port (`loki.server.http_listen_port`), the seed's loki.logging.svc:3100. */
export const LOKI_PORT = 3100;
export const LOKI_BUCKET = 'loki';
/** Secret created by the engine (never rendered): AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the `loki` bucket. */
export const LOKI_MINIO_SECRET = 'loki-minio';
/** §7.5: logs are kept 7 days. */
export const LOKI_RETENTION = '168h';

/** Loki inside the management cluster, for Grafana and the management cluster's Promtail. */
export function lokiInClusterUrl(): string {
  return `http://${LOKI_FULLNAME}.${NAMESPACE}.svc.cluster.local:${LOKI_PORT}`;
}

/** Loki through its pinned address, for the workload clusters (correction 8). */
export function lokiPinnedUrl(ctx: RenderContext): string {
  const address = ctx.addresses(ctx.management.name).services.loki;
  if (!address) throw new Error(`Loki has no pinned address on ${ctx.management.name}`);
  return `http://${reachableAddress(ctx.platform, address)}:${LOKI_PORT}`;
}

export function renderLoki(ctx: RenderContext): RenderedAddon {
  const address = ctx.cluster.addresses.services.loki;
  if (!address) throw new Error(`Loki has no pinned address on ${ctx.cluster.name}`);
  return {
    values: detach({
      fullnameOverride: LOKI_FULLNAME,
      deploymentMode: 'Monolithic',
      loki: {
        // One tenant: the clusters are told apart by their `cluster` label.
        auth_enabled: false,
        commonConfig: { replication_factor: 1 },
        schemaConfig: {
          configs: [
            {
              from: '2024-04-01',
              store: 'tsdb',
              object_store: 's3',
              schema: 'v13',
              index: { prefix: 'loki_index_', period: '24h' },
            },
          ],
        },
        storage: {
          type: 's3',
          // Read by the chart's helpers (`dig "storage" "bucketNames" "chunks"`, templates/_helpers.tpl).
          bucketNames: { chunks: LOKI_BUCKET, ruler: LOKI_BUCKET },
          s3: {
            endpoint: minioHostPort(ctx),
            region: 'us-east-1',
            // Expanded by Loki from the environment (-config.expand-env=true): no secret in the config.
            accessKeyId: '${AWS_ACCESS_KEY_ID}',
            secretAccessKey: '${AWS_SECRET_ACCESS_KEY}',
            s3ForcePathStyle: true,
            // The lab's MinIO serves plain HTTP inside the node network.
            insecure: true,
          },
        },
        limits_config: { retention_period: LOKI_RETENTION },
        compactor: {
          working_directory: '/var/loki/compactor',
          retention_enabled: true,
          delete_request_store: 's3',
        },
      },
      singleBinary: {
        replicas: 1,
        resources: RESOURCES.loki,
        // The rules sidecar is for Loki's ruler, which is off.
        sidecar: false,
        extraEnvFrom: [{ secretRef: { name: LOKI_MINIO_SECRET } }],
        persistence: { enabled: true, storageClass: 'local-path', size: ctx.volumeSize('loki') },
        service: { type: 'LoadBalancer', annotations: pinnedAddress(address) },
      },
      // Monolithic only: the simple-scalable targets default to 3 replicas each.
      read: { replicas: 0 },
      write: { replicas: 0 },
      backend: { replicas: 0 },
      ruler: { enabled: false },
      gateway: { enabled: false },
      chunksCache: { enabled: false },
      resultsCache: { enabled: false },
      lokiCanary: { enabled: false },
      test: { enabled: false },
    }),
    secrets: [s3Credentials(NAMESPACE, LOKI_MINIO_SECRET, objectStoreUser(LOKI_BUCKET))],
  };
}

export const loki: AddonDefinition = {
  name: 'loki',
  title: 'Loki',
  phase: 'observability',
  namespace: NAMESPACE,
  scope: 'management',
  scopeReason: 'logs are aggregated centrally (ADR-006)',
  defaultPlacement: 'management',
  requires: [
    { addon: 'minio', on: 'same', why: 'chunks are stored in MinIO' },
    { addon: 'local-path', on: 'same', why: 'its write-ahead log needs a volume' },
  ],
  after: [],
  seed: '§12, §10.2 4.3',
  plan: { releaseSeconds: 60 },
  render: renderLoki,
};
