import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT } from '../io.js';
import { projectFor } from '../project.js';
import { CHECK_MARK as MARK, json } from '../report.js';

interface VerifyFlags {
  file?: string;
  provider?: ProviderName;
  cluster?: string[];
  output: OutputFormat;
}

/** Exit 0 when nothing fails (warnings and skipped checks allowed), 1 when a check fails. */
export default async function verify(flags: VerifyFlags, { io }: ActionContext): Promise<number> {
  const project = await projectFor(flags, io);
  const report = await project.verify(flags.cluster ? { clusters: flags.cluster } : {});
  if (flags.output === 'json') io.stdout(json(report));
  else {
    for (const check of report.checks) io.stdout(`${MARK[check.status]}  ${check.id}: ${check.evidence}\n`);
    const failed = report.checks.filter((c) => c.status === 'fail').length;
    io.stdout(`\n${failed === 0 ? 'healthy' : `${failed} check(s) failed`}\n`);
  }
  return report.ok ? EXIT.ok : EXIT.invalid;
}
