/**
 * The golden GitOps tree of the default platform, byte for byte, under ./__golden__/ (and, with
 * --applicationsets, its ApplicationSets). Update deliberately with
 * `npx vitest run src/render/gitops/golden.test.ts -u` and read the diff.
 */
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../plan/plan.js';
import { testPlatform } from '../../test-support/render.js';
import { renderPlatform } from '../index.js';
import { renderGitops } from './index.js';

const platform = testPlatform();
const tree = renderPlatform(platform);
const plan = buildPlan(platform, tree);
const options = { repoURL: 'https://git.example.com/platform.git', revision: 'main' };

const variants = [
  ['default', renderGitops(platform, tree, plan, options)],
  [
    'applicationsets',
    renderGitops(platform, tree, plan, { ...options, applicationSets: true }).filter(
      (a) => a.path.startsWith('argocd/applicationsets/') || a.path === 'README.md',
    ),
  ],
] as const;

describe.each(variants)('golden GitOps tree: %s', (name, files) => {
  it('lists the same files', async () => {
    await expect(`${files.map((a) => a.path).join('\n')}\n`).toMatchFileSnapshot(`__golden__/${name}/FILES`);
  });

  it.each(files.map((a) => [a.path, a.content] as const))('%s', async (path, content) => {
    await expect(content).toMatchFileSnapshot(`__golden__/${name}/${path}`);
  });
});
