/**
 * An etcd snapshot of a kubeadm cluster on Multipass VMs. kubeadm nodes have no etcdctl on the
 * host (seed correction 27), but the etcd static pod's image has: the snapshot is taken inside
 * that container (`crictl exec`), written to /var/lib/etcd (the pod's hostPath, so the host sees
 * it), checksummed there, handed to the VM's default user 0600 and copied off the VM with
 * `multipass transfer`. The copies on the VM are removed whatever happens.
 */
import { parseEndpointStatus } from '../../clients/etcd.js';
import { commandLine } from '../../clients/exec.js';
import type { PlatformCluster } from '../../spec/model.js';
import {
  type EtcdSnapshotRequest,
  type EtcdSnapshotResult,
  ProviderError,
  type ProviderContext,
} from '../types.js';
import type { MultipassClient } from './client.js';

/** kubeadm's local etcd member and the certificates it mounts into the etcd pod. */
export const KUBEADM_ETCD = {
  url: 'https://127.0.0.1:2379',
  cacert: '/etc/kubernetes/pki/etcd/ca.crt',
  cert: '/etc/kubernetes/pki/etcd/server.crt',
  key: '/etc/kubernetes/pki/etcd/server.key',
  /** The pod's data directory, a hostPath: what etcdctl writes there in the pod, the host has. */
  dataDir: '/var/lib/etcd',
} as const;

/** Multipass's default user, whose files `multipass transfer` can read. */
const VM_USER = 'ubuntu';
const EXEC_TIMEOUT_MS = 120_000;
const TRANSFER_TIMEOUT_MS = 600_000;

/** etcdctl as run inside the etcd pod, with kubeadm's certificates. */
export const ETCDCTL = [
  'etcdctl',
  `--endpoints=${KUBEADM_ETCD.url}`,
  `--cacert=${KUBEADM_ETCD.cacert}`,
  `--cert=${KUBEADM_ETCD.cert}`,
  `--key=${KUBEADM_ETCD.key}`,
  '--dial-timeout=5s',
  '--command-timeout=60s',
];

/** The control-plane node whose etcd member is snapshotted: the first of the spec. */
export function snapshotNode(cluster: PlatformCluster): string {
  const node = cluster.nodes.find((n) => n.role === 'control-plane');
  if (!node) throw new ProviderError(`cluster ${cluster.name} has no control-plane node`);
  return node.name;
}

/** The id of the kubeadm node's running etcd container (the static pod's), as crictl lists it. */
export const RUNNING_ETCD_CONTAINER = [
  'sudo',
  'crictl',
  'ps',
  '--name',
  '^etcd$',
  '--label',
  'io.kubernetes.pod.namespace=kube-system',
  '--state',
  'Running',
  '--quiet',
] as const;

export async function multipassEtcdSnapshot(
  client: MultipassClient,
  request: EtcdSnapshotRequest,
  context: ProviderContext,
): Promise<EtcdSnapshotResult> {
  const node = snapshotNode(request.cluster);
  const log = (message: string) => context.log({ cluster: request.cluster.name, message });
  const exec = (command: readonly string[]) =>
    client.exec(node, command, {
      timeoutMs: EXEC_TIMEOUT_MS,
      ...(context.signal ? { signal: context.signal } : {}),
    });

  const listing = await exec(RUNNING_ETCD_CONTAINER);
  const container = listing.stdout
    .split('\n')
    .map((l) => l.trim())
    .find(Boolean);
  if (!container)
    throw new ProviderError(`no running etcd container on ${node}`, {
      code: 'provider.etcd-not-running',
      hint: `look at it: multipass exec ${node} -- sudo crictl ps -a --name etcd`,
    });
  const inPod = [...ETCDCTL];
  const statusCommand = ['sudo', 'crictl', 'exec', container, ...inPod, 'endpoint', 'status', '-w', 'json'];
  const { stdout } = await exec(statusCommand);
  const status = parseEndpointStatus(
    stdout,
    commandLine('multipass', ['exec', node, '--', ...statusCommand]),
  );

  const name = `platformctl-etcd-snapshot-${process.pid}.db`;
  const onHost = `${KUBEADM_ETCD.dataDir}/${name}`;
  const forTransfer = `/home/${VM_USER}/${name}`;
  try {
    log(`etcd ${status.version} on ${node}: saving a snapshot`);
    await exec(['sudo', 'crictl', 'exec', container, ...inPod, 'snapshot', 'save', onHost]);
    const sum = await exec(['sudo', 'sha256sum', onHost]);
    const sha256 = /^([0-9a-f]{64})\s/.exec(sum.stdout)?.[1];
    if (!sha256)
      throw new ProviderError(`cannot read the checksum of ${onHost} on ${node}: ${sum.stdout.trim()}`, {
        code: 'provider.unexpected-output',
      });
    await exec(['sudo', 'install', '-m', '0600', '-o', VM_USER, '-g', VM_USER, onHost, forTransfer]);
    log(`copying the snapshot off ${node}`);
    await client.transfer(`${node}:${forTransfer}`, request.path, TRANSFER_TIMEOUT_MS, context.signal);
    return { node, endpoint: KUBEADM_ETCD.url, etcdVersion: status.version, sourceSha256: sha256 };
  } finally {
    // The snapshot holds every Secret of the cluster: no copy stays behind on the VM.
    await exec(['sudo', 'rm', '-f', onHost, forTransfer]).catch((error: unknown) =>
      log(
        `could not remove ${onHost} and ${forTransfer} on ${node}: ${(error as Error).message.split('\n')[0]}`,
      ),
    );
  }
}
