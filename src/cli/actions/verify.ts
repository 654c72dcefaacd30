import type { VerifyReport } from '../../ops/verify.js';
import { parseInterval, type VerifyChange, watchVerify } from '../../ops/verify-watch.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { type CliIO, EXIT } from '../io.js';
import { projectFor } from '../project.js';
import { CHECK_MARK as MARK, json } from '../report.js';

interface VerifyFlags {
  file?: string;
  provider?: ProviderName;
  cluster?: string[];
  watch?: boolean;
  interval?: string;
  output: OutputFormat;
}

const exitOf = (report: VerifyReport | undefined) => (report?.ok ? EXIT.ok : EXIT.invalid);

function printReport(io: CliIO, report: VerifyReport): void {
  for (const check of report.checks) io.stdout(`${MARK[check.status]}  ${check.id}: ${check.evidence}\n`);
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  io.stdout(`\n${failed === 0 ? 'healthy' : `${failed} check(s) failed`}\n`);
}

function printChanges(io: CliIO, at: Date, changes: readonly VerifyChange[], report: VerifyReport): void {
  if (changes.length === 0) return;
  const time = at.toISOString().slice(11, 19);
  for (const c of changes)
    io.stdout(
      `${time}  ${c.id}: ${c.from ?? 'new'} → ${c.to ?? 'gone'}${c.evidence !== undefined ? ` (${c.evidence})` : ''}\n`,
    );
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  io.stdout(`${time}  ${failed === 0 ? 'healthy' : `${failed} check(s) failed`}\n`);
}

/**
 * Exit 0 when nothing fails (warnings and skipped checks allowed), 1 when a check fails. With
 * --watch: until interrupted (SIGINT, SIGTERM), with the exit code of the last finished run.
 */
export default async function verify(flags: VerifyFlags, { io }: ActionContext): Promise<number> {
  const intervalMs = flags.interval === undefined ? 10_000 : parseInterval(flags.interval);
  const project = await projectFor(flags, io);
  const run = () => project.verify(flags.cluster ? { clusters: flags.cluster } : {});
  if (!flags.watch) {
    const report = await run();
    if (flags.output === 'json') io.stdout(json(report));
    else printReport(io, report);
    return exitOf(report);
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const last = await watchVerify(run, {
      intervalMs,
      signal: controller.signal,
      onRun: (report, changes, n) => {
        // One JSON report per line per run, for a script reading the stream.
        if (flags.output === 'json')
          io.stdout(`${JSON.stringify({ run: n, at: io.now().toISOString(), ...report })}\n`);
        else if (n === 1) {
          printReport(io, report);
          io.stdout(
            `watching every ${intervalMs / 1000}s: changes are shown as they happen (Ctrl-C stops)\n`,
          );
        } else printChanges(io, io.now(), changes, report);
      },
    });
    return exitOf(last);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
