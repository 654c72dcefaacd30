/**
 * From text to a validated platform: parse → shape check → defaults → rules → model.
 * Pure: no file system, no clock (both are arguments).
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Catalog } from '../addons/types.js';
import { applyDefaults, defaultDocument } from './defaults.js';
import {
  type Diagnostic,
  type Finding,
  formatPath,
  hasErrors,
  type SpecPath,
  severityOf,
} from './diagnostics.js';
import { normalise, type Platform } from './model.js';
import { checkShape } from './shape.js';
import { type SourceMap, sourceMapOf } from './source.js';
import type { PlatformDocument } from './types.js';
import { validateDocument } from './validate.js';

export interface LoadOptions {
  /** Shown in diagnostics. */
  file?: string;
  /** The clock, for defaults and exemption expiry. */
  now: Date;
  /** The add-ons' facts; the spec layer never loads the add-on modules itself. */
  catalog: Catalog;
}

export interface SpecResult {
  /** True when there are no errors (warnings allowed). */
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  /** The complete document, once its shape is valid. */
  readonly document?: PlatformDocument;
  /** The normalised model, when ok. */
  readonly platform?: Platform;
}

/** `semantic`: the findings are about the defaulted document, so a path missing from the file was a default. */
function place(
  findings: readonly Finding[],
  source: SourceMap | undefined,
  file: string | undefined,
  semantic: boolean,
): Diagnostic[] {
  return findings.map((f) => {
    const position = source?.locate(f.path, f.code === 'schema.unknown-field' ? 'key' : 'value');
    return {
      code: f.code,
      severity: severityOf(f.code),
      path: formatPath(f.path),
      message: f.message,
      ...(f.hint === undefined ? {} : { hint: f.hint }),
      ...(file === undefined ? {} : { file }),
      ...(position ? { line: position.line, column: position.column } : {}),
      ...(semantic && source && !source.has(f.path) ? { defaulted: true } : {}),
    };
  });
}

/** Source order, like a compiler; diagnostics without a position keep their order at the end. */
function sorted(diagnostics: Diagnostic[]): Diagnostic[] {
  const line = (d: Diagnostic) => d.line ?? Number.POSITIVE_INFINITY;
  return diagnostics
    .map((diagnostic, order) => ({ diagnostic, order }))
    .sort(
      (a, b) =>
        line(a.diagnostic) - line(b.diagnostic) ||
        (a.diagnostic.column ?? 0) - (b.diagnostic.column ?? 0) ||
        a.order - b.order,
    )
    .map((entry) => entry.diagnostic);
}

function finish(doc: PlatformDocument, source: SourceMap | undefined, options: LoadOptions): SpecResult {
  const semantic = validateDocument(doc, { now: options.now, catalog: options.catalog });
  const diagnostics = sorted(place(semantic.findings, source, options.file, true));
  if (hasErrors(diagnostics)) return { ok: false, diagnostics, document: doc };
  return {
    ok: true,
    diagnostics,
    document: doc,
    platform: normalise(doc, semantic.placement, semantic.network, options.catalog),
  };
}

export function loadSpecText(text: string, options: LoadOptions): SpecResult {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const documents = Array.isArray(parsed) ? parsed : [];
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const fileField = options.file === undefined ? {} : { file: options.file };

  const syntax: Diagnostic[] = documents.flatMap((document) =>
    document.errors.map((error) => ({
      code: 'yaml.syntax' as const,
      severity: 'error' as const,
      path: '(document)',
      message: error.message.split('\n')[0]!,
      hint:
        error.code === 'DUPLICATE_KEY'
          ? 'remove one of the two keys'
          : 'check indentation, colons and quotes here',
      ...fileField,
      ...at(error.pos[0]),
    })),
  );
  if (syntax.length > 0) return { ok: false, diagnostics: syntax };

  const first = documents[0];
  if (!first || first.contents === null) {
    return {
      ok: false,
      diagnostics: [
        {
          code: 'yaml.empty',
          severity: 'error',
          path: '(document)',
          message: 'the file holds no YAML document',
          hint: 'run `platformctl init` to write a starting point',
          ...fileField,
        },
      ],
    };
  }
  if (documents.length > 1) {
    const second = documents[1]!;
    return {
      ok: false,
      diagnostics: [
        {
          code: 'yaml.multiple-documents',
          severity: 'error',
          path: '(document)',
          message: `the file holds ${documents.length} YAML documents; a platform spec is one`,
          hint: 'remove the "---" separators and everything after the first document',
          ...fileField,
          ...at(second.range[0]),
        },
      ],
    };
  }

  const source = sourceMapOf(first, lineCounter, options.file);
  let value: unknown;
  try {
    value = first.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // The yaml package refuses documents whose aliases expand past the limit (a "billion laughs").
    return {
      ok: false,
      diagnostics: [
        {
          code: 'yaml.resource-limit',
          severity: 'error',
          path: '(document)',
          message: `the document is too expensive to read: ${(error as Error).message}`,
          hint: 'a platform spec needs no YAML aliases; write the values out',
          ...fileField,
        },
      ],
    };
  }
  const shape = checkShape(value);
  if (shape.ok) return finish(applyDefaults(shape.value, options), source, options);

  // Report every problem at once: drop the values that failed the shape check, let defaults
  // stand in, and run the rules on the rest. Findings about a dropped value's stand-in are noise.
  const pruned = withoutPaths(
    value,
    shape.findings.map((f) => f.path),
  );
  const retry = pruned === undefined ? undefined : checkShape(pruned.value);
  if (!retry?.ok)
    return { ok: false, diagnostics: sorted(place(shape.findings, source, options.file, false)) };
  const rest = finish(applyDefaults(retry.value, options), source, options);
  const droppedPaths = pruned!.dropped.map(formatPath);
  const related = (d: Diagnostic) =>
    droppedPaths.some((p) => d.path === p || d.path.startsWith(`${p}.`) || d.path.startsWith(`${p}[`));
  const diagnostics = sorted([
    ...place(shape.findings, source, options.file, false),
    ...rest.diagnostics.filter((d) => !related(d)),
  ]);
  return { ok: false, diagnostics };
}

/**
 * A copy of `value` without the mapping entries at `paths`; undefined when a path cannot be
 * dropped without changing what other paths mean (a list item, or the document itself).
 */
function withoutPaths(
  value: unknown,
  paths: readonly SpecPath[],
): { value: unknown; dropped: SpecPath[] } | undefined {
  const copy = structuredClone(value);
  const dropped: SpecPath[] = [];
  for (const path of paths) {
    const last = path[path.length - 1];
    if (typeof last !== 'string' || path.length < 2) return undefined;
    let parent: unknown = copy;
    for (const segment of path.slice(0, -1))
      parent = (parent as Record<string | number, unknown> | undefined)?.[segment];
    if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) return undefined;
    delete (parent as Record<string, unknown>)[last];
    dropped.push(path);
  }
  return { value: copy, dropped };
}

/** The built-in default platform (the seed's topology), validated like a file would be. */
export function loadBuiltinSpec(options: Pick<LoadOptions, 'now' | 'catalog'>): SpecResult {
  return finish(defaultDocument(options), undefined, options);
}
