/**
 * The dashboard's HTTP server: 127.0.0.1 only, every request carrying the random token of the
 * printed URL (as `?token=`, then as the cookie the first visit sets), GET and HEAD only, the
 * page's assets from the package (nothing from the internet), JSON views from the data source,
 * and the latest run folded from the engine's events, sent as server-sent events whenever it
 * changes (`/api/events`, `event: run`, resumable by Last-Event-ID).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PlatformctlError } from '../errors.js';
import { followRunViews, formatPosition, parsePosition } from '../ops/dashboard-run.js';
import type { DashboardSource } from '../ops/dashboard-source.js';

export const COOKIE = 'platformctl_dashboard';
const HOST = '127.0.0.1';
const ASSETS = new URL('./assets/', import.meta.url);

const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/assets/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export class DashboardError extends PlatformctlError {
  override readonly name = 'DashboardError';
}

export interface DashboardOptions {
  readonly source: DashboardSource;
  /** 0 (default): a free port the system picks. */
  readonly port?: number;
  /** false: no token (`--no-token`); otherwise this one, or a random one. */
  readonly token?: string | false;
  /** How often the event files are read for new lines. */
  readonly pollMs?: number;
  readonly heartbeatMs?: number;
}

export interface Dashboard {
  /** The URL to open, with the token. */
  readonly url: string;
  readonly port: number;
  readonly token: string | undefined;
  /**
   * A URL for a browser started by platformctl (`--open`): its code works once, within a
   * minute, and is exchanged for the token's cookie, so the token itself is on no command line.
   */
  openUrl(): string;
  close(): Promise<void>;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra = {}) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const json = (res: ServerResponse, value: unknown, status = 200) =>
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`);

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const token =
    options.token === false ? undefined : (options.token ?? randomBytes(24).toString('base64url'));
  const streams = new Set<AbortController>();
  /** One-time codes of openUrl() and when each expires. */
  const codes = new Map<string, number>();
  let port = 0;

  const redeem = (code: string | null): boolean => {
    if (!code) return false;
    const expires = codes.get(code);
    codes.delete(code);
    return expires !== undefined && Date.now() <= expires;
  };

  const authorised = (req: IncomingMessage, url: URL): 'cookie' | 'query' | false => {
    if (token === undefined) return 'cookie';
    if (sameToken(cookieOf(req, COOKIE), token)) return 'cookie';
    if (sameToken(url.searchParams.get('token') ?? undefined, token)) return 'query';
    if (url.pathname === '/' && redeem(url.searchParams.get('code'))) return 'query';
    return false;
  };

  const events = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const controller = new AbortController();
    streams.add(controller);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
    const stop = () => {
      clearInterval(heartbeat);
      controller.abort();
      streams.delete(controller);
    };
    req.on('close', stop);
    const header = req.headers['last-event-id'];
    const after = parsePosition(
      (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('after') ?? undefined,
    );
    void followRunViews(options.source.layout, {
      ...(after ? { after } : {}),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
      signal: controller.signal,
      onView: (view, position) =>
        res.write(`id: ${formatPosition(position)}\nevent: run\ndata: ${JSON.stringify(view)}\n\n`),
    })
      .catch((error: unknown) => {
        if (!controller.signal.aborted)
          res.write(`event: failure\ndata: ${JSON.stringify({ message: (error as Error).message })}\n\n`);
      })
      .finally(() => {
        stop();
        res.end();
      });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // A page of another site reaching 127.0.0.1 through a name it controls (DNS rebinding) sends its own Host.
    const host = req.headers.host ?? '';
    if (host !== `${HOST}:${port}` && host !== `localhost:${port}`)
      return send(res, 421, 'text/plain; charset=utf-8', 'this dashboard answers only as 127.0.0.1\n');
    const url = new URL(req.url ?? '/', `http://${host}`);
    const access = authorised(req, url);
    if (!access)
      return send(
        res,
        401,
        'text/plain; charset=utf-8',
        'unauthorised: open the URL `platformctl dashboard` printed (it carries the token)\n',
      );
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain; charset=utf-8', 'read-only: GET and HEAD only\n', {
        allow: 'GET, HEAD',
      });
    const cookie =
      access === 'query' && token
        ? { 'set-cookie': `${COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict` }
        : {};
    // The token leaves the address bar (and the history) once the cookie carries it.
    if (access === 'query' && url.pathname === '/') {
      res.writeHead(303, { ...SECURITY_HEADERS, ...cookie, location: `/${url.hash}` });
      return res.end();
    }
    const asset = FILES[url.pathname];
    if (asset) return send(res, 200, asset.type, await readFile(new URL(asset.file, ASSETS)), cookie);
    switch (url.pathname) {
      case '/api/topology':
        return json(res, await options.source.topology());
      case '/api/addons': {
        const addons = await options.source.addons(url.searchParams.get('cluster') ?? '');
        return addons ? json(res, addons) : json(res, { error: 'no such cluster' }, 404);
      }
      case '/api/run':
        return json(res, await options.source.run());
      case '/api/health':
        return json(res, await options.source.health(url.searchParams.get('refresh') === '1'));
      case '/api/log': {
        const lines = await options.source.logTail(
          url.searchParams.get('run') ?? '',
          url.searchParams.get('step') ?? '',
        );
        return lines ? json(res, { lines }) : json(res, { error: 'no such run or step' }, 404);
      }
      case '/api/events':
        return events(req, res, url);
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.end();
      json(
        res,
        { error: { message: (error as Error).message, code: (error as { code?: string }).code } },
        500,
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new DashboardError(
          'dashboard.listen',
          error.code === 'EADDRINUSE' ? 'usage' : 'environment',
          error.code === 'EADDRINUSE'
            ? `port ${options.port} on ${HOST} is in use`
            : `cannot listen on ${HOST}:${options.port ?? 0}: ${error.message}`,
          error.code === 'EADDRINUSE'
            ? { hint: 'choose another --port, or leave it out for a free one' }
            : {},
        ),
      ),
    );
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}/${token ? `?token=${token}` : ''}`,
    port,
    token,
    openUrl: () => {
      if (!token) return `http://${HOST}:${port}/`;
      const code = randomBytes(18).toString('base64url');
      codes.set(code, Date.now() + 60_000);
      return `http://${HOST}:${port}/?code=${code}`;
    },
    close: async () => {
      for (const stream of streams) stream.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
