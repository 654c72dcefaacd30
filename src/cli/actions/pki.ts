import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT } from '../io.js';
import { projectFor } from '../project.js';
import { CHECK_MARK as MARK, json } from '../report.js';

interface PkiFlags {
  file?: string;
  provider?: ProviderName;
  cluster?: string[];
  output: OutputFormat;
}

/** `pki check`: exit 0 when phase 2 is complete, 1 when a check fails. */
export default async function pki(flags: PkiFlags, { io }: ActionContext): Promise<number> {
  const project = await projectFor(flags, io);
  const report = await project.pkiCheck({
    ...(flags.cluster ? { clusters: flags.cluster } : {}),
    ...(flags.output === 'json' ? {} : { log: (line: string) => io.stderr(`${line}\n`) }),
  });
  if (flags.output === 'json') io.stdout(json(report));
  else {
    for (const check of report.checks) io.stdout(`${MARK[check.status]}  ${check.id}: ${check.evidence}\n`);
    io.stdout('\ncertificates:\n');
    for (const c of report.certificates)
      io.stdout(
        `  ${c.cluster}  ${c.namespace}/${c.name}  ${c.issuerRef}  ${c.ready ? 'Ready' : 'not Ready'}  expires ${c.notAfter ?? '?'}  renews ${c.renewalTime ?? '?'}${c.signedBy ? `  signed by ${c.signedBy}` : ''}\n`,
      );
    for (const a of report.authorities)
      io.stdout(`  Vault ${a.name} CA  ${a.subject}  expires ${a.notAfter}\n`);
    const failed = report.checks.filter((c) => c.status === 'fail').length;
    io.stdout(`\n${report.ok ? 'phase 2 complete' : `phase ${report.phase}: ${failed} check(s) failed`}\n`);
  }
  return report.ok ? EXIT.ok : EXIT.invalid;
}
