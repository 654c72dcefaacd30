import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../engine/types.js';
import type { RunView } from '../ops/dashboard-run.js';
import type { DashboardSource } from '../ops/dashboard-source.js';
import { projectLayout } from '../project/layout.js';
import { COOKIE, startDashboard, type Dashboard } from './server.js';

const RUN_A = '20260101T100000-aaaaaa';
const RUN_B = '20260101T110000-bbbbbb';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function source(): DashboardSource & {
  healthCalls: boolean[];
  write(runId: string, ...events: EngineEvent[]): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'platformctl-dashboard-server-'));
  made.push(dir);
  const layout = projectLayout(dir);
  const healthCalls: boolean[] = [];
  return {
    layout,
    healthCalls,
    write(runId, ...events) {
      mkdirSync(layout.runLogDir(runId), { recursive: true });
      appendFileSync(layout.runEvents(runId), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    },
    topology: async () => ({ platform: 'lab' }) as never,
    addons: async (cluster) =>
      cluster === 'app1'
        ? { cluster, at: 'now', addons: [{ name: 'cert-manager', release: { installed: false } }] }
        : undefined,
    run: async () => ({ graph: { steps: [], criticalPath: { ids: [], lengthMs: 0 } }, runs: [] }),
    health: async (refresh) => {
      healthCalls.push(refresh);
      return { at: 'now', healthy: true, problems: [], drift: [], saved: {}, errors: [] };
    },
    logTail: async (runId, stepId) => (runId === RUN_A && stepId === 'a/x' ? ['l1', 'l2'] : undefined),
  };
}

const started = (id: string): EngineEvent => ({
  type: 'step-started',
  id,
  cluster: 'a',
  attempt: 1,
  at: 't',
});
const finishedStep = (id: string): EngineEvent => ({
  type: 'step-finished',
  id,
  cluster: 'a',
  outcome: 'succeeded',
  attempts: 1,
  startedAt: 't',
  finishedAt: 't',
  durationMs: 3,
  at: 't',
});
const runStarted = (runId: string): EngineEvent => ({ type: 'run-started', runId, steps: 2, at: 't' });
const runFinished = (runId: string): EngineEvent => ({
  type: 'run-finished',
  runId,
  ok: true,
  counts: { succeeded: 2, unchanged: 0, failed: 0, skipped: 0, cancelled: 0 },
  durationMs: 5,
  at: 't',
});

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function get(
  dashboard: Dashboard,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: dashboard.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Seen {
  id?: string;
  event?: string;
  data: RunView;
}

/** An SSE client: every event with its id, until `done` says it has seen enough. */
function events(
  dashboard: Dashboard,
  headers: Record<string, string>,
  done: (seen: Seen[]) => boolean,
): Promise<{ status: number; type?: string; seen: Seen[] }> {
  return new Promise((resolve, reject) => {
    const seen: Seen[] = [];
    const req = request({ host: '127.0.0.1', port: dashboard.port, path: '/api/events', headers }, (res) => {
      const type = res.headers['content-type'];
      if (res.statusCode !== 200) {
        res.resume();
        resolve({ status: res.statusCode!, seen });
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data)
            seen.push({
              ...(id ? { id } : {}),
              ...(event ? { event } : {}),
              data: JSON.parse(data) as RunView,
            });
        }
        if (done(seen)) {
          req.destroy();
          resolve({ status: 200, ...(type ? { type } : {}), seen });
        }
      });
    });
    req.on('error', (error) => (seen.length ? undefined : reject(error)));
    req.end();
  });
}

