import { drillTargetDeps } from '../../ops/drill-targets.js';
import { createInterface } from 'node:readline/promises';
import { availableDrill, type DrillReport, drillTarget } from '../../ops/drill.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { type CliIO, EXIT, UsageError } from '../io.js';
import { projectFor } from '../project.js';
import { CHECK_MARK as MARK, json } from '../report.js';

interface DrillFlags {
  file?: string;
  provider?: ProviderName;
  yes?: boolean;
  output: OutputFormat;
}

const WHAT: Readonly<Record<string, string>> = {
  'mgmt-down':
    'stops the management cluster (and Vault with it), checks the workload clusters, starts it again and unseals Vault',
  'vault-sealed':
    'seals Vault, checks the workload clusters keep their Secrets, unseals it with the saved keys',
  'etcd-loss':
    "stops the cluster, moves its etcd data directory away (kept), checks its API is down and the others' answer, restores the last good snapshot (what was written since is lost)",
  'node-loss':
    'stops the heartbeats of the node, waits until the control plane marks it NotReady, checks the rest of its cluster, starts it again',
};

const minutes = (ms: number) => `${(ms / 60_000).toFixed(ms < 60_000 ? 2 : 1)} min`;

function text(io: CliIO, r: DrillReport): void {
  io.stdout(`drill ${r.scenario}${r.target ? ` ${r.target}` : ''}: ${r.fault.injected}\n`);
  if (r.etcd)
    io.stdout(
      `snapshot restored: ${r.etcd.backup.id} (revision ${r.etcd.backup.revision}, taken ${r.etcd.backup.ageSeconds}s before the drill)\n` +
        `lost data directory kept in ${r.etcd.movedTo}${r.etcd.putBack ? ' (put back after the failed recovery)' : ''}\n`,
    );
  if (r.baseline.failing.length > 0)
    io.stdout(`baseline: already failing (not judged): ${r.baseline.failing.join(', ')}\n`);
  io.stdout('degraded mode:\n');
  for (const c of r.degraded) io.stdout(`  ${MARK[c.status]}  ${c.id}: ${c.evidence}\n`);
  io.stdout(`recovery: ${r.recovery.action}${r.recovery.error ? ` (failed: ${r.recovery.error})` : ''}\n`);
  io.stdout(
    r.recovery.recoveredMs !== undefined
      ? `  verify passes again after ${(r.recovery.recoveredMs / 1000).toFixed(1)}s (${r.recovery.verifyRuns} verify run(s)); outage ${(r.recovery.outageMs! / 1000).toFixed(1)}s\n`
      : `  not recovered: still failing ${r.recovery.stillFailing.join(', ')}\n`,
  );
  for (const line of r.recovery.detail ?? []) io.stdout(`  ${line}\n`);
  if (r.node)
    io.stdout(
      `  node NotReady after ${r.node.notReadyAfterMs === undefined ? 'never' : `${(r.node.notReadyAfterMs / 1000).toFixed(1)}s`}, Ready again after ${r.node.readyAfterMs === undefined ? 'never' : `${(r.node.readyAfterMs / 1000).toFixed(1)}s`}\n`,
    );
  for (const t of r.targets)
    io.stdout(
      `  ${t.pass ? 'pass' : 'FAIL'}  ${t.source}: target ${minutes(t.targetMs)}, measured ${t.measuredMs === undefined ? 'not recovered' : minutes(t.measuredMs)}\n`,
    );
  io.stdout(`\n${r.ok ? 'drill passed' : 'drill failed'}\n`);
}

async function confirmed(io: CliIO, named: string, scenario: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`drill ${named} ${WHAT[scenario]}. Go ahead? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

/** Exit 0 the drill passed (recovered within the seed's targets, its promises held), 3 it did not, 2 usage or not available. */
export default async function drill(flags: DrillFlags, { io, args }: ActionContext): Promise<number> {
  const scenario = availableDrill(String(args?.[0] ?? ''));
  const target = drillTarget(scenario, args?.[1] === undefined ? undefined : String(args[1]));
  const named = target ? `${scenario} ${target}` : scenario;
  if (!flags.yes) {
    if (!io.isTTY || !process.stdin.isTTY)
      throw new UsageError(`drill ${named} ${WHAT[scenario]}: confirm with --yes`, 'no terminal to ask on');
    if (!(await confirmed(io, named, scenario))) {
      io.stderr('not confirmed: nothing was done\n');
      return EXIT.invalid;
    }
  }
  const project = await projectFor(flags, io);
  const report = await project.drill(scenario, {
    ...(target ? { target } : {}),
    targetDeps: (name, context, log) => drillTargetDeps(project, scenario, name, context, log),
    log: (line) => {
      if (flags.output === 'text') io.stderr(`${line}\n`);
    },
  });
  if (flags.output === 'json') io.stdout(json(report));
  else text(io, report);
  return report.ok ? EXIT.ok : EXIT.failed;
}
