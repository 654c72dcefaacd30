import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ObservabilityEndpoints } from '../clients/observability.js';
import { openProject, type Project } from '../ops/project.js';
import { fixture, type Replay, startReplay } from '../test-support/observability-replay.js';
import { createPlatformServer, mcpToken, serveHttp } from './server.js';
import { WRITE_TOOLS } from './tools.js';

let dir: string;
let project: Project;
let replay: Replay;
let endpoints: ObservabilityEndpoints;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'platformctl-mcp-'));
  project = await openProject({ cwd: dir, provider: 'kwok', env: {} });
  replay = await startReplay({
    '/api/v1/query': { body: fixture('prometheus-query-vector.json') },
    '/loki/api/v1/query_range': { body: fixture('loki-query-range-streams.json') },
    '/api/search': { body: fixture('tempo-search.json') },
    '/api/traces/5b8efff798038103d269b633813fc60c': { body: fixture('tempo-trace.json') },
  });
  endpoints = { thanosQuery: replay.url, loki: replay.url, tempo: replay.url };
});

afterAll(async () => {
  await replay.close();
  rmSync(dir, { recursive: true, force: true });
});

const open: Client[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function connected(options: { allowWrite?: boolean; endpoints?: ObservabilityEndpoints } = {}) {
  const server = createPlatformServer(
    { project, endpoints: options.endpoints ?? endpoints, allowWrite: options.allowWrite ?? false },
    '0.0.0-test',
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  open.push(client);
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args })) as CallToolResult;
const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;

describe('the MCP tools', () => {
  it('lists every read tool with an input schema, read-only; the write tools only with --allow-write, each saying it changes the cluster', async () => {
    const READ = [
      'analyze',
      'events',
      'explain_failure',
      'get_resource',
      'get_trace',
      'list_resources',
      'logql_query',
      'plan',
      'platform_status',
      'pod_logs',
      'promql_query',
      'traceql_search',
      'verify',
    ];
    const { tools } = await (await connected()).listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(READ);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
      expect(tool.description, tool.name).not.toContain('CHANGES THE CLUSTER');
    }
    expect(tools.find((t) => t.name === 'analyze')!.outputSchema?.properties).toHaveProperty('findings');
    const writable = (await (await connected({ allowWrite: true })).listTools()).tools;
    expect(writable.map((t) => t.name).sort()).toEqual([...READ, ...WRITE_TOOLS].sort());
    for (const tool of writable.filter((t) => (WRITE_TOOLS as readonly string[]).includes(t.name))) {
      expect(tool.description!.startsWith('CHANGES THE CLUSTER.'), tool.name).toBe(true);
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(false);
    }
  });

  it('plan answers the same steps as the library', async () => {
    const result = await call(await connected(), 'plan');
    expect(result.isError).toBeFalsy();
    const { rows } = await project.plan();
    const answered = result.structuredContent as { steps: Array<{ id: string; status: string }> };
    expect(answered.steps.map((s) => s.id)).toEqual(rows.map((r) => r.id));
    expect(answered.steps.every((s) => s.status === 'new')).toBe(true);
    expect(JSON.parse(text(result))).toEqual(answered);
  });

  it('platform_status reports clusters that do not exist as problems (no cluster was created here)', async () => {
    const result = await call(await connected(), 'platform_status', { check: false });
    const status = result.structuredContent as { healthy: boolean; problems: string[] };
    expect(status.healthy).toBe(false);
    expect(status.problems).toContain('cluster mgmt does not exist');
  });

  it('analyze returns its findings as structured content, validated against its output schema', async () => {
    const result = await call(await connected(), 'analyze', { clusters: ['app1'] });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      findings: [{ cluster: 'app1', analyzer: 'Cluster', severity: 'error', evidence: 'does not exist' }],
      errors: 1,
      warnings: 0,
    });
  });

  it('rejects an invalid argument with the schema error before any handler runs', async () => {
    const client = await connected();
    const before = replay.requests.length;
    const result = await call(client, 'get_trace', { traceId: 'not-hex' });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/Input validation error.*a trace id is 16 to 32 hexadecimal digits/);
    const limit = await call(client, 'list_resources', { cluster: 'mgmt', kind: 'Pod', limit: 0 });
    expect(text(limit)).toMatch(/Input validation error/);
    expect(replay.requests.length).toBe(before);
  });

  it('a write tool without --allow-write is refused, saying why, touching nothing; with it, the call reaches the library', async () => {
    const args = { cluster: 'nowhere', kind: 'Deployment', namespace: 'shop', name: 'checkout', replicas: 2 };
    const refused = await call(await connected(), 'scale_workload', args);
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('this MCP server is read-only: it was started without --allow-write');
    expect(text(refused)).toContain('(code mcp.read-only)');
    // Any other unknown tool is the SDK's own answer.
    expect(text(await call(await connected(), 'no_such_tool'))).toContain('Tool no_such_tool not found');
    const allowed = await call(await connected({ allowWrite: true }), 'scale_workload', args);
    expect(allowed.isError).toBe(true);
    expect(text(allowed)).toContain('(code cluster.unknown)');
  });
});

