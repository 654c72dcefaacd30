/**
 * The platform as MCP tools: each a JSON schema (zod, validated by the SDK before the handler
 * runs) over one call of the library API in src/ops. Read-only tools always; the tools that
 * change the cluster only when the server was started with --allow-write (without it they are
 * not listed, and server.ts answers a call of one with a refusal that says why). Secret values never appear in an answer (ops/resources.ts redacts them).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  describeEndpoint,
  type ObservabilityEndpoints,
  promQuery,
  lokiQuery,
  tempoSearch,
  tempoTrace,
} from '../clients/observability.js';
import { errorObject, PlatformctlError } from '../errors.js';
import { explainFailure, spansOf } from '../ops/observability.js';
import type { Project } from '../ops/project.js';
import {
  getResource,
  listEvents,
  listResources,
  podLog,
  restartDeployment,
  scaleWorkload,
} from '../ops/resources.js';

export interface ToolDeps {
  readonly project: Project;
  readonly endpoints: ObservabilityEndpoints;
  /** false: the write tools are not registered, and their calls are refused. */
  readonly allowWrite: boolean;
}

/** What a tool call answers: JSON text for every client, and the same as structured content. */
function answer(value: object): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
    structuredContent: value as Record<string, unknown>,
  };
}

/** An error as the tool's result (isError), with platformctl's code and hint, never a stack. */
function failure(error: unknown): CallToolResult {
  const object = errorObject(error);
  return {
    content: [
      {
        type: 'text',
        text: `${object.message}${object.hint ? `\nhint: ${object.hint}` : ''}\n(code ${object.code})`,
      },
    ],
    isError: true,
  };
}

async function guarded(run: () => Promise<object>): Promise<CallToolResult> {
  try {
    return answer(await run());
  } catch (error) {
    return failure(error);
  }
}

export class ReadOnlyError extends PlatformctlError {
  override readonly name = 'ReadOnlyError';
  constructor(tool: string) {
    super(
      'mcp.read-only',
      'usage',
      `${tool} changes the cluster, and this MCP server is read-only: it was started without --allow-write`,
      { hint: 'restart it as `platformctl mcp --allow-write` to allow the tools that change the cluster' },
    );
  }
}

const clusters = z.array(z.string()).optional().describe('only these clusters (default: every cluster)');
const cluster = z.string().min(1).describe('the cluster, by its name in the spec (e.g. mgmt, app1)');
const kind = z.string().min(1).describe('the kind, e.g. Pod, Deployment, Certificate');
const apiVersion = z
  .string()
  .optional()
  .describe('the group version, e.g. apps/v1 or cert-manager.io/v1 (core kinds have a default)');
const namespace = z.string().min(1);
const name = z.string().min(1);

const FINDING = z.looseObject({
  cluster: z.string(),
  analyzer: z.string(),
  object: z.string(),
  severity: z.enum(['error', 'warning']),
  evidence: z.string(),
  hint: z.string(),
});

const READ_ONLY = { readOnlyHint: true, openWorldHint: false } as const;

/** The names of the tools that change the cluster. */
export const WRITE_TOOLS = ['scale_workload', 'restart_deployment', 'rerun_step'] as const;

