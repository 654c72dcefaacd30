/**
 * `platformctl restore` end to end on kwok: a real etcd behind a real API server, snapshots taken
 * by `backup`, restored with the harness's etcdutl. One cluster (mgmt), without the add-ons whose
 * checks need more than its control plane, so verify can pass on it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/clients/kube.js';
import type { BackupReport } from '../src/ops/backup.js';
import type { RestoreReport } from '../src/ops/restore.js';
import { SHARED_CHART_MIRROR } from '../src/test-support/chart-values.js';
import { CLI, cliIn, kwokProject, requireHarness } from './support/project.js';

requireHarness('kwokctl', 'etcdutl');

const project = kwokProject('restore-e2e', [
  'vault',
  'external-secrets',
  'keycloak',
  'k8sgpt',
  'cert-manager',
]);
const cli = cliIn(project);
const clusterDir = join(project, '.platformctl/kwok/mgmt/clusters/mgmt');
const journal = join(project, '.platformctl/restore/mgmt.json');

const kube = () => KubeClient.fromFile(join(project, 'kubeconfigs/mgmt.conf'));
const configMap = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data: { written: name },
});
const exists = async (name: string) =>
  Boolean(await (await kube()).getOptional(`/api/v1/namespaces/default/configmaps/${name}`));

function backupNow(): string {
  const run = cli('backup', '--cluster', 'mgmt', '-o', 'json');
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as BackupReport).backups[0]!.snapshot!.id;
}

beforeAll(() => {
  const up = cli('up', '--only', 'mgmt/bootstrap', '-o', 'json');
  expect(up.stderr).not.toContain('platformctl:');
  expect(up.code).toBe(0);
});

afterAll(() => {
  cli('down');
});

describe('platformctl restore on kwok', () => {
  let good: string;

  it('refuses without --yes when there is no terminal to ask on (exit 2), after showing the preconditions; nothing changes', async () => {
    const client = await kube();
    await client.apply(configMap('restore-probe'));
    good = backupNow();
    const run = cli('restore', 'mgmt', '--from', good);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ok    backup.checksum: SHA-256');
    expect(run.stderr).toMatch(/goes back to revision \d+, taken \d+s ago/);
    expect(run.stderr).toContain('confirm with --yes');
    expect(existsSync(journal)).toBe(false);
    expect(await exists('restore-probe')).toBe(true);
  });

  it('restores a deleted ConfigMap: stop, restore, swap, start, verify green for mgmt, RTO reported', async () => {
    const client = await kube();
    await client.delete('v1', 'ConfigMap', 'restore-probe', 'default');
    expect(await exists('restore-probe')).toBe(false);
    const run = cli('restore', 'mgmt', '--from', good, '--yes', '-o', 'json');
    expect(run.stderr).not.toContain('platformctl:');
    const report = JSON.parse(run.stdout) as RestoreReport;
    expect(report.verify?.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(run.code).toBe(0);
    expect(report).toMatchObject({ cluster: 'mgmt', outcome: 'restored', ok: true });
    expect(report.steps.map((s) => [s.id, s.outcome])).toEqual([
      ['stop', 'done'],
      ['restore', 'done'],
      ['swap', 'done'],
      ['start', 'done'],
    ]);
    expect(report.rtoMs).toBeGreaterThan(0);
    expect(report.rtoMs).toBeLessThanOrEqual(report.durationMs);
    expect(report.preconditions?.checks.map((c) => [c.id, c.ok])).toEqual([
      ['backup.exists', true],
      ['backup.checksum', true],
      ['backup.status', true],
      ['backup.cluster', true],
      ['cluster.etcd', true],
    ]);
    expect(await exists('restore-probe')).toBe(true);
    // The old data directory is kept; the journal is gone.
    expect(existsSync(report.keptDir!)).toBe(true);
    expect(existsSync(journal)).toBe(false);
    console.log(`measured RTO on kwok: ${report.rtoMs}ms`);
  });

  it('refuses a corrupted snapshot before touching anything (exit 1): a ConfigMap created after the backup is still there', async () => {
    const damaged = backupNow();
    const client = await kube();
    await client.apply(configMap('after-the-backup'));
    const file = join(project, 'backups/mgmt', damaged, 'etcd.db');
    const bytes = readFileSync(file);
    for (let i = 8192; i < 8192 + 64; i++) bytes[i] = bytes[i]! ^ 0xff;
    writeFileSync(file, bytes);
    const before = readdirSync(clusterDir).sort();
    const run = cli('restore', 'mgmt', '--from', damaged, '--yes', '-o', 'json');
    expect(run.code).toBe(1);
    const error = (
      JSON.parse(run.stdout) as {
        error: { code: string; details: { preconditions: RestoreReport['preconditions'] } };
      }
    ).error;
    expect(error.code).toBe('restore.precondition-failed');
    expect(error.details.preconditions!.checks.find((c) => c.id === 'backup.checksum')).toMatchObject({
      ok: false,
      detail: 'etcd.db does not match its SHA-256',
    });
    expect(readdirSync(clusterDir).sort()).toEqual(before);
    expect(existsSync(journal)).toBe(false);
    expect(await exists('after-the-backup')).toBe(true);
  });

  it('a restore killed while it starts the cluster is resumed by the next run: completed, the cluster serving', async () => {
    const client = await kube();
    await client.delete('v1', 'ConfigMap', 'restore-probe', 'default');
    const child = spawn(process.execPath, [CLI, 'restore', 'mgmt', '--from', good, '--yes'], {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1', PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const killed = await new Promise<boolean>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('[4/4] start the cluster')) {
          child.kill('SIGKILL');
          resolve(true);
        }
      });
      child.on('exit', () => resolve(false));
    });
    expect(killed, stderr).toBe(true);
    await new Promise((r) => child.once('exit', r));
    const left = JSON.parse(readFileSync(journal, 'utf8')) as { done: string[]; current: string };
    expect(left).toMatchObject({ done: ['stop', 'restore', 'swap'], current: 'start' });
    const again = cli('restore', 'mgmt', '--from', good, '--yes', '-o', 'json');
    expect(again.stderr).toContain(`resuming the restore from ${good}`);
    expect(again.code).toBe(0);
    const report = JSON.parse(again.stdout) as RestoreReport;
    expect(report.resumed?.backupId).toBe(good);
    expect(report.steps.map((s) => [s.id, s.outcome])).toEqual([
      ['stop', 'done earlier'],
      ['restore', 'done earlier'],
      ['swap', 'done earlier'],
      ['start', 'done'],
    ]);
    expect(report.verify?.ok).toBe(true);
    expect(await exists('restore-probe')).toBe(true);
    expect(existsSync(journal)).toBe(false);
  });

  it('a restore killed after stopping the cluster is rolled back by a restore from another snapshot, the cluster serving on its old data', async () => {
    const other = backupNow();
    const client = await kube();
    await client.apply(configMap('written-before-the-kill'));
    const child = spawn(process.execPath, [CLI, 'restore', 'mgmt', '--from', good, '--yes'], {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1', PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('[3/4] swap')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => resolve());
    });
    await new Promise((r) =>
      child.exitCode === null && child.signalCode === null ? child.once('exit', r) : r(0),
    );
    expect(existsSync(journal)).toBe(true);
    const again = cli('restore', 'mgmt', '--from', other, '--yes', '-o', 'json');
    expect(again.stderr).toContain(`an interrupted restore from ${good} is rolled back first`);
    expect(again.code).toBe(0);
    const report = JSON.parse(again.stdout) as RestoreReport;
    expect(report.steps.filter((s) => s.outcome === 'undone').length).toBeGreaterThan(0);
    expect(report.outcome).toBe('restored');
    // `other` was taken before the ConfigMap was written.
    expect(await exists('written-before-the-kill')).toBe(false);
    expect(await exists('restore-probe')).toBe(true);
  });

  it('exits 4 while another run holds the platform lock', () => {
    writeFileSync(
      join(project, '.platformctl/lock'),
      JSON.stringify({
        pid: process.pid,
        hostname: hostname(),
        startedAt: new Date().toISOString(),
        command: 'up',
        runId: 'test',
      }),
    );
    const run = cli('restore', 'mgmt', '--from', good, '--yes', '-o', 'json');
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'lock.held' } });
    rmSync(join(project, '.platformctl/lock'));
  });
});
