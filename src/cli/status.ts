import { type Command, Option } from 'commander';
import { stepEnvironment, prepareUp } from '../engine/run.js';
import { driftOfStep, settled } from '../engine/steps.js';
import { KubeClient } from '../clients/kube.js';
import { providerFor } from '../providers/index.js';
import { recordedProvider } from '../providers/record.js';
import { readState } from '../engine/state.js';
import { join } from 'node:path';
import { type CliIO, EXIT } from './io.js';
import { fileOption, json, outputOption, type OutputFormat } from './options.js';
import { projectDir } from './project.js';
import { providerOption, reportFailure, validSpec } from './up.js';
import type { Provider as ProviderName } from '../spec/types.js';

interface StatusFlags {
  file?: string;
  provider?: ProviderName;
  output: OutputFormat;
  check: boolean;
}

interface StepRow {
  id: string;
  cluster: string;
  outcome: string;
  finishedAt?: string;
  durationMs?: number;
  /** new, changed (rendered inputs differ), drifted (live check failed), or in sync. */
  state: 'new' | 'changed' | 'failed' | 'drifted' | 'in sync' | 'not checked';
  drift?: string;
  error?: string;
}

export function addStatus(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command('status')
    .description(
      'show the clusters, their nodes, every step with its last outcome, drift found by live checks, and where the logs are',
    )
    .addOption(fileOption())
    .addOption(providerOption())
    .addOption(new Option('--no-check', 'skip the live drift checks (only what the state file recorded)'))
    .addOption(outputOption())
    .action(async (flags: StatusFlags) => {
      const input = await validSpec(io, flags);
      if (!input) return exit(EXIT.invalid);
      const platform = input.result.platform!;
      const dir = projectDir(io, input);
      try {
        const name = flags.provider ?? (await recordedProvider(dir)) ?? platform.provider;
        const provider = providerFor(name, io.env);
        const prepared = await prepareUp({ projectDir: dir, platform, provider });
        const state = await readState(dir);
        const env = stepEnvironment({ projectDir: dir, platform, provider, env: io.env }, prepared);
        const context = { signal: AbortSignal.timeout(60_000), attempt: 1, log: () => {} };
        const clusters = [];
        for (const cluster of platform.clusters) {
          const observed = await provider
            .observe(platform, cluster, { projectDir: dir, log: () => {} })
            .catch(() => ({ exists: false, ready: false }));
          let nodes: Array<{ name: string; ready: boolean }> = [];
          if (observed.exists) {
            const client = await KubeClient.fromFile(join(dir, 'kubeconfigs', `${cluster.name}.conf`)).catch(
              () => undefined,
            );
            const live = await client
              ?.list<{
                metadata: { name: string };
                status?: { conditions?: Array<{ type: string; status: string }> };
              }>('v1', 'Node')
              .catch(() => []);
            nodes = (live ?? []).map((n) => ({
              name: n.metadata.name,
              ready: Boolean(n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
            }));
          }
          clusters.push({
            name: cluster.name,
            role: cluster.role,
            exists: observed.exists,
            ready: observed.ready,
            nodes,
          });
        }
        const rows: StepRow[] = [];
        for (const { step, status } of prepared.planned) {
          const recorded = prepared.recorded[step.id];
          const row: StepRow = {
            id: step.id,
            cluster: step.cluster,
            outcome: recorded?.outcome ?? 'never run',
            ...(recorded?.finishedAt ? { finishedAt: recorded.finishedAt } : {}),
            ...(recorded?.durationMs !== undefined ? { durationMs: recorded.durationMs } : {}),
            ...(recorded?.error ? { error: recorded.error.message.split('\n')[0]! } : {}),
            state: status === 'unchanged' ? 'not checked' : status,
          };
          if (
            settled(step, recorded) &&
            flags.check &&
            clusters.find((c) => c.name === step.cluster)?.exists
          ) {
            const drift = await driftOfStep(env, step, context).catch(
              (e: unknown) => `live check failed: ${(e as Error).message}`,
            );
            row.state = drift ? 'drifted' : 'in sync';
            if (drift) row.drift = drift;
          }
          rows.push(row);
        }
        const lastRun = state?.runs.at(-1);
        if (flags.output === 'json') {
          io.stdout(
            json({
              platform: platform.name,
              provider: name,
              clusters,
              steps: rows,
              lastRun: lastRun ?? null,
            }),
          );
          return exit(EXIT.ok);
        }
        io.stdout(`platform ${platform.name} (${name})\n\nclusters:\n`);
        for (const c of clusters) {
          const ready = c.nodes.filter((n) => n.ready).length;
          io.stdout(
            `  ${c.name.padEnd(10)} ${c.role.padEnd(11)} ${c.exists ? `${ready}/${c.nodes.length} nodes Ready` : 'absent'}\n`,
          );
        }
        const width = Math.max(...rows.map((r) => r.id.length));
        io.stdout('\nsteps:\n');
        for (const r of rows) {
          const took = r.durationMs !== undefined ? ` ${(r.durationMs / 1000).toFixed(1)}s` : '';
          const why = r.drift ? `  ${r.drift}` : r.error ? `  ${r.error}` : '';
          io.stdout(`  ${r.id.padEnd(width)}  ${r.outcome.padEnd(10)}${took.padEnd(8)} ${r.state}${why}\n`);
        }
        const count = (s: StepRow['state']) => rows.filter((r) => r.state === s).length;
        io.stdout(
          `\n${count('in sync')} in sync, ${count('drifted')} drifted, ${count('changed')} changed, ${count('new')} new, ${count('failed')} failed${flags.check ? '' : ', live checks skipped'}\n`,
        );
        if (lastRun)
          io.stdout(
            `last run ${lastRun.runId} (${lastRun.ok === undefined ? 'interrupted or running' : lastRun.ok ? 'ok' : 'failed'}); logs: ${lastRun.logDir}\n`,
          );
        exit(EXIT.ok);
      } catch (error) {
        exit(reportFailure(io, error));
      }
    });
}
