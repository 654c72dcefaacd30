import { systemRunner } from '../../clients/exec.js';
import { helmPuller, httpGet, pullCharts } from '../../ops/charts-pull.js';
import { resolve } from 'node:path';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT } from '../io.js';
import { json } from '../report.js';

interface ChartsFlags {
  out?: string;
  output: OutputFormat;
}

/** `charts pull --out DIR`: exit 0 when the mirror is complete, 3 when something could not be fetched. */
export default async function charts(flags: ChartsFlags, { io }: ActionContext): Promise<number> {
  if (!flags.out) {
    io.stderr('platformctl: charts pull needs --out DIR (where the mirror goes)\n');
    return EXIT.usage;
  }
  const out = resolve(io.cwd, flags.out);
  const report = await pullCharts(out, {
    get: httpGet,
    helmPull: helmPuller(systemRunner, io.env, io.cwd),
    ...(flags.output === 'text' ? { log: (line: string) => io.stderr(`${line}\n`) } : {}),
  });
  if (flags.output === 'json') io.stdout(json({ out, ...report }));
  else {
    io.stdout(
      `${out}: ${report.pulled.length} pulled, ${report.kept.length} already there, ${report.failed.length} failed\n`,
    );
    for (const f of report.failed) io.stdout(`  failed: ${f.item} from ${f.repository}: ${f.error}\n`);
    if (report.failed.length === 0) io.stdout(`use it: PLATFORMCTL_CHARTS_DIR=${out} platformctl up\n`);
  }
  return report.failed.length === 0 ? EXIT.ok : EXIT.failed;
}
