import { createPlatformServer, mcpToken, serveHttp, serveStdio } from '../../mcp/server.js';
import { observabilityEndpoints } from '../../ops/observability.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext } from '../commands.js';
import { EXIT, packageVersion, UsageError } from '../io.js';
import { projectFor } from '../project.js';

interface McpFlags {
  file?: string;
  provider?: ProviderName;
  http?: boolean;
  port?: string;
  allowWrite?: boolean;
  thanosUrl?: string;
  lokiUrl?: string;
  tempoUrl?: string;
}

function portOf(flag: string | undefined): number {
  if (flag === undefined) return 0;
  const port = Number(flag);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new UsageError(`--port takes a port number from 1 to 65535, not "${flag}"`);
  return port;
}

function urlOf(flag: string | undefined, name: string): string | undefined {
  if (flag === undefined) return undefined;
  try {
    const url = new URL(flag);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return flag;
  } catch {
    throw new UsageError(`${name} takes an http(s) URL, not "${flag}"`);
  }
}

/** Serves until the client closes standard input (stdio) or until Ctrl-C (--http); exit 0. */
export default async function mcp(flags: McpFlags, { io }: ActionContext): Promise<number> {
  if (flags.port !== undefined && !flags.http) throw new UsageError('--port needs --http');
  if (flags.file === '-' && !flags.http)
    throw new UsageError(
      '-f - reads the spec from standard input, which the stdio transport needs: give a file',
    );
  const port = portOf(flags.port);
  const thanosQuery = urlOf(flags.thanosUrl ?? io.env.PLATFORMCTL_THANOS_URL, '--thanos-url');
  const loki = urlOf(flags.lokiUrl ?? io.env.PLATFORMCTL_LOKI_URL, '--loki-url');
  const tempo = urlOf(flags.tempoUrl ?? io.env.PLATFORMCTL_TEMPO_URL, '--tempo-url');
  const project = await projectFor(flags, io);
  // A state file of another platform, or a damaged one, fails here rather than in every tool.
  await project.state();
  const deps = {
    project,
    endpoints: observabilityEndpoints(
      project.platform,
      {
        ...(thanosQuery ? { thanosQuery } : {}),
        ...(loki ? { loki } : {}),
        ...(tempo ? { tempo } : {}),
      },
      () => project.kube(project.platform.managementCluster),
    ),
    allowWrite: flags.allowWrite === true,
  };
  const version = packageVersion();
  const mode = deps.allowWrite ? 'write tools allowed (--allow-write)' : 'read-only';
  if (!flags.http) {
    // Standard output carries the protocol: everything for people goes to standard error.
    io.stderr(`platformctl mcp: ${project.platform.name} (${project.providerName}) on stdio, ${mode}\n`);
    await serveStdio(createPlatformServer(deps, version));
    return EXIT.ok;
  }
  const { token, file, created } = await mcpToken(project.layout);
  const server = await serveHttp(() => createPlatformServer(deps, version), { port, token });
  io.stdout(`MCP server of ${project.platform.name} (${project.providerName}): ${server.url}, ${mode}\n`);
  io.stdout(
    `every request needs "Authorization: Bearer <token>"; the token is in ${file} (0600${created ? ', new' : ''})\n`,
  );
  io.stdout('Ctrl-C stops it\n');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return EXIT.ok;
}
