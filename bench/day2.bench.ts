/**
 * Day-2 operations on kwok (`npm run bench`, issue #13 §7), in one run on one platform (mgmt and
 * app1 with Cilium, cert-manager, External Secrets and mgmt's real Vault, as e2e/drill.e2e.test.ts
 * builds it): an etcd backup per cluster, a restore of mgmt's etcd (its RTO: from the start to a
 * passing verify), and the drills `vault-sealed`, `mgmt-down`, `etcd-loss app1` and `node-loss
 * app1-worker-0` (the time from the start of the recovery to a passing verify). Each time is
 * printed beside the seed's target and as a ratio to it (001 §15 "etcd 데이터 손상 … 15-30분": the
 * lower bound, 15 min; §20.2 Vault RTO 5 min and etcd RTO 5 min; §5.4 P1 mgmt control plane 30
 * min; §15 Control Plane node failure 1 h for a lost node). Nothing here asserts on time.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BackupReport } from '../src/ops/backup.js';
import type { DrillReport } from '../src/ops/drill.js';
import type { RestoreReport } from '../src/ops/restore.js';
import { cliIn, kwokProject } from '../e2e/support/project.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const harness = ['kwokctl', 'vault', 'cert-manager-controller', 'etcdutl'].every((b) =>
  existsSync(join(ROOT, '.harness/bin', b)),
);
const MINUTE = 60_000;
const ETCD_RESTORE_TARGET_MS = 15 * MINUTE;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const row = (what: string, ms: number | undefined, target?: { ms: number; source: string }) =>
  `  ${what.padEnd(40)} ${ms === undefined ? 'n/a'.padStart(8) : seconds(ms).padStart(8)}` +
  (target
    ? `   target ${String(target.ms / MINUTE).padStart(2)} min (${target.source})   ratio ${ms === undefined ? 'n/a' : (ms / target.ms).toFixed(4)}`
    : '   (the seed sets no target)');

describe('day-2 operations on kwok', () => {
  const project = harness ? kwokProject('day2-bench', ['keycloak', 'k8sgpt']) : '';
  const cli = harness ? cliIn(project) : () => ({ code: null, stdout: '', stderr: '' });
  afterAll(() => {
    if (harness) cli('down');
  });

  it.skipIf(!harness)(
    'backup per cluster, restore RTO and drill recovery times against the seed',
    () => {
      const up = cli(
        'up',
        '--only',
        'mgmt/cilium/release,mgmt/external-secrets/manifests,mgmt/cert-manager/manifests,app1/external-secrets/manifests,app1/cert-manager/manifests',
      );
      expect(up.code, up.stderr.slice(-3000)).toBe(0);

      const backups = new Map<string, number>();
      for (const cluster of ['mgmt', 'app1']) {
        const run = cli('backup', '--cluster', cluster, '-o', 'json');
        const report = JSON.parse(run.stdout) as BackupReport;
        expect(report.ok, run.stdout.slice(-2000)).toBe(true);
        backups.set(cluster, report.backups[0]!.durationMs);
      }

      const restoreRun = cli('restore', 'mgmt', '--from', 'latest', '--yes', '-o', 'json');
      const restore = JSON.parse(restoreRun.stdout) as RestoreReport;
      expect(restore.ok, restoreRun.stdout.slice(-2000)).toBe(true);

      const drills = new Map<string, DrillReport>();
      // etcd-loss restores app1 from the snapshot taken above; node-loss waits out the 50s grace period.
      for (const drill of [
        ['vault-sealed'],
        ['mgmt-down'],
        ['etcd-loss', 'app1'],
        ['node-loss', 'app1-worker-0'],
      ]) {
        const run = cli('drill', ...drill, '--yes', '-o', 'json');
        const report = JSON.parse(run.stdout) as DrillReport;
        expect(report.recovery.recoveredMs, run.stdout.slice(-2000)).toBeDefined();
        drills.set(drill.join(' '), report);
      }

      const lines = [
        'day-2 operations on kwok (one run; times measured here, targets from the seed):',
        ...[...backups].map(([cluster, ms]) => row(`backup etcd ${cluster}`, ms)),
        row('restore mgmt etcd, RTO', restore.rtoMs, {
          ms: ETCD_RESTORE_TARGET_MS,
          source: '§15 etcd data corruption, 15-30 min',
        }),
        ...[...drills].flatMap(([scenario, report]) =>
          report.targets.map((target) =>
            row(`drill ${scenario}, recovery`, report.recovery.recoveredMs, {
              ms: target.targetMs,
              source: target.source,
            }),
          ),
        ),
      ];
      console.log(lines.join('\n'));
    },
    1_800_000,
  );
});
