/**
 * Small clients of the platform's observability APIs, over the http chokepoint: PromQL through
 * Thanos Query (the Prometheus HTTP API, /api/v1/query and /api/v1/query_range), LogQL through
 * Loki (/loki/api/v1/query_range) and TraceQL search and trace by id through Tempo
 * (/api/search, /api/traces/<id>). An API answers at a URL, or as a Service that the API server
 * proxies (/api/v1/namespaces/<ns>/services/http:<name>:<port>/proxy/...). Each returns the API's own JSON; an answer that is not 2xx,
 * or not JSON, is an ObservabilityApiError with the status and the start of the body.
 */
import { PlatformctlError } from '../errors.js';
import { exchange, type HttpResponse } from './http.js';
import type { KubeClient } from './kube.js';

export class ObservabilityApiError extends PlatformctlError {
  override readonly name = 'ObservabilityApiError';
  constructor(
    readonly api: string,
    readonly url: string,
    readonly status: number | undefined,
    detail: string,
  ) {
    super(
      'observability.api',
      'failed',
      `${api} at ${url}: ${status === undefined ? detail : `${status}: ${detail}`}`,
    );
  }
}

/** A Service reached through its cluster's API server proxy, with the kubeconfig's credentials. */
export interface ServiceProxy {
  readonly client: () => Promise<KubeClient>;
  readonly cluster: string;
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
}

/** A URL, or a Service behind the API server. */
export type Endpoint = string | ServiceProxy;

/** Where each API answers; undefined when the platform has none reachable from here. */
export interface ObservabilityEndpoints {
  readonly thanosQuery?: Endpoint;
  readonly loki?: Endpoint;
  readonly tempo?: Endpoint;
}

/** How an endpoint reads in messages and tool descriptions. */
export function describeEndpoint(endpoint: Endpoint): string {
  return typeof endpoint === 'string'
    ? endpoint
    : `Service ${endpoint.namespace}/${endpoint.service}:${endpoint.port} through the ${endpoint.cluster} API server`;
}

const TIMEOUT_MS = 15_000;

async function send(
  endpoint: Endpoint,
  path: string,
  query: Record<string, string>,
): Promise<{ shown: string; response: HttpResponse }> {
  const search = new URLSearchParams(query).toString();
  if (typeof endpoint === 'string') {
    const url = new URL(path, endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
    url.search = search;
    return {
      shown: `${url.origin}${url.pathname}`,
      response: await exchange({ method: 'GET', url, timeoutMs: TIMEOUT_MS }),
    };
  }
  const proxied = `/api/v1/namespaces/${encodeURIComponent(endpoint.namespace)}/services/http:${encodeURIComponent(endpoint.service)}:${endpoint.port}/proxy/${path}`;
  const client = await endpoint.client();
  return {
    shown: `${describeEndpoint(endpoint)} (${client.config.server}${proxied})`,
    response: await client.raw(`${proxied}${search ? `?${search}` : ''}`),
  };
}

async function getJson(
  api: string,
  endpoint: Endpoint,
  path: string,
  query: Record<string, string>,
): Promise<unknown> {
  let shown = describeEndpoint(endpoint);
  let response: HttpResponse;
  try {
    ({ shown, response } = await send(endpoint, path, query));
  } catch (error) {
    throw new ObservabilityApiError(api, shown, undefined, (error as Error).message);
  }
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    throw new ObservabilityApiError(
      api,
      shown,
      response.status,
      response.text.slice(0, 500) || response.statusMessage || 'not JSON',
    );
  }
  if (response.status < 200 || response.status >= 300) {
    // The Prometheus API (and Loki's, which follows it) says why in `error`; the API server's
    // proxy, in a Status object's `message`.
    const { error, message } = body as { error?: unknown; message?: unknown };
    const reason = typeof error === 'string' ? error : typeof message === 'string' ? message : undefined;
    throw new ObservabilityApiError(api, shown, response.status, reason ?? response.text.slice(0, 500));
  }
  return body;
}

function required(api: string, base: Endpoint | undefined): Endpoint {
  if (!base)
    throw new ObservabilityApiError(
      api,
      '(none)',
      undefined,
      'this platform has no address for it (is its add-on enabled on the management cluster?)',
    );
  return base;
}

