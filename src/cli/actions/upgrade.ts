import { projectUpgradeDeps, upgrade as runUpgrade, type UpgradeReport } from '../../ops/upgrade.js';
import type { UpgradePlan } from '../../ops/upgrade-plan.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT, UsageError } from '../io.js';
import { projectFor } from '../project.js';
import { CHECK_MARK as MARK, json } from '../report.js';

interface UpgradeFlags {
  file?: string;
  provider?: ProviderName;
  to: string;
  dryRun?: boolean;
  skipBackup?: boolean;
  yes?: boolean;
  drainTimeout: string;
  output: OutputFormat;
}

/** The exact sequence, one line per step and one indented line per command on the node. */
export function planText(plan: UpgradePlan): string {
  const lines = [
    `upgrade ${plan.cluster}: ${plan.from} → ${plan.to}${plan.minorUpgrade ? ' (minor: the pkgs.k8s.io repository switches)' : ''}`,
  ];
  if (plan.skipped.length > 0) lines.push(`already at ${plan.to} (skipped): ${plan.skipped.join(', ')}`);
  plan.steps.forEach((step, i) => {
    lines.push(`${String(i + 1).padStart(3)}. ${step.title}`);
    if ('commands' in step) for (const c of step.commands) lines.push(`       ${step.node}$ ${c.join(' ')}`);
  });
  if (plan.steps.length === 0) lines.push(`nothing to do: every node runs ${plan.to}`);
  return `${lines.join('\n')}\n`;
}

function reportText(report: UpgradeReport): string {
  const checks = report.checks.map((c) => `${MARK[c.status]}  ${c.id}: ${c.detail}`).join('\n');
  const tail = report.dryRun
    ? '\ndry run: nothing was changed\n'
    : `\nupgraded ${report.cluster} to ${report.to}: ${report.done.length} step(s) run${report.resumed.length > 0 ? `, ${report.resumed.length} done before` : ''}${report.backup ? `; pre-upgrade snapshot in ${report.backup}` : ''}\n${report.specUpdated ? `spec.kubernetes.version set to ${report.to}\n` : `${report.specNote ?? ''}\n`}`;
  return `${checks}\n\n${planText(report.plan)}${tail}`;
}

/** Exit 0 done (or a dry run whose checks pass), 3 a check or step failed, 2 a real run without --yes. */
export default async function upgrade(flags: UpgradeFlags, { io, args }: ActionContext): Promise<number> {
  const cluster = String(args?.[0] ?? '');
  const drainTimeoutMs = Number(flags.drainTimeout) * 1000;
  if (!Number.isFinite(drainTimeoutMs) || drainTimeoutMs <= 0)
    throw new UsageError(
      `--drain-timeout must be a number of seconds, not "${flags.drainTimeout}"`,
      'e.g. --drain-timeout 300',
    );
  const project = await projectFor(flags, io);
  const deps = projectUpgradeDeps(project);
  const dryRun = flags.dryRun === true || flags.yes !== true;
  const report = await runUpgrade(deps, {
    cluster,
    to: flags.to,
    dryRun,
    ...(flags.skipBackup ? { skipBackup: true } : {}),
    drainTimeoutMs,
    ...(flags.output === 'text' ? { onEvent: (m: string) => io.stderr(`  ${m}\n`) } : {}),
  });
  if (flags.output === 'json') io.stdout(json(report));
  else io.stdout(reportText(report));
  if (!flags.dryRun && flags.yes !== true) {
    io.stderr(`platformctl: upgrade changes ${cluster}'s nodes: add --yes to run the sequence above\n`);
    return EXIT.usage;
  }
  return report.ok ? EXIT.ok : EXIT.failed;
}
