/**
 * The platformctl command line: parse, call the action (loaded when its command runs), print.
 */
import { Command, CommanderError } from 'commander';
import { errorObject, exitCodeOf, PlatformctlError } from '../errors.js';
import { type ActionName, defineCommands } from './commands.js';
import { type CliIO, EXIT, packageVersion, processIO } from './io.js';

// Each action declares its own flags; commander hands over what it parsed for that command.
type ActionModule = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  default: (flags: any, context: { io: CliIO; args: readonly unknown[] }) => Promise<number>;
};

const ACTIONS: Record<ActionName, () => Promise<ActionModule>> = {
  init: () => import('./actions/init.js'),
  validate: () => import('./actions/validate.js'),
  schema: () => import('./actions/schema.js'),
  render: () => import('./actions/render.js'),
  export: () => import('./actions/export.js'),
  plan: () => import('./actions/plan.js'),
  up: () => import('./actions/up.js'),
  down: () => import('./actions/down.js'),
  status: () => import('./actions/status.js'),
  addons: () => import('./actions/addons.js'),
  doctor: () => import('./actions/doctor.js'),
  images: () => import('./actions/images.js'),
  charts: () => import('./actions/charts.js'),
  verify: () => import('./actions/verify.js'),
  drill: () => import('./actions/drill.js'),
  analyze: () => import('./actions/analyze.js'),
  backup: () => import('./actions/backup.js'),
  restore: () => import('./actions/restore.js'),
  upgrade: () => import('./actions/upgrade.js'),
  pki: () => import('./actions/pki.js'),
  dashboard: () => import('./actions/dashboard.js'),
  mcp: () => import('./actions/mcp.js'),
};

/** Prints an error the way the command's output asks: a JSON object on stdout, or text on stderr. */
async function report(io: CliIO, error: unknown, json: boolean): Promise<number> {
  if (json) {
    io.stdout(`${JSON.stringify({ error: errorObject(error) }, null, 2)}\n`);
    return exitCodeOf(error);
  }
  if (error instanceof PlatformctlError) {
    if (error.code === 'spec.invalid') {
      // The diagnostics say more than the summary: print them as `validate` does.
      const { printDiagnostics } = await import('./report.js');
      printDiagnostics(io, error);
      return exitCodeOf(error);
    }
    io.stderr(`platformctl: ${error.message}\n${error.hint ? `  fix: ${error.hint}\n` : ''}`);
    return exitCodeOf(error);
  }
  io.stderr(`platformctl: internal error: ${(error as Error).stack ?? String(error)}\n`);
  return EXIT.usage;
}

export function buildProgram(io: CliIO, exit: (code: number) => void): Command {
  const program = new Command('platformctl')
    .description(
      'Build and operate a multi-cluster Kubernetes platform from one declarative spec (platform.yaml).',
    )
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .addHelpText(
      'after',
      '\nStart here:\n  platformctl init        write platform.yaml (the reference three-cluster lab)\n  platformctl validate    check it\n\nWithout -f, commands read ./platform.yaml, or use the built-in default when there is none.',
    );
  defineCommands(program, (command, name) =>
    command.action(async () => {
      // The options as parsed (an action's positional arguments come before them in the call).
      const flags = command.opts<Record<string, unknown>>();
      try {
        const action = (await ACTIONS[name]()).default;
        exit(await action(flags, { io, args: command.processedArgs as unknown[] }));
      } catch (error) {
        exit(await report(io, error, flags['output'] === 'json'));
      }
    }),
  );
  for (const command of program.commands) {
    command
      .exitOverride()
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .showHelpAfterError('(run with --help for usage)');
  }
  return program;
}

/** Runs one invocation and returns its exit code. */
export async function run(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return report(io, error, false);
  }
}