/** The Prometheus HTTP API's envelope (Thanos Query serves the same). */
export interface PrometheusAnswer {
  readonly status: 'success' | 'error';
  readonly data?: { readonly resultType: string; readonly result: unknown };
  readonly warnings?: readonly string[];
}

export function promQuery(
  endpoints: ObservabilityEndpoints,
  query: {
    readonly query: string;
    readonly time?: string;
    readonly start?: string;
    readonly end?: string;
    readonly step?: string;
  },
): Promise<PrometheusAnswer> {
  const base = required('Thanos Query', endpoints.thanosQuery);
  const range = query.start !== undefined && query.end !== undefined;
  return getJson('Thanos Query', base, range ? 'api/v1/query_range' : 'api/v1/query', {
    query: query.query,
    ...(range ? { start: query.start!, end: query.end!, step: query.step ?? '60' } : {}),
    ...(!range && query.time ? { time: query.time } : {}),
  }) as Promise<PrometheusAnswer>;
}

export interface LokiStream {
  readonly stream: Readonly<Record<string, string>>;
  /** [nanosecond timestamp, line] pairs. */
  readonly values: ReadonlyArray<readonly [string, string]>;
}

export interface LokiAnswer {
  readonly status: string;
  readonly data: { readonly resultType: string; readonly result: readonly unknown[] };
}

export function lokiQuery(
  endpoints: ObservabilityEndpoints,
  query: {
    readonly query: string;
    readonly start?: string;
    readonly end?: string;
    readonly limit?: number;
    readonly direction?: 'forward' | 'backward';
  },
): Promise<LokiAnswer> {
  const base = required('Loki', endpoints.loki);
  return getJson('Loki', base, 'loki/api/v1/query_range', {
    query: query.query,
    limit: String(query.limit ?? 100),
    direction: query.direction ?? 'backward',
    ...(query.start ? { start: query.start } : {}),
    ...(query.end ? { end: query.end } : {}),
  }) as Promise<LokiAnswer>;
}

export interface TempoSearchAnswer {
  readonly traces: ReadonlyArray<{
    readonly traceID: string;
    readonly rootServiceName?: string;
    readonly rootTraceName?: string;
    readonly startTimeUnixNano?: string;
    readonly durationMs?: number;
    readonly spanSets?: readonly unknown[];
  }>;
  readonly metrics?: Readonly<Record<string, unknown>>;
}

export function tempoSearch(
  endpoints: ObservabilityEndpoints,
  query: { readonly q: string; readonly start?: number; readonly end?: number; readonly limit?: number },
): Promise<TempoSearchAnswer> {
  const base = required('Tempo', endpoints.tempo);
  return getJson('Tempo', base, 'api/search', {
    q: query.q,
    limit: String(query.limit ?? 20),
    ...(query.start !== undefined ? { start: String(query.start) } : {}),
    ...(query.end !== undefined ? { end: String(query.end) } : {}),
  }) as Promise<TempoSearchAnswer>;
}

/** A trace in OTLP JSON: `batches` (Tempo's /api/traces) or `resourceSpans` (OTLP, /api/v2). */
export interface OtlpTrace {
  readonly batches?: readonly OtlpResourceSpans[];
  readonly resourceSpans?: readonly OtlpResourceSpans[];
}

export interface OtlpAttribute {
  readonly key: string;
  readonly value: Readonly<Record<string, unknown>>;
}

export interface OtlpResourceSpans {
  readonly resource?: { readonly attributes?: readonly OtlpAttribute[] };
  readonly scopeSpans?: ReadonlyArray<{ readonly spans?: readonly OtlpSpan[] }>;
  /** Older Tempo versions. */
  readonly instrumentationLibrarySpans?: ReadonlyArray<{ readonly spans?: readonly OtlpSpan[] }>;
}

export interface OtlpSpan {
  readonly traceId?: string;
  readonly spanId?: string;
  readonly parentSpanId?: string;
  readonly name?: string;
  readonly startTimeUnixNano?: string;
  readonly endTimeUnixNano?: string;
  readonly attributes?: readonly OtlpAttribute[];
  readonly status?: { readonly code?: number | string; readonly message?: string };
}

export function tempoTrace(endpoints: ObservabilityEndpoints, traceId: string): Promise<OtlpTrace> {
  const base = required('Tempo', endpoints.tempo);
  return getJson('Tempo', base, `api/traces/${encodeURIComponent(traceId)}`, {}) as Promise<OtlpTrace>;
}
