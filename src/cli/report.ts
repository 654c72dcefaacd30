/**
 * How the command line shows an invalid spec: every diagnostic with its snippet, then the summary.
 */
import type { SpecInput } from '../ops/spec.js';
import { SpecInvalidError } from '../ops/spec.js';
import { COLOR, formatDiagnostic, formatSummary, PLAIN } from './format.js';
import { type CliIO, useColor } from './io.js';

export function printSpecDiagnostics(
  io: CliIO,
  input: SpecInput,
  write: (text: string) => void = io.stderr,
): void {
  const style = useColor(io) ? COLOR : PLAIN;
  const lines = input.text?.split(/\r?\n/);
  for (const d of input.result.diagnostics) write(`${formatDiagnostic(d, lines, style)}\n\n`);
  write(`${formatSummary(input.result.diagnostics, input.file ?? 'the built-in default', style)}\n`);
}

export function printDiagnostics(io: CliIO, error: unknown): void {
  if (error instanceof SpecInvalidError) printSpecDiagnostics(io, error.input);
}

/** The mark before each check of a report (`verify`, `pki check`), one width for all. */
export const CHECK_MARK = { pass: 'ok  ', warn: 'warn', fail: 'FAIL', skipped: 'skip' } as const;

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Check lines (`up --dry-run`, `doctor`): one per check, its fix under it when it did not pass;
 * checks that share a fix (every unreachable repository) print it once, after the last of them.
 */
export function checkLines(
  checks: ReadonlyArray<{ id: string; status: 'pass' | 'warn' | 'fail'; detail: string; fix?: string }>,
  indent = '',
): string {
  const mark = { pass: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;
  return checks
    .map((check, i) => {
      const fix = check.status !== 'pass' && check.fix && checks[i + 1]?.fix !== check.fix;
      return `${indent}${mark[check.status]}  ${check.id}: ${check.detail}\n${fix ? `${indent}      fix: ${check.fix}\n` : ''}`;
    })
    .join('');
}
