import { systemRunner } from '../../clients/exec.js';
import { projectSource } from '../../ops/dashboard-source.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import { startDashboard } from '../../web/server.js';
import type { ActionContext } from '../commands.js';
import { EXIT, UsageError } from '../io.js';
import { projectFor } from '../project.js';

interface DashboardFlags {
  file?: string;
  provider?: ProviderName;
  port?: string;
  open?: boolean;
  /** commander's --no-token: false when given. */
  token: boolean;
}

function portOf(flag: string | undefined): number {
  if (flag === undefined) return 0;
  const port = Number(flag);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new UsageError(`--port takes a port number from 1 to 65535, not "${flag}"`);
  return port;
}

/** Serves until Ctrl-C (or SIGTERM), then exits 0. */
export default async function dashboard(flags: DashboardFlags, { io }: ActionContext): Promise<number> {
  const port = portOf(flags.port);
  const project = await projectFor(flags, io);
  // A state file of another platform, or a damaged one, fails here rather than on every page.
  await project.state();
  const server = await startDashboard({
    source: projectSource(project),
    port,
    ...(flags.token ? {} : { token: false as const }),
  });
  if (!flags.token)
    io.stderr(
      'warning: --no-token: any program or web page on this machine that can reach 127.0.0.1 may read the dashboard\n',
    );
  io.stdout(`dashboard of ${project.platform.name} (${project.providerName}): ${server.url}\n`);
  io.stdout('read-only; Ctrl-C stops it\n');
  if (flags.open) {
    const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
    await systemRunner
      .run(opener, [server.openUrl()], { timeoutMs: 10_000 })
      .catch((error: unknown) =>
        io.stderr(
          `could not open a browser (${(error as Error).message.split('\n')[0]}): open the URL above\n`,
        ),
      );
  }
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
