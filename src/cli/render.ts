import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Artifact } from '../render/artifacts.js';
import { RenderError, renderPlatform } from '../render/index.js';
import { compareTree, writeTree } from '../ops/tree.js';
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
        const changes = await compareTree(dir, artifacts);
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
      const { written, removed, kept } = await writeTree(dir, artifacts);
      if (flags.output === 'json')
        io.stdout(
          json({
            out: flags.out,
            written,
            removed: removed.length,
            kept,
            artifacts: artifacts.map((a) => a.path),
          }),
        );
      else {
        io.stdout(
          `wrote ${written} files to ${flags.out}${removed.length > 0 ? `, removed ${removed.length} stale` : ''}\n`,
        );
        for (const path of kept)
          io.stderr(`kept ${path}: no longer rendered, but edited since platformctl wrote it\n`);
      }
      exit(EXIT.ok);
    });
}
