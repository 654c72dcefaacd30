import type { Command } from 'commander';
import { computeBudget } from '../spec/budget.js';
import { countBySeverity } from '../spec/diagnostics.js';
import { COLOR, formatBudget, formatDiagnostic, formatSummary, PLAIN } from './format.js';
import { type CliIO, EXIT, useColor } from './io.js';
import { fileOption, json, type OutputFormat, outputOption } from './options.js';
import { readSpec } from './spec-input.js';

interface ValidateFlags {
  file?: string;
  output: OutputFormat;
  budget?: boolean;
}

export function addValidate(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command('validate')
    .description('check a platform spec and report every problem with its path, line and a fix')
    .addOption(fileOption())
    .addOption(outputOption())
    .option('--budget', 'also print the resource budget: every VM and external service against the host')
    .addHelpText(
      'after',
      '\nExit status: 0 valid (warnings allowed), 1 invalid, 2 usage or I/O error.\n\nExamples:\n  platformctl validate\n  platformctl validate -f lab.yaml --budget\n  platformctl validate -o json | jq \'.diagnostics[] | select(.severity == "error")\'',
    )
    .action(async (flags: ValidateFlags) => {
      const input = await readSpec(io, flags.file);
      const { result } = input;
      const budget = flags.budget && result.document ? computeBudget(result.document.spec) : undefined;
      const subject = input.file ?? 'the built-in default';
      if (flags.output === 'json') {
        const { errors, warnings } = countBySeverity(result.diagnostics);
        io.stdout(
          json({
            file: input.file ?? null,
            source: input.file === undefined ? 'builtin' : 'file',
            valid: result.ok,
            errors,
            warnings,
            diagnostics: result.diagnostics,
            ...(budget ? { budget } : {}),
          }),
        );
      } else {
        const style = useColor(io) ? COLOR : PLAIN;
        const lines = input.text?.split(/\r?\n/);
        for (const d of result.diagnostics) io.stdout(`${formatDiagnostic(d, lines, style)}\n\n`);
        if (budget) io.stdout(`${formatBudget(budget)}\n\n`);
        io.stdout(`${formatSummary(result.diagnostics, subject, style)}\n`);
      }
      exit(result.ok ? EXIT.ok : EXIT.invalid);
    });
}
