/**
 * What every model API client of `analyze --explain` speaks: one question (a system text and a
 * prompt) in, the answer with the tokens the API counted out, and one typed error for every way
 * a call fails, which says whether another attempt may succeed and when.
 */
import { type HasDetails, PlatformctlError } from '../../errors.js';
import type { AiBackendName } from '../../spec/types.js';
import { redact } from '../exec.js';
import { exchange, type HttpResponse } from '../http.js';

export type { AiBackendName };

export interface ChatRequest {
  readonly model: string;
  readonly system: string;
  readonly prompt: string;
  readonly maxOutputTokens: number;
  readonly timeoutMs: number;
}

export interface ChatAnswer {
  readonly text: string;
  /** As the API's usage fields count them. */
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface LlmClient {
  readonly backend: AiBackendName;
  complete(request: ChatRequest): Promise<ChatAnswer>;
}

/**
 * - `auth`: the key is missing, wrong or lacks permission (401/403, Gemini's API_KEY_INVALID);
 * - `rate-limit`: 429; `quota`: OpenAI's 429 insufficient_quota (no retry helps);
 * - `overloaded`: Anthropic's 529; `server`: 5xx; `unreachable`: no answer or a timeout;
 * - `request`: any other 4xx (a model that does not exist, ...); `malformed`: a body that is not
 *   what the API documents.
 */
export type LlmFailure =
  'auth' | 'rate-limit' | 'quota' | 'overloaded' | 'server' | 'unreachable' | 'request' | 'malformed';

const RETRYABLE: ReadonlySet<LlmFailure> = new Set(['rate-limit', 'overloaded', 'server', 'unreachable']);

export class LlmError extends PlatformctlError implements HasDetails {
  override readonly name = 'LlmError';
  constructor(
    readonly backend: AiBackendName,
    readonly failure: LlmFailure,
    message: string,
    readonly status?: number,
    /** What the API asked for (Retry-After, Gemini's RetryInfo), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(`llm.${failure}`, failure === 'auth' ? 'environment' : 'failed', `${backend}: ${message}`, {
      ...(failure === 'auth'
        ? { hint: `check the ${backend} API key (environment or Vault secret/platform/k8sgpt)` }
        : {}),
    });
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.failure);
  }

  details(): Readonly<Record<string, unknown>> {
    return {
      backend: this.backend,
      failure: this.failure,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
    };
  }
}

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3), in milliseconds from `now`. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value.trim()) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The status classes every API shares; the clients refine 400/429 from their bodies. */
export function failureOfStatus(status: number): LlmFailure {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate-limit';
  if (status === 529) return 'overloaded';
  if (status >= 500) return 'server';
  return 'request';
}

export interface JsonReply {
  readonly response: HttpResponse;
  /** undefined when the body is not JSON. */
  readonly body: unknown;
}

/**
 * POSTs a JSON body through the HTTP chokepoint. Network failures and timeouts become
 * `unreachable`; the secrets never appear in any message.
 */
export async function postJson(
  backend: AiBackendName,
  url: URL,
  headers: Readonly<Record<string, string>>,
  payload: unknown,
  timeoutMs: number,
  secrets: readonly string[],
): Promise<JsonReply> {
  const response = await exchange({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
    timeoutMs,
  }).catch((error: unknown) => {
    throw new LlmError(
      backend,
      'unreachable',
      redact(`POST ${url.origin}${url.pathname}: ${(error as Error).message}`, secrets),
    );
  });
  let body: unknown;
  try {
    body = response.text ? JSON.parse(response.text) : undefined;
  } catch {
    body = undefined;
  }
  return { response, body };
}

/** A short, secret-free excerpt of a body that is not what the API documents. */
export function excerpt(text: string, secrets: readonly string[]): string {
  const flat = redact(text, secrets).replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}...` : flat || '(empty body)';
}

/** The URL of `path` under a base URL that may itself have a path (a gateway's /proxy/...). */
export function endpoint(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url;
}

/**
 * What the clients with an API key share: the key kept private, sent only in the headers the API
 * documents, and cut out of every error.
 */
export abstract class KeyedClient implements LlmClient {
  abstract readonly backend: AiBackendName;
  readonly #key: string;

  constructor(
    readonly baseUrl: string,
    key: string,
  ) {
    this.#key = key;
  }

  abstract complete(request: ChatRequest): Promise<ChatAnswer>;

  /** The texts no message may contain. */
  protected get secrets(): readonly string[] {
    return [this.#key];
  }

  /** POSTs `payload` to `path` under the base URL, with the key in the headers `auth` makes of it. */
  protected post(
    path: string,
    auth: (key: string) => Readonly<Record<string, string>>,
    payload: unknown,
    timeoutMs: number,
  ): Promise<JsonReply> {
    return postJson(this.backend, endpoint(this.baseUrl, path), auth(this.#key), payload, timeoutMs, [
      this.#key,
    ]);
  }
}
