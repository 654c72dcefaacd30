/**
 * A local HTTP server on 127.0.0.1 that answers the model APIs' paths with replayed responses
 * (`llm-responses/`, shaped after each API's documented examples), in the order a test scripts
 * them, and records every request it got so that tests can assert what left the machine.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AiBackendName } from '../spec/types.js';

export interface ReplayedResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent as is (a body that is not JSON). */
  readonly text?: string;
  /** Never answer (a timeout test); the connection is dropped when the server closes. */
  readonly hang?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One of the replayed documented responses: `replayed('openai', 'rate-limit')`. */
export function replayed(backend: AiBackendName, name: string): ReplayedResponse {
  return JSON.parse(
    readFileSync(new URL(`./llm-responses/${backend}/${name}.json`, import.meta.url), 'utf8'),
  ) as ReplayedResponse;
}

/** Which backend a request is for, by the path each API documents. */
export function backendOfPath(path: string): AiBackendName | undefined {
  if (/^\/v1beta\/models\/[^/]+:generateContent$/.test(path)) return 'gemini';
  if (path === '/v1/chat/completions') return 'openai';
  if (path === '/v1/messages') return 'anthropic';
  if (path === '/api/chat') return 'ollama';
  return undefined;
}

export class LlmReplayServer {
  readonly requests: RecordedRequest[] = [];
  readonly #queues = new Map<AiBackendName, ReplayedResponse[]>();

  readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
        this.requests.push({
          method: req.method ?? '',
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const backend = backendOfPath(path);
        const next = backend ? this.#queues.get(backend)?.shift() : undefined;
        const reply: ReplayedResponse = next ?? {
          status: 599,
          text: `no response scripted for ${req.method} ${path}`,
        };
        if (reply.hang) return;
        res.writeHead(reply.status, { ...reply.headers });
        res.end(reply.text ?? JSON.stringify(reply.body));
      });
    });
  }

  static async start(): Promise<LlmReplayServer> {
    const replay = new LlmReplayServer();
    await new Promise<void>((resolve) => replay.server.listen(0, '127.0.0.1', resolve));
    return replay;
  }

  /** Where every backend's `url` points in the tests. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The responses the next requests for `backend` get, in order. */
  script(backend: AiBackendName, ...responses: ReplayedResponse[]): this {
    this.#queues.set(backend, [...(this.#queues.get(backend) ?? []), ...responses]);
    return this;
  }

  requestsFor(backend: AiBackendName): RecordedRequest[] {
    return this.requests.filter((r) => backendOfPath(r.path) === backend);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