describe('observability tools against replayed documented responses (not a live Thanos, Loki or Tempo)', () => {
  it('promql_query passes the query to Thanos Query and answers the Prometheus API envelope (replayed docs example)', async () => {
    const result = await call(await connected(), 'promql_query', { query: 'up' });
    expect(result.structuredContent).toMatchObject({ status: 'success', data: { resultType: 'vector' } });
    expect((result.structuredContent as { data: { result: unknown[] } }).data.result).toHaveLength(2);
    expect(replay.requests.at(-1)).toEqual({ path: '/api/v1/query', query: { query: 'up' } });
  });

  it("promql_query reports the API's own error of a bad query (replayed bad_data envelope, HTTP 400)", async () => {
    const bad = await startReplay({
      '/api/v1/query': { status: 400, body: fixture('prometheus-error-bad-data.json') },
    });
    try {
      const result = await call(await connected({ endpoints: { thanosQuery: bad.url } }), 'promql_query', {
        query: 'up{',
      });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('400: invalid parameter "query": 1:4: parse error');
    } finally {
      await bad.close();
    }
  });

  it('logql_query and traceql_search answer as Loki and Tempo do (replayed documented formats)', async () => {
    const client = await connected();
    const logs = await call(client, 'logql_query', { query: '{namespace="shop"} |= "error"', limit: 10 });
    expect(logs.structuredContent).toMatchObject({ status: 'success', data: { resultType: 'streams' } });
    expect(replay.requests.at(-1)).toMatchObject({
      path: '/loki/api/v1/query_range',
      query: { query: '{namespace="shop"} |= "error"', limit: '10', direction: 'backward' },
    });
    const traces = await call(client, 'traceql_search', { query: '{ status = error }' });
    expect(traces.structuredContent).toMatchObject({
      traces: [{ traceID: '5b8efff798038103d269b633813fc60c', rootServiceName: 'checkout' }],
    });
    expect(replay.requests.at(-1)).toMatchObject({ path: '/api/search', query: { q: '{ status = error }' } });
  });

  it('get_trace lists the spans of a trace, failing ones first (replayed documented OTLP JSON)', async () => {
    const result = await call(await connected(), 'get_trace', {
      traceId: '5B8EFFF798038103D269B633813FC60C',
    });
    const spans = (
      result.structuredContent as {
        spans: Array<{ service: string; name: string; error: boolean; durationMs: number }>;
      }
    ).spans;
    expect(spans.map((s) => `${s.service}/${s.name}/${s.error}`)).toEqual([
      'checkout/POST /orders/true',
      'payments/charge card/true',
      'payments/load customer/false',
    ]);
    expect(spans[0]!.durationMs).toBe(145);
  });

  it('explain_failure follows the newest log line with a trace id to its trace (replayed documented formats)', async () => {
    const result = await call(await connected(), 'explain_failure', {
      logql: '{namespace="shop"} |= "error"',
    });
    expect(result.isError).toBeFalsy();
    const explained = result.structuredContent as {
      line: { text: string; labels: Record<string, string> };
      traceId: string;
      failingSpans: Array<{ name: string; statusMessage?: string }>;
    };
    expect(explained.line.text).toContain('payment declined by provider');
    expect(explained.line.labels.pod).toBe('checkout-7d9f8b6c5d-x2k4q');
    expect(explained.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(explained.failingSpans.map((s) => s.statusMessage)).toEqual([
      'upstream payment failed',
      'card declined',
    ]);
  });

  it('explain_failure says where the chain stops: a line without a trace id', async () => {
    const result = await call(await connected(), 'explain_failure', {
      line: 'level=error msg="retrying payment"',
    });
    expect(result.structuredContent).toMatchObject({ gap: 'the log line carries no trace id', spans: [] });
  });

  it('an observability API that does not answer is an error naming where it was asked', async () => {
    const result = await call(await connected({ endpoints: {} }), 'promql_query', { query: 'up' });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('Thanos Query at (none)');
  });
});

describe('the streamable HTTP transport', () => {
  it('keeps one token per project, 0600, and refuses requests without it (401); with it the SDK client lists the tools', async () => {
    const first = await mcpToken(project.layout);
    const again = await mcpToken(project.layout);
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ token: first.token, created: false });
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    const http = await serveHttp(
      () => createPlatformServer({ project, endpoints, allowWrite: false }, '0.0.0-test'),
      {
        port: 0,
        token: first.token,
      },
    );
    try {
      expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const initialize = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'curl', version: '1' },
        },
      });
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const none = await fetch(http.url, { method: 'POST', headers, body: initialize });
      expect(none.status).toBe(401);
      const wrong = await fetch(http.url, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${first.token.slice(1)}x` },
        body: initialize,
      });
      expect(wrong.status).toBe(401);
      const client = new Client({ name: 'test', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(http.url), {
          requestInit: { headers: { authorization: `Bearer ${first.token}` } },
        }),
      );
      const { tools } = await client.listTools();
      expect(tools.length).toBeGreaterThan(10);
      const refused = await call(client, 'restart_deployment', {
        cluster: 'mgmt',
        namespace: 'a',
        name: 'b',
      });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toContain(
        'restart_deployment changes the cluster, and this MCP server is read-only',
      );
      const plan = (await client.callTool({ name: 'plan', arguments: {} })) as CallToolResult;
      expect((plan.structuredContent as { platform: string }).platform).toBe(project.platform.name);
      await client.close();
    } finally {
      await http.close();
    }
  });
});
