/**
 * A local HTTP server that replays response bodies of Thanos Query (the Prometheus HTTP API),
 * Loki and Tempo in the formats their official API docs give (fixtures/observability/), in
 * place of the live processes, which kwok does not run. Listens on a loopback address only, and
 * records every request so that a test can assert what was asked.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopback } from './loopback-only.js';

const FIXTURES = new URL('./fixtures/observability/', import.meta.url);

export function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export interface ReplayRoute {
  readonly status?: number;
  readonly body: string;
}

export interface Replay {
  readonly url: string;
  /** Each request's path and query, in order. */
  readonly requests: Array<{ readonly path: string; readonly query: Record<string, string> }>;
  close(): Promise<void>;
}

/** Routes by path (exact, or a prefix ending in '*'); anything else is 404. */
export async function startReplay(
  routes: Readonly<Record<string, ReplayRoute>>,
  options: { readonly host?: string; readonly port?: number } = {},
): Promise<Replay> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`the replay server listens on loopback only, not ${host}`);
  const requests: Replay['requests'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    const route =
      routes[url.pathname] ??
      Object.entries(routes).find(
        ([key]) => key.endsWith('*') && url.pathname.startsWith(key.slice(0, -1)),
      )?.[1];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found\n');
      return;
    }
    res.writeHead(route.status ?? 200, { 'content-type': 'application/json' });
    res.end(route.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
