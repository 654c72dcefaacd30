/**
 * Tempo (seed §12, ADR-006, correction 24), chart grafana-community/tempo 2.2.4 (monolithic).
 *
 * Runs in the `tracing` namespace the seed's Grafana data sources point at but never create
 * (correction 24; the core renders the namespace). Traces are stored in MinIO (bucket `tempo`)
 * through the management cluster's pinned MinIO address; the WAL lives on a local-path volume.
 *
 * OTLP receivers gRPC 4317 and HTTP 4318 are served by a LoadBalancer Service pinned to the
 * management cluster's `tempo` address: the OpenTelemetry Collectors of every cluster export there
 * (correction 8). Traces are kept 7 days, like Loki's logs, so trace-to-log links resolve.
 *
 * When Thanos runs on the management cluster, the metrics generator writes service-graph and
 * span metrics to Thanos Receive: that is what Grafana's service map (Tempo → Thanos) reads.
 *
 * S3 credentials: with no access_key/secret_key in the configuration, Tempo's S3 backend reads
 * AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment (Tempo docs, "Amazon S3 and
 * S3-compatible storage", authentication methods), set from the engine-created Secret `tempo-minio`.
 */
import type { RenderContext } from '../../render/context.js';
import { pinnedAddress } from '../../kube/objects.js';
import { RESOURCES } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import { objectStoreUser, s3Credentials } from './minio.js';
import {
  detach,
  minioHostPort,
  THANOS_FULLNAME,
  THANOS_NAMESPACE,
  THANOS_RECEIVE_PORT,
} from './prometheus.js';
import { reachableAddress } from '../../render/endpoints.js';

const NAMESPACE = 'tracing';

/** The chart's fullnameOverride: its Service is `tempo`. */
export const TEMPO_FULLNAME = 'tempo';
export const TEMPO_NAMESPACE = NAMESPACE;
/** Tempo's HTTP API port (`tempo.server.http_listen_port`), the seed's tempo.tracing.svc:3200. */
export const TEMPO_HTTP_PORT = 3200;
export const TEMPO_OTLP_GRPC_PORT = 4317;
export const TEMPO_OTLP_HTTP_PORT = 4318;
export const TEMPO_BUCKET = 'tempo';
/** Secret created by the engine (never rendered): AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the `tempo` bucket. */
export const TEMPO_MINIO_SECRET = 'tempo-minio';
export const TEMPO_RETENTION = '168h';

/** Tempo's query API inside the management cluster, for Grafana. */
export function tempoInClusterUrl(): string {
  return `http://${TEMPO_FULLNAME}.${NAMESPACE}.svc.cluster.local:${TEMPO_HTTP_PORT}`;
}

/** `host:port` of Tempo's OTLP gRPC receiver through its pinned address (correction 8). */
export function tempoOtlpGrpcEndpoint(ctx: RenderContext): string {
  const address = ctx.addresses(ctx.management.name).services.tempo;
  if (!address) throw new Error(`Tempo has no pinned address on ${ctx.management.name}`);
  return `${reachableAddress(ctx.platform, address)}:${TEMPO_OTLP_GRPC_PORT}`;
}

export function renderTempo(ctx: RenderContext): RenderedAddon {
  const address = ctx.cluster.addresses.services.tempo;
  if (!address) throw new Error(`Tempo has no pinned address on ${ctx.cluster.name}`);
  const serviceGraphs = ctx.enabled('thanos');
  return {
    values: detach({
      fullnameOverride: TEMPO_FULLNAME,
      tempo: {
        resources: RESOURCES.medium,
        reportingEnabled: false,
        retention: TEMPO_RETENTION,
        extraEnvFrom: [{ secretRef: { name: TEMPO_MINIO_SECRET } }],
        storage: {
          trace: {
            backend: 's3',
            s3: {
              bucket: TEMPO_BUCKET,
              endpoint: minioHostPort(ctx),
              forcepathstyle: true,
              // The lab's MinIO serves plain HTTP inside the node network.
              insecure: true,
            },
          },
        },
        receivers: {
          otlp: {
            protocols: {
              grpc: { endpoint: `0.0.0.0:${TEMPO_OTLP_GRPC_PORT}` },
              http: { endpoint: `0.0.0.0:${TEMPO_OTLP_HTTP_PORT}` },
            },
          },
        },
        ...(serviceGraphs
          ? {
              metricsGenerator: {
                enabled: true,
                remoteWriteUrl: `http://${THANOS_FULLNAME}-receive.${THANOS_NAMESPACE}.svc.cluster.local:${THANOS_RECEIVE_PORT}/api/v1/receive`,
              },
              // Tempo's standard overrides: which generator processors run for every tenant.
              overrides: {
                defaults: { metrics_generator: { processors: ['service-graphs', 'span-metrics'] } },
              },
            }
          : {}),
      },
      persistence: {
        enabled: true,
        // Rendered as the volume claim's storageClassName (templates/statefulset.yaml volumeClaimTemplates).
        storageClassName: 'local-path',
        size: ctx.volumeSize('tempo'),
      },
      service: { type: 'LoadBalancer', annotations: pinnedAddress(address) },
    }),
    secrets: [s3Credentials(NAMESPACE, TEMPO_MINIO_SECRET, objectStoreUser(TEMPO_BUCKET))],
  };
}

export const tempo: AddonDefinition = {
  name: 'tempo',
  title: 'Tempo',
  phase: 'observability',
  // The seed's data sources point at the tracing namespace, which it never creates (correction 24).
  namespace: NAMESPACE,
  scope: 'management',
  scopeReason: 'traces are aggregated centrally (ADR-006)',
  defaultPlacement: 'management',
  requires: [{ addon: 'minio', on: 'same', why: 'traces are stored in MinIO' }],
  after: [],
  seed: '§12, §10.2 4.5',
  plan: { releaseSeconds: 45 },
  render: renderTempo,
};
