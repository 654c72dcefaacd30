import { PlatformctlError } from '../../errors.js';
import { DEFAULT_CONCURRENCY } from '../../engine/types.js';
import { projectFor } from '../project.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT } from '../io.js';
import { jsonProgress, liveProgress, plainProgress, type ProgressSink } from '../progress.js';
import { checkLines, json } from '../report.js';

interface UpFlags {
  file?: string;
  provider?: ProviderName;
  output: OutputFormat;
  dryRun?: boolean;
  only?: string[];
  skip?: string[];
  concurrency?: string;
  /** commander's --no-prune: false when given. */
  prune: boolean;
  yes?: boolean;
}

function concurrencyOf(flag: string | undefined) {
  if (flag === undefined) return undefined;
  const global = Number(flag);
  if (!(Number.isInteger(global) && global > 0))
    throw new PlatformctlError('usage', 'usage', `--concurrency takes a whole number above 0, not "${flag}"`);
  return { ...DEFAULT_CONCURRENCY, global, perCluster: Math.min(global, DEFAULT_CONCURRENCY.perCluster) };
}

export default async function up(flags: UpFlags, { io }: ActionContext): Promise<number> {
  const concurrency = concurrencyOf(flags.concurrency);
  const project = await projectFor(flags, io);
  const selection = {
    ...(flags.only ? { only: flags.only } : {}),
    ...(flags.skip ? { skip: flags.skip } : {}),
  };
  if (flags.dryRun) {
    const { plan, planned, preflight } = await project.dryRun(selection);
    if (flags.output === 'json')
      io.stdout(
        json({
          provider: project.providerName,
          dryRun: true,
          preflight,
          steps: planned.map((p) => ({ id: p.step.id, status: p.status, action: p.action })),
        }),
      );
    else {
      io.stdout('preflight:\n');
      io.stdout(checkLines(preflight.checks, '  '));
      io.stdout('\n');
      for (const p of planned)
        io.stdout(
          `${p.action === 'run' ? 'run  ' : p.action === 'check' ? 'check' : 'skip '} ${p.step.id} (${p.status})\n`,
        );
      const count = (a: string) => planned.filter((p) => p.action === a).length;
      io.stdout(
        `\n${plan.steps.length} steps: ${count('run')} would run, ${count('check')} only a live check, ${count('skip')} left out\n`,
      );
      if (!preflight.ok) io.stdout('preflight failed: `up` would stop before creating anything\n');
    }
    return preflight.ok ? EXIT.ok : EXIT.environment;
  }
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    io.stderr('\ncancelling: running steps stop, state is kept; Ctrl-C again to quit at once\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress: ProgressSink =
    flags.output === 'json'
      ? jsonProgress(io.stdout)
      : io.isTTY
        ? liveProgress(io.stderr, { ...(io.columns ? { columns: io.columns } : {}) })
        : plainProgress(io.stderr);
  try {
    const result = await project.up({
      ...selection,
      ...(concurrency ? { concurrency } : {}),
      prune: flags.prune,
      ...(flags.yes ? { yes: true } : {}),
      signal: controller.signal,
      onEvent: progress.onEvent,
      onPrune: (report) => {
        if (flags.output === 'json') {
          if (report.clusters.length + report.releases.length + report.kept.length + report.failed.length > 0)
            io.stdout(`${JSON.stringify({ type: 'prune', ...report })}\n`);
          return;
        }
        for (const cluster of report.clusters)
          io.stderr(`pruned: deleted cluster ${cluster} (no longer in the spec)\n`);
        for (const release of report.releases)
          io.stderr(`pruned: uninstalled release ${release} (no longer enabled)\n`);
        for (const line of report.failed) io.stderr(`prune failed: ${line}\n`);
        if (report.kept.length > 0)
          io.stderr(
            `no longer in the spec, kept: ${report.kept.join(', ')}\n` +
              `  ${flags.prune ? 'run `up --yes` to remove releases (their volumes may hold data)' : 'run `up` without --no-prune to remove them'}\n`,
          );
      },
    });
    progress.close();
    if (result.reclaimedLockOf !== undefined)
      io.stderr(
        result.reclaimedLockOf > 0
          ? `note: took over the lock of an earlier run (pid ${result.reclaimedLockOf}) that is no longer running\n`
          : 'note: replaced a damaged lock file left by an interrupted run\n',
      );
    if (flags.output === 'text') {
      for (const record of result.records.filter((r) => r.outcome === 'failed')) {
        io.stderr(`\n✗ ${record.id}: ${record.error?.message ?? 'failed'}\n`);
        io.stderr(`  log: ${project.layout.stepLog(result.runId, record.id)}\n`);
      }
      if (result.counts.cancelled > 0)
        io.stderr(
          `\ninterrupted: the state is saved; run \`platformctl up${flags.file ? ` -f ${flags.file}` : ''} --provider ${project.providerName}\` again to continue\n`,
        );
      io.stdout(`logs: ${result.logDir}\n`);
    }
    if (result.counts.cancelled > 0 && controller.signal.aborted) return EXIT.interrupted;
    return result.ok ? EXIT.ok : EXIT.failed;
  } finally {
    progress.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
