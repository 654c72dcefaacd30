import type { DownReport } from '../../ops/project.js';
import { projectFor } from '../project.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT } from '../io.js';
import { json } from '../report.js';

interface DownFlags {
  file?: string;
  provider?: ProviderName;
  yes?: boolean;
  output: OutputFormat;
}

export default async function down(flags: DownFlags, { io }: ActionContext): Promise<number> {
  const project = await projectFor(flags, io);
  const result = await project.down({
    log: (event) => {
      if (flags.output === 'text')
        io.stderr(`${event.cluster ? `[${event.cluster}] ` : ''}${event.message}\n`);
    },
    ...(flags.yes ? { yes: true } : {}),
  });
  if (result.installed) return installedReport(result, flags, io);
  if (flags.output === 'json') io.stdout(json(result));
  else
    io.stdout(
      result.nothingRecorded
        ? 'nothing to delete: no clusters are recorded for this project\n'
        : result.deleted.length === 0
          ? 'nothing to delete\n'
          : `deleted ${result.deleted.join(', ')}\n`,
    );
  return EXIT.ok;
}

/** Clusters platformctl does not own: what it installed, listed, or what it removed. */
function installedReport(result: DownReport, flags: DownFlags, io: ActionContext['io']): number {
  const listed = result.installed ?? [];
  const failed = (result.removed ?? []).some((r) => r.failed.length > 0);
  if (flags.output === 'json') io.stdout(json(result));
  else if (listed.length === 0)
    io.stdout('nothing to remove: platformctl installed nothing recorded on these clusters\n');
  else if (!result.removed) {
    for (const { cluster, items } of listed)
      io.stdout(`${cluster}: ${items.length} item(s) to remove\n${items.map((i) => `  ${i}\n`).join('')}`);
    io.stdout('the clusters stay; run `platformctl down --yes` to remove these\n');
  } else
    for (const report of result.removed) {
      io.stdout(
        `${report.cluster}: removed ${report.removed.length}, kept ${report.kept.length}, failed ${report.failed.length}\n`,
      );
      for (const kept of report.kept) io.stdout(`  kept ${kept}\n`);
      for (const failure of report.failed) io.stdout(`  failed ${failure}\n`);
    }
  // Listed, not confirmed: nothing was removed, which a script must not take for success.
  if (listed.length > 0 && !result.removed) return EXIT.invalid;
  return failed ? EXIT.failed : EXIT.ok;
}
