/**
 * The etcd snapshot of a kubeadm cluster on Multipass VMs, against a FakeRunner that REPLAYS
 * RECORDED output (recordings/, sources in recordings/SOURCES.md): the exact commands, in order.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectLayout } from '../../project/layout.js';
import { tempDir } from '../../test-support/cli.js';
import { FakeRunner } from '../../test-support/fake-runner.js';
import { testPlatform } from '../../test-support/render.js';
import { MultipassClient } from './client.js';
import { multipassEtcdSnapshot } from './etcd-snapshot.js';

const recording = (name: string) => readFileSync(new URL(`./recordings/${name}`, import.meta.url), 'utf8');
const platform = testPlatform();
const mgmt = platform.clusters.find((c) => c.name === 'mgmt')!;
const CONTAINER = recording('crictl-ps-etcd.stdout').trim();
const SHA = recording('sha256sum-snapshot.stdout').split(' ')[0]!;
const NAME = `platformctl-etcd-snapshot-${process.pid}.db`;
const ETCDCTL =
  'etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key --dial-timeout=5s --command-timeout=60s';

/** A control plane with a running etcd pod; `transfer` writes the local file as multipass would. */
function recordedVm() {
  return new FakeRunner()
    .on(/crictl ps --name/, { stdout: recording('crictl-ps-etcd.stdout') })
    .on(/endpoint status -w json$/, { stdout: recording('etcdctl-endpoint-status.stdout') })
    .on(/snapshot save/, {
      stdout: recording('etcdctl-snapshot-save.stdout'),
      stderr: recording('etcdctl-snapshot-save.stderr'),
    })
    .on(/sudo sha256sum/, { stdout: recording('sha256sum-snapshot.stdout') })
    .on(/sudo install/, { stdout: '' })
    .on(/^multipass transfer/, (call) => {
      writeFileSync(call.args[2]!, 'snapshot bytes');
      return { stdout: '' };
    })
    .on(/sudo rm -f/, { stdout: '' });
}

function take(runner: FakeRunner) {
  const dir = tempDir();
  const events: string[] = [];
  const path = join(dir, 'etcd.db');
  const result = multipassEtcdSnapshot(
    new MultipassClient(runner, 'multipass'),
    { platform, cluster: mgmt, path },
    { layout: projectLayout(dir), log: (e) => events.push(e.message) },
  );
  return { result, path, events };
}

describe('Multipass etcd snapshot (replays recorded crictl, etcdctl and sha256sum output)', () => {
  it('snapshots the first control plane inside its etcd pod, checksums it there, hands it to ubuntu 0600, copies it off and removes both copies on the VM', async () => {
    const runner = recordedVm();
    const { result, path, events } = take(runner);
    expect(await result).toEqual({
      node: 'mgmt-cp-0',
      endpoint: 'https://127.0.0.1:2379',
      etcdVersion: '3.6.16',
      sourceSha256: SHA,
    });
    expect(runner.lines).toEqual([
      "multipass exec mgmt-cp-0 -- sudo crictl ps --name '^etcd$' --label io.kubernetes.pod.namespace=kube-system --state Running --quiet",
      `multipass exec mgmt-cp-0 -- sudo crictl exec ${CONTAINER} ${ETCDCTL} endpoint status -w json`,
      `multipass exec mgmt-cp-0 -- sudo crictl exec ${CONTAINER} ${ETCDCTL} snapshot save /var/lib/etcd/${NAME}`,
      `multipass exec mgmt-cp-0 -- sudo sha256sum /var/lib/etcd/${NAME}`,
      `multipass exec mgmt-cp-0 -- sudo install -m 0600 -o ubuntu -g ubuntu /var/lib/etcd/${NAME} /home/ubuntu/${NAME}`,
      `multipass transfer mgmt-cp-0:/home/ubuntu/${NAME} ${path}`,
      `multipass exec mgmt-cp-0 -- sudo rm -f /var/lib/etcd/${NAME} /home/ubuntu/${NAME}`,
    ]);
    expect(readFileSync(path, 'utf8')).toBe('snapshot bytes');
    expect(events).toEqual([
      'etcd 3.6.16 on mgmt-cp-0: saving a snapshot',
      'copying the snapshot off mgmt-cp-0',
    ]);
  });

  it('removes the copies on the VM when the transfer fails, and the error carries the command line, exit code and output', async () => {
    const runner = recordedVm().on(/^multipass transfer/, {
      stderr: 'transfer failed: No such file or directory\n',
      exitCode: 1,
    });
    const { result } = take(runner);
    const error = await result.then(
      () => undefined,
      (e: unknown) => e as Error & { code: string; details(): Record<string, unknown> },
    );
    expect(error?.code).toBe('command.failed');
    expect(error?.details()).toMatchObject({
      commandLine: expect.stringContaining('multipass transfer mgmt-cp-0:/home/ubuntu/'),
      exitCode: 1,
      outputTail: 'transfer failed: No such file or directory',
    });
    expect(runner.lines.at(-1)).toBe(
      `multipass exec mgmt-cp-0 -- sudo rm -f /var/lib/etcd/${NAME} /home/ubuntu/${NAME}`,
    );
  });

  it('fails naming the node when no etcd container runs there, and touches nothing', async () => {
    const runner = recordedVm().on(/crictl ps --name/, { stdout: '' });
    const { result } = take(runner);
    await expect(result).rejects.toMatchObject({
      code: 'provider.etcd-not-running',
      message: 'no running etcd container on mgmt-cp-0',
    });
    expect(runner.lines).toHaveLength(1);
  });
});
