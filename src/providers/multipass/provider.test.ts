/** The Multipass provider's down and observe, against a FakeRunner that REPLAYS RECORDED list output. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectLayout } from '../../project/layout.js';
import { tempDir } from '../../test-support/cli.js';
import { FakeRunner } from '../../test-support/fake-runner.js';
import { testPlatform } from '../../test-support/render.js';
import { MultipassProvider } from './provider.js';

function setup(list: string) {
  const bin = join(tempDir(), 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'multipass'), '#!/bin/sh\nexit 99\n');
  chmodSync(join(bin, 'multipass'), 0o755);
  const runner = new FakeRunner()
    .on(/list --format json$/, { stdout: list })
    .on(/delete --purge/, { stdout: '' });
  const provider = new MultipassProvider({ env: { PATH: bin }, runner });
  const context = { layout: projectLayout(tempDir()), log: () => {} };
  return { runner, provider, context };
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

  it('observe tells missing VMs from running ones, and says that bootstrap is not available yet', async () => {
    const platform = testPlatform();
    const mgmt = platform.clusters.find((c) => c.name === 'mgmt')!;
    const request = { platform, cluster: mgmt, artifacts: new Map(), addresses: {} };
    const half = setup(listing('mgmt-cp-0'));
    expect(await half.provider.observe(request, half.context)).toMatchObject({
      exists: false,
      detail: 'VM(s) mgmt-worker-0 missing',
    });
    const all = setup(listing('mgmt-cp-0', 'mgmt-worker-0'));
    expect(await all.provider.observe(request, all.context)).toMatchObject({ exists: true, serving: false });
    expect(() => all.provider.bootstrap()).toThrow(/kubeadm bootstrap on Multipass VMs is not available yet/);
  });
});
