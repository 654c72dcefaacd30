/** The Multipass provider's down and observe, against a FakeRunner that REPLAYS RECORDED multipass and kubectl output. */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectLayout } from '../../project/layout.js';
import { tempDir } from '../../test-support/cli.js';
import { FakeRunner } from '../../test-support/fake-runner.js';
import { testPlatform } from '../../test-support/render.js';
import { MultipassProvider } from './provider.js';

const recording = (name: string) => readFileSync(new URL(`./recordings/${name}`, import.meta.url), 'utf8');

function setup(list: string) {
  const bin = join(tempDir(), 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'multipass'), '#!/bin/sh\nexit 99\n');
  chmodSync(join(bin, 'multipass'), 0o755);
  const runner = new FakeRunner()
    .on(/list --format json$/, { stdout: list })
    .on(/delete --purge/, { stdout: '' });
  const provider = new MultipassProvider({ env: { PATH: bin }, runner });
  const log: string[] = [];
  const context = { layout: projectLayout(tempDir()), log: (e: { message: string }) => log.push(e.message) };
  return { runner, provider, context, log };
}

const listing = (...names: string[]) =>
  JSON.stringify({
    list: names.map((name) => ({ name, state: 'Running', ipv4: ['192.168.64.30'], release: '24.04 LTS' })),
  });

describe('Multipass provider (replays recorded multipass list output)', () => {
  it('down deletes and purges only the recorded VMs that exist, workload clusters in the order given, and never another VM', async () => {
    const { runner, provider, context } = setup(
      listing('app1-cp-0', 'primary', 'mgmt-cp-0', 'mgmt-worker-0'),
    );
    const result = await provider.down(
      [
        { cluster: 'app1', role: 'workload', nodes: ['app1-cp-0', 'app1-worker-0'] },
        { cluster: 'mgmt', role: 'management', nodes: ['mgmt-cp-0', 'mgmt-worker-0'] },
      ],
      context,
    );
    expect(runner.lines.filter((l) => l.includes('delete'))).toEqual([
      `${runner.calls.find((c) => c.args[0] === 'delete')!.command} delete --purge app1-cp-0`,
      `${runner.calls.find((c) => c.args[0] === 'delete')!.command} delete --purge mgmt-cp-0 mgmt-worker-0`,
    ]);
    expect(runner.lines.some((l) => l.includes('primary') && l.includes('delete'))).toBe(false);
    expect(result.deleted).toEqual(['app1', 'mgmt']);
  });

  it('down with nothing there deletes nothing and succeeds (idempotent)', async () => {
    const { runner, provider, context } = setup(listing('primary'));
    await provider.down([{ cluster: 'app2', role: 'workload', nodes: ['app2-cp-0'] }], context);
    expect(runner.lines.some((l) => l.includes('delete'))).toBe(false);
  });

  it('observe tells missing VMs from running ones, an API that does not answer from one that does, and Ready nodes from others', async () => {
    const platform = testPlatform();
    const mgmt = platform.clusters.find((c) => c.name === 'mgmt')!;
    const request = { platform, cluster: mgmt, artifacts: new Map(), addresses: {} };
    const half = setup(listing('mgmt-cp-0'));
    expect(await half.provider.observe(request, half.context)).toMatchObject({
      exists: false,
      detail: 'VM(s) mgmt-worker-0 missing',
    });
    const nodes = /mgmt-cp-0 -- sudo kubectl --kubeconfig \/etc\/kubernetes\/admin.conf get nodes -o json$/;
    const down = setup(listing('mgmt-cp-0', 'mgmt-worker-0'));
    down.runner.on(nodes, { stderr: recording('kubectl-refused.stderr'), exitCode: 1 });
    expect(await down.provider.observe(request, down.context)).toEqual({
      exists: true,
      serving: false,
      ready: false,
      detail: 'the API server does not answer',
    });
    // Every multipass command in the step log.
    expect(down.log.map((l) => l.replace(/^\$ \S+/, '$ multipass'))).toEqual([
      '$ multipass list --format json',
      '$ multipass exec mgmt-cp-0 -- sudo kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes -o json',
    ]);
    const joined = setup(listing('mgmt-cp-0', 'mgmt-worker-0'));
    joined.runner.on(nodes, { stdout: recording('kubectl-nodes-joined.json') });
    expect(await joined.provider.observe(request, joined.context)).toEqual({
      exists: true,
      serving: true,
      ready: false,
      detail: 'not Ready: mgmt-cp-0, mgmt-worker-0',
    });
    const ready = setup(listing('mgmt-cp-0', 'mgmt-worker-0'));
    ready.runner.on(nodes, { stdout: recording('kubectl-nodes-ready.json') });
    const kubeconfig = ready.context.layout.kubeconfig('mgmt');
    expect(await ready.provider.observe(request, ready.context)).toEqual({
      exists: true,
      serving: true,
      ready: false,
      detail: `${kubeconfig} is missing`,
    });
    mkdirSync(ready.context.layout.kubeconfigDir, { recursive: true });
    writeFileSync(kubeconfig, 'apiVersion: v1\n');
    expect(await ready.provider.observe(request, ready.context)).toEqual({
      exists: true,
      serving: true,
      ready: true,
    });
  });

  it('status finds no Vault before the management cluster has a kubeconfig, without running anything', async () => {
    const { runner, provider, context } = setup(listing());
    expect(await provider.runningVault(context, testPlatform())).toBe(undefined);
    expect(runner.calls).toEqual([]);
  });
  it("stopCluster stops the cluster's VMs, workers first; startCluster starts them, control plane first; nothing else", async () => {
    const { runner, provider, context } = setup(listing('mgmt-cp-0', 'mgmt-worker-0', 'app1-cp-0'));
    runner.on(/ (stop|start) /, { stdout: '' });
    const platform = testPlatform();
    const mgmt = platform.clusters.find((c) => c.name === 'mgmt')!;
    const names = mgmt.nodes.map((n) => n.name);
    const cp = mgmt.nodes.filter((n) => n.role === 'control-plane').map((n) => n.name);
    const workers = names.filter((n) => !cp.includes(n));
    await provider.stopCluster({ platform, cluster: mgmt }, context);
    await provider.startCluster({ platform, cluster: mgmt }, context);
    const command = runner.calls[0]!.command;
    expect(runner.lines).toEqual([
      `${command} stop ${[...workers, ...cp].join(' ')}`,
      `${command} start ${[...cp, ...workers].join(' ')}`,
    ]);
    expect(runner.lines.some((l) => l.includes('app1'))).toBe(false);
  });
  it('stopNode / startNode (drill node-loss) stop and start that one VM, nothing else', async () => {
    const { runner, provider, context } = setup(listing('app1-cp-0', 'app1-worker-0'));
    runner.on(/ (stop|start) /, { stdout: '' });
    const platform = testPlatform();
    const app1 = platform.clusters.find((c) => c.name === 'app1')!;
    const request = { platform, cluster: app1, node: 'app1-worker-0' };
    expect(await provider.stopNode(request, context)).toBe('multipass stop app1-worker-0');
    expect(await provider.startNode(request, context)).toBe('multipass start app1-worker-0');
    const command = runner.calls[0]!.command;
    expect(runner.lines).toEqual([`${command} stop app1-worker-0`, `${command} start app1-worker-0`]);
  });
});
