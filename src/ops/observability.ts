/**
 * The platform's observability APIs as library calls: where Loki, Tempo and Thanos Query answer
 * for this spec, and `explainFailure`, which follows a log line to its trace id and the trace
 * (seed 002). The HTTP exchanges are clients/observability.ts; this module only decides where to
 * ask and what the answers mean.
 * TODO(#14): tested against replayed documented responses only (kwok runs no Loki, Tempo or
 * Thanos); test against the real processes where the Multipass rehearsal runs them.
 */
import { LOKI_PORT } from '../addons/catalog/loki.js';
import { THANOS_FULLNAME, THANOS_NAMESPACE, THANOS_QUERY_PORT } from '../addons/catalog/prometheus.js';
import { TEMPO_HTTP_PORT } from '../addons/catalog/tempo.js';
import type { KubeClient } from '../clients/kube.js';
import {
  type Endpoint,
  lokiQuery,
  type LokiStream,
  type ObservabilityEndpoints,
  type OtlpAttribute,
  type OtlpTrace,
  tempoTrace,
} from '../clients/observability.js';
import { serviceEndpoint } from '../render/endpoints.js';
import type { Platform } from '../spec/model.js';

export interface EndpointOverrides {
  readonly thanosQuery?: string;
  readonly loki?: string;
  readonly tempo?: string;
}

/**
 * Loki and Tempo at the management cluster's pinned addresses (their loopback twins on kwok), on
 * the ports the add-ons render. Thanos Query has no pinned address (only Receive has one, for
 * remote write): it is reached as its Service through the management cluster's API server, with
 * the kubeconfig's credentials, when `managementKube` is given. An override wins over each.
 */
export function observabilityEndpoints(
  platform: Platform,
  overrides: EndpointOverrides = {},
  managementKube?: () => Promise<KubeClient>,
): ObservabilityEndpoints {
  const name = platform.managementCluster;
  const management = platform.clusters.find((c) => c.name === name);
  const at = (address: string | undefined, port: number) =>
    address === undefined ? undefined : `http://${address}:${port}`;
  const loki = overrides.loki ?? at(serviceEndpoint(platform, name, 'loki'), LOKI_PORT);
  const tempo = overrides.tempo ?? at(serviceEndpoint(platform, name, 'tempo'), TEMPO_HTTP_PORT);
  const thanosQuery: Endpoint | undefined =
    overrides.thanosQuery ??
    (managementKube && management?.addons.includes('thanos')
      ? {
          client: managementKube,
          cluster: name,
          namespace: THANOS_NAMESPACE,
          service: `${THANOS_FULLNAME}-query`,
          port: THANOS_QUERY_PORT,
        }
      : undefined);
  return {
    ...(thanosQuery ? { thanosQuery } : {}),
    ...(loki ? { loki } : {}),
    ...(tempo ? { tempo } : {}),
  };
}

/**
 * The trace id a log line carries: a W3C traceparent, or a trace_id / traceID / trace-id field
 * (logfmt, JSON or key=value), as OpenTelemetry's log bridges and most loggers write it.
 */
export function traceIdOf(line: string): string | undefined {
  const traceparent = /\b00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}\b/i.exec(line);
  if (traceparent) return traceparent[1]!.toLowerCase();
  const field = /["']?trace[_-]?id["']?\s*[:=]\s*["']?([0-9a-f]{16,32})\b/i.exec(line);
  return field ? field[1]!.toLowerCase() : undefined;
}

/** The trace id of a log entry: in its line, else in its stream's labels (Loki's structured metadata). */
function traceIdIn(text: string, labels: Readonly<Record<string, string>>): string | undefined {
  const label = labels.trace_id ?? labels.traceID ?? labels.traceId;
  return traceIdOf(text) ?? (label && /^[0-9a-f]{16,32}$/i.test(label) ? label.toLowerCase() : undefined);
}

export interface SpanSummary {
  readonly service: string;
  readonly name: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly durationMs: number;
  readonly error: boolean;
  readonly statusMessage?: string;
}