const open: Dashboard[] = [];
async function start(options: Partial<Parameters<typeof startDashboard>[0]> = {}) {
  const src = source();
  const dashboard = await startDashboard({ source: src, pollMs: 20, ...options });
  open.push(dashboard);
  return { dashboard, src, cookie: { cookie: `${COOKIE}=${dashboard.token}` } };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

describe('the dashboard server', () => {
  it('listens on 127.0.0.1 on a free port, with a random token in its URL', async () => {
    const { dashboard } = await start();
    const other = await start();
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
    expect(dashboard.port).toBeGreaterThan(0);
    expect(dashboard.token).not.toBe(other.dashboard.token);
  });

  it('answers 401 to a request without the token, with a wrong one, or a wrong cookie', async () => {
    const { dashboard } = await start();
    for (const [path, headers] of [
      ['/', {}],
      ['/api/topology', {}],
      ['/api/events', {}],
      ['/assets/app.js', {}],
      ['/?token=wrong', {}],
      ['/api/topology', { cookie: `${COOKIE}=wrong` }],
      [`/api/topology`, { cookie: `other=${dashboard.token}` }],
    ] as const) {
      const reply = await get(dashboard, path, headers);
      expect({ path, headers, status: reply.status }).toEqual({ path, headers, status: 401 });
      expect(reply.body).not.toContain('lab');
    }
  });

  it('turns the token of the URL into an HttpOnly, SameSite cookie, and takes it off the address', async () => {
    const { dashboard, cookie } = await start();
    const first = await get(dashboard, `/?token=${dashboard.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    expect(first.headers['set-cookie']).toEqual([
      `${COOKIE}=${dashboard.token}; Path=/; HttpOnly; SameSite=Strict`,
    ]);
    const page = await get(dashboard, '/', cookie);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('<script type="module" src="/assets/app.js">');
    // Every asset the page names is served from the package, none from elsewhere.
    for (const asset of [...page.body.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]!)) {
      expect(asset.startsWith('/')).toBe(true);
      expect((await get(dashboard, asset, cookie)).status).toBe(200);
    }
    expect(JSON.parse((await get(dashboard, '/api/topology', cookie)).body)).toEqual({ platform: 'lab' });
  });

  it("serves the views, a known cluster's add-ons, the health checks again only when asked, and a known step log", async () => {
    const { dashboard, src, cookie } = await start();
    expect(JSON.parse((await get(dashboard, '/api/run', cookie)).body).runs).toEqual([]);
    await get(dashboard, '/api/health', cookie);
    await get(dashboard, '/api/health?refresh=1', cookie);
    expect(src.healthCalls).toEqual([false, true]);
    expect(JSON.parse((await get(dashboard, `/api/log?run=${RUN_A}&step=a/x`, cookie)).body)).toEqual({
      lines: ['l1', 'l2'],
    });
    expect((await get(dashboard, `/api/log?run=${RUN_A}&step=../../secrets`, cookie)).status).toBe(404);
    expect((await get(dashboard, '/nothing', cookie)).status).toBe(404);
    expect(JSON.parse((await get(dashboard, '/api/addons?cluster=app1', cookie)).body)).toMatchObject({
      cluster: 'app1',
      addons: [{ name: 'cert-manager', release: { installed: false } }],
    });
    expect((await get(dashboard, '/api/addons?cluster=nope', cookie)).status).toBe(404);
  });

  it('is read-only: anything but GET and HEAD is refused', async () => {
    const { dashboard, cookie } = await start();
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const reply = await get(dashboard, '/api/topology', cookie, method);
      expect(reply.status).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
    }
    expect((await get(dashboard, '/api/topology', cookie, 'HEAD')).status).toBe(200);
  });

  it('refuses a Host other than its own (a page reaching it through DNS rebinding)', async () => {
    const { dashboard, cookie } = await start();
    const reply = await get(dashboard, '/api/topology', {
      ...cookie,
      host: `evil.example:${dashboard.port}`,
    });
    expect(reply.status).toBe(421);
    expect(
      (await get(dashboard, '/api/topology', { ...cookie, host: `localhost:${dashboard.port}` })).status,
    ).toBe(200);
  });

  it('without a token (--no-token) answers every local request', async () => {
    const { dashboard } = await start({ token: false });
    expect(dashboard.token).toBeUndefined();
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/`);
    expect((await get(dashboard, '/api/topology')).status).toBe(200);
  });

  it('opens a browser with a one-time code, not the token, that works once', async () => {
    const { dashboard } = await start();
    const url = new URL(dashboard.openUrl());
    expect(url.search).not.toContain(dashboard.token!);
    const first = await get(dashboard, `/${url.search}`);
    expect(first.status).toBe(303);
    expect(first.headers['set-cookie']?.[0]).toContain(`${COOKIE}=${dashboard.token}`);
    expect((await get(dashboard, `/${url.search}`)).status).toBe(401);
  });

  it('names a port that is in use', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as AddressInfo).port;
    try {
      await expect(startDashboard({ source: source(), port })).rejects.toMatchObject({
        code: 'dashboard.listen',
        kind: 'usage',
        message: `port ${port} on 127.0.0.1 is in use`,
      });
    } finally {
      taken.close();
    }
  });
});

