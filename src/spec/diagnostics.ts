import { type DiagnosticCode, type Severity, severityOf } from './codes.js';

export type PathSegment = string | number;
export type SpecPath = readonly PathSegment[];

/** What a rule reports: a code, where, what, and how to fix it. */
export interface Finding {
  readonly code: DiagnosticCode;
  readonly path: SpecPath;
  readonly message: string;
  readonly hint?: string;
}

/** A finding placed in the source file, as reported to users and scripts. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  /** YAML path, e.g. `spec.clusters[1].serviceCIDR`. */
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
  readonly file?: string;
  /** 1-based; absent when the file does not contain the path or any ancestor. */
  readonly line?: number;
  readonly column?: number;
  /** True when the value came from a default rather than the file. */
  readonly defaulted?: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function formatPath(path: SpecPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(document)' : out;
}

export function finding(code: DiagnosticCode, path: SpecPath, message: string, hint?: string): Finding {
  return hint === undefined ? { code, path, message } : { code, path, message, hint };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): { errors: number; warnings: number } {
  let errors = 0;
  for (const d of diagnostics) if (d.severity === 'error') errors++;
  return { errors, warnings: diagnostics.length - errors };
}

export { severityOf };
