/**
 * OpenTelemetry Collector (seed §12.0, ADR-006), chart opentelemetry-collector 0.170.0.
 *
 * A Deployment per cluster receives OTLP (gRPC 4317, HTTP 4318) from the cluster's applications,
 * adds the Kubernetes attributes of the sending pod (the chart's kubernetesAttributes preset) and
 * `cluster: <name>`, batches, and exports the traces over OTLP gRPC to Tempo on the management
 * cluster through Tempo's pinned address (correction 8). The Jaeger, Zipkin and self-scrape
 * receivers of the chart's default configuration, and its metrics and logs pipelines, are removed:
 * only traces have a destination here (metrics go through Prometheus, logs through Promtail).
 *
 * Image: the Kubernetes distribution (`otelcol-k8s`), which has the k8sattributes and resource
 * processors; the chart requires `image.repository` to be set.
 */
import type { RenderContext } from '../../render/context.js';
import { RESOURCES } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import { CLUSTER_LABEL, detach } from './prometheus.js';
import { tempoOtlpGrpcEndpoint } from './tempo.js';

export const OTEL_IMAGE_REPOSITORY =
  'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s';
export const OTEL_COMMAND = 'otelcol-k8s';
/** `otlp_grpc` is the OTLP gRPC exporter's name since Collector v0.144 (`otlp` remains a deprecated alias). */
export const TEMPO_EXPORTER = 'otlp_grpc/tempo';

export function renderOtelCollector(ctx: RenderContext): RenderedAddon {
  return {
    values: detach({
      mode: 'deployment',
      image: { repository: OTEL_IMAGE_REPOSITORY },
      command: { name: OTEL_COMMAND },
      presets: { kubernetesAttributes: { enabled: true } },
      resources: RESOURCES.medium,
      // Only OTLP is served: the other default receivers' ports are closed.
      ports: {
        'jaeger-compact': { enabled: false },
        'jaeger-thrift': { enabled: false },
        'jaeger-grpc': { enabled: false },
        zipkin: { enabled: false },
      },
      config: {
        // `null` removes a key of the chart's default configuration (Helm value merging).
        receivers: { jaeger: null, zipkin: null, prometheus: null },
        processors: {
          resource: { attributes: [{ key: CLUSTER_LABEL, value: ctx.cluster.name, action: 'upsert' }] },
        },
        exporters: {
          debug: null,
          [TEMPO_EXPORTER]: {
            endpoint: tempoOtlpGrpcEndpoint(ctx),
            // Plain gRPC inside the lab's node network; Tempo's receiver has no certificate.
            tls: { insecure: true },
          },
        },
        service: {
          pipelines: {
            traces: {
              receivers: ['otlp'],
              processors: ['memory_limiter', 'resource', 'batch'],
              exporters: [TEMPO_EXPORTER],
            },
            metrics: null,
            logs: null,
          },
        },
      },
    }),
  };
}

export const otelCollector: AddonDefinition = {
  name: 'otel-collector',
  title: 'OpenTelemetry Collector',
  phase: 'observability',
  namespace: 'opentelemetry',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'tempo', on: 'management', why: 'it exports traces over OTLP to Tempo' }],
  after: [],
  seed: '§12.0, §10.2 4.7',
  render: renderOtelCollector,
};
