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

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
