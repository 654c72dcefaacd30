/**
 * One HTTP(S) exchange with a JSON API (the Kubernetes API server, Vault, the model APIs of
 * `analyze --explain`): the TLS material, a timeout, and the whole response as text with its
 * headers. The clients interpret status, headers (Retry-After) and body.
 */
import { type Agent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

export interface HttpExchange {
  readonly method: string;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as is; the content type is the caller's. */
  readonly body?: string;
  readonly ca?: string | Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly rejectUnauthorized?: boolean;
  /** The name the server's certificate must carry, when it is not the URL's host (`tls-server-name`). */
  readonly servername?: string;
  /** A proxy agent (`proxy-url`); otherwise Node's global agent. */
  readonly agent?: Agent;
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly statusMessage: string;
  readonly text: string;
  /** Lower-case names, as node gives them. */
  readonly headers: Readonly<IncomingHttpHeaders>;
}

export function exchange(options: HttpExchange): Promise<HttpResponse> {
  const send = options.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolvePromise, reject) => {
    const req = send(
      options.url,
      {
        method: options.method,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.cert ? { cert: options.cert } : {}),
        ...(options.key ? { key: options.key } : {}),
        ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
        ...(options.servername ? { servername: options.servername } : {}),
        ...(options.agent ? { agent: options.agent } : {}),
        headers: {
          accept: 'application/json',
          ...options.headers,
          ...(options.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(options.body)) }),
        },
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            text: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.method} ${options.url.pathname}: timed out`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/**
 * Whether something accepts a TCP connection at the URL's host and port within timeoutMs (the
 * scheme's port when it names none). Opens and closes one connection, sends nothing: a cheap
 * look before a request whose own timeout is long (an address on a network this machine is not
 * on would otherwise hold the caller, and the process, until the request times out).
 */
export function accepts(url: URL, timeoutMs: number): Promise<boolean> {
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolvePromise) => {
    const socket = connect({ host, port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolvePromise(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface DownloadResult {
  readonly status: number;
  readonly statusMessage: string;
  /** The body when the status was not 2xx (then nothing was written), up to 64 KiB. */
  readonly text: string;
  /** Bytes written to the file (2xx only). */
  readonly bytes: number;
}

/**
 * A GET whose 2xx body streams into `path` (created 0600, never read into memory); any other
 * status leaves no file and returns the body as text for the caller's error.
 */
export function download(
  options: Omit<HttpExchange, 'body' | 'method'> & { readonly path: string; readonly signal?: AbortSignal },
): Promise<DownloadResult> {
  const send = options.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolvePromise, reject) => {
    const req = send(
      options.url,
      {
        method: 'GET',
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.cert ? { cert: options.cert } : {}),
        ...(options.key ? { key: options.key } : {}),
        ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        headers: { ...options.headers },
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const statusMessage = res.statusMessage ?? '';
        if (status < 200 || status >= 300) {
          const chunks: Buffer[] = [];
          let kept = 0;
          res.on('data', (chunk: Buffer) => {
            if (kept < 65_536) chunks.push(chunk);
            kept += chunk.length;
          });
          res.on('end', () =>
            resolvePromise({
              status,
              statusMessage,
              text: Buffer.concat(chunks).toString('utf8').slice(0, 65_536),
              bytes: 0,
            }),
          );
          res.on('error', reject);
          return;
        }
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        pipeline(res, createWriteStream(options.path, { mode: 0o600, flags: 'wx' })).then(
          () => resolvePromise({ status, statusMessage, text: '', bytes }),
          async (error: unknown) => {
            await rm(options.path, { force: true });
            reject(error as Error);
          },
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${options.url.pathname}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}
