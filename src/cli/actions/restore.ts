import { createInterface } from 'node:readline/promises';
import { relative, resolve } from 'node:path';
import {
  projectRestoreDeps,
  restore as runRestore,
  type RestorePreconditions,
  type RestoreReport,
} from '../../ops/restore.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { type CliIO, EXIT, UsageError } from '../io.js';
import { projectFor } from '../project.js';
import { CHECK_MARK, json } from '../report.js';

interface RestoreFlags {
  file?: string;
  provider?: ProviderName;
  from?: string;
  yes?: boolean;
  output: OutputFormat;
}

function ago(seconds: number | undefined): string {
  if (seconds === undefined) return 'an unknown time';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

function preconditionsText(pre: RestorePreconditions): string {
  const lines = [`restore ${pre.cluster} from ${pre.backup.dir}:`];
  for (const check of pre.checks) lines.push(`  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.id}: ${check.detail}`);
  if (pre.ok) {
    lines.push(
      `  goes back to revision ${pre.snapshotRevision}, taken ${ago(pre.ageSeconds)} ago (${pre.manifest?.createdAt}): everything written to ${pre.cluster} since is lost` +
        (pre.liveRevision !== undefined ? ` (live revision ${pre.liveRevision})` : ''),
      `  ${pre.cluster}'s API server and etcd stop until the restore is done; the old data directory is kept as ${pre.keptDir}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Asks on the terminal; only when stdin and stdout are one. */
async function askOnTerminal(io: CliIO, cluster: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`restore ${cluster} now? type the cluster's name to go ahead: `);
    return answer.trim() === cluster;
  } finally {
    rl.close();
    void io;
  }
}

function reportText(report: RestoreReport): string {
  const lines: string[] = [];
  for (const step of report.steps)
    lines.push(
      `  ${step.outcome.padEnd(12)} ${step.id}: ${step.title}${step.durationMs !== undefined ? ` (${(step.durationMs / 1000).toFixed(1)}s)` : ''}${step.detail ? ` — ${step.detail}` : ''}`,
    );
  if (report.outcome === 'rolled-back') {
    lines.push(
      '',
      `ROLLED BACK: ${report.error?.message.split('\n')[0] ?? 'an interrupted restore was undone'}`,
      `${report.cluster} runs on its data from before the restore, as it was.`,
    );
    return `${lines.join('\n')}\n`;
  }
  if (report.verify) {
    lines.push('', `verify ${report.cluster}:`);
    for (const check of report.verify.checks)
      lines.push(`  ${CHECK_MARK[check.status]}  ${check.id}: ${check.evidence}`);
  }
  lines.push(
    '',
    report.ok
      ? `restored ${report.cluster} from ${report.backup.id}; verify passed; RTO ${((report.rtoMs ?? 0) / 1000).toFixed(1)}s`
      : `restored ${report.cluster} from ${report.backup.id}, but verify fails (took ${(report.durationMs / 1000).toFixed(1)}s)`,
    `the data from before is kept in ${report.keptDir}`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Exit 0 restored and verify passed; 3 rolled back (the cluster as it was) or verify fails after
 * the restore; 1 refused before anything changed (the snapshot missing or not verifying, another
 * cluster's, not confirmed); 2 usage (no --from, no terminal to confirm on and no --yes); 4 locked;
 * 130 interrupted (Ctrl-C: the step running finishes or stops, then everything done is put back).
 */
export default async function restore(flags: RestoreFlags, { io, args }: ActionContext): Promise<number> {
  const cluster = args?.[0] as string | undefined;
  if (!cluster || !flags.from)
    throw new UsageError(
      'restore needs a cluster and --from',
      'platformctl restore <cluster> --from <snapshot id|latest|dir> [--yes]; platformctl backup list shows the snapshots',
    );
  // A directory is taken relative to where the command runs; an id or `latest` as it is.
  const from = flags.from.includes('/') ? resolve(io.cwd, flags.from) : flags.from;
  const project = await projectFor(flags, io);
  const controller = new AbortController();
  const onSignal = () => {
    io.stderr('\ninterrupted: the current step finishes, then everything done is put back\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const interactive = io.isTTY && Boolean(process.stdin.isTTY) && flags.output === 'text';
  try {
    const report = await runRestore(projectRestoreDeps(project, io.now), {
      cluster,
      from,
      ...(flags.yes ? { yes: true } : {}),
      ...(interactive ? { confirm: () => askOnTerminal(io, cluster) } : {}),
      onPreconditions: (pre) => io.stderr(preconditionsText(pre)),
      onEvent: (e) => io.stderr(`  ${e.cluster}: ${e.step ? `${e.step}: ` : ''}${e.message}\n`),
      signal: controller.signal,
    });
    if (flags.output === 'json') io.stdout(json(report));
    else
      io.stdout(
        reportText(report.keptDir ? { ...report, keptDir: relative(project.dir, report.keptDir) } : report),
      );
    if (!report.ok && controller.signal.aborted) return EXIT.interrupted;
    return report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
