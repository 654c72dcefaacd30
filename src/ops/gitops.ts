/**
 * `export gitops`: renders the platform, plans it, turns both into the tree Argo CD reconciles
 * (render/gitops) and writes it the way `render --out` writes its tree (ops/tree.ts: confined
 * paths, no symbolic links followed, stale files of an earlier export removed only while unedited).
 */
import { PlatformctlError } from '../errors.js';
import { buildPlan } from '../plan/plan.js';
import type { Artifact } from '../render/artifacts.js';
import { type GitopsOptions, renderGitops } from '../render/gitops/index.js';
import { gitopsUnits, stepsLeftOut } from '../render/gitops/units.js';
import { renderPlatform } from '../render/index.js';
import type { Platform } from '../spec/model.js';
import { writeTree, type WriteResult } from './tree.js';

export type { GitopsOptions } from '../render/gitops/index.js';

/** Where the tree points when no repository is given: a reserved name (RFC 2606) that resolves nowhere. */
export const PLACEHOLDER_REPO_URL = 'https://git.invalid/platform-gitops.git';
export const DEFAULT_REVISION = 'HEAD';

export interface GitopsSummary {
  /** Applications, or ApplicationSets with --applicationsets. */
  readonly applications: number;
  readonly waves: number;
  /** Plan steps with no GitOps form (Vault's initialisation, generated Secrets...), which `up` does. */
  readonly notExported: readonly string[];
}

function checkOptions(options: GitopsOptions): void {
  const bad = (what: string, value: string) =>
    new PlatformctlError('usage', 'usage', `${what} ${JSON.stringify(value)} is not usable`, {
      hint:
        what === '--repo-url'
          ? 'give the URL Argo CD clones, e.g. https://git.example.com/platform.git or git@host:org/repo.git'
          : 'give a branch, tag or commit, e.g. main',
    });
  if (!/^\S+$/.test(options.repoURL) || options.repoURL.length > 2048)
    throw bad('--repo-url', options.repoURL);
  if (!/^[^\s~^:?*[\\]+$/.test(options.revision) || options.revision.length > 256)
    throw bad('--revision', options.revision);
}

/** The exported tree, in memory (the CLI writes it; tests compare it). */
export function gitopsTree(
  platform: Platform,
  options: GitopsOptions,
): { artifacts: Artifact[]; summary: GitopsSummary } {
  checkOptions(options);
  const tree = renderPlatform(platform);
  const plan = buildPlan(platform, tree);
  const artifacts = renderGitops(platform, tree, plan, options);
  const units = gitopsUnits(plan);
  const applications = artifacts.filter((a) => /^argocd\/application(set)?s\//.test(a.path)).length;
  return {
    artifacts,
    summary: {
      applications,
      waves: Math.max(-1, ...units.map((u) => u.wave)) + 1,
      notExported: stepsLeftOut(plan, units).map((s) => s.id),
    },
  };
}

export async function exportGitops(
  platform: Platform,
  out: string,
  options: GitopsOptions,
): Promise<WriteResult & { artifacts: Artifact[]; summary: GitopsSummary }> {
  const { artifacts, summary } = gitopsTree(platform, options);
  const result = await writeTree(out, artifacts);
  return { ...result, artifacts, summary };
}
