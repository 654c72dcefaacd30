import { projectFor } from '../project.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT } from '../io.js';
import { checkLines, json } from '../report.js';

interface DoctorFlags {
  file?: string;
  provider?: ProviderName;
  output: OutputFormat;
}

/** Exit 0 when ready (warnings allowed), 1 when a required check fails. */
export default async function doctor(flags: DoctorFlags, { io }: ActionContext): Promise<number> {
  const project = await projectFor(flags, io);
  const report = await project.doctor();
  const code = report.ok ? EXIT.ok : EXIT.invalid;
  if (flags.output === 'json') {
    io.stdout(json({ provider: project.providerName, ...report }));
    return code;
  }
  io.stdout(checkLines(report.checks));
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  io.stdout(
    `\n${failed === 0 ? `ready for \`platformctl up --provider ${project.providerName}\`` : `not ready: ${failed} check(s) failed`}${warned ? `, ${warned} warning(s)` : ''}\n`,
  );
  return code;
}
