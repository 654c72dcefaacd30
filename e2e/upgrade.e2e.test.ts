/**
 * `platformctl upgrade` on kwok, for real where kwok is real: the pre-checks and the dry run read
 * the real kube-apiserver (/version, /metrics' apiserver_requested_deprecated_apis, the nodes);
 * a real run is refused (kwok cannot swap its binaries); and the upgrade's drain runs against
 * the real API server, whose Eviction API enforces a PodDisruptionBudget computed by the real
 * kube-controller-manager over pods kwok simulates on its nodes.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/clients/kube.js';
import { DrainError, drainOrRestore } from '../src/ops/drain.js';
import type { UpgradeReport } from '../src/ops/upgrade.js';
import { cliIn, kwokProject, requireHarness } from './support/project.js';

requireHarness('kwokctl');

const project = kwokProject('upgrade-e2e', ['vault', 'external-secrets', 'keycloak', 'k8sgpt']);
const cli = cliIn(project);
const NS = 'upgrade-e2e';
const APP = 'drained';
const REPLICAS = 2;

interface Pod {
  metadata: {
    name: string;
    uid: string;
    deletionTimestamp?: string;
    ownerReferences?: Array<{ kind: string }>;
  };
  spec: { nodeName?: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}
interface Node {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
}

let client: KubeClient;
let worker: string;

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await f();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const podsOnWorker = async () =>
  (await client.list<Pod>('v1', 'Pod', NS, { fieldSelector: `spec.nodeName=${worker}` })).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
const readyApp = async () => {
  const pods = (await podsOnWorker()).filter(
    (p) =>
      !p.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet') &&
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  return pods.length === REPLICAS ? pods : undefined;
};
const unschedulable = async () =>
  Boolean((await client.get<Node>(`/api/v1/nodes/${worker}`)).spec?.unschedulable);

beforeAll(async () => {
  const up = cli('up', '--only', 'mgmt/bootstrap', '-o', 'json');
  expect(up.stderr).not.toContain('platformctl:');
  expect(up.code).toBe(0);
  client = await KubeClient.fromFile(join(project, 'kubeconfigs/mgmt.conf'));
  const nodes = await client.list<Node>('v1', 'Node');
  worker = nodes.find((n) => n.metadata.labels?.['node-role.kubernetes.io/worker'] !== undefined)!.metadata
    .name;
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  // Every replica on one worker, so that draining it must evict them all.
  await client.apply({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: APP, namespace: NS },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: APP } },
      template: {
        metadata: { labels: { app: APP } },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': worker },
          containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }],
        },
      },
    },
  });
  await client.apply({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: NS },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': worker },
          containers: [{ name: 'agent', image: 'registry.k8s.io/pause:3.10' }],
        },
      },
    },
  });
  await until('the replicas Ready on the worker', readyApp);
}, 300_000);

afterAll(() => {
  cli('down');
});

describe('platformctl upgrade on kwok', () => {
  it('--dry-run runs the real pre-checks and prints the sequence, changing nothing', async () => {
    const version = (await client.get<{ gitVersion: string }>('/version')).gitVersion.replace(/[+-].*$/, '');
    const [, minor, patch] = version.slice(1).split('.').map(Number);
    const to = `v1.${minor}.${patch! + 1}`;
    // v1 Endpoints is deprecated (not removed) since 1.33: asking for it shows in the API server's
    // apiserver_requested_deprecated_apis, which the pre-check reads as a warning, not a refusal.
    await client.get('/api/v1/namespaces/default/endpoints');
    const run = cli('upgrade', 'mgmt', '--to', to, '--dry-run', '-o', 'json');
    expect(run.stderr).not.toContain('platformctl:');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as UpgradeReport;
    expect(report.from).toBe(version);
    expect(report.dryRun).toBe(true);
    expect(report.checks.find((c) => c.id === 'removed-apis')?.status).toBe('warn');
    expect(report.apis).toContainEqual(
      expect.objectContaining({ source: 'metrics', apiVersion: 'v1', resource: 'endpoints', blocks: false }),
    );
    expect(report.plan.steps[0]!.kind).toBe('backup');
    const workers = report.plan.steps
      .filter((s) => s.kind === 'drain')
      .map((s) => ('node' in s ? s.node : ''));
    expect(workers).toContain(worker);
    expect(report.done).toEqual([]);
    expect(await unschedulable()).toBe(false);

    const text = cli('upgrade', 'mgmt', '--to', to, '--dry-run');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`kubeadm upgrade apply ${to}`);
    expect(text.stdout).toContain('dry run: nothing was changed');

    // Without --yes a real run prints the sequence and changes nothing (exit 2).
    const unconfirmed = cli('upgrade', 'mgmt', '--to', to);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('add --yes');
    expect(await unschedulable()).toBe(false);

    // A skipped minor is refused before anything (exit 1), a real run on kwok with exit 3.
    expect(cli('upgrade', 'mgmt', '--to', `v1.${minor! + 2}.0`, '--dry-run').code).toBe(1);
    const real = cli('upgrade', 'mgmt', '--to', to, '--yes', '-o', 'json');
    expect(real.code).toBe(3);
    expect((JSON.parse(real.stdout) as { error: { code: string } }).error.code).toBe('upgrade.not-supported');
  }, 120_000);

  it('stops a drain that a PodDisruptionBudget blocks, naming it, and leaves the node and pods as they were', async () => {
    await client.apply({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'keep-all', namespace: NS },
      spec: { minAvailable: REPLICAS, selector: { matchLabels: { app: APP } } },
    });
    await until('the budget computed', async () => {
      const pdb = await client.get<{ status?: { currentHealthy?: number; observedGeneration?: number } }>(
        `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/keep-all`,
      );
      return pdb.status?.currentHealthy === REPLICAS ? true : undefined;
    });
    const before = (await readyApp())!.map((p) => p.metadata.uid).sort();
    const error = await drainOrRestore(client, worker, { timeoutMs: 4_000, pollMs: 500 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DrainError);
    expect((error as DrainError).code).toBe('upgrade.drain-blocked');
    expect((error as DrainError).message).toContain(`PodDisruptionBudget ${NS}/keep-all`);
    expect(await unschedulable()).toBe(false);
    expect((await readyApp())!.map((p) => p.metadata.uid).sort()).toEqual(before);
  }, 120_000);

  it('without the budget, evicts the replicas and keeps the DaemonSet pod', async () => {
    await client.delete('policy/v1', 'PodDisruptionBudget', 'keep-all', NS);
    const before = (await readyApp())!.map((p) => `${NS}/${p.metadata.name}`).sort();
    const result = await drainOrRestore(client, worker, { timeoutMs: 60_000, pollMs: 500 });
    expect(result.evicted.filter((p) => p.startsWith(`${NS}/`)).sort()).toEqual(before);
    expect(result.stayed.some((s) => s.pod.startsWith(`${NS}/agent-`) && s.why === 'DaemonSet pod')).toBe(
      true,
    );
    expect(await unschedulable()).toBe(true);
    const left = await podsOnWorker();
    expect(left.filter((p) => before.includes(`${NS}/${p.metadata.name}`))).toEqual([]);
    expect(left.some((p) => p.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet'))).toBe(true);
  }, 120_000);
});