function attribute(attributes: readonly OtlpAttribute[] | undefined, key: string): string | undefined {
  const value = attributes?.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  const first = Object.values(value)[0];
  return first === undefined ? undefined : String(first);
}

/** Every span of an OTLP trace, flat, with its service and whether its status is ERROR (code 2). */
export function spansOf(trace: OtlpTrace): SpanSummary[] {
  const out: SpanSummary[] = [];
  for (const batch of trace.batches ?? trace.resourceSpans ?? []) {
    const service = attribute(batch.resource?.attributes, 'service.name') ?? '(unknown service)';
    for (const scope of batch.scopeSpans ?? batch.instrumentationLibrarySpans ?? [])
      for (const span of scope.spans ?? []) {
        const start = BigInt(span.startTimeUnixNano ?? '0');
        const end = BigInt(span.endTimeUnixNano ?? span.startTimeUnixNano ?? '0');
        const code = span.status?.code;
        out.push({
          service,
          name: span.name ?? '(unnamed)',
          spanId: span.spanId ?? '',
          ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
          durationMs: Number(end - start) / 1e6,
          error: code === 2 || code === 'STATUS_CODE_ERROR',
          ...(span.status?.message ? { statusMessage: span.status.message } : {}),
        });
      }
  }
  return out;
}

export interface FailureExplanation {
  /** The log line followed, with its stream's labels and time. */
  readonly line: {
    readonly text: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly time?: string;
  };
  readonly traceId?: string;
  /** Every span of the trace; the failing ones first. */
  readonly spans: readonly SpanSummary[];
  readonly failingSpans: readonly SpanSummary[];
  /** What stopped the chain, when it stopped before the trace. */
  readonly gap?: string;
}

/**
 * log line → trace id → trace: the newest line the LogQL query returns that carries a trace id
 * (or the given line), then that trace from Tempo with its failing spans first.
 */
export async function explainFailure(
  endpoints: ObservabilityEndpoints,
  input: { readonly logql?: string; readonly line?: string; readonly start?: string; readonly end?: string },
): Promise<FailureExplanation> {
  let line: FailureExplanation['line'] | undefined;
  if (input.line !== undefined) line = { text: input.line, labels: {} };
  else if (input.logql !== undefined) {
    const answer = await lokiQuery(endpoints, {
      query: input.logql,
      limit: 100,
      direction: 'backward',
      ...(input.start ? { start: input.start } : {}),
      ...(input.end ? { end: input.end } : {}),
    });
    if (answer.data.resultType !== 'streams')
      return {
        line: { text: '', labels: {} },
        spans: [],
        failingSpans: [],
        gap: `the LogQL query is a metric query (${answer.data.resultType}): give a log query, e.g. {namespace="shop"} |= "error"`,
      };
    const entries = (answer.data.result as LokiStream[])
      .flatMap((s) => s.values.map(([time, text]) => ({ time, text, labels: s.stream })))
      .sort((a, b) => (BigInt(b.time) > BigInt(a.time) ? 1 : BigInt(b.time) < BigInt(a.time) ? -1 : 0));
    const withTrace = entries.find((e) => traceIdIn(e.text, e.labels) !== undefined) ?? entries[0];
    if (!withTrace)
      return {
        line: { text: '', labels: {} },
        spans: [],
        failingSpans: [],
        gap: 'the LogQL query returned no line',
      };
    line = withTrace;
  } else throw new Error('explain_failure needs a LogQL query or a log line');
  const traceId = traceIdIn(line.text, line.labels);
  if (!traceId) return { line, spans: [], failingSpans: [], gap: 'the log line carries no trace id' };
  const spans = spansOf(await tempoTrace(endpoints, traceId));
  const failingSpans = spans.filter((s) => s.error);
  return {
    line,
    traceId,
    spans: [...failingSpans, ...spans.filter((s) => !s.error)],
    failingSpans,
    ...(spans.length === 0 ? { gap: 'Tempo has no spans for this trace id' } : {}),
  };
}
