/**
 * The Multipass executor of `upgrade` against the scriptable fake VM client (FakeRunner behind
 * the real MultipassProvider/MultipassClient) and a loopback API server whose nodes report the
 * version their kubelet was restarted with: the exact commands, their order, the gates and the
 * cordons between nodes, the journal, resuming, and the spec rewritten only at the end.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandError } from '../clients/exec.js';
import { acquireLock } from '../engine/lock.js';
import { projectLayout } from '../project/layout.js';
import { MultipassProvider } from '../providers/multipass/provider.js';
import type { Platform, PlatformCluster } from '../spec/model.js';
import { tempDir } from '../test-support/cli.js';
import { FakeRunner } from '../test-support/fake-runner.js';
import { unauthenticatedKubeClient } from '../test-support/kube.js';
import { testPlatform } from '../test-support/render.js';
import { journalFile, setSpecVersion, upgrade, type UpgradeDeps } from './upgrade.js';
import { planUpgrade } from './upgrade-plan.js';

const FROM = 'v1.34.3';
const TO = 'v1.35.1';
const base = testPlatform();
const mgmt = base.clusters.find((c) => c.name === 'mgmt')!;
const node = (name: string, role: 'control-plane' | 'worker', index: number) => ({
  ...mgmt.nodes[0]!,
  name,
  role,
  index,
});
const cluster: PlatformCluster = {
  ...mgmt,
  nodes: [
    node('mgmt-cp-0', 'control-plane', 0),
    node('mgmt-cp-1', 'control-plane', 1),
    node('mgmt-worker-0', 'worker', 0),
    node('mgmt-worker-1', 'worker', 1),
  ],
};
const platform: Platform = { ...base, clusters: [cluster] };

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** The API server as the upgrade sees it; `timeline` interleaves its requests with VM commands. */
async function fakeApi(timeline: string[]) {
  const versions = new Map(cluster.nodes.map((n) => [n.name, FROM]));
  const unschedulable = new Map<string, boolean>();
  let apiVersion = FROM;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const send = (value: unknown, type = 'application/json') => {
        res.writeHead(200, { 'content-type': type });
        res.end(typeof value === 'string' ? value : JSON.stringify(value));
      };
      if (url.pathname === '/version') return send({ gitVersion: apiVersion });
      if (url.pathname === '/metrics') return send('apiserver_request_total{code="200"} 1\n', 'text/plain');
      if (url.pathname === '/readyz') {
        timeline.push('api: /readyz');
        return send('ok', 'text/plain');
      }
      if (url.pathname === '/api/v1')
        return send({
          resources: [
            { name: 'nodes', namespaced: false, kind: 'Node' },
            { name: 'pods', namespaced: true, kind: 'Pod' },
          ],
        });
      if (url.pathname === '/api/v1/pods') return send({ items: [] });
      if (url.pathname === '/api/v1/nodes')
        return send({
          items: cluster.nodes.map((n) => ({
            metadata: { name: n.name },
            spec: { unschedulable: unschedulable.get(n.name) ?? false },
            status: {
              nodeInfo: { kubeletVersion: versions.get(n.name) },
              conditions: [{ type: 'Ready', status: 'True' }],
            },
          })),
        });
      const patch = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname);
      if (patch && req.method === 'PATCH') {
        const value = (JSON.parse(body) as { spec: { unschedulable: boolean } }).spec.unschedulable;
        unschedulable.set(patch[1]!, value);
        timeline.push(`api: ${value ? 'cordon' : 'uncordon'} ${patch[1]}`);
        return send({});
      }
      res.writeHead(404);
      res.end(JSON.stringify({ kind: 'Status', reason: 'NotFound', message: url.pathname }));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    client: unauthenticatedKubeClient(address),
    /** What a real kubelet restart / kubeadm apply makes the API report. */
    restarted: (name: string) => versions.set(name, TO),
    applied: () => (apiVersion = TO),
  };
}

function setup(options: { failOnce?: RegExp } = {}) {
  const dir = tempDir();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'multipass'), '#!/bin/sh\nexit 99\n');
  chmodSync(join(bin, 'multipass'), 0o755);
  const specFile = join(dir, 'platform.yaml');
  writeFileSync(
    specFile,
    '# my platform\nspec:\n  kubernetes:\n    version: v1.34.3 # pinned\n  provider: multipass\n',
  );
  const timeline: string[] = [];
  const runner = new FakeRunner();
  return { dir, bin, specFile, timeline, runner, failOnce: options.failOnce };
}