export function registerTools(server: McpServer, deps: ToolDeps): void {
  const { project, endpoints } = deps;

  server.registerTool(
    'platform_status',
    {
      title: 'Platform status',
      description:
        "The platform's clusters (exists, serving, nodes Ready, how to reach them), every step with its last outcome and live drift, the last run, and the problems that make it unhealthy.",
      inputSchema: {
        clusters,
        check: z.boolean().optional().describe('run the live drift checks (default true)'),
      },
      annotations: READ_ONLY,
    },
    ({ clusters: only, check }) =>
      guarded(() =>
        project.status({ ...(only ? { clusters: only } : {}), ...(check === false ? { check: false } : {}) }),
      ),
  );

  server.registerTool(
    'plan',
    {
      title: 'Plan',
      description:
        'The step graph `platformctl up` would run: every step per cluster in dependency order with its status against the last run (new, changed, unchanged, failed), and the critical path.',
      inputSchema: {},
      annotations: READ_ONLY,
    },
    () =>
      guarded(async () => {
        const { plan, rows } = await project.plan();
        return {
          platform: plan.platform,
          provider: plan.provider,
          steps: rows.map((r) => ({
            id: r.id,
            cluster: r.cluster,
            phase: r.phase,
            kind: r.kind,
            status: r.status,
            dependsOn: r.dependsOn,
          })),
          criticalPath: plan.criticalPath,
        };
      }),
  );

  server.registerTool(
    'verify',
    {
      title: 'Verify',
      description:
        "The platform's health checks: every cluster's API, nodes and steps, LoadBalancers on their pinned addresses, Vault unsealed, each cluster's Vault login. Each check passes, warns, fails or is skipped, with its evidence.",
      inputSchema: { clusters },
      annotations: READ_ONLY,
    },
    ({ clusters: only }) =>
      guarded(() => project.verify({ ...(only ? { clusters: only } : {}), save: false })),
  );

  server.registerTool(
    'analyze',
    {
      title: 'Analyze',
      description:
        'Find what is wrong on every cluster at once (pods failing or pending, workloads short of replicas, Services without endpoints, pending claims, node conditions, webhooks to missing Services, autoscalers without a target): each finding with its cluster, object, severity, evidence and a fix hint.',
      inputSchema: {
        clusters,
        filter: z.array(z.string()).optional().describe('only these analyzers, e.g. Pod, Workload, Service'),
      },
      outputSchema: {
        findings: z.array(FINDING),
        errors: z.number().int(),
        warnings: z.number().int(),
      },
      annotations: READ_ONLY,
    },
    ({ clusters: only, filter }) =>
      guarded(async () => {
        const findings = await project.analyze({
          ...(only ? { clusters: only } : {}),
          ...(filter ? { filter } : {}),
          save: false,
        });
        return {
          findings,
          errors: findings.filter((f) => f.severity === 'error').length,
          warnings: findings.filter((f) => f.severity !== 'error').length,
        };
      }),
  );

  server.registerTool(
    'list_resources',
    {
      title: 'List resources',
      description:
        'List objects of one kind in a cluster (one namespace or all), as the API server returns them. Secret values are redacted (only their sizes are shown); managed fields are left out.',
      inputSchema: {
        cluster,
        kind,
        apiVersion,
        namespace: namespace.optional().describe('default: every namespace'),
        labelSelector: z.string().optional().describe('e.g. app.kubernetes.io/name=loki'),
        limit: z
          .number()
          .int()
          .min(1)
          .max(500)
          .optional()
          .describe('at most this many objects (default 100)'),
      },
      annotations: READ_ONLY,
    },
    (args) =>
      guarded(async () =>
        listResources(await project.kube(args.cluster), {
          kind: args.kind,
          ...(args.apiVersion ? { apiVersion: args.apiVersion } : {}),
          ...(args.namespace ? { namespace: args.namespace } : {}),
          ...(args.labelSelector ? { labelSelector: args.labelSelector } : {}),
          ...(args.limit ? { limit: args.limit } : {}),
        }),
      ),
  );

  server.registerTool(
    'get_resource',
    {
      title: 'Get a resource',
      description:
        'One object of a cluster, whole (spec and status), as the API server returns it. Secret values are redacted.',
      inputSchema: {
        cluster,
        kind,
        apiVersion,
        namespace: namespace.optional().describe('for namespaced kinds (default: default)'),
        name,
      },
      annotations: READ_ONLY,
    },
    (args) =>
      guarded(async () =>
        getResource(await project.kube(args.cluster), {
          kind: args.kind,
          name: args.name,
          ...(args.apiVersion ? { apiVersion: args.apiVersion } : {}),
          ...(args.namespace ? { namespace: args.namespace } : {}),
        }),
      ),
  );

  server.registerTool(
    'events',
    {
      title: 'Events',
      description:
        "A cluster's events, newest first: of one namespace or all, optionally of one object (by kind and name).",
      inputSchema: {
        cluster,
        namespace: namespace.optional(),
        kind: z.string().optional().describe('only events about objects of this kind'),
        name: z.string().optional().describe('only events about the object of this name'),
        limit: z.number().int().min(1).max(500).optional(),
      },
      annotations: READ_ONLY,
    },
    (args) =>
      guarded(async () => ({
        events: await listEvents(await project.kube(args.cluster), {
          ...(args.namespace ? { namespace: args.namespace } : {}),
          ...(args.kind ? { kind: args.kind } : {}),
          ...(args.name ? { name: args.name } : {}),
          ...(args.limit ? { limit: args.limit } : {}),
        }),
      })),
  );

  server.registerTool(
    'pod_logs',
    {
      title: 'Pod logs',
      description:
        "A container's log through the API server (the last lines). When the API server cannot give one (no container runs, as on kwok's simulated nodes), its answer is returned as it came.",
      inputSchema: {
        cluster,
        namespace,
        pod: name.describe('the pod'),
        container: z.string().optional().describe('needed when the pod has several containers'),
        tailLines: z.number().int().min(1).max(5000).optional().describe('default 200'),
        previous: z.boolean().optional().describe("the previous container's log (after a restart)"),
      },
      annotations: READ_ONLY,
    },
    (args) =>
      guarded(async () =>
        podLog(await project.kube(args.cluster), {
          namespace: args.namespace,
          pod: args.pod,
          ...(args.container ? { container: args.container } : {}),
          ...(args.tailLines ? { tailLines: args.tailLines } : {}),
          ...(args.previous ? { previous: true } : {}),
        }),
      ),
  );

  const time = z
    .string()
    .regex(/^(\d+(\.\d+)?|\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2}))$/)
    .describe('a Unix timestamp or an RFC 3339 time');

  server.registerTool(
    'promql_query',
    {
      title: 'PromQL query',
      description: `A PromQL query through Thanos Query (every cluster's metrics): instant, or a range with start, end and step. Answers as the Prometheus HTTP API does. Thanos Query here: ${endpoints.thanosQuery ? describeEndpoint(endpoints.thanosQuery) : 'none (the spec runs no Thanos; --thanos-url gives one)'}.`,
      inputSchema: {
        query: z.string().min(1).describe('e.g. sum by (cluster) (up)'),
        time: time.optional(),
        start: time.optional(),
        end: time.optional(),
        step: z
          .string()
          .regex(/^\d+(\.\d+)?[smhdwy]?$/)
          .optional()
          .describe('e.g. 60 or 1m'),
      },
      annotations: READ_ONLY,
    },
    (args) =>
      guarded(() =>
        promQuery(endpoints, {
          query: args.query,
          ...(args.time ? { time: args.time } : {}),
          ...(args.start ? { start: args.start } : {}),
          ...(args.end ? { end: args.end } : {}),
          ...(args.step ? { step: args.step } : {}),
        }),
      ),
  );

  const nanoTime = z
    .string()
    .regex(/^(\d+|\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2}))$/)
    .describe('nanoseconds since the epoch or an RFC 3339 time');

  server.registerTool(
    'logql_query',
    {
      title: 'LogQL query',
      description: `A LogQL query through Loki (every cluster's logs), over a range (default: the last hour), newest first. Answers as Loki's query_range API does: streams of [nanosecond time, line]. Loki here: ${endpoints.loki ? describeEndpoint(endpoints.loki) : 'none (the spec runs no Loki)'}.`,
      inputSchema: {
        query: z.string().min(1).describe('e.g. {namespace="shop"} |= "error"'),
        start: nanoTime.optional(),
        end: nanoTime.optional(),
        limit: z.number().int().min(1).max(5000).optional(),
      },
      annotations: READ_ONLY,
    },
    (args) =>
      guarded(() =>
        lokiQuery(endpoints, {
          query: args.query,
          ...(args.start ? { start: args.start } : {}),
          ...(args.end ? { end: args.end } : {}),
          ...(args.limit ? { limit: args.limit } : {}),
        }),
      ),
  );

  server.registerTool(
    'traceql_search',
    {
      title: 'TraceQL search',
      description: `A TraceQL search through Tempo (every cluster's traces): the matching traces with their root service, root span, start, duration and matching spans. Tempo here: ${endpoints.tempo ? describeEndpoint(endpoints.tempo) : 'none (the spec runs no Tempo)'}.`,
      inputSchema: {
        query: z.string().min(1).describe('e.g. { status = error && resource.service.name = "checkout" }'),
        start: z.number().int().min(0).optional().describe('Unix seconds'),
        end: z.number().int().min(0).optional().describe('Unix seconds'),
        limit: z.number().int().min(1).max(500).optional(),
      },
      annotations: READ_ONLY,
    },
    (args) =>
      guarded(() =>
        tempoSearch(endpoints, {
          q: args.query,
          ...(args.start !== undefined ? { start: args.start } : {}),
          ...(args.end !== undefined ? { end: args.end } : {}),
          ...(args.limit ? { limit: args.limit } : {}),
        }),
      ),
  );

  const traceId = z.string().regex(/^[0-9a-fA-F]{16,32}$/, 'a trace id is 16 to 32 hexadecimal digits');

  server.registerTool(
    'get_trace',
    {
      title: 'Trace by id',
      description:
        'One trace from Tempo by its id: every span with its service, name, duration and whether it failed, failing spans first, and the trace as Tempo returned it (OTLP JSON).',
      inputSchema: { traceId },
      annotations: READ_ONLY,
    },
    ({ traceId: id }) =>
      guarded(async () => {
        const trace = await tempoTrace(endpoints, id.toLowerCase());
        const spans = spansOf(trace);
        return {
          traceId: id.toLowerCase(),
          spans: [...spans.filter((s) => s.error), ...spans.filter((s) => !s.error)],
          trace,
        };
      }),
  );

  server.registerTool(
    'explain_failure',
    {
      title: 'Explain a failure',
      description:
        'Follow a failure from its log line to its trace: the newest line a LogQL query returns that carries a trace id (or the line given), the trace id, and that trace from Tempo with its failing spans first. Says where the chain stops when it does.',
      inputSchema: {
        logql: z.string().min(1).optional().describe('a log query, e.g. {namespace="shop"} |= "error"'),
        line: z.string().min(1).optional().describe('a log line, instead of a query'),
        start: nanoTime.optional(),
        end: nanoTime.optional(),
      },
      annotations: READ_ONLY,
    },
    (args) =>
      guarded(() => {
        if (!args.logql && !args.line)
          throw new PlatformctlError('mcp.arguments', 'usage', 'explain_failure needs logql or line');
        return explainFailure(endpoints, {
          ...(args.logql ? { logql: args.logql } : {}),
          ...(args.line ? { line: args.line } : {}),
          ...(args.start ? { start: args.start } : {}),
          ...(args.end ? { end: args.end } : {}),
        });
      }),
  );

  if (deps.allowWrite) registerWriteTools(server, project);
}

