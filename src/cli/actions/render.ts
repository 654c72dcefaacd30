import { resolve } from 'node:path';
import { PlatformctlError } from '../../errors.js';
import { readSpecInput, SpecInvalidError } from '../../ops/spec.js';
import { compareTree, writeTree } from '../../ops/tree.js';
import { renderPlatform } from '../../render/index.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT } from '../io.js';
import { json } from '../report.js';

interface RenderFlags {
  file?: string;
  out?: string;
  diff?: string;
  output: OutputFormat;
}

export default async function render(flags: RenderFlags, { io }: ActionContext): Promise<number> {
  if (!flags.out === !flags.diff)
    throw new PlatformctlError('usage', 'usage', 'render needs exactly one of --out DIR or --diff DIR');
  const input = await readSpecInput({
    file: flags.file,
    cwd: io.cwd,
    now: io.now(),
    readStdin: io.readStdin,
  });
  if (!input.result.platform) throw new SpecInvalidError(input);
  const artifacts = renderPlatform(input.result.platform);
  if (flags.diff) {
    const changes = await compareTree(resolve(io.cwd, flags.diff), artifacts);
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
    return changes.length === 0 ? EXIT.ok : EXIT.invalid;
  }
  const { written, removed, kept } = await writeTree(resolve(io.cwd, flags.out!), artifacts);
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
  return EXIT.ok;
}
