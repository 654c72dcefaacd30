/**
 * Golden trees: every artifact of the default platform and of the HA variant, byte for byte,
 * under src/render/__golden__/. A change to any rendered file shows up here as a reviewable diff.
 * Update deliberately with `npx vitest run src/render/golden.test.ts -u` and read the diff.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testPlatform } from '../test-support/render.js';
import { renderPlatform } from './index.js';

const HA = readFileSync(fileURLToPath(new URL('../spec/fixtures/valid/ha.yaml', import.meta.url)), 'utf8');

const variants = [
  ['default', renderPlatform(testPlatform())],
  ['ha', renderPlatform(testPlatform(HA))],
] as const;

describe.each(variants)('golden tree: %s', (name, tree) => {
  it('lists the same artifacts', async () => {
    await expect(`${tree.map((a) => a.path).join('\n')}\n`).toMatchFileSnapshot(`__golden__/${name}/FILES`);
  });

  it.each(tree.map((a) => [a.path, a.content] as const))('%s', async (path, content) => {
    await expect(content).toMatchFileSnapshot(`__golden__/${name}/${path}`);
  });
});
