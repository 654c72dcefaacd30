/**
 * The etcd restore of a kubeadm cluster on Multipass VMs, through `restore` (ops), against a
 * scriptable fake VM that REPLAYS RECORDED output (recordings/, sources in recordings/SOURCES.md):
 * the exact commands and their order, and the rollback's when a step fails.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { restore, type RestoreDeps } from '../../ops/restore.js';
import { projectLayout } from '../../project/layout.js';
import { tempDir } from '../../test-support/cli.js';
import { FakeRunner } from '../../test-support/fake-runner.js';
import { testPlatform } from '../../test-support/render.js';
import { MultipassClient } from './client.js';
import { kubeadmEtcdMember, multipassEtcdRestore } from './etcd-restore.js';

const recording = (name: string) => readFileSync(new URL(`./recordings/${name}`, import.meta.url), 'utf8');
const platform = testPlatform();
const CONTAINER = recording('crictl-ps-etcd.stdout').trim();
const SNAPSHOT_ID = '20261203T142248Z';
const NOW = new Date('2026-12-03T15:00:00.000Z');
const RID = '20261203t150000z';
const BYTES = Buffer.from('snapshot bytes');
const SHA = createHash('sha256').update(BYTES).digest('hex');
const ETCDCTL =
  'etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key --dial-timeout=5s --command-timeout=60s';
const EXEC = 'multipass exec mgmt-cp-0 --';
const FILE = `platformctl-restore-${RID}.db`;
const PARKED = `/etc/kubernetes/platformctl-restore-${RID}`;
const KEPT = `/var/lib/etcd.before-restore-${RID}`;

/**
 * A control plane whose etcd and API server containers run while their manifests are in place,
 * and take one more poll to go after the manifests are moved away.
 */
function recordedVm() {
  let away = false;
  let polls = 0;
  const runner = new FakeRunner()
    .on(/crictl ps --name '\^etcd\$'/, () => ({ stdout: away ? '' : recording('crictl-ps-etcd.stdout') }))
    .on(/endpoint status -w json$/, { stdout: recording('etcdctl-endpoint-status.stdout') })
    .on(/^multipass transfer/, { stdout: '' })
    .on(/sudo install -m 0600 -o root/, { stdout: '' })
    .on(/sudo rm /, { stdout: '' })
    .on(/sudo sha256sum/, { stdout: `${SHA}  /var/lib/etcd/${FILE}\n` })
    .on(/sudo cat \/etc\/kubernetes\/manifests\/etcd.yaml/, { stdout: recording('etcd-manifest.yaml') })
    .on(/etcdutl snapshot restore/, { stderr: recording('etcdutl-snapshot-restore.stderr') })
    .on(/sudo mkdir -p -m 0700/, { stdout: '' })
    .on(/sudo find \/etc\/kubernetes\/manifests/, () => {
      away = true;
      polls = 0;
      return { stdout: '' };
    })
    .on(/sudo find \/etc\/kubernetes\/platformctl-restore/, () => {
      away = false;
      return { stdout: '' };
    })
    .on(/crictl ps --name '\^\(etcd\|kube-apiserver\)\$'/, () => ({
      stdout: away && polls++ > 0 ? '' : `${CONTAINER}\n`,
    }))
    .on(/sudo sh -c/, { stdout: '' })
    .on(/get --raw=\/readyz/, { stdout: recording('kubectl-readyz.stdout') })
    .on(/kubectl --kubeconfig=\/etc\/kubernetes\/admin.conf wait/, {
      stdout: recording('kubectl-wait-nodes-ready.stdout'),
    });
  return runner;
}

