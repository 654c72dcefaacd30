import { ADDON_CATALOG, CATALOG, catalogEntries } from '../../addons/catalog.js';
import { readSpecInput } from '../../ops/spec.js';
import { resolvePlacement } from '../../spec/placement.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { table } from '../format.js';
import { EXIT } from '../io.js';
import { json } from '../report.js';

interface AddonsFlags {
  file?: string;
  output: OutputFormat;
}

export default async function addons(flags: AddonsFlags, { io }: ActionContext): Promise<number> {
  const input = await readSpecInput({
    file: flags.file,
    cwd: io.cwd,
    now: io.now(),
    readStdin: io.readStdin,
  });
  const document = input.result.document;
  const placement = document ? resolvePlacement(document.spec, CATALOG) : undefined;
  const rows = catalogEntries().map((addon) => {
    const { render, plan, ...facts } = ADDON_CATALOG[addon.name];
    return {
      ...facts,
      renderer: render !== undefined,
      plan: plan ?? {},
      clusters: placement?.get(addon.name)?.clusters ?? [],
    };
  });
  if (flags.output === 'json') {
    io.stdout(json({ addons: rows }));
    return EXIT.ok;
  }
  const dependency = (d: { addon: string; on: string; forRole?: string }) =>
    `${d.addon}${d.on === 'management' ? '@management' : ''}${d.forRole ? ` (on ${d.forRole})` : ''}`;
  io.stdout(
    `${table(
      ['ADDON', 'PHASE', 'NAMESPACE', 'MAY RUN ON', 'PLACED ON', 'REQUIRES'],
      rows.map((row) => [
        row.renderer ? row.name : `${row.name} (not available yet)`,
        row.phase,
        row.namespace,
        row.scope === 'any' ? 'any cluster' : `${row.scope} only`,
        row.clusters.join(',') || '-',
        row.requires.map(dependency).join(', ') || '-',
      ]),
    )}\n`,
  );
  if (!document)
    io.stderr('note: the spec does not parse, so PLACED ON is empty; run `platformctl validate`\n');
  return EXIT.ok;
}
