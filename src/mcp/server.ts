/**
 * `platformctl mcp`: the platform's tools (tools.ts) served over MCP with the official SDK, on
 * stdio (for Claude Desktop and other clients that start the server) or on streamable HTTP
 * bound to 127.0.0.1 with a bearer token. The token is generated once per project and kept
 * 0600 in .platformctl/secrets/mcp-token.json; it is never printed and never on a command line.
 * HTTP runs stateless: every POST gets its own server and transport (the SDK's stateless mode).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { readSecret, writeSecret } from '../engine/secrets.js';
import type { ProjectLayout } from '../project/layout.js';
import { readOnlyRefusal, registerTools, type ToolDeps, WRITE_TOOLS } from './tools.js';

export const MCP_TOKEN_SECRET = 'mcp-token';
const HOST = '127.0.0.1';

export interface PlatformMcpServer {
  readonly server: McpServer;
  /** Connects the server to a transport; read-only, through the gate that refuses writes. */
  connect(transport: Transport): Promise<void>;
  close(): Promise<void>;
}

export function createPlatformServer(deps: ToolDeps, version: string): PlatformMcpServer {
  const server = new McpServer(
    { name: 'platformctl', version },
    {
      instructions: `Tools over the platform "${deps.project.platform.name}" (${deps.project.providerName}): its clusters, plan, health, findings, Kubernetes objects, events and logs, and its metrics (PromQL), logs (LogQL) and traces (TraceQL). ${
        deps.allowWrite
          ? `Writes are allowed: ${WRITE_TOOLS.join(', ')} change the cluster.`
          : `Read-only: the tools that change the cluster (${WRITE_TOOLS.join(', ')}) need a server started with --allow-write.`
      }`,
    },
  );
  registerTools(server, deps);
  return {
    server,
    connect: (transport) => server.connect(deps.allowWrite ? transport : refusingWrites(transport)),
    close: () => server.close(),
  };
}

/**
 * The transport as the read-only server sees it: a `tools/call` of a write tool (which is not
 * registered) is answered here with a refusal that says why, instead of the SDK's "not found";
 * every other message passes both ways unchanged.
 */
export function refusingWrites(inner: Transport): Transport {
  const writes = new Set<string>(WRITE_TOOLS);
  const outer: Transport = {
    start: () => inner.start(),
    send: (message, options) => inner.send(message, options),
    close: () => inner.close(),
    get sessionId() {
      return inner.sessionId;
    },
  };
  if (inner.setProtocolVersion) outer.setProtocolVersion = (v) => inner.setProtocolVersion!(v);
  // Handlers set on the transport before it was wrapped keep running.
  const { onclose, onerror } = inner;
  inner.onclose = () => {
    onclose?.();
    outer.onclose?.();
  };
  inner.onerror = (error) => {
    onerror?.(error);
    outer.onerror?.(error);
  };
  inner.onmessage = (message, extra) => {
    const call = message as { method?: string; id?: string | number; params?: { name?: unknown } };
    if (
      call.method === 'tools/call' &&
      call.id !== undefined &&
      typeof call.params?.name === 'string' &&
      writes.has(call.params.name)
    ) {
      void inner
        .send({ jsonrpc: '2.0', id: call.id, result: readOnlyRefusal(call.params.name) })
        .catch((error: unknown) => outer.onerror?.(error as Error));
      return;
    }
    outer.onmessage?.(message, extra);
  };
  return outer;
}

/** Serves on standard input and output until the client closes them. */
export async function serveStdio(platform: PlatformMcpServer): Promise<void> {
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await platform.connect(transport);
  await closed;
  await platform.close();
}

/** The project's MCP bearer token: the one stored, else a new one stored 0600. */
export async function mcpToken(
  layout: ProjectLayout,
): Promise<{ token: string; file: string; created: boolean }> {
  const stored = await readSecret<{ token?: unknown }>(layout, MCP_TOKEN_SECRET);
  const file = layout.secretFile(MCP_TOKEN_SECRET);
  if (typeof stored?.token === 'string' && stored.token.length >= 32)
    return { token: stored.token, file, created: false };
  const token = randomBytes(32).toString('base64url');
  await writeSecret(layout, MCP_TOKEN_SECRET, { token });
  return { token, file, created: true };
}

function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer (.+)$/.exec(header);
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function jsonRpcError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

export interface HttpMcpServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Streamable HTTP on 127.0.0.1:`port` (0: a free one), path /mcp. Every request needs
 * `Authorization: Bearer <token>`, else 401; only POST (stateless: no session to GET or DELETE).
 */
export async function serveHttp(
  newServer: () => PlatformMcpServer,
  options: { readonly port: number; readonly token: string },
): Promise<HttpMcpServer> {
  let port = options.port;
  const http: Server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', `http://${HOST}`).pathname;
      if (!bearerMatches(req, options.token))
        return jsonRpcError(
          res,
          401,
          'unauthorised: send Authorization: Bearer <token> (the token is in .platformctl/secrets/mcp-token.json)',
          {
            'www-authenticate': 'Bearer',
          },
        );
      if (path !== '/mcp') return jsonRpcError(res, 404, 'not found: the MCP endpoint is /mcp');
      if (req.method !== 'POST')
        return jsonRpcError(res, 405, 'method not allowed: this server is stateless (POST only)', {
          allow: 'POST',
        });
      const server = newServer();
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
        enableDnsRebindingProtection: true,
        allowedHosts: [`${HOST}:${port}`, `localhost:${port}`],
      });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      try {
        await server.connect(transport);
        await transport.handleRequest(req, res);
      } catch (error) {
        if (!res.headersSent) jsonRpcError(res, 500, `internal error: ${(error as Error).message}`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, HOST, () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
