import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../render/artifacts.js';
import { rejection } from '../test-support/rejection.js';
import { runCli, tempDir } from '../test-support/cli.js';
import { testPlatform } from '../test-support/render.js';
import { exportGitops, PLACEHOLDER_REPO_URL } from './gitops.js';

const OPTIONS = { repoURL: 'https://git.example.com/platform.git', revision: 'main' };

describe('exportGitops', () => {
  it('writes the tree, rewrites it byte for byte, and removes what a changed export no longer has', async () => {
    const out = join(tempDir(), 'gitops');
    const first = await exportGitops(testPlatform(), out, OPTIONS);
    expect(first.summary.applications).toBe(67);
    const root = readFileSync(join(out, 'bootstrap/root.yaml'), 'utf8');
    const second = await exportGitops(testPlatform(), out, OPTIONS);
    expect(second.removed).toEqual([]);
    expect(readFileSync(join(out, 'bootstrap/root.yaml'), 'utf8')).toBe(root);
    for (const artifact of second.artifacts)
      expect(readFileSync(join(out, artifact.path), 'utf8')).toBe(artifact.content);
    // ApplicationSets instead: the per-cluster Applications go, the files both share stay.
    const sets = await exportGitops(testPlatform(), out, { ...OPTIONS, applicationSets: true });
    expect(sets.removed).toContain('argocd/applications/mgmt/vault.yaml');
    expect(existsSync(join(out, 'argocd/applications'))).toBe(false);
    expect(existsSync(join(out, 'argocd/applicationsets/vault.yaml'))).toBe(true);
  });

  it('never deletes outside --out for an index that lists a path there', async () => {
    const dir = tempDir();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'x\n');
    const out = join(dir, 'gitops');
    mkdirSync(out);
    writeFileSync(
      join(out, 'index.json'),
      JSON.stringify({ artifacts: [{ path: '../victim.txt', sha256: sha256('x\n'), bytes: 2 }] }),
    );
    const error = await rejection(exportGitops(testPlatform(), out, OPTIONS));
    expect(error.code).toBe('render.foreign-index');
    expect(readFileSync(victim, 'utf8')).toBe('x\n');
  });

  it('refuses to write through a symbolic link inside --out', async () => {
    const dir = tempDir();
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    const out = join(dir, 'gitops');
    mkdirSync(out);
    symlinkSync(elsewhere, join(out, 'argocd'));
    const error = await rejection(exportGitops(testPlatform(), out, OPTIONS));
    expect(error.code).toBe('render.unsafe-path');
    expect(existsSync(join(elsewhere, 'projects.yaml'))).toBe(false);
  });

  it('refuses a repository URL or revision Argo CD could not use', async () => {
    const out = join(tempDir(), 'gitops');
    for (const options of [
      { ...OPTIONS, repoURL: 'https://git.example.com/a b.git' },
      { ...OPTIONS, revision: 'main\nx' },
    ]) {
      const error = await rejection(exportGitops(testPlatform(), out, options));
      expect(error.kind).toBe('usage');
    }
    expect(existsSync(out)).toBe(false);
  });
});

describe('platformctl export gitops', () => {
  it('writes the tree, says what stays with up, and warns without --repo-url', async () => {
    const cwd = tempDir();
    const run = await runCli(['export', 'gitops', '--out', 'gitops'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^wrote \d+ files to gitops: 67 Applications in \d+ sync waves\n/);
    expect(run.stdout).toContain('have no GitOps form');
    expect(run.stderr).toContain(`no --repo-url: the Applications point at ${PLACEHOLDER_REPO_URL}`);
    expect(readFileSync(join(cwd, 'gitops/bootstrap/root.yaml'), 'utf8')).toContain(
      `repoURL: ${PLACEHOLDER_REPO_URL}`,
    );
    const json = await runCli(
      [
        'export',
        'gitops',
        '--out',
        'gitops',
        '--repo-url',
        OPTIONS.repoURL,
        '--applicationsets',
        '-o',
        'json',
      ],
      { cwd },
    );
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { applications: number; notExported: string[] };
    expect(report.applications).toBe(30);
    expect(report.notExported).toContain('mgmt/vault/configure');
  });

  it('exits 2 for another format and without --out', async () => {
    const cwd = tempDir();
    expect((await runCli(['export', 'helm', '--out', 'x'], { cwd })).code).toBe(2);
    expect((await runCli(['export', 'gitops'], { cwd })).code).toBe(2);
  });
});
