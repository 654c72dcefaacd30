import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { type PlanRow, planDot, planMermaid, planTable } from '../plan/format.js';
import { buildPlan } from '../plan/plan.js';
import { type RecordedStep, stepStatus } from '../plan/status.js';
import { renderPlatform } from '../render/index.js';
import { COLOR, formatDiagnostic, formatSummary, PLAIN } from './format.js';
import { type CliIO, EXIT, UsageError, useColor } from './io.js';
import { fileOption, json } from './options.js';
import { projectDir } from './project.js';
import { readSpec } from './spec-input.js';
import { providerOption } from './up.js';
import { prepareUp, stepEnvironment } from '../engine/run.js';
import { driftOfStep } from '../engine/steps.js';
import { providerFor } from '../providers/index.js';
import { recordedProvider } from '../providers/record.js';
import type { Provider as ProviderName } from '../spec/types.js';

interface PlanFlags {
  file?: string;
  provider?: string;
  format: 'table' | 'mermaid' | 'dot' | 'json';
  output?: 'text' | 'json';
  check?: boolean;
}

async function recordedSteps(dir: string): Promise<Record<string, RecordedStep>> {
  const path = join(dir, '.platformctl', 'state.json');
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (!text) return {};
  try {
    return (JSON.parse(text) as { steps?: Record<string, RecordedStep> }).steps ?? {};
  } catch {
    throw new UsageError(`${path} is not valid JSON; restore ${path}.bak or remove it to plan from scratch`);
  }
}

export function addPlan(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command('plan')
    .description(
      'show the step graph `up` would run: steps per cluster in dependency order, their status, and the critical path',
    )
    .addOption(fileOption())
    .addOption(providerOption())
    .addOption(
      new Option('--format <format>', 'table, or a graph for other tools')
        .choices(['table', 'mermaid', 'dot', 'json'])
        .default('table'),
    )
    .addOption(
      new Option('-o, --output <format>', 'json is the same as --format json').choices(['text', 'json']),
    )
    .option('--check', 'run the live checks of settled steps and mark what drifted (needs the clusters)')
    .addHelpText(
      'after',
      '\nStatus: new (never run), changed (rendered inputs differ from the last run), unchanged, failed;\nwith --check also drifted (the live check found the platform differs from what the step left).\n\nExamples:\n  platformctl plan\n  platformctl plan --format mermaid > plan.mmd\n  platformctl plan --format dot | dot -Tsvg > plan.svg',
    )
    .action(async (flags: PlanFlags) => {
      const input = await readSpec(io, flags.file);
      const platform = input.result.platform;
      if (!platform) {
        const style = useColor(io) ? COLOR : PLAIN;
        for (const d of input.result.diagnostics)
          io.stderr(`${formatDiagnostic(d, input.text?.split(/\r?\n/), style)}\n\n`);
        io.stderr(
          `${formatSummary(input.result.diagnostics, input.file ?? 'the built-in default', style)}\n`,
        );
        return exit(EXIT.invalid);
      }
      const plan = buildPlan(platform, renderPlatform(platform), flags.provider ?? platform.provider);
      const dir = projectDir(io, input);
      const recorded = await recordedSteps(dir);
      const rows: PlanRow[] = plan.steps.map((step) => ({
        ...step,
        status: stepStatus(step, recorded[step.id]),
      }));
      if (flags.check) {
        // Live checks of the steps that would otherwise be `unchanged`: what `up` would redo.
        const name = (flags.provider ?? (await recordedProvider(dir)) ?? platform.provider) as ProviderName;
        const provider = providerFor(name, io.env);
        const prepared = await prepareUp({ projectDir: dir, platform, provider });
        const env = stepEnvironment({ projectDir: dir, platform, provider, env: io.env }, prepared);
        const context = { signal: AbortSignal.timeout(120_000), attempt: 1, log: () => {} };
        for (const [index, row] of rows.entries()) {
          if (row.status !== 'unchanged') continue;
          const drift = await driftOfStep(env, row, context).catch((e: unknown) => (e as Error).message);
          if (drift) rows[index] = { ...row, status: 'drifted' };
        }
      }
      const format = flags.output === 'json' ? 'json' : flags.format;
      if (format === 'json')
        io.stdout(
          json({
            platform: plan.platform,
            provider: plan.provider,
            criticalPath: plan.criticalPath,
            steps: rows,
          }),
        );
      else if (format === 'mermaid') io.stdout(planMermaid(rows, plan));
      else if (format === 'dot') io.stdout(planDot(rows, plan));
      else io.stdout(`${planTable(rows, plan)}\n`);
      exit(EXIT.ok);
    });
}
