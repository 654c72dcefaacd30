/**
 * `verify` and `drill` end to end on kwok, on one platform: mgmt and app1 (app2 is not built),
 * each with Cilium (ClusterMesh between them), cert-manager, External Secrets, and mgmt's real
 * Vault. verify is green on it (for mgmt and app1), red naming the check after one thing is broken,
 * and the drills mgmt-down and vault-sealed report their recovery times with the platform healthy
 * after them.
 *
 * The kwok provider runs External Secrets' real controller on the host: app1's ExternalSecret syncs
 * a value written into mgmt's Vault, and the drill checks that the Secret stays while mgmt or Vault
 * is down.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/clients/kube.js';
import type { DrillReport } from '../src/ops/drill.js';
import type { VerifyReport } from '../src/ops/verify.js';
import { SHARED_CHART_MIRROR } from '../src/test-support/chart-values.js';
import {
  CLI,
  cliIn,
  eventually,
  kwokProject,
  requireHarness,
  rootVault,
  secretData,
} from './support/project.js';

requireHarness('kwokctl', 'vault', 'cert-manager-controller', 'external-secrets-controller');

const project = kwokProject('drill-e2e', ['keycloak', 'k8sgpt']);
const cli = cliIn(project);
const SCOPE = ['--cluster', 'mgmt,app1'];

function verify(): { code: number | null; report: VerifyReport } {
  const run = cli('verify', ...SCOPE, '-o', 'json');
  return { code: run.code, report: JSON.parse(run.stdout) as VerifyReport };
}

const status = (report: VerifyReport, id: string) => report.checks.find((c) => c.id === id)?.status;

beforeAll(async () => {
  const up = cli(
    'up',
    '--only',
    'mgmt/cilium/release,mgmt/external-secrets/manifests,mgmt/cert-manager/manifests,app1/external-secrets/manifests,app1/cert-manager/manifests',
  );
  if (up.code !== 0) console.error(up.stderr.slice(-3000));
  expect(up.code).toBe(0);
  await rootVault(project).write('secret/data/platform/demo', { data: { token: 'synced-before-the-drill' } });
  const app1 = await KubeClient.fromFile(join(project, 'kubeconfigs/app1.conf'));
  await app1.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'drill-demo' } });
  await app1.apply({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'app-secrets', namespace: 'drill-demo' },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { name: 'vault-backend', kind: 'ClusterSecretStore' },
      target: { name: 'app-secrets', deletionPolicy: 'Retain' },
      data: [{ secretKey: 'token', remoteRef: { key: 'platform/demo', property: 'token' } }],
    },
  });
  expect(await eventually('app1 synced', () => secretData(app1, 'drill-demo', 'app-secrets'))).toEqual({
    token: 'synced-before-the-drill',
  });
}, 1_500_000);

afterAll(() => {
  cli('down');
});

describe('platformctl verify on kwok', () => {
  it('is green on the converged platform, with ClusterMesh and app1 endpoints checked', () => {
    const { code, report } = verify();
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed).toEqual([]);
    expect(code).toBe(0);
    expect(status(report, 'mesh.ca')).toBe('pass');
    expect(status(report, 'mesh.peers.mgmt')).toBe('pass');
    expect(status(report, 'mesh.peers.app1')).toBe('pass');
    expect(status(report, 'endpoints.app1.vault')).toBe('pass');
    expect(status(report, 'vault.unsealed')).toBe('pass');
  });

  it('is red naming the check after mgmt clustermesh-apiserver Service is deleted, green after up', async () => {
    const mgmt = await KubeClient.fromFile(join(project, 'kubeconfigs/mgmt.conf'));
    await mgmt.request('DELETE', '/api/v1/namespaces/kube-system/services/clustermesh-apiserver');
    const { code, report } = verify();
    expect(code).toBe(1);
    const peers = report.checks.find((c) => c.id === 'mesh.peers.app1')!;
    expect(peers.status).toBe('fail');
    expect(peers.evidence).toContain('mgmt: kube-system/clustermesh-apiserver is missing');
    const text = cli('verify', ...SCOPE);
    expect(text.stdout).toMatch(
      /FAIL\s+mesh\.peers\.app1: mgmt: kube-system\/clustermesh-apiserver is missing/,
    );

    const up = cli('up', '--only', 'mgmt/cilium/release');
    expect(up.code).toBe(0);
    const deadline = Date.now() + 60_000;
    let again = verify();
    while (again.code !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2000));
      again = verify();
    }
    expect(again.report.checks.filter((c) => c.status === 'fail')).toEqual([]);
  });
});

describe('platformctl verify --watch on kwok', () => {
  it("prints one JSON report per line per run and exits with the last run's status on SIGINT", async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'verify', ...SCOPE, '--watch', '--interval', '1s', '-o', 'json'],
      { cwd: project, env: { ...process.env, NO_COLOR: '1', PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR } },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const deadline = Date.now() + 120_000;
    while (out.split('\n').filter(Boolean).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const runs = out
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as VerifyReport & { run: number });
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.slice(0, 2).map((r) => r.run)).toEqual([1, 2]);
    expect(runs.every((r) => r.ok)).toBe(true);
    expect(code).toBe(0);
  });
});

describe('platformctl drill on kwok', () => {
  const drill = (scenario: string) => {
    const run = cli('drill', scenario, '--yes', '-o', 'json');
    if (run.code !== 0) console.error(run.stdout.slice(-3000), run.stderr.slice(-3000));
    return { code: run.code, report: JSON.parse(run.stdout) as DrillReport };
  };

  it('refuses without --yes and no terminal, and etcd-loss without the cluster it breaks (exit 2)', () => {
    expect(cli('drill', 'vault-sealed').code).toBe(2);
    const etcd = cli('drill', 'etcd-loss', '--yes', '-o', 'json');
    expect(etcd.code).toBe(2);
    expect(etcd.stdout).toContain('drill.target-required');
  });

  it('vault-sealed: verify names vault.unsealed, app1 keeps its synced Secret, recovered within the 5 min RTO', () => {
    const { code, report } = drill('vault-sealed');
    expect(report.degraded.find((c) => c.id === 'degraded.verify-names-vault.unsealed')!.status).toBe('pass');
    expect(report.degraded.find((c) => c.id === 'degraded.app1.synced-secrets')).toMatchObject({
      status: 'pass',
      evidence: expect.stringContaining('drill-demo/app-secrets'),
    });
    expect(report.recovery.recoveredMs).toBeGreaterThan(0);
    expect(report.targets.map((t) => [t.source, t.targetMs, t.pass])).toEqual([
      ['§20.2 Vault RTO', 300_000, true],
      ['§5.4 P1 Vault recovery', 1_800_000, true],
    ]);
    console.log(`vault-sealed recovered in ${report.recovery.recoveredMs} ms`);
    expect(code).toBe(0);
    expect(verify().code).toBe(0);
  });

  it('mgmt-down: app1 answers and keeps its synced Secret, mgmt and Vault come back within 30 min', () => {
    const { code, report } = drill('mgmt-down');
    expect(report.degraded.find((c) => c.id === 'degraded.app1.api')!.status).toBe('pass');
    expect(report.degraded.find((c) => c.id === 'degraded.app1.synced-secrets')!.status).toBe('pass');
    expect(report.degraded.find((c) => c.id === 'degraded.verify-names-cluster.mgmt.api')!.status).toBe(
      'pass',
    );
    expect(report.recovery.stillFailing).toEqual([]);
    expect(report.targets[0]).toMatchObject({ targetMs: 1_800_000, pass: true });
    console.log(`mgmt-down recovered in ${report.recovery.recoveredMs} ms`);
    expect(code).toBe(0);
    expect(verify().code).toBe(0);
  });
});
