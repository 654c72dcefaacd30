/**
 * The module layers: each imports only from layers below it (value and type imports alike), and
 * no module imports itself back through others. A change that crosses a layer fails here,
 * naming the import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));

/** Lowest first. A module's layer is the first pattern its path (relative to src/) matches. */
const LAYERS: ReadonlyArray<readonly [string, RegExp]> = [
  ['base', /^(errors|net\/|util\/|kube\/|project\/)/],
  ['vocabulary', /^addons\/(names|types)\.ts$/],
  // The providers' traits are plain data the planner reads.
  ['spec', /^(spec\/|providers\/traits\.ts$)/],
  ['clients', /^clients\//],
  ['render-core', /^render\/(?!index\.ts$|gitops\/)/],
  ['addons', /^addons\//],
  ['render', /^render\/index\.ts$/],
  ['plan', /^plan\//],
  // The GitOps tree is rendered from the plan: its sync waves are the plan's dependency depth.
  ['gitops', /^render\/gitops\//],
  ['providers', /^providers\//],
  ['engine', /^engine\//],
  ['ops', /^ops\//],
  ['front ends', /^(cli|mcp|web)\//],
  ['library', /^index\.ts$/],
];

function layerOf(path: string): number {
  const index = LAYERS.findIndex(([, pattern]) => pattern.test(path));
  if (index < 0) throw new Error(`${path} belongs to no layer: add it to LAYERS`);
  return index;
}

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory())
      return name === 'test-support' || name === 'fixtures' ? [] : modules(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [relative(SRC, path)] : [];
  });
}

function importsOf(path: string): string[] {
  const text = readFileSync(join(SRC, path), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)].map(
    (m) => m[1]!,
  );
  const dynamic = [...text.matchAll(/import\('(\.[^']+)'\)/g)].map((m) => m[1]!);
  return [...specifiers, ...dynamic].map((spec) =>
    relative(SRC, resolve(dirname(join(SRC, path)), spec.replace(/\.js$/, '.ts'))),
  );
}

const ALL = modules(SRC);

describe('module layers', () => {
  it('every import points at the same layer or a lower one', () => {
    const violations: string[] = [];
    for (const path of ALL)
      for (const target of importsOf(path))
        if (layerOf(target) > layerOf(path))
          violations.push(
            `${path} (${LAYERS[layerOf(path)]![0]}) imports ${target} (${LAYERS[layerOf(target)]![0]})`,
          );
    expect(violations).toEqual([]);
  });

  it('has no import cycles', () => {
    const graph = new Map(ALL.map((path) => [path, importsOf(path).filter((t) => ALL.includes(t))]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, trail: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});
