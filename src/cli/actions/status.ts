import { projectFor } from '../project.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT } from '../io.js';
import { json } from '../report.js';

interface StatusFlags {
  file?: string;
  provider?: ProviderName;
  cluster?: string[];
  output: OutputFormat;
  check: boolean;
}

export default async function status(flags: StatusFlags, { io }: ActionContext): Promise<number> {
  const project = await projectFor(flags, io);
  const report = await project.status({
    check: flags.check,
    ...(flags.cluster ? { clusters: flags.cluster } : {}),
  });
  const code = report.healthy ? EXIT.ok : EXIT.failed;
  if (flags.output === 'json') {
    io.stdout(json(report));
    return code;
  }
  io.stdout(`platform ${report.platform} (${report.provider})\n\nclusters:\n`);
  for (const c of report.clusters) {
    const ready = c.nodes.filter((n) => n.ready).length;
    const health = !c.exists
      ? 'absent'
      : !c.serving
        ? `down: ${c.detail ?? 'the API server does not answer'}`
        : `${ready}/${c.nodes.length} nodes Ready${c.ready ? '' : ` (${c.detail ?? 'not ready'})`}`;
    io.stdout(`  ${c.name.padEnd(10)} ${c.role.padEnd(11)} ${health}\n`);
    if (c.serving)
      io.stdout(
        `  ${''.padEnd(10)} kubectl --kubeconfig ${c.connect.kubeconfig} --context ${c.connect.context}${c.connect.server ? `  (${c.connect.server})` : ''}\n`,
      );
  }
  if (report.vault)
    io.stdout(
      `\nvault: ${report.vault.address}${report.vault.reachedAt ? ` (simulated here at ${report.vault.reachedAt})` : ''}; unseal keys and root token: ${report.vault.keys}\n`,
    );
  const width = Math.max(0, ...report.steps.map((r) => r.id.length));
  io.stdout('\nsteps:\n');
  for (const r of report.steps) {
    const took = r.durationMs !== undefined ? ` ${(r.durationMs / 1000).toFixed(1)}s` : '';
    const why = r.drift ? `  ${r.drift}` : r.error ? `  ${r.error}` : '';
    io.stdout(`  ${r.id.padEnd(width)}  ${r.outcome.padEnd(10)}${took.padEnd(8)} ${r.state}${why}\n`);
  }
  const count = (s: string) => report.steps.filter((r) => r.state === s).length;
  io.stdout(
    `\n${count('in sync')} in sync, ${count('drifted')} drifted, ${count('changed')} changed, ${count('new')} new, ${count('failed')} failed${flags.check ? '' : ', live checks skipped'}\n`,
  );
  if (report.lastRun)
    io.stdout(
      `last run ${report.lastRun.runId} (${report.lastRun.ok === undefined ? 'interrupted or running' : report.lastRun.ok ? 'ok' : 'failed'}); logs: ${report.lastRun.logDir}\n`,
    );
  for (const failed of report.steps.filter((r) => r.state === 'failed' && r.log))
    io.stdout(`  ${failed.id}: ${failed.error ?? 'failed'} (log: ${failed.log})\n`);
  if (report.problems.length > 0) io.stdout(`\nunhealthy: ${report.problems.length} problem(s)\n`);
  return code;
}