function deps(runner: FakeRunner): { deps: RestoreDeps; snapshot: string } {
  const root = tempDir();
  const layout = projectLayout(root);
  const dir = join(layout.clusterBackups('mgmt'), SNAPSHOT_ID);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'etcd.db'), BYTES);
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      format: 1,
      what: 'etcd',
      platform: platform.name,
      cluster: 'mgmt',
      provider: 'multipass',
      createdAt: '2026-12-03T14:22:48.000Z',
      file: 'etcd.db',
      sha256: SHA,
      size: BYTES.length,
      revision: 280,
      totalKeys: 200,
      etcdHash: 42,
      etcdVersion: '3.6.16',
      storageVersion: '3.6.0',
      kubernetesVersion: 'v1.35.8',
      node: 'mgmt-cp-0',
      endpoint: 'https://127.0.0.1:2379',
    }),
  );
  const client = new MultipassClient(runner, 'multipass');
  return {
    snapshot: join(dir, 'etcd.db'),
    deps: {
      platform,
      layout,
      providerName: 'multipass',
      provider: { etcdRestore: (request) => multipassEtcdRestore(client, request, { pollMs: 0 }) },
      inspect: async () => ({
        hash: 42,
        revision: 280,
        totalKeys: 200,
        totalSize: 1,
        storageVersion: '3.6.0',
      }),
      verify: async () => ({ ok: true, checks: [] }),
      lock: async () => ({ release: async () => {} }),
      now: () => NOW,
    },
  };
}

const LIVE = [
  `${EXEC} sudo crictl ps --name '^etcd$' --label io.kubernetes.pod.namespace=kube-system --state Running --quiet`,
  `${EXEC} sudo crictl exec ${CONTAINER} ${ETCDCTL} endpoint status -w json`,
];
const upload = (snapshot: string) => [
  `multipass transfer ${snapshot} mgmt-cp-0:/home/ubuntu/${FILE}`,
  `${EXEC} sudo install -m 0600 -o root -g root /home/ubuntu/${FILE} /var/lib/etcd/${FILE}`,
  `${EXEC} sudo rm -f /home/ubuntu/${FILE}`,
  `${EXEC} sudo sha256sum /var/lib/etcd/${FILE}`,
];
// The recorded member is at revision 721, the snapshot at 280: the bump covers the 441 written since.
const RESTORE = [
  `${EXEC} sudo cat /etc/kubernetes/manifests/etcd.yaml`,
  LIVE[0]!,
  `${EXEC} sudo rm -rf /var/lib/etcd/platformctl-restore-${RID}`,
  `${EXEC} sudo crictl exec ${CONTAINER} etcdutl snapshot restore /var/lib/etcd/${FILE} --data-dir=/var/lib/etcd/platformctl-restore-${RID} --name=mgmt-cp-0 --initial-cluster=mgmt-cp-0=https://192.168.64.11:2380 --initial-advertise-peer-urls=https://192.168.64.11:2380 --bump-revision=1000000441 --mark-compacted`,
];
const CONTROL_PLANE_PS = `${EXEC} sudo crictl ps --name '^(etcd|kube-apiserver)$' --label io.kubernetes.pod.namespace=kube-system --quiet`;
const STOP = [
  `${EXEC} sudo mkdir -p -m 0700 ${PARKED}`,
  `${EXEC} sudo find /etc/kubernetes/manifests -maxdepth 1 '(' -name etcd.yaml -o -name kube-apiserver.yaml ')' -exec mv -t ${PARKED} '{}' +`,
  CONTROL_PLANE_PS,
  CONTROL_PLANE_PS,
];
const SWAP = `${EXEC} sudo sh -c 'set -e; [ -d ${KEPT} ] || mv /var/lib/etcd ${KEPT}; if [ -d ${KEPT}/platformctl-restore-${RID} ]; then mv ${KEPT}/platformctl-restore-${RID} /var/lib/etcd; fi; rm -f ${KEPT}/${FILE}; test -d /var/lib/etcd/member'`;
const UNSWAP = `${EXEC} sudo sh -c 'set -e; if [ -d ${KEPT} ]; then rm -rf /var/lib/etcd; mv ${KEPT} /var/lib/etcd; fi'`;
const START = [
  `${EXEC} sudo find ${PARKED} -maxdepth 1 -name '*.yaml' -exec mv -t /etc/kubernetes/manifests '{}' +`,
  `${EXEC} sudo kubectl --kubeconfig=/etc/kubernetes/admin.conf get --raw=/readyz`,
  `${EXEC} sudo kubectl --kubeconfig=/etc/kubernetes/admin.conf wait --for=condition=Ready node --all --timeout=180s`,
];

