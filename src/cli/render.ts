import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type Artifact, INDEX_FILE } from '../render/artifacts.js';
import { RenderError, renderPlatform } from '../render/index.js';
import { unifiedDiff } from '../util/diff.js';
import { COLOR, formatDiagnostic, formatSummary, PLAIN } from './format.js';
import { type CliIO, EXIT, UsageError, useColor } from './io.js';
import { fileOption, json, type OutputFormat, outputOption } from './options.js';
import { readSpec } from './spec-input.js';

interface RenderFlags {
  file?: string;
  out?: string;
  diff?: string;
  output: OutputFormat;
}

interface TreeChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  diff?: string;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${path}: ${error.message}`);
  });
}

/** The artifacts a previous render wrote into `dir`, from its index (files platformctl does not own are left alone). */
async function previousPaths(dir: string): Promise<string[]> {
  const text = await readIfPresent(join(dir, INDEX_FILE));
  if (!text) return [];
  try {
    const index = JSON.parse(text) as { artifacts: Array<{ path: string }> };
    return index.artifacts.map((a) => a.path);
  } catch {
    throw new UsageError(`${join(dir, INDEX_FILE)} is not a platformctl index; refusing to touch ${dir}`);
  }
}

async function compare(dir: string, artifacts: readonly Artifact[]): Promise<TreeChange[]> {
  const changes: TreeChange[] = [];
  const rendered = new Set(artifacts.map((a) => a.path));
  for (const artifact of artifacts) {
    if (artifact.path === INDEX_FILE) continue;
    const existing = await readIfPresent(join(dir, artifact.path));
    if (existing === undefined) changes.push({ path: artifact.path, change: 'added' });
    else if (existing !== artifact.content) {
      changes.push({
        path: artifact.path,
        change: 'changed',
        diff: unifiedDiff(existing, artifact.content, `a/${artifact.path}`, `b/${artifact.path}`),
      });
    }
  }
  for (const path of await previousPaths(dir)) {
    if (!rendered.has(path)) changes.push({ path, change: 'removed' });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function writeTree(
  dir: string,
  artifacts: readonly Artifact[],
): Promise<{ written: number; removed: number }> {
  const stale = (await previousPaths(dir)).filter((path) => !artifacts.some((a) => a.path === path));
  for (const artifact of artifacts) {
    const target = join(dir, artifact.path);
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, artifact.content, 'utf8');
    await rename(temporary, target);
  }
  for (const path of stale) await unlink(join(dir, path)).catch(() => undefined);
  return { written: artifacts.length, removed: stale.length };
}

export function addRender(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command('render')
    .description(
      'write every artifact of the platform (cloud-init, kubeadm, Helm values, manifests, DNS) into a directory',
    )
    .addOption(fileOption())
    .option(
      '--out <dir>',
      'write the tree here (files of an earlier render that are no longer produced are removed)',
    )
    .option(
      '--diff <dir>',
      'show what would change against an existing tree, writing nothing (exit 1 when it differs)',
    )
    .addOption(outputOption())
    .addHelpText(
      'after',
      '\nExamples:\n  platformctl render --out rendered\n  platformctl render --diff rendered',
    )
    .action(async (flags: RenderFlags) => {
      if (!flags.out === !flags.diff)
        throw new UsageError('render needs exactly one of --out DIR or --diff DIR');
      const input = await readSpec(io, flags.file);
      const style = useColor(io) ? COLOR : PLAIN;
      if (!input.result.platform) {
        const lines = input.text?.split(/\r?\n/);
        for (const d of input.result.diagnostics) io.stderr(`${formatDiagnostic(d, lines, style)}\n\n`);
        io.stderr(
          `${formatSummary(input.result.diagnostics, input.file ?? 'the built-in default', style)}\n`,
        );
        exit(EXIT.invalid);
        return;
      }
      let artifacts: Artifact[];
      try {
        artifacts = renderPlatform(input.result.platform);
      } catch (error) {
        if (error instanceof RenderError) {
          io.stderr(`platformctl: render failed: ${error.message}\n`);
          exit(EXIT.invalid);
          return;
        }
        throw error;
      }
      if (flags.diff) {
        const dir = resolve(io.cwd, flags.diff);
        const changes = await compare(dir, artifacts);
        if (flags.output === 'json') io.stdout(json({ changes }));
        else {
          for (const change of changes) io.stdout(`${change.change.padEnd(8)} ${change.path}\n`);
          for (const change of changes) if (change.diff) io.stdout(`\n${change.diff}`);
          io.stdout(
            changes.length === 0
              ? `no changes against ${flags.diff}\n`
              : `\n${changes.length} file(s) differ from ${flags.diff}\n`,
          );
        }
        exit(changes.length === 0 ? EXIT.ok : EXIT.invalid);
        return;
      }
      const dir = resolve(io.cwd, flags.out!);
      const { written, removed } = await writeTree(dir, artifacts);
      if (flags.output === 'json')
        io.stdout(json({ out: flags.out, written, removed, artifacts: artifacts.map((a) => a.path) }));
      else
        io.stdout(
          `wrote ${written} files to ${flags.out}${removed > 0 ? `, removed ${removed} stale` : ''}\n`,
        );
      exit(EXIT.ok);
    });
}
