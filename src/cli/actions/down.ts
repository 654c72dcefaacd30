import { projectFor } from '../project.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT } from '../io.js';
import { json } from '../report.js';

interface DownFlags {
  file?: string;
  provider?: ProviderName;
  output: OutputFormat;
}

export default async function down(flags: DownFlags, { io }: ActionContext): Promise<number> {
  const project = await projectFor(flags, io);
  const result = await project.down({
    log: (event) => {
      if (flags.output === 'text')
        io.stderr(`${event.cluster ? `[${event.cluster}] ` : ''}${event.message}\n`);
    },
  });
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
