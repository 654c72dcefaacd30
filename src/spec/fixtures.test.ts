/**
 * Fixture-driven validation tests. Each file under fixtures/rules/ is named after the diagnostic
 * code it triggers and declares, in its leading comments:
 *   # expect: <code> <path> [@ <text>]   a diagnostic that must be reported; with @, on the
 *                                       last line of the spec that contains <text>
 *   # allow: <code>                      other codes it may cascade into
 * Every other error is a failure, so a rule that fires where it should not is caught too.
 */
import { CATALOG } from '../addons/catalog.js';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../test-support/clock.js';
import { DIAGNOSTIC_CODES, severityOf } from './codes.js';
import { loadSpecText } from './load.js';

const dir = (name: string) => fileURLToPath(new URL(`./fixtures/${name}/`, import.meta.url));
const files = (name: string) =>
  readdirSync(dir(name))
    .filter((f) => f.endsWith('.yaml'))
    .sort();

interface Expectation {
  code: string;
  path: string;
  marker?: string;
}

function expectations(text: string): { expect: Expectation[]; allow: string[] } {
  const expectList: Expectation[] = [];
  const allow: string[] = [];
  for (const line of text.split('\n')) {
    const e = /^# expect: (\S+) (\S+)(?: @ (.+))?$/.exec(line);
    if (e) expectList.push({ code: e[1]!, path: e[2]!, ...(e[3] ? { marker: e[3] } : {}) });
    const a = /^# allow: (\S+)$/.exec(line);
    if (a) allow.push(a[1]!);
  }
  return { expect: expectList, allow };
}

/** 1-based number of the last non-header line containing `marker`. */
function lineOf(text: string, marker: string): number {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]!.startsWith('# expect:') && lines[i]!.includes(marker)) return i + 1;
  }
  throw new Error(`marker not found: ${marker}`);
}

describe('rule fixtures', () => {
  const ruleFiles = files('rules');

  it('cover every diagnostic code', () => {
    const covered = new Set(ruleFiles.map((f) => f.replace(/\.yaml$/, '')));
    expect([...Object.keys(DIAGNOSTIC_CODES)].filter((code) => !covered.has(code))).toEqual([]);
  });

  it.each(ruleFiles)('%s reports what it declares', (file) => {
    const text = readFileSync(dir('rules') + file, 'utf8');
    const { expect: wanted, allow } = expectations(text);
    expect(wanted.length).toBeGreaterThan(0);
    expect(wanted.some((w) => w.code === file.replace(/\.yaml$/, ''))).toBe(true);

    const result = loadSpecText(text, { file, now: TEST_NOW, catalog: CATALOG });
    const summary = result.diagnostics.map((d) => `${d.code} ${d.path} line ${d.line}`);
    for (const w of wanted) {
      const match = result.diagnostics.find((d) => d.code === w.code && d.path === w.path);
      expect(match, `expected ${w.code} at ${w.path}; got:\n${summary.join('\n')}`).toBeDefined();
      if (w.marker !== undefined) expect(match!.line, `${w.code} at ${w.path}`).toBe(lineOf(text, w.marker));
      expect(match!.message.length).toBeGreaterThan(10);
      expect(match!.file).toBe(file);
    }
    const expectedCodes = new Set([...wanted.map((w) => w.code), ...allow]);
    const unexpected = result.diagnostics.filter((d) => d.severity === 'error' && !expectedCodes.has(d.code));
    expect(unexpected.map((d) => `${d.code} ${d.path}: ${d.message}`)).toEqual([]);

    const anyError = wanted.some((w) => severityOf(w.code as keyof typeof DIAGNOSTIC_CODES) === 'error');
    expect(result.ok).toBe(!anyError);
  });
});

describe('valid fixtures', () => {
  it.each(files('valid'))('%s has no errors and no warnings', (file) => {
    const text = readFileSync(dir('valid') + file, 'utf8');
    const result = loadSpecText(text, { file, now: TEST_NOW, catalog: CATALOG });
    expect(result.diagnostics.map((d) => `${d.code} ${d.path}: ${d.message}`)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.platform).toBeDefined();
  });
});
