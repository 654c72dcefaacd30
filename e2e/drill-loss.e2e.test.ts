/**
 * `drill etcd-loss <cluster>` and `drill node-loss <node>` end to end on kwok: a real etcd behind
 * a real API server, its data directory moved away and the last snapshot restored through
 * ops/restore.ts; a node whose heartbeats kwok stops, marked NotReady by the real
 * kube-controller-manager and Ready again. Two clusters (mgmt, app1), bootstrap only, without
 * the add-ons whose checks need more than a control plane, so verify can pass on them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/clients/kube.js';
import type { BackupReport } from '../src/ops/backup.js';
import type { DrillReport } from '../src/ops/drill.js';
import { cliIn, kwokProject, requireHarness } from './support/project.js';

requireHarness('kwokctl', 'etcdutl');

const project = kwokProject('drill-loss-e2e', [
  'vault',
  'external-secrets',
  'keycloak',
  'k8sgpt',
  'cert-manager',
]);
const cli = cliIn(project);
const app1 = () => KubeClient.fromFile(join(project, 'kubeconfigs/app1.conf'));
const check = (r: DrillReport, id: string) => r.degraded.find((c) => c.id === id);

function drill(...args: string[]): { code: number | null; report: DrillReport; stderr: string } {
  const run = cli('drill', ...args, '--yes', '-o', 'json');
  if (run.code !== 0) console.error(run.stdout.slice(-3000), run.stderr.slice(-3000));
  return { code: run.code, report: JSON.parse(run.stdout) as DrillReport, stderr: run.stderr };
}

beforeAll(() => {
  const up = cli('up', '--only', 'mgmt/bootstrap,app1/bootstrap', '-o', 'json');
  expect(up.stderr).not.toContain('platformctl:');
  expect(up.code).toBe(0);
}, 600_000);

afterAll(() => {
  cli('down');
});

describe('platformctl drill etcd-loss / node-loss on kwok', () => {
  it('refuses etcd-loss without a snapshot (exit 1, hint backup) and a node not in the spec (exit 2, the nodes listed)', () => {
    const none = cli('drill', 'etcd-loss', 'app1', '--yes', '-o', 'json');
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('drill.no-backup');
    expect(none.stdout).toContain('platformctl backup --cluster app1');
    const unknown = cli('drill', 'node-loss', 'app1-worker-9', '--yes', '-o', 'json');
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('drill.unknown-node');
    expect(unknown.stdout).toContain('app1-worker-0');
    expect(cli('drill', 'etcd-loss', '--yes').code).toBe(2);
  });

  it('etcd-loss app1: API down while mgmt answers, the snapshot restored, the ConfigMap back, within 5 min', async () => {
    const client = await app1();
    await client.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'before-backup', namespace: 'default' },
      data: { written: 'before the backup' },
    });
    const backup = cli('backup', '--cluster', 'app1', '-o', 'json');
    expect(backup.code).toBe(0);
    // Written after the snapshot: what the drill says is lost.
    await client.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'after-backup', namespace: 'default' },
    });

    const { code, report } = drill('etcd-loss', 'app1');
    // The snapshot it restores, named with what is lost (stderr shows it in text mode).
    expect(report.etcd!.backup).toMatchObject({
      id: (JSON.parse(backup.stdout) as BackupReport).backups[0]!.snapshot!.id,
      revision: expect.any(Number),
      ageSeconds: expect.any(Number),
      liveRevision: expect.any(Number),
    });
    expect(report.target).toBe('app1');
    expect(check(report, 'degraded.app1.api-down')?.status).toBe('pass');
    expect(check(report, 'degraded.mgmt.api')?.status).toBe('pass');
    expect(check(report, 'degraded.verify-names-cluster.app1.api')?.status).toBe('pass');
    expect(report.recovery.error).toBeUndefined();
    expect(report.recovery.detail?.join('\n')).toContain('verify of app1 passed');
    expect(report.recovery.recoveredMs).toBeGreaterThan(0);
    expect(report.targets.map((t) => [t.source, t.pass])).toEqual([
      ['§20.2 etcd RTO', true],
      ['§15 etcd data corruption, snapshot restore (15-30 min)', true],
    ]);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
    // The lost data directory is kept, not deleted.
    expect(report.etcd!.movedTo).toContain('etcd.drill-lost-');
    expect(existsSync(report.etcd!.movedTo)).toBe(true);
    const back = await (
      await app1()
    ).getOptional<{ data?: Record<string, string> }>('/api/v1/namespaces/default/configmaps/before-backup');
    expect(back?.data?.written).toBe('before the backup');
    expect(
      await (await app1()).getOptional('/api/v1/namespaces/default/configmaps/after-backup'),
    ).toBeUndefined();
    expect(report.etcd!.backup.liveRevision!).toBeGreaterThan(report.etcd!.backup.revision);
    console.log(JSON.stringify(report.recovery.detail), JSON.stringify(report.degraded));
    console.log(
      `etcd-loss: recovered ${(report.recovery.recoveredMs! / 1000).toFixed(1)}s after the recovery started`,
    );
  }, 600_000);

  it('node-loss app1-worker-0: NotReady after the grace period, the API and app1-cp-0 stay Ready, Ready again', async () => {
    const { code, report } = drill('node-loss', 'app1-worker-0');
    expect(check(report, 'degraded.app1-worker-0.not-ready')?.status).toBe('pass');
    expect(check(report, 'degraded.app1.api')?.status).toBe('pass');
    expect(check(report, 'degraded.app1.other-nodes')).toMatchObject({
      status: 'pass',
      evidence: expect.stringContaining('app1-cp-0'),
    });
    expect(check(report, 'degraded.verify-names-cluster.app1.nodes')?.status).toBe('pass');
    // kube-controller-manager's 50s grace period, checked every 5s (kwok provider's config).
    expect(report.node!.notReadyAfterMs).toBeGreaterThanOrEqual(45_000);
    expect(report.node!.notReadyAfterMs).toBeLessThan(120_000);
    expect(report.node!.readyAfterMs).toBeLessThan(60_000);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
    const node = await (
      await app1()
    ).get<{
      status: { conditions: Array<{ type: string; status: string }> };
    }>('/api/v1/nodes/app1-worker-0');
    expect(node.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    console.log(
      `node-loss: NotReady after ${(report.node!.notReadyAfterMs! / 1000).toFixed(1)}s, Ready ${(report.node!.readyAfterMs! / 1000).toFixed(1)}s after the start, verify ${(report.recovery.recoveredMs! / 1000).toFixed(1)}s`,
    );
  }, 600_000);
});
