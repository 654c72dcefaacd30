import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { secretsDir } from '../engine/secrets.js';
import { VAULT_SECRET } from '../engine/vault.js';
import { CommandError } from '../clients/exec.js';
import { LockHeldError } from '../engine/lock.js';
import { jsonProgress, liveProgress, plainProgress, type ProgressSink } from '../engine/progress.js';
import { prepareUp, SelectionError, up } from '../engine/run.js';
import { readState, StateError, StateStore } from '../engine/state.js';
import { acquireLock } from '../engine/lock.js';
import { DEFAULT_CONCURRENCY } from '../engine/types.js';
import { providerFor } from '../providers/index.js';
import { forgetProvider, recordedProvider, recordProvider } from '../providers/record.js';
import { ProviderError } from '../providers/types.js';
import type { Provider as ProviderName } from '../spec/types.js';
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

interface UpFlags extends LifecycleFlags {
  dryRun?: boolean;
  only?: string[];
  skip?: string[];
  concurrency?: string;
}

export const providerOption = () =>
  new Option('--provider <name>', 'override spec.provider').choices(['multipass', 'kwok', 'existing']);

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

/** Loads the spec for a lifecycle command; prints diagnostics and returns undefined when invalid. */
export async function validSpec(io: CliIO, flags: { file?: string }): Promise<SpecInput | undefined> {
  const input = await readSpec(io, flags.file);
  if (input.result.platform) return input;
  const style = useColor(io) ? COLOR : PLAIN;
  const lines = input.text?.split(/\r?\n/);
  for (const d of input.result.diagnostics) io.stderr(`${formatDiagnostic(d, lines, style)}\n\n`);
  io.stderr(`${formatSummary(input.result.diagnostics, input.file ?? 'the built-in default', style)}\n`);
  return undefined;
}

/** Expected failures get one clear message and exit 1 (2 for how the command was called). */
export function reportFailure(io: CliIO, error: unknown): number {
  if (error instanceof SelectionError) {
    io.stderr(`platformctl: ${error.message}\n`);
    return EXIT.usage;
  }
  if (
    error instanceof ProviderError ||
    error instanceof CommandError ||
    error instanceof LockHeldError ||
    error instanceof StateError
  ) {
    io.stderr(`platformctl: ${error.message}\n`);
    return EXIT.invalid;
  }
  throw error;
}

function progressFor(io: CliIO, output: OutputFormat): ProgressSink {
  if (output === 'json') return jsonProgress(io.stdout);
  return io.isTTY ? liveProgress(io.stderr) : plainProgress(io.stderr);
}

