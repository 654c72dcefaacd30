import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT } from '../io.js';
import { projectFor } from '../project.js';
import { json } from '../report.js';

interface ImagesFlags {
  file?: string;
  provider?: ProviderName;
  cluster?: string[];
  output: OutputFormat;
}

export default async function images(flags: ImagesFlags, { io }: ActionContext): Promise<number> {
  const project = await projectFor(flags, io);
  const known = new Set(project.platform.clusters.map((c) => c.name));
  const unknown = (flags.cluster ?? []).filter((c) => !known.has(c));
  if (unknown.length > 0) {
    io.stderr(
      `platformctl: no cluster ${unknown.join(', ')} in the spec (it has ${[...known].join(', ')})\n`,
    );
    return EXIT.usage;
  }
  const list = await project.images(flags.cluster ? { clusters: flags.cluster } : {});
  const unpinned = list.filter((i) => !i.pinned);
  if (flags.output === 'json') {
    io.stdout(json({ images: list, unpinned: unpinned.map((i) => i.image) }));
    return EXIT.ok;
  }
  const width = Math.max(0, ...list.map((i) => i.image.length));
  for (const use of list)
    io.stdout(`${use.image.padEnd(width)}  ${use.clusters.join(',')}  ${use.addons.join(',')}\n`);
  io.stdout(`\n${list.length} image(s)\n`);
  for (const use of unpinned)
    io.stderr(`warning: ${use.image} (${use.addons.join(', ')}) has no pinned tag or digest\n`);
  return EXIT.ok;
}
