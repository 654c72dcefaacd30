import type { Command } from 'commander';
import { ADDON_CATALOG, catalogEntries } from '../addons/catalog.js';
import { resolvePlacement } from '../spec/placement.js';
import { table } from './format.js';
import { type CliIO, EXIT } from './io.js';
import { fileOption, json, type OutputFormat, outputOption } from './options.js';
import { readSpec } from './spec-input.js';

interface AddonsFlags {
  file?: string;
  output: OutputFormat;
}

export function addAddons(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command('addons')
    .description(
      'list the add-on catalog: phase, where each may run, where the spec places it, and what it needs',
    )
    .addOption(fileOption())
    .addOption(outputOption())
    .action(async (flags: AddonsFlags) => {
      const input = await readSpec(io, flags.file);
      const document = input.result.document;
      const placement = document ? resolvePlacement(document.spec) : undefined;
      const rows = catalogEntries().map((addon) => ({
        ...ADDON_CATALOG[addon.name],
        clusters: placement?.get(addon.name)?.clusters ?? [],
      }));
      if (flags.output === 'json') {
        io.stdout(json({ addons: rows }));
      } else {
        const dependency = (d: { addon: string; on: string; forRole?: string }) =>
          `${d.addon}${d.on === 'management' ? '@management' : ''}${d.forRole ? ` (on ${d.forRole})` : ''}`;
        io.stdout(
          `${table(
            ['ADDON', 'PHASE', 'NAMESPACE', 'MAY RUN ON', 'PLACED ON', 'REQUIRES'],
            rows.map((row) => [
              row.name,
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
      }
      exit(EXIT.ok);
    });
}