describe('the event stream', () => {
  it("pushes the latest run folded, once as it stands, then whole again on every event written while it is open, through the run's end", async () => {
    const { dashboard, src, cookie } = await start();
    src.write(RUN_A, runStarted(RUN_A), started('a/x'));
    const stream = events(dashboard, cookie, (seen) => {
      if (seen.length === 1) src.write(RUN_A, started('a/y'), finishedStep('a/x'), runFinished(RUN_A));
      return seen.length === 4;
    });
    const { status, type, seen } = await stream;
    expect(status).toBe(200);
    expect(type).toContain('text/event-stream');
    expect(seen.every((e) => e.event === 'run')).toBe(true);
    // The two events already written are one view; each later event is one.
    expect(seen.map((e) => e.id)).toEqual([`${RUN_A}:2`, `${RUN_A}:3`, `${RUN_A}:4`, `${RUN_A}:5`]);
    const states = seen.map((e) =>
      Object.fromEntries(Object.values(e.data.steps).map((step) => [step.id, step.state])),
    );
    expect(states).toEqual([
      { 'a/x': 'running' },
      { 'a/x': 'running', 'a/y': 'running' },
      { 'a/x': 'succeeded', 'a/y': 'running' },
      { 'a/x': 'succeeded', 'a/y': 'running' },
    ]);
    expect(seen[0]!.data).toMatchObject({ runId: RUN_A, total: 2, startedAt: 't' });
    expect(seen[2]!.data.steps['a/x']).toMatchObject({ attempt: 1, durationMs: 3 });
    expect(seen.map((e) => e.data.ok)).toEqual([undefined, undefined, undefined, true]);
    expect(seen[3]!.data).toMatchObject({ finishedAt: 't', durationMs: 5 });
  });

  it('a reconnect with Last-Event-ID gets that run whole, with what it missed, then the next run when one starts', async () => {
    const { dashboard, src, cookie } = await start();
    src.write(RUN_A, runStarted(RUN_A), started('a/x'), runFinished(RUN_A));
    const { seen } = await events(dashboard, { ...cookie, 'last-event-id': `${RUN_A}:2` }, (seen) => {
      if (seen.length === 1) src.write(RUN_B, runStarted(RUN_B));
      return seen.length === 2;
    });
    expect(seen.map((e) => e.id)).toEqual([`${RUN_A}:3`, `${RUN_B}:1`]);
    expect(seen[0]!.data).toMatchObject({ runId: RUN_A, ok: true, steps: { 'a/x': { state: 'running' } } });
    expect(seen[1]!.data).toEqual({ runId: RUN_B, startedAt: 't', total: 2, steps: {} });
  });

  it('sends nothing until a first run starts, then that run', async () => {
    const { dashboard, src, cookie } = await start();
    let sent = false;
    const { seen } = await events(dashboard, cookie, (seen) => {
      if (!sent) {
        sent = true;
        setTimeout(() => src.write(RUN_A, runStarted(RUN_A)), 100);
      }
      return seen.length === 1;
    });
    expect(seen.map((e) => [e.id, e.data.runId])).toEqual([[`${RUN_A}:1`, RUN_A]]);
  });

  it('needs the token too', async () => {
    const { dashboard } = await start();
    expect((await events(dashboard, {}, () => true)).status).toBe(401);
  });

  it('closes its streams when the server closes', async () => {
    const { dashboard, src, cookie } = await start();
    src.write(RUN_A, runStarted(RUN_A));
    let ended = false;
    await new Promise<void>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: dashboard.port, path: '/api/events', headers: cookie },
        (res) => {
          res.once('data', () => {
            void dashboard.close();
            resolve();
          });
          res.on('close', () => (ended = true));
        },
      );
      req.on('error', () => (ended = true));
      req.end();
    });
    for (let i = 0; i < 100 && !ended; i++) await new Promise((r) => setTimeout(r, 10));
    expect(ended).toBe(true);
  });
});
