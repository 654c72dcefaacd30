/**
 * `platformctl mcp` end to end: the SDK's own Client over stdio against `bin/platformctl.js mcp`
 * on a kwok platform (one cluster, mgmt: a real API server and etcd, simulated nodes). Every read
 * tool is called and answers from the real API server; Loki and Tempo answer on the loopback
 * twins of the management cluster's pinned addresses, as the spec renders them for kwok, and
 * Thanos Query on a loopback port given with --thanos-url: there a local server replays response
 * bodies in the formats of those APIs' docs (src/test-support/fixtures/observability), since kwok
 * runs no Loki, Tempo or Thanos. Also: a schema error, a write tool refused without --allow-write
 * and working with it, and the HTTP transport's 401 without the token.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/clients/kube.js';
import { observabilityEndpoints } from '../src/ops/observability.js';
import { openProject } from '../src/ops/project.js';
import { SHARED_CHART_MIRROR } from '../src/test-support/chart-values.js';
import { fixture, type Replay, startReplay } from '../src/test-support/observability-replay.js';
import { CLI, cliIn, kwokProject, requireHarness } from './support/project.js';

requireHarness('kwokctl');

// The built-in topology without Vault and what needs it: this file needs only mgmt's control plane.
const project = kwokProject('mcp-e2e', ['vault', 'external-secrets', 'keycloak', 'k8sgpt']);
const cli = cliIn(project);
const env = { ...process.env, NO_COLOR: '1', PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR } as Record<
  string,
  string
>;
const TRACE = '5b8efff798038103d269b633813fc60c';

let kube: KubeClient;
const replays: Replay[] = [];
let loki: Replay;
let tempo: Replay;
let thanos: Replay;
let readOnly: Client;

async function stdioClient(...flags: string[]): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp', '--thanos-url', thanos.url, ...flags],
      cwd: project,
      env,
      stderr: 'pipe',
    }),
  );
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args })) as CallToolResult;
const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;
const structured = <T>(result: CallToolResult) => {
  expect(result.isError, text(result)).toBeFalsy();
  return result.structuredContent as T;
};

beforeAll(async () => {
  const up = cli('up', '--only', 'mgmt/bootstrap', '-o', 'json');
  expect(up.stderr).not.toContain('platformctl:');
  expect(up.code).toBe(0);
  kube = await KubeClient.fromFile(join(project, 'kubeconfigs/mgmt.conf'));
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await kube.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'shop' },
    stringData: { password: 'e2e-secret-value' },
  });
  await kube.apply({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'checkout', namespace: 'shop' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'checkout' } },
      template: {
        metadata: { labels: { app: 'checkout' } },
        spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
      },
    },
  });
  // Where the spec puts Loki and Tempo for kwok: the loopback twins of mgmt's pinned addresses.
  const rendered = observabilityEndpoints((await openProject({ cwd: project, env })).platform);
  const at = (url: string) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) });
  loki = await startReplay(
    { '/loki/api/v1/query_range': { body: fixture('loki-query-range-streams.json') } },
    at(rendered.loki as string),
  );
  tempo = await startReplay(
    {
      '/api/search': { body: fixture('tempo-search.json') },
      [`/api/traces/${TRACE}`]: { body: fixture('tempo-trace.json') },
    },
    at(rendered.tempo as string),
  );
  thanos = await startReplay({ '/api/v1/query': { body: fixture('prometheus-query-vector.json') } });
  replays.push(loki, tempo, thanos);
  readOnly = await stdioClient();
});

afterAll(async () => {
  await readOnly?.close();
  await Promise.all(replays.map((r) => r.close()));
  // Never leave a control plane behind, even when a test failed.
  cli('down');
});

describe('platformctl mcp over stdio, with the SDK client, on kwok', () => {
  it('lists the read tools, each with its JSON schema; the write tools only with --allow-write', async () => {
    const READ = [
      'platform_status',
      'plan',
      'verify',
      'analyze',
      'list_resources',
      'get_resource',
      'events',
      'pod_logs',
      'promql_query',
      'logql_query',
      'traceql_search',
      'get_trace',
      'explain_failure',
    ];
    const { tools } = await readOnly.listTools();
    expect(tools.map((t) => t.name)).toEqual(READ);
    expect(tools.find((t) => t.name === 'get_resource')!.inputSchema.required).toEqual([
      'cluster',
      'kind',
      'name',
    ]);
    const writer = await stdioClient('--allow-write');
    try {
      const all = (await writer.listTools()).tools;
      expect(all.map((t) => t.name)).toEqual([...READ, 'scale_workload', 'restart_deployment', 'rerun_step']);
      const scale = all.find((t) => t.name === 'scale_workload')!;
      expect(scale.inputSchema.required).toEqual(['cluster', 'kind', 'namespace', 'name', 'replicas']);
      expect(scale.description).toMatch(/^CHANGES THE CLUSTER\./);
    } finally {
      await writer.close();
    }
  });

  it('platform_status, plan and verify answer from the live platform', async () => {
    const status = structured<{ clusters: Array<{ name: string; serving: boolean; nodes: unknown[] }> }>(
      await call(readOnly, 'platform_status', { clusters: ['mgmt'], check: false }),
    );
    expect(status.clusters).toMatchObject([{ name: 'mgmt', serving: true }]);
    expect(status.clusters[0]!.nodes.length).toBeGreaterThan(0);
    const plan = structured<{ steps: Array<{ id: string; status: string }> }>(await call(readOnly, 'plan'));
    expect(plan.steps.find((s) => s.id === 'mgmt/bootstrap')?.status).toBe('unchanged');
    expect(plan.steps.find((s) => s.id === 'app1/bootstrap')?.status).toBe('new');
    const verify = structured<{ checks: Array<{ id: string; status: string }> }>(
      await call(readOnly, 'verify', { clusters: ['mgmt'] }),
    );
    expect(verify.checks).toContainEqual(expect.objectContaining({ id: 'cluster.mgmt.api', status: 'pass' }));
  });

  it('analyze gives its findings as structured content: the clusters not created are errors', async () => {
    const result = structured<{ findings: Array<{ cluster: string; analyzer: string }>; errors: number }>(
      await call(readOnly, 'analyze'),
    );
    expect(result.findings).toContainEqual(expect.objectContaining({ cluster: 'app1', analyzer: 'Cluster' }));
    expect(result.errors).toBeGreaterThanOrEqual(2);
  });

  it("lists and gets objects from the real API server, with a Secret's value redacted", async () => {
    const secrets = await call(readOnly, 'list_resources', {
      cluster: 'mgmt',
      kind: 'Secret',
      namespace: 'shop',
    });
    expect(text(secrets)).not.toContain('e2e-secret-value');
    expect(text(secrets)).not.toContain(Buffer.from('e2e-secret-value').toString('base64'));
    const list = structured<{ items: Array<{ metadata: { name: string }; data: Record<string, string> }> }>(
      secrets,
    );
    expect(list.items.find((s) => s.metadata.name === 'db')?.data).toEqual({
      password: '(redacted, 16 bytes)',
    });
    const secret = await call(readOnly, 'get_resource', {
      cluster: 'mgmt',
      kind: 'Secret',
      namespace: 'shop',
      name: 'db',
    });
    expect(text(secret)).not.toContain(Buffer.from('e2e-secret-value').toString('base64'));
    const deployment = structured<{ spec: { replicas: number }; metadata: { uid: string } }>(
      await call(readOnly, 'get_resource', {
        cluster: 'mgmt',
        kind: 'Deployment',
        namespace: 'shop',
        name: 'checkout',
      }),
    );
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    const missing = await call(readOnly, 'get_resource', {
      cluster: 'mgmt',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'nope',
    });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toContain('404');
  });

  it("events come from the API server; pod_logs gives the API server's own answer (no container runs on kwok)", async () => {
    let pod: string | undefined;
    for (let i = 0; i < 60 && !pod; i++) {
      const pods = await kube.list<{ metadata: { name: string } }>('v1', 'Pod', 'shop');
      pod = pods[0]?.metadata.name;
      if (!pod) await new Promise((r) => setTimeout(r, 500));
    }
    expect(pod, 'the Deployment made a pod').toBeDefined();
    const events = structured<{ events: Array<{ object: string; reason?: string }> }>(
      await call(readOnly, 'events', { cluster: 'mgmt', namespace: 'shop' }),
    );
    expect(events.events).toContainEqual(
      expect.objectContaining({ object: 'Deployment checkout', reason: 'ScalingReplicaSet' }),
    );
    const logs = structured<{ log?: string; error?: { status: number; message: string } }>(
      await call(readOnly, 'pod_logs', { cluster: 'mgmt', namespace: 'shop', pod }),
    );
    // kwok's simulated kubelet has no container output: the API server's own answer comes back as it is.
    expect(logs.log).toBeUndefined();
    expect(logs.error).toMatchObject({ status: 400, reason: 'BadRequest' });
    expect(logs.error!.message).toContain(`no logs found for container "app" in pod "shop/${pod}"`);
  });

  it('PromQL, LogQL, TraceQL and trace by id reach the addresses the spec renders (replayed documented responses, not live Thanos, Loki or Tempo)', async () => {
    const metrics = structured<{ data: { resultType: string; result: unknown[] } }>(
      await call(readOnly, 'promql_query', { query: 'up' }),
    );
    expect(metrics.data).toMatchObject({ resultType: 'vector' });
    expect(thanos.requests.at(-1)).toEqual({ path: '/api/v1/query', query: { query: 'up' } });
    const logs = structured<{ data: { resultType: string } }>(
      await call(readOnly, 'logql_query', { query: '{namespace="shop"}' }),
    );
    expect(logs.data.resultType).toBe('streams');
    expect(loki.requests.at(-1)?.query.query).toBe('{namespace="shop"}');
    const search = structured<{ traces: Array<{ traceID: string }> }>(
      await call(readOnly, 'traceql_search', { query: '{ status = error }' }),
    );
    expect(search.traces[0]!.traceID).toBe(TRACE);
    const trace = structured<{ spans: Array<{ service: string; error: boolean }> }>(
      await call(readOnly, 'get_trace', { traceId: TRACE }),
    );
    expect(trace.spans.filter((s) => s.error).map((s) => s.service)).toEqual(['checkout', 'payments']);
  });

  it("without --thanos-url, PromQL goes to the thanos-query Service through mgmt's API server, and its answer comes back (kwok runs no Thanos)", async () => {
    const client = new Client({ name: 'e2e-proxy', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'mcp'],
        cwd: project,
        env,
        stderr: 'pipe',
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.find((t) => t.name === 'promql_query')?.description).toContain(
        'Service monitoring/thanos-query:9090 through the mgmt API server',
      );
      const result = await call(client, 'promql_query', { query: 'up' });
      expect(result.isError).toBe(true);
      // Only mgmt's bootstrap ran: the API server itself says there is no such Service.
      expect(text(result)).toMatch(
        /\/api\/v1\/namespaces\/monitoring\/services\/http:thanos-query:9090\/proxy\/api\/v1\/query\): 404: services "thanos-query" not found/,
      );
    } finally {
      await client.close();
    }
  });

  it('explain_failure follows a log line to its trace id and the trace (replayed documented responses)', async () => {
    const explained = structured<{ traceId: string; failingSpans: Array<{ name: string }> }>(
      await call(readOnly, 'explain_failure', { logql: '{namespace="shop"} |= "error"' }),
    );
    expect(explained.traceId).toBe(TRACE);
    expect(explained.failingSpans.map((s) => s.name)).toEqual(['POST /orders', 'charge card']);
    expect(tempo.requests.at(-1)?.path).toBe(`/api/traces/${TRACE}`);
  });

  it('rejects an invalid argument with the schema error', async () => {
    const result = await call(readOnly, 'get_resource', { cluster: 'mgmt', kind: 'Deployment', name: 42 });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/Input validation error: Invalid arguments for tool get_resource/);
    expect(text(result)).toContain('name');
  });

  it('refuses a write tool without --allow-write, and the cluster stays as it was', async () => {
    const result = await call(readOnly, 'scale_workload', {
      cluster: 'mgmt',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'checkout',
      replicas: 3,
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('started without --allow-write');
    const deployment = await kube.get<{ spec: { replicas: number } }>(
      '/apis/apps/v1/namespaces/shop/deployments/checkout',
    );
    expect(deployment.spec.replicas).toBe(1);
  });

  it('with --allow-write: scales and restarts the Deployment in the API server, and re-runs a step', async () => {
    const writer = await stdioClient('--allow-write');
    try {
      const scaled = structured<{ before: number; after: number }>(
        await call(writer, 'scale_workload', {
          cluster: 'mgmt',
          kind: 'Deployment',
          namespace: 'shop',
          name: 'checkout',
          replicas: 2,
        }),
      );
      expect(scaled).toEqual({ before: 1, after: 2 });
      const restarted = structured<{ restartedAt: string }>(
        await call(writer, 'restart_deployment', { cluster: 'mgmt', namespace: 'shop', name: 'checkout' }),
      );
      const live = await kube.get<{
        spec: { replicas: number; template: { metadata: { annotations?: Record<string, string> } } };
      }>('/apis/apps/v1/namespaces/shop/deployments/checkout');
      expect(live.spec.replicas).toBe(2);
      expect(live.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(
        restarted.restartedAt,
      );
      const rerun = structured<{ ok: boolean; steps: Array<{ id: string; outcome: string }> }>(
        await call(writer, 'rerun_step', { step: 'mgmt/bootstrap' }),
      );
      expect(rerun.ok).toBe(true);
      expect(rerun.steps.map((s) => s.id)).toContain('mgmt/bootstrap');
    } finally {
      await writer.close();
    }
  });
});

describe('platformctl mcp --http', () => {
  it('listens on 127.0.0.1 only, answers 401 without the token, and serves the SDK client with it', async () => {
    const child = spawn(process.execPath, [CLI, 'mcp', '--http'], { cwd: project, env });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL from mcp --http: ${out}`)), 30_000);
        const read = (c: Buffer) => {
          out += c.toString();
          const match = /(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        };
        child.stdout.on('data', read);
        child.stderr.on('data', read);
        child.on('exit', (code) => reject(new Error(`mcp --http exited ${code}: ${out}`)));
      });
      const token = (
        JSON.parse(readFileSync(join(project, '.platformctl/secrets/mcp-token.json'), 'utf8')) as {
          token: string;
        }
      ).token;
      expect(out).not.toContain(token);
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
      const refused = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body,
      });
      expect(refused.status).toBe(401);
      const client = new Client({ name: 'e2e-http', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      const status = structured<{ clusters: Array<{ name: string; serving: boolean }> }>(
        await call(client, 'platform_status', { clusters: ['mgmt'], check: false }),
      );
      expect(status.clusters[0]).toMatchObject({ name: 'mgmt', serving: true });
      await client.close();
    } finally {
      child.kill('SIGTERM');
    }
  });
});