async function depsFor(s: ReturnType<typeof setup>) {
  const api = await fakeApi(s.timeline);
  let failed = false;
  s.runner.on(/ exec /, (call) => {
    const [, name, , ...command] = call.args;
    s.timeline.push(`${name}$ ${command.join(' ')}`);
    if (s.failOnce && !failed && s.failOnce.test(`${name}$ ${command.join(' ')}`)) {
      failed = true;
      return { exitCode: 1, stderr: 'E: scripted failure' };
    }
    if (command.join(' ') === `sudo kubeadm upgrade apply ${TO} --yes`) api.applied();
    if (command.join(' ') === 'sudo systemctl restart kubelet') api.restarted(name!);
    return { stdout: '' };
  });
  const provider = new MultipassProvider({ env: { PATH: s.bin }, runner: s.runner });
  const layout = projectLayout(s.dir);
  const deps: UpgradeDeps = {
    platform,
    providerName: 'multipass',
    layout,
    specFile: s.specFile,
    kube: async () => api.client,
    renderedObjects: () => [
      { path: 'clusters/mgmt/x.yaml', apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
    ],
    takeBackup: async () => {
      s.timeline.push('backup');
      return join(s.dir, 'backups/mgmt/20261207T000000Z');
    },
    runOnNode: (n, command, signal) =>
      provider.runOnNode(n, command, { layout, log: () => {}, ...(signal ? { signal } : {}) }),
  };
  return deps;
}

const expected = () =>
  planUpgrade({
    cluster,
    current: FROM,
    target: TO,
    observed: cluster.nodes.map((n) => ({ name: n.name, kubeletVersion: FROM, ready: true })),
    backup: true,
  });

describe('upgrade through the Multipass VM client', () => {
  it('runs the exact commands in order, gated between nodes, and rewrites the spec at the end', async () => {
    const s = setup();
    const deps = await depsFor(s);
    const report = await upgrade(deps, { cluster: 'mgmt', to: TO, pollMs: 1 });
    expect(report.ok).toBe(true);
    const lines = (node: string, from: number) => {
      const step = expected().steps[from]!;
      return 'commands' in step ? step.commands.map((c) => `${node}$ ${c.join(' ')}`) : [];
    };
    const ids = expected().steps.map((st) => st.id);
    const at = (id: string) => ids.indexOf(id);
    expect(s.timeline).toEqual([
      'backup',
      ...lines('mgmt-cp-0', at('mgmt-cp-0/kubeadm-plan')),
      ...lines('mgmt-cp-0', at('mgmt-cp-0/kubeadm')),
      ...lines('mgmt-cp-0', at('mgmt-cp-0/kubelet')),
      'api: /readyz',
      ...lines('mgmt-cp-1', at('mgmt-cp-1/kubeadm')),
      ...lines('mgmt-cp-1', at('mgmt-cp-1/kubelet')),
      'api: /readyz',
      'api: cordon mgmt-worker-0',
      'api: cordon mgmt-worker-0',
      ...lines('mgmt-worker-0', at('mgmt-worker-0/kubeadm')),
      ...lines('mgmt-worker-0', at('mgmt-worker-0/kubelet')),
      'api: /readyz',
      'api: uncordon mgmt-worker-0',
      'api: cordon mgmt-worker-1',
      'api: cordon mgmt-worker-1',
      ...lines('mgmt-worker-1', at('mgmt-worker-1/kubeadm')),
      ...lines('mgmt-worker-1', at('mgmt-worker-1/kubelet')),
      'api: /readyz',
      'api: uncordon mgmt-worker-1',
    ]);
    // Spelled out once, so a change to the planner that breaks kubeadm's order fails here too.
    const cp0 = s.timeline.filter((l) => l.startsWith('mgmt-cp-0$'));
    expect(cp0[0]).toContain('pkgs.k8s.io/core:/stable:/v1.35/deb/Release.key');
    expect(cp0[1]).toContain(
      'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.35/deb/ /',
    );
    expect(cp0.slice(2)).toEqual([
      'mgmt-cp-0$ sudo apt-mark unhold kubeadm',
      'mgmt-cp-0$ sudo apt-get update',
      'mgmt-cp-0$ sudo apt-get install -y kubeadm=1.35.1-*',
      'mgmt-cp-0$ sudo apt-mark hold kubeadm',
      'mgmt-cp-0$ sudo kubeadm upgrade plan v1.35.1',
      'mgmt-cp-0$ sudo kubeadm upgrade apply v1.35.1 --yes',
      'mgmt-cp-0$ sudo apt-mark unhold kubelet kubectl',
      'mgmt-cp-0$ sudo apt-get update',
      'mgmt-cp-0$ sudo apt-get install -y kubelet=1.35.1-* kubectl=1.35.1-*',
      'mgmt-cp-0$ sudo apt-mark hold kubelet kubectl',
      'mgmt-cp-0$ sudo systemctl daemon-reload',
      'mgmt-cp-0$ sudo systemctl restart kubelet',
    ]);
    expect(s.timeline.filter((l) => l.includes('upgrade apply'))).toHaveLength(1);
    expect(s.timeline.filter((l) => l.endsWith('kubeadm upgrade node')).map((l) => l.split('$')[0])).toEqual([
      'mgmt-cp-1',
      'mgmt-worker-0',
      'mgmt-worker-1',
    ]);
    // Every exec went through the VM client as `multipass exec <vm> -- ...`.
    expect(s.runner.lines.every((l) => /multipass exec mgmt-(cp|worker)-\d -- sudo /.test(l))).toBe(true);
    expect(statSync(journalFile(deps.layout, 'mgmt')).mode & 0o777).toBe(0o600);
    expect(report.specUpdated).toBe(true);
    expect(readFileSync(s.specFile, 'utf8')).toBe(
      '# my platform\nspec:\n  kubernetes:\n    version: v1.35.1 # pinned\n  provider: multipass\n',
    );
    // Everything at the target: a re-run finds nothing to do.
    s.timeline.length = 0;
    const again = await upgrade(deps, { cluster: 'mgmt', to: TO, pollMs: 1 });
    expect(again.plan.steps).toEqual([]);
    expect(s.timeline).toEqual([]);
  });

  it('stops at a failing command, leaves the spec alone, and resumes from the journal', async () => {
    const s = setup({ failOnce: /^mgmt-worker-0\$ sudo kubeadm upgrade node$/ });
    const deps = await depsFor(s);
    const error = await upgrade(deps, { cluster: 'mgmt', to: TO, pollMs: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CommandError);
    expect(readFileSync(s.specFile, 'utf8')).toContain('version: v1.34.3');
    const journal = JSON.parse(readFileSync(journalFile(deps.layout, 'mgmt'), 'utf8')) as { done: string[] };
    expect(journal.done).toContain('mgmt-cp-1/gate');
    expect(journal.done).not.toContain('mgmt-worker-0/kubeadm');

    s.timeline.length = 0;
    const report = await upgrade(deps, { cluster: 'mgmt', to: TO, pollMs: 1 });
    expect(report.ok).toBe(true);
    expect(report.plan.skipped).toEqual(['mgmt-cp-0', 'mgmt-cp-1']);
    // The backup was taken the first time; the control planes are at the target (observed).
    expect(report.resumed).toEqual(['backup', 'mgmt-cp-0/kubeadm-plan']);
    expect(s.timeline[0]).toBe('api: cordon mgmt-worker-0');
    expect(s.timeline).not.toContain('backup');
    expect(s.timeline.some((l) => l.startsWith('mgmt-cp-'))).toBe(false);
    expect(s.timeline.filter((l) => l === 'mgmt-worker-0$ sudo kubeadm upgrade node')).toHaveLength(1);
    expect(report.specUpdated).toBe(true);
  });

  it('refuses another target while one upgrade is under way', async () => {
    const s = setup({ failOnce: /^mgmt-cp-0\$ sudo kubeadm upgrade apply/ });
    const deps = await depsFor(s);
    await expect(upgrade(deps, { cluster: 'mgmt', to: TO, pollMs: 1 })).rejects.toBeInstanceOf(CommandError);
    await expect(upgrade(deps, { cluster: 'mgmt', to: 'v1.35.2', pollMs: 1 })).rejects.toMatchObject({
      code: 'upgrade.other-in-progress',
    });
  });
});

describe('upgrade and the platform lock', () => {
  it('refuses a real run while another run holds the lock, and a dry run does not need it', async () => {
    const s = setup();
    const deps = await depsFor(s);
    const held = await acquireLock(s.dir, { command: 'up', runId: 'other' });
    try {
      await expect(upgrade(deps, { cluster: 'mgmt', to: TO, pollMs: 1 })).rejects.toMatchObject({
        kind: 'locked',
      });
      expect(s.timeline).toEqual([]);
      const dry = await upgrade(deps, { cluster: 'mgmt', to: TO, dryRun: true });
      expect(dry.dryRun).toBe(true);
      expect(dry.plan.steps.length).toBeGreaterThan(0);
      expect(s.timeline).toEqual([]);
    } finally {
      await held.release();
    }
  });
});

describe('setSpecVersion', () => {
  it('adds the field to a spec that relied on the default, keeping the rest', () => {
    expect(setSpecVersion('# c\nspec:\n  provider: multipass # p\n', 'v1.35.1')).toBe(
      '# c\nspec:\n  provider: multipass # p\n  kubernetes:\n    version: v1.35.1\n',
    );
  });
});
