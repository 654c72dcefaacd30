import { type Command, Option } from 'commander';
import { providerFor } from '../providers/index.js';
import { forgetProvider, recordedProvider, recordProvider } from '../providers/record.js';
import { ProviderError } from '../providers/types.js';
import type { Provider as ProviderName } from '../spec/types.js';
import { CommandError } from '../clients/exec.js';
import { COLOR, formatDiagnostic, formatSummary, PLAIN } from './format.js';
import { type CliIO, EXIT, useColor } from './io.js';
import { fileOption, json, type OutputFormat, outputOption } from './options.js';
import { projectDir } from './project.js';
import { readSpec, type SpecInput } from './spec-input.js';

interface LifecycleFlags {
  file?: string;
  provider?: ProviderName;
  output: OutputFormat;
}

export const providerOption = () =>
  new Option('--provider <name>', 'override spec.provider').choices(['multipass', 'kwok', 'existing']);

/** Loads the spec for a lifecycle command; prints diagnostics and returns undefined when invalid. */
async function validSpec(io: CliIO, flags: LifecycleFlags): Promise<SpecInput | undefined> {
  const input = await readSpec(io, flags.file);
  if (input.result.platform) return input;
  const style = useColor(io) ? COLOR : PLAIN;
  const lines = input.text?.split(/\r?\n/);
  for (const d of input.result.diagnostics) io.stderr(`${formatDiagnostic(d, lines, style)}\n\n`);
  io.stderr(`${formatSummary(input.result.diagnostics, input.file ?? 'the built-in default', style)}\n`);
  return undefined;
}

function reportFailure(io: CliIO, error: unknown): number {
  if (error instanceof ProviderError || error instanceof CommandError) {
    io.stderr(`platformctl: ${error.message}\n`);
    return EXIT.invalid;
  }
  throw error;
}

export function addUp(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command('up')
    .description(
      'create the clusters of the platform through its provider (idempotent: existing clusters are kept)',
    )
    .addOption(fileOption())
    .addOption(providerOption())
    .addOption(outputOption())
    .addHelpText(
      'after',
      '\nExample:\n  platformctl up --provider kwok     # the whole topology on simulated nodes, in seconds',
    )
    .action(async (flags: LifecycleFlags) => {
      const input = await validSpec(io, flags);
      if (!input) return exit(EXIT.invalid);
      const platform = input.result.platform!;
      const name = flags.provider ?? platform.provider;
      const started = Date.now();
      const dir = projectDir(io, input);
      try {
        await recordProvider(dir, name);
        const result = await providerFor(name, io.env).up(platform, {
          projectDir: dir,
          log: (event) => {
            if (flags.output === 'text')
              io.stderr(`${event.cluster ? `[${event.cluster}] ` : ''}${event.message}\n`);
          },
        });
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        if (flags.output === 'json') io.stdout(json({ provider: name, ...result, seconds: Number(seconds) }));
        else {
          io.stdout(
            `${result.created.length === 0 ? 'nothing to create' : `created ${result.created.join(', ')}`} (${name}, ${seconds}s)\n`,
          );
          io.stdout(
            `kubeconfig: ${result.kubeconfig} (contexts: ${result.clusters.map((c) => c.context).join(', ')})\n`,
          );
        }
        exit(EXIT.ok);
      } catch (error) {
        exit(reportFailure(io, error));
      }
    });
}

export function addDown(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command('down')
    .description(
      'delete the clusters of the platform through its provider (idempotent: nothing to delete is success)',
    )
    .addOption(fileOption())
    .addOption(providerOption())
    .addOption(outputOption())
    .action(async (flags: LifecycleFlags) => {
      const input = await validSpec(io, flags);
      if (!input) return exit(EXIT.invalid);
      const platform = input.result.platform!;
      const dir = projectDir(io, input);
      // Tear down through the provider that created the clusters, unless told otherwise.
      const name = flags.provider ?? (await recordedProvider(dir)) ?? platform.provider;
      try {
        const result = await providerFor(name, io.env).down(platform, {
          projectDir: dir,
          log: (event) => {
            if (flags.output === 'text')
              io.stderr(`${event.cluster ? `[${event.cluster}] ` : ''}${event.message}\n`);
          },
        });
        await forgetProvider(dir);
        if (flags.output === 'json') io.stdout(json({ provider: name, ...result }));
        else
          io.stdout(
            result.deleted.length === 0 ? 'nothing to delete\n' : `deleted ${result.deleted.join(', ')}\n`,
          );
        exit(EXIT.ok);
      } catch (error) {
        exit(reportFailure(io, error));
      }
    });
}
