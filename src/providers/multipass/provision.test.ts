/**
 * Provisioning a cluster's VMs against a FakeRunner that REPLAYS RECORDED Multipass output
 * (recordings/, sources in recordings/SOURCES.md): Multipass cannot run on this machine.
 */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectLayout } from '../../project/layout.js';
import { renderPlatform } from '../../render/index.js';
import { tempDir } from '../../test-support/cli.js';
import { FakeRunner } from '../../test-support/fake-runner.js';
import { testPlatform } from '../../test-support/render.js';
import { MultipassClient } from './client.js';
import { checkAddresses, provisionCluster, UBUNTU_IMAGE } from './provision.js';

const recording = (name: string) => readFileSync(new URL(`./recordings/${name}`, import.meta.url), 'utf8');
const platform = testPlatform();
const mgmt = platform.clusters.find((c) => c.name === 'mgmt')!;
const artifacts = new Map(renderPlatform(platform).map((a) => [a.path, a.content]));
const EMPTY = recording('list-empty.json');
const listing = (...vms: Array<{ name: string; state: string; ip?: string }>) =>
  JSON.stringify({
    list: vms.map((v) => ({ name: v.name, state: v.state, ipv4: v.ip ? [v.ip] : [], release: '24.04 LTS' })),
  });

function provision(
  runner: FakeRunner,
  layout = projectLayout(tempDir()),
  previous: Record<string, string> = {},
) {
  const events: string[] = [];
  return provisionCluster({
    client: new MultipassClient(runner, 'multipass'),
    platform,
    cluster: mgmt,
    artifacts,
    previous,
    layout,
    log: (e) => events.push(e.message),
  }).then((result) => ({ result, events, layout }));
}

/** The error a provision fails with (a test failure when it succeeds). */
async function failure(run: Promise<unknown>): Promise<Error & { code: string; hint?: string }> {
  try {
    await run;
  } catch (error) {
    return error as Error & { code: string; hint?: string };
  }
  throw new Error('provision succeeded; a failure was expected');
}

/** The happy path: nothing there, both VMs launched (slowly, to see them overlap), cloud-init done. */
function freshRunner() {
  return new FakeRunner()
    .on(/^multipass list/, { stdout: EMPTY })
    .on(/^multipass launch/, { stdout: 'Launched\n', delayMs: 50 })
    .on(/cloud-init status --wait$/, { stdout: 'status: done\n' })
    .on(/^multipass info --format json/, { stdout: recording('info-running.json') });
}

