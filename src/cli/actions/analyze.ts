import { ANALYZERS } from '../../ops/analyze.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT } from '../io.js';
import { projectFor } from '../project.js';
import { json } from '../report.js';

interface AnalyzeFlags {
  file?: string;
  provider?: ProviderName;
  cluster?: string[];
  filter?: string[];
  failOn: string;
  output: OutputFormat;
}

/** Exit 0 when no finding is at or above --fail-on (default error), 1 otherwise. */
export default async function analyze(flags: AnalyzeFlags, { io }: ActionContext): Promise<number> {
  const unknown = (flags.filter ?? []).filter((f) => !(f in ANALYZERS));
  if (unknown.length > 0 || !['error', 'warning'].includes(flags.failOn)) {
    io.stderr(
      unknown.length > 0
        ? `platformctl: no analyzer ${unknown.join(', ')} (there are ${Object.keys(ANALYZERS).join(', ')})\n`
        : `platformctl: --fail-on takes error or warning, not "${flags.failOn}"\n`,
    );
    return EXIT.usage;
  }
  const project = await projectFor(flags, io);
  const findings = await project.analyze({
    ...(flags.cluster ? { clusters: flags.cluster } : {}),
    ...(flags.filter ? { filter: flags.filter } : {}),
  });
  const failing = findings.filter((f) => flags.failOn === 'warning' || f.severity === 'error');
  if (flags.output === 'json') io.stdout(json({ findings }));
  else {
    for (const f of findings)
      io.stdout(
        `${f.severity === 'error' ? 'ERROR' : 'warn '}  [${f.cluster}] ${f.object}: ${f.evidence}\n        fix: ${f.hint}\n`,
      );
    io.stdout(
      `\n${findings.length} finding(s), ${findings.filter((f) => f.severity === 'error').length} error(s)\n`,
    );
  }
  return failing.length === 0 ? EXIT.ok : EXIT.invalid;
}
