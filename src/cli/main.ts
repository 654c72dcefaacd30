/**
 * The platformctl command line: one file per verb, wired here.
 */
import { Command, CommanderError } from 'commander';
import { addAddons } from './addons.js';
import { addInit } from './init.js';
import { addPlan } from './plan.js';
import { addRender } from './render.js';
import { exitCodeOf, PlatformctlError } from '../errors.js';
import { type CliIO, EXIT, packageVersion, processIO } from './io.js';
import { addSchema } from './schema.js';
import { addStatus } from './status.js';
import { addDown, addUp } from './up.js';
import { addValidate } from './validate.js';

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
  addInit(program, io, exit);
  addValidate(program, io, exit);
  addSchema(program, io, exit);
  addRender(program, io, exit);
  addPlan(program, io, exit);
  addUp(program, io, exit);
  addStatus(program, io, exit);
  addDown(program, io, exit);
  addAddons(program, io, exit);
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
    if (error instanceof PlatformctlError) {
      io.stderr(`platformctl: ${error.message}\n${error.hint ? `  fix: ${error.hint}\n` : ''}`);
      return exitCodeOf(error);
    }
    io.stderr(`platformctl: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.usage;
  }
}
