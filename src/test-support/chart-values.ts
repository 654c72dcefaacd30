/**
 * Checks rendered Helm values against the chart's own files, read from the packaged chart that
 * `up` installs (../shared/chart-mirror/<chart>-<version>.tgz): values.yaml and, when the chart
 * has one, values.schema.json. One source for the tests and the rehearsal.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import type { ChartRef } from '../addons/charts.js';

/** The packaged upstream charts and the Gateway API bundle (../shared/chart-mirror, see its INDEX.md). */
export const SHARED_CHART_MIRROR = fileURLToPath(new URL('../../../shared/chart-mirror', import.meta.url));

const files = new Map<string, string | undefined>();

/** A file of the packaged chart (`values.yaml`, `Chart.yaml`, ...), or undefined when it has none. */
export function chartFile(chart: ChartRef, name: string): string | undefined {
  const archive = `${SHARED_CHART_MIRROR}/${chart.chart}-${chart.version}.tgz`;
  const key = `${archive}\0${name}`;
  if (!files.has(key)) {
    if (!existsSync(archive))
      throw new Error(`${chart.chart} ${chart.version} is not in ${SHARED_CHART_MIRROR}`);
    let text: string | undefined;
    try {
      text = execFileSync('tar', ['-xzOf', archive, `${chart.chart}/${name}`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch {
      text = undefined;
    }
    files.set(key, text);
  }
  return files.get(key);
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Paths in `values` that the chart's values.yaml does not define. A key is accepted when the chart
 * defines it, or when its parent in values.yaml is an empty map (free-form, e.g. podAnnotations: {}),
 * or when the path (dot-joined) starts with one of `freeForm` (keys verified in the chart's docs or
 * templates, e.g. sub-objects the chart passes through untouched).
 */
export function unknownValueKeys(
  values: unknown,
  chartValues: unknown,
  freeForm: readonly string[] = [],
): string[] {
  const out: string[] = [];
  const walk = (value: unknown, defaults: unknown, path: string[]) => {
    if (!isMap(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const here = [...path, key];
      const dotted = here.join('.');
      if (freeForm.some((prefix) => dotted === prefix || dotted.startsWith(`${prefix}.`))) continue;
      if (!isMap(defaults)) continue; // a list or scalar in the chart: its items are not keyed
      if (!(key in defaults)) {
        out.push(dotted);
        continue;
      }
      const def = defaults[key];
      if (isMap(def) && Object.keys(def).length === 0) continue; // free-form map in the chart
      walk(child, def, here);
    }
  };
  walk(values, chartValues, []);
  return out;
}

export interface ChartCheck {
  unknownKeys: string[];
  schemaErrors: string[];
  hasSchema: boolean;
}

export function checkChartValues(
  chart: ChartRef,
  values: unknown,
  freeForm: readonly string[] = [],
): ChartCheck {
  const defaults = chartFile(chart, 'values.yaml');
  if (defaults === undefined) throw new Error(`${chart.chart} ${chart.version} has no values.yaml`);
  const chartValues = parse(defaults) as unknown;
  const unknownKeys = unknownValueKeys(values, chartValues, freeForm);
  const schema = chartFile(chart, 'values.schema.json');
  if (schema === undefined) return { unknownKeys, schemaErrors: [], hasSchema: false };
  const validate = compileChartSchema(JSON.parse(schema) as Record<string, unknown>);
  // Helm validates the merged values: chart defaults overlaid with ours.
  const merged = deepMerge(chartValues, values);
  const ok = validate(merged);
  const schemaErrors = ok
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  return { unknownKeys, schemaErrors, hasSchema: true };
}

/**
 * Charts name their meta-schema in several spellings (`https://…/draft-07/schema#`,
 * `http://json-schema.org/schema#`) that Ajv does not register; Helm reads them all. Draft 2020-12
 * gets Ajv's 2020 dialect, everything else draft-07 (what those spellings mean in practice).
 */
function compileChartSchema(schema: Record<string, unknown>) {
  const { $schema, ...body } = schema;
  const options = { allErrors: true, strict: false } as const;
  return String($schema).includes('2020-12')
    ? new Ajv2020(options).compile(body)
    : new Ajv(options).compile(body);
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(base[key], value);
  return out;
}