const CHANGES = 'CHANGES THE CLUSTER.';

/** What a read-only server answers to a call of a write tool (server.ts intercepts those calls). */
export function readOnlyRefusal(tool: string): CallToolResult {
  return failure(new ReadOnlyError(tool));
}

/** Registered only with --allow-write. */
function registerWriteTools(server: McpServer, project: Project): void {
  const write = { readOnlyHint: false, destructiveHint: false, openWorldHint: false } as const;
  const gate =
    <A>(run: (args: A) => Promise<object>) =>
    (args: A) =>
      guarded(() => run(args));

  server.registerTool(
    'scale_workload',
    {
      title: 'Scale a workload',
      description: `${CHANGES} Sets the replicas of a Deployment, StatefulSet or ReplicaSet through its scale subresource; answers the replicas before and after.`,
      inputSchema: {
        cluster,
        kind: z.enum(['Deployment', 'StatefulSet', 'ReplicaSet']),
        namespace,
        name,
        replicas: z.number().int().min(0).max(1000),
      },
      annotations: write,
    },
    gate(
      async (args: {
        cluster: string;
        kind: 'Deployment' | 'StatefulSet' | 'ReplicaSet';
        namespace: string;
        name: string;
        replicas: number;
      }) => scaleWorkload(await project.kube(args.cluster), args),
    ),
  );

  server.registerTool(
    'restart_deployment',
    {
      title: 'Restart a Deployment',
      description: `${CHANGES} Restarts a Deployment's pods as \`kubectl rollout restart\` does (stamps kubectl.kubernetes.io/restartedAt on its pod template: a rolling replacement).`,
      inputSchema: { cluster, namespace, name },
      annotations: write,
    },
    gate(async (args: { cluster: string; namespace: string; name: string }) =>
      restartDeployment(await project.kube(args.cluster), args),
    ),
  );

  server.registerTool(
    'rerun_step',
    {
      title: 'Re-run a step',
      description: `${CHANGES} Runs \`platformctl up --only STEP --no-prune\`: the step and what it depends on, each redone when it failed, changed or drifted (a settled one only passes its live check), under the platform's lock. Answers the run's outcome per step.`,
      inputSchema: { step: z.string().min(1).describe('a step id as `plan` lists it, e.g. mgmt/namespaces') },
      annotations: { ...write, destructiveHint: true },
    },
    gate(async ({ step }: { step: string }) => {
      const result = await project.up({ only: [step], prune: false });
      return {
        runId: result.runId,
        ok: result.ok,
        counts: result.counts,
        logDir: result.logDir,
        steps: result.records.map((r) => ({
          id: r.id,
          outcome: r.outcome,
          ...(r.error ? { error: r.error.message.split('\n')[0] } : {}),
        })),
      };
    }),
  );
}
