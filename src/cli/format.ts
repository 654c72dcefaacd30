/**
 * Human-readable output: diagnostics with source snippets, and plain tables.
 */
import type { Budget } from '../spec/budget.js';
import type { Diagnostic } from '../spec/diagnostics.js';
import { countBySeverity } from '../spec/diagnostics.js';

export interface Style {
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
export const COLOR: Style = {
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  green: wrap(32, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22),
};
const identity = (text: string) => text;
export const PLAIN: Style = {
  red: identity,
  yellow: identity,
  green: identity,
  dim: identity,
  bold: identity,
};

function snippet(lines: readonly string[], line: number, column: number, style: Style): string[] {
  const text = lines[line - 1];
  if (text === undefined) return [];
  const gutter = String(line).length + 1;
  return [
    style.dim(`${String(line).padStart(gutter)} | `) + text,
    style.dim(`${' '.repeat(gutter)} | `) + ' '.repeat(Math.max(0, column - 1)) + style.red('^'),
  ];
}

export function formatDiagnostic(
  d: Diagnostic,
  sourceLines: readonly string[] | undefined,
  style: Style,
): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}:${d.column}` : ''}: ` : '';
  const severity = d.severity === 'error' ? style.red('error') : style.yellow('warning');
  const out = [
    `${where}${severity} ${style.bold(d.code)} at ${d.path}${d.defaulted ? style.dim(' (not in the file: a default)') : ''}`,
  ];
  out.push(`  ${d.message}`);
  if (sourceLines && d.line && d.column && !d.defaulted)
    out.push(...snippet(sourceLines, d.line, d.column, style).map((l) => `  ${l}`));
  if (d.hint) out.push(`  ${style.green('fix:')} ${d.hint}`);
  return out.join('\n');
}

export function formatSummary(diagnostics: readonly Diagnostic[], subject: string, style: Style): string {
  const { errors, warnings } = countBySeverity(diagnostics);
  const counts = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  return errors > 0
    ? style.red(`✗ ${subject} is invalid: ${counts}`)
    : style.green(`✓ ${subject} is valid (${counts})`);
}

/** A left-aligned text table; numbers are right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((row) => /^[\d.,]+[x%]?( GiB)?$|^$/.test(row[i] ?? '')),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

const gib = (value: number) => `${Number.isInteger(value) ? value : value.toFixed(1)} GiB`;
const percent = (used: number, available: number) =>
  available === 0 ? '∞' : `${Math.round((used / available) * 100)}%`;

export function formatBudget(budget: Budget): string {
  const rows = budget.lines.map((line) => [
    line.name,
    line.kind,
    String(line.cpus),
    gib(line.memoryGiB),
    gib(line.diskGiB),
  ]);
  rows.push(['total', '', String(budget.total.cpus), gib(budget.total.memoryGiB), gib(budget.total.diskGiB)]);
  rows.push([
    'available',
    'host − reserve',
    String(budget.available.cpus),
    gib(budget.available.memoryGiB),
    gib(budget.available.diskGiB),
  ]);
  rows.push([
    'usage',
    '',
    `${budget.cpuRatio.toFixed(2)}x`,
    percent(budget.total.memoryGiB, budget.available.memoryGiB),
    percent(budget.total.diskGiB, budget.available.diskGiB),
  ]);
  const { host, reserved } = budget;
  const title = `Budget: host ${host.cpus} CPU / ${gib(host.memoryGiB)} / ${gib(host.diskGiB)}, reserve ${reserved.cpus} CPU / ${gib(reserved.memoryGiB)} / ${gib(reserved.diskGiB)}`;
  return `${title}\n${table(['NAME', 'KIND', 'VCPU', 'MEMORY', 'DISK'], rows)}`;
}