describe('Multipass provision (replays recorded multipass output)', () => {
  it('launches every node at once with its size, the pinned image and its rendered cloud-init (0600), then reads the addresses', async () => {
    const runner = freshRunner();
    const { result, layout } = await provision(runner);
    // Started at once, so in either order.
    const launches = runner.calls
      .filter((c) => c.args[0] === 'launch')
      .sort((a, b) => a.line.localeCompare(b.line));
    expect(launches.map((c) => c.line)).toEqual([
      `multipass launch --name mgmt-cp-0 --cpus 2 --memory 4G --disk 40G --cloud-init ${layout.providerDir('multipass')}/cloud-init/mgmt-cp-0.yaml --timeout 900 ${UBUNTU_IMAGE}`,
      `multipass launch --name mgmt-worker-0 --cpus 3 --memory 8G --disk 50G --cloud-init ${layout.providerDir('multipass')}/cloud-init/mgmt-worker-0.yaml --timeout 900 ${UBUNTU_IMAGE}`,
    ]);
    // In parallel: each started before the other finished.
    expect(launches[1]!.startedAt).toBeLessThan(launches[0]!.finishedAt!);
    expect(launches[0]!.startedAt).toBeLessThan(launches[1]!.finishedAt!);
    const file = `${layout.providerDir('multipass')}/cloud-init/mgmt-cp-0.yaml`;
    expect(readFileSync(file, 'utf8')).toBe(artifacts.get('clusters/mgmt/nodes/mgmt-cp-0/cloud-init.yaml'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(result).toEqual({
      created: true,
      addresses: { 'mgmt-cp-0': '192.168.64.24', 'mgmt-worker-0': '192.168.64.25' },
    });
    expect(runner.lines.filter((l) => l.includes('cloud-init status --wait'))).toHaveLength(2);
  });

  it('adopts VMs that exist (starting a stopped one) and launches none', async () => {
    const runner = freshRunner()
      .on(/^multipass list/, {
        stdout: listing(
          { name: 'mgmt-cp-0', state: 'Running', ip: '192.168.64.24' },
          { name: 'mgmt-worker-0', state: 'Stopped' },
        ),
      })
      .on(/^multipass start mgmt-worker-0$/, { stdout: '' });
    const { result, events } = await provision(runner);
    expect(runner.lines.some((l) => l.startsWith('multipass launch'))).toBe(false);
    expect(runner.lines).toContain('multipass start mgmt-worker-0');
    expect(result.created).toBe(false);
    expect(events).toContain('adopted VM mgmt-cp-0 (Running)');
  });

  it('after a launch that timed out (recorded), finds the VM and waits for it instead of launching it twice', async () => {
    const runner = freshRunner()
      .on(
        (c) => c.line.startsWith('multipass launch --name mgmt-worker-0'),
        { stderr: recording('launch-timeout.stderr'), exitCode: 1 },
        1,
      )
      // Later rules answer first: the first list sees nothing, the one after the timeout the VM.
      .on(/^multipass list/, { stdout: listing({ name: 'mgmt-worker-0', state: 'Unknown' }) })
      .on(/^multipass list/, { stdout: EMPTY }, 1)
      .on(/^multipass start mgmt-worker-0$/, { stdout: '' });
    const { events } = await provision(runner);
    expect(runner.lines.filter((l) => l.startsWith('multipass launch --name mgmt-worker-0'))).toHaveLength(1);
    expect(runner.lines).toContain('multipass start mgmt-worker-0');
    expect(events.some((e) => /timed out, but the VM exists \(Unknown\)/.test(e))).toBe(true);
  });

  it('launches again when the timed-out launch left no VM', async () => {
    const runner = freshRunner().on(
      (c) => c.line.startsWith('multipass launch --name mgmt-worker-0'),
      { stderr: recording('launch-timeout.stderr'), exitCode: 1 },
      1,
    );
    await provision(runner);
    expect(runner.lines.filter((l) => l.startsWith('multipass launch --name mgmt-worker-0'))).toHaveLength(2);
  });

  it('fails when cloud-init fails, with the tail of its output log and the command that shows the rest', async () => {
    const runner = freshRunner()
      .on(/mgmt-worker-0 -- cloud-init status --wait$/, {
        stdout: recording('cloud-init-status-error.stdout'),
        exitCode: 1,
      })
      .on(/mgmt-worker-0 -- sudo tail -n 40 \/var\/log\/cloud-init-output.log$/, {
        stdout: recording('cloud-init-output-failed.txt'),
      });
    const error = await failure(provision(runner));
    expect(error.code).toBe('provider.cloud-init-failed');
    expect(error.message).toContain('cloud-init failed on mgmt-worker-0');
    expect(error.message).toContain('Failed to install packages');
    expect(error.hint).toBe(
      'the whole log: multipass exec mgmt-worker-0 -- sudo cat /var/log/cloud-init-output.log',
    );
  });

  it('fails when a VM gets an address outside the node subnet, naming both and the fix', async () => {
    const info = recording('info-running.json').replace('192.168.64.25', '10.130.108.191');
    const error = await failure(provision(freshRunner().on(/^multipass info/, { stdout: info })));
    expect(error.code).toBe('provider.address-outside-subnet');
    expect(error.message).toBe(
      'VM mgmt-worker-0 got 10.130.108.191, outside spec.network.nodeSubnet 192.168.64.0/24',
    );
    expect(error.hint).toContain('10.130.108.0/24');
  });

  it('refuses an address inside a load-balancer pool (the API VIP included)', () => {
    const vip = mgmt.addresses.api;
    expect(() => checkAddresses(platform, mgmt, { 'mgmt-cp-0': vip })).toThrow(
      new RegExp(
        `got ${vip.replaceAll('.', '\\.')}, inside the load-balancer pool .* of mgmt \\(the API VIP of mgmt\\)`,
      ),
    );
    expect(() => checkAddresses(platform, mgmt, { 'mgmt-cp-0': '192.168.64.24' })).not.toThrow();
  });

  describe('after a host reboot', () => {
    const RECORDED = { 'mgmt-cp-0': '192.168.64.24', 'mgmt-worker-0': '192.168.64.25' };
    /** Both VMs stopped by the reboot; the recorded info says which addresses they come back with. */
    const rebooted = (info = recording('info-running.json')) =>
      freshRunner()
        .on(/^multipass list/, {
          stdout: listing(
            { name: 'mgmt-cp-0', state: 'Stopped' },
            { name: 'mgmt-worker-0', state: 'Stopped' },
          ),
        })
        .on(/^multipass start mgmt-cp-0 mgmt-worker-0$/, { stdout: '' })
        .on(/^multipass info/, { stdout: info })
        .on(/ -- sudo test -f \/etc\/kubernetes\/kubelet.conf$/, {});

    it('replays recorded output: starts the stopped VMs, and the same addresses pass', async () => {
      const runner = rebooted();
      const { result } = await provision(runner, undefined, RECORDED);
      expect(runner.lines).toContain('multipass start mgmt-cp-0 mgmt-worker-0');
      expect(runner.lines.some((l) => l.startsWith('multipass launch'))).toBe(false);
      expect(result).toEqual({ created: false, addresses: RECORDED });
    });

    it('replays recorded output: refuses a node kubeadm set up that came back with another address, naming both and the fix', async () => {
      const runner = rebooted(recording('info-running.json').replace('192.168.64.25', '192.168.64.31'));
      const error = await failure(provision(runner, undefined, RECORDED));
      expect(error.code).toBe('provider.address-changed');
      expect(error.message).toBe(
        'cluster mgmt: VM address changed (mgmt-worker-0 had 192.168.64.25 and has 192.168.64.31 now); kubeadm bound etcd, the API server and the kubelet to the old address',
      );
      expect(error.hint).toContain('/var/db/dhcpd_leases');
      expect(runner.lines).toContain(
        'multipass exec mgmt-worker-0 -- sudo test -f /etc/kubernetes/kubelet.conf',
      );
    });

    it('replays recorded output: a node kubeadm has not run on takes its new address', async () => {
      const runner = rebooted(recording('info-running.json').replace('192.168.64.25', '192.168.64.31')).on(
        / -- sudo test -f \/etc\/kubernetes\/kubelet.conf$/,
        { exitCode: 1 },
      );
      const { result, events } = await provision(runner, undefined, RECORDED);
      expect(result.addresses['mgmt-worker-0']).toBe('192.168.64.31');
      expect(events).toContain(
        'mgmt-worker-0 had 192.168.64.25 and has 192.168.64.31 now; kubeadm has not run there yet',
      );
    });
  });
});
