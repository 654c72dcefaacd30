/**
 * The shape check: the parsed YAML against the JSON Schema of schema.ts, with every
 * Ajv error turned into a finding that says what, where and how to fix it.
 *
 * The build compiles the schema ahead of time (scripts/compile-shape.mjs writes
 * dist/spec/shape-validator.js with Ajv's standalone code): loading TypeBox and Ajv and
 * compiling at every start would cost more than the rest of `validate`. Run from the sources
 * (tests, tsx), the same schema is compiled here with the same options instead.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { didYouMean } from '../util/suggest.js';
import type { Finding, PathSegment } from './diagnostics.js';
import { finding } from './diagnostics.js';
import type { PlatformDocumentInput } from './schema.js';
import { API_VERSION, KIND } from './version.js';

/** Ajv's options, shared with the ahead-of-time compilation. */
export const SHAPE_AJV_OPTIONS = { allErrors: true, verbose: true, strict: false } as const;

async function compiledValidator(): Promise<ValidateFunction<PlatformDocumentInput>> {
  // Not a literal specifier: the file exists only in the build.
  const precompiled = './shape-validator.js';
  const built = (await import(precompiled).catch(() => undefined)) as
    { default: ValidateFunction<PlatformDocumentInput> } | undefined;
  if (built) return built.default;
  const [{ Ajv }, { PlatformDocumentSchema }] = await Promise.all([import('ajv'), import('./schema.js')]);
  return new Ajv(SHAPE_AJV_OPTIONS).compile<PlatformDocumentInput>(PlatformDocumentSchema);
}

const validateDocument = await compiledValidator();

const YAML11_BOOLEANS = new Set(['yes', 'no', 'on', 'off', 'y', 'n', 'true', 'false']);

function pathOf(instancePath: string): PathSegment[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function about(error: ErrorObject): string {
  const description = (error.parentSchema as { description?: string } | undefined)?.description;
  return description ? ` (${description.replace(/\.$/, '')})` : '';
}

function toFinding(error: ErrorObject): Finding {
  const path = pathOf(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const known = Object.keys(
        (error.parentSchema as { properties?: object } | undefined)?.properties ?? {},
      );
      const hint = didYouMean(field, known) ?? `allowed here: ${known.join(', ')}`;
      return finding('schema.unknown-field', [...path, field], `unknown field "${field}"`, hint);
    }
    case 'required': {
      const field = String(params.missingProperty);
      return finding(
        'schema.required',
        [...path, field],
        `missing required field "${field}"`,
        `add "${field}:"`,
      );
    }
    case 'type': {
      const expected = String(params.type);
      const hint =
        expected === 'boolean' &&
        typeof error.data === 'string' &&
        YAML11_BOOLEANS.has(error.data.toLowerCase())
          ? 'YAML 1.2 reads yes/no/on/off as text: write true or false'
          : expected === 'string' && typeof error.data !== 'object'
            ? 'quote the value'
            : undefined;
      return finding(
        'schema.type',
        path,
        `must be ${expected === 'integer' ? 'a whole number' : `a ${expected}`}, not ${describe(error.data)}${about(error)}`,
        hint,
      );
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const hint = typeof error.data === 'string' ? didYouMean(error.data, allowed) : undefined;
      return finding(
        'schema.enum',
        path,
        `must be one of ${allowed.join(', ')}, not ${describe(error.data)}`,
        hint,
      );
    }
    case 'const': {
      const field = path[path.length - 1];
      if (path.length === 1 && field === 'apiVersion') {
        return finding(
          'schema.api-version',
          path,
          `apiVersion must be ${API_VERSION}, not ${describe(error.data)}`,
          `write "apiVersion: ${API_VERSION}"`,
        );
      }
      if (path.length === 1 && field === 'kind') {
        return finding(
          'schema.kind',
          path,
          `kind must be ${KIND}, not ${describe(error.data)}`,
          `write "kind: ${KIND}"`,
        );
      }
      return finding(
        'schema.enum',
        path,
        `must be ${JSON.stringify(params.allowedValue)}, not ${describe(error.data)}`,
      );
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return finding(
        'schema.range',
        path,
        `must be ${String(params.comparison)} ${String(params.limit)}, not ${String(error.data)}${about(error)}`,
      );
    case 'minLength':
      return finding('schema.range', path, `must not be empty${about(error)}`);
    case 'minItems':
      return finding(
        'schema.range',
        path,
        `must list at least ${String(params.limit)} item(s)${about(error)}`,
      );
    case 'uniqueItems':
      return finding(
        'schema.duplicate-item',
        path,
        `items ${String(params.j)} and ${String(params.i)} are the same`,
        'remove the duplicate',
      );
    default:
      return finding('schema.range', path, `${error.message ?? 'is invalid'}${about(error)}`);
  }
}

/** Checks the shape; the value is typed as input only when there are no findings. */
export function checkShape(
  value: unknown,
): { ok: true; value: PlatformDocumentInput } | { ok: false; findings: Finding[] } {
  if (validateDocument(value)) return { ok: true, value };
  const findings = (validateDocument.errors ?? []).map(toFinding);
  return { ok: false, findings };
}