describe('Multipass etcd restore (replays recorded crictl, etcdctl, etcdutl and kubectl output)', () => {
  it('reads the member from the etcd manifest kubeadm wrote', () => {
    expect(kubeadmEtcdMember(recording('etcd-manifest.yaml'))).toEqual({
      name: 'mgmt-cp-0',
      initialCluster: 'mgmt-cp-0=https://192.168.64.11:2380',
      peerUrl: 'https://192.168.64.11:2380',
      dataDir: '/var/lib/etcd',
    });
  });

  it('copies the snapshot on, restores it in the etcd pod into a new directory, moves the manifests away until the containers are gone, swaps, moves them back and waits for the API and nodes', async () => {
    const runner = recordedVm();
    const { deps: d, snapshot } = deps(runner);
    const report = await restore(d, { cluster: 'mgmt', from: SNAPSHOT_ID, yes: true });
    expect(report.error).toBeUndefined();
    expect(report).toMatchObject({ outcome: 'restored', ok: true });
    expect(runner.lines).toEqual([...LIVE, ...upload(snapshot), ...RESTORE, ...STOP, SWAP, ...START]);
  });

  it('when the swap fails, puts the data directory and the manifests back, waits for the API, and removes the copies: in reverse order', async () => {
    const runner = recordedVm().on(/sudo sh -c 'set -e; \[ -d/, {
      stderr: 'mv: cannot move: Device or resource busy\n',
      exitCode: 1,
    });
    const { deps: d, snapshot } = deps(runner);
    const report = await restore(d, { cluster: 'mgmt', from: SNAPSHOT_ID, yes: true });
    expect(report).toMatchObject({ outcome: 'rolled-back', ok: false, error: { code: 'command.failed' } });
    expect(report.steps.map((s) => [s.id, s.outcome])).toEqual([
      ['upload', 'done'],
      ['restore', 'done'],
      ['stop', 'done'],
      ['swap', 'failed'],
      ['swap', 'undone'],
      ['stop', 'undone'],
      ['restore', 'undone'],
      ['upload', 'undone'],
    ]);
    expect(runner.lines).toEqual([
      ...LIVE,
      ...upload(snapshot),
      ...RESTORE,
      ...STOP,
      SWAP,
      UNSWAP,
      ...START,
      `${EXEC} sudo rm -rf /var/lib/etcd/platformctl-restore-${RID} ${KEPT}/platformctl-restore-${RID}`,
      `${EXEC} sudo rm -f /var/lib/etcd/${FILE} /home/ubuntu/${FILE}`,
    ]);
  });

  it('refuses a copy on the node whose checksum differs, and removes it', async () => {
    const runner = recordedVm().on(/sudo sha256sum/, {
      stdout: `${'0'.repeat(64)}  /var/lib/etcd/${FILE}\n`,
    });
    const { deps: d } = deps(runner);
    const report = await restore(d, { cluster: 'mgmt', from: SNAPSHOT_ID, yes: true });
    expect(report).toMatchObject({
      outcome: 'rolled-back',
      error: { code: 'provider.restore-copy-damaged' },
    });
    expect(runner.lines.at(-1)).toBe(`${EXEC} sudo rm -f /var/lib/etcd/${FILE} /home/ubuntu/${FILE}`);
    expect(runner.lines.some((l) => l.includes('etcdutl'))).toBe(false);
  });
});
