import { readSpecInput } from '../../ops/spec.js';
import { computeBudget } from '../../spec/budget.js';
import { countBySeverity } from '../../spec/diagnostics.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { COLOR, formatBudget, formatDiagnostic, formatSummary, PLAIN } from '../format.js';
import { EXIT, useColor } from '../io.js';
import { json } from '../report.js';

interface ValidateFlags {
  file?: string;
  output: OutputFormat;
  budget?: boolean;
}

export default async function validate(flags: ValidateFlags, { io }: ActionContext): Promise<number> {
  const input = await readSpecInput({
    file: flags.file,
    cwd: io.cwd,
    now: io.now(),
    readStdin: io.readStdin,
  });
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
  return result.ok ? EXIT.ok : EXIT.invalid;
}