export function addUp(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command('up')
    .description(
      'build the platform: run the plan as a dependency graph across clusters, in parallel, resumably; a re-run does only what changed or drifted',
    )
    .addOption(fileOption())
    .addOption(providerOption())
    .option('--dry-run', 'print what would run, change nothing')
    .option(
      '--only <selectors>',
      'run only these (comma-separated: cluster, add-on, cluster/add-on or step id) and what they depend on',
      list,
    )
    .option('--skip <selectors>', 'leave these out, and every step that depends on them', list)
    .option(
      '--concurrency <n>',
      `steps at once (default ${DEFAULT_CONCURRENCY.global}; ${DEFAULT_CONCURRENCY.perCluster} per cluster)`,
    )
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Each step's log: .platformctl/logs/<run>/<step>.log; state after every step: .platformctl/state.json.
Interrupted (Ctrl-C, a crash)? Run \`up\` again: it continues where it stopped.

Examples:
  platformctl up --provider kwok          # the whole topology on simulated nodes
  platformctl up --dry-run                # what would run, and why
  platformctl up --only app1              # one cluster, with what it needs from mgmt
  platformctl up --skip falco -o json     # one JSON event per line`,
    )
    .action(async (flags: UpFlags) => {
      const input = await validSpec(io, flags);
      if (!input) return exit(EXIT.invalid);
      const platform = input.result.platform!;
      const name = flags.provider ?? platform.provider;
      const dir = projectDir(io, input);
      const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
        io.stderr(`platformctl: --concurrency takes a whole number above 0, not "${flags.concurrency}"\n`);
        return exit(EXIT.usage);
      }
      try {
        const provider = providerFor(name, io.env);
        const selection = {
          ...(flags.only ? { only: flags.only } : {}),
          ...(flags.skip ? { skip: flags.skip } : {}),
        };
        if (flags.dryRun) {
          const { plan, planned } = await prepareUp({ projectDir: dir, platform, provider, ...selection });
          if (flags.output === 'json')
            io.stdout(
              json({
                provider: name,
                dryRun: true,
                steps: planned.map((p) => ({ id: p.step.id, status: p.status, action: p.action })),
              }),
            );
          else {
            for (const p of planned)
              io.stdout(
                `${p.action === 'run' ? 'run  ' : p.action === 'check' ? 'check' : 'skip '} ${p.step.id} (${p.status})\n`,
              );
            const counts = (a: string) => planned.filter((p) => p.action === a).length;
            io.stdout(
              `\n${plan.steps.length} steps: ${counts('run')} would run, ${counts('check')} only a live check, ${counts('skip')} left out\n`,
            );
          }
          return exit(EXIT.ok);
        }
        await recordProvider(dir, name);
        const controller = new AbortController();
        const onSignal = () => {
          if (controller.signal.aborted) process.exit(130);
          io.stderr('\ncancelling: running steps stop, state is kept; Ctrl-C again to quit at once\n');
          controller.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        const progress = progressFor(io, flags.output);
        try {
          const result = await up({
            projectDir: dir,
            platform,
            provider,
            env: io.env,
            ...selection,
            ...(concurrency
              ? {
                  concurrency: {
                    ...DEFAULT_CONCURRENCY,
                    global: concurrency,
                    perCluster: Math.min(concurrency, DEFAULT_CONCURRENCY.perCluster),
                  },
                }
              : {}),
            signal: controller.signal,
            onEvent: progress.onEvent,
            command: `up --provider ${name}`,
          });
          progress.close();
          if (result.reclaimedLockOf !== undefined)
            io.stderr(
              result.reclaimedLockOf > 0
                ? `note: took over the lock of an earlier run (pid ${result.reclaimedLockOf}) that is no longer running\n`
                : 'note: replaced a damaged lock file left by an interrupted run\n',
            );
          if (flags.output === 'text') {
            for (const record of result.records.filter((r) => r.outcome === 'failed')) {
              io.stderr(`\n✗ ${record.id}: ${record.error?.message ?? 'failed'}\n`);
              io.stderr(`  log: ${result.logDir}/${record.id.replaceAll('/', '__')}.log\n`);
            }
            if (result.counts.cancelled > 0)
              io.stderr('\ninterrupted: the state is saved; run `platformctl up` again to continue\n');
            io.stdout(`logs: ${result.logDir}\n`);
          }
          exit(result.ok ? EXIT.ok : EXIT.invalid);
        } finally {
          progress.close();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      } catch (error) {
        exit(reportFailure(io, error));
      }
    });
}

export function addDown(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command('down')
    .description(
      'delete the clusters of the platform through its provider, workload clusters first (idempotent: nothing to delete is success)',
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
        const lock = await acquireLock(dir, {
          command: `down --provider ${name}`,
          runId: `down-${process.pid}`,
        });
        try {
          const result = await providerFor(name, io.env).down(platform, {
            projectDir: dir,
            log: (event) => {
              if (flags.output === 'text')
                io.stderr(`${event.cluster ? `[${event.cluster}] ` : ''}${event.message}\n`);
            },
          });
          // The steps of deleted clusters have to run again on the next `up`.
          const state = await readState(dir);
          if (state) {
            const clusters = new Set(platform.clusters.map((c) => c.name));
            await new StateStore(dir, state).forget(
              Object.keys(state.steps).filter((id) => clusters.has(id.split('/')[0]!)),
            );
          }
          // Vault's keys open only the Vault that went with the clusters.
          await rm(join(secretsDir(dir), `${VAULT_SECRET}.json`), { force: true });
          await forgetProvider(dir);
          if (flags.output === 'json') io.stdout(json({ provider: name, ...result }));
          else
            io.stdout(
              result.deleted.length === 0 ? 'nothing to delete\n' : `deleted ${result.deleted.join(', ')}\n`,
            );
        } finally {
          await lock.release();
        }
        exit(EXIT.ok);
      } catch (error) {
        exit(reportFailure(io, error));
      }
    });
}
