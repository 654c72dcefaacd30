/**
 * An etcd restore of a kubeadm cluster on Multipass VMs, on its first control plane (the node
 * `backup` takes snapshots on). kubeadm nodes have no etcdutl on the host (seed correction 27),
 * but the etcd image has: the snapshot is copied onto the node into etcd's hostPath
 * (/var/lib/etcd) and restored there by etcdutl inside the running etcd container, into a new
 * directory beside the live data, which it does not touch. Only then are the static pod manifests
 * of etcd and the API server moved away (and their containers waited for until gone), the data
 * directory swapped (the old one kept as /var/lib/etcd.before-restore-<id>), and the manifests
 * moved back, waiting for the API server and the nodes Ready. Every step is idempotent, and undone
 * in reverse when a later one fails.
 * TODO(#13): clusters with several control planes (every member restored, each with its own
 * name and peer URL, the others' data directories removed); only the first member is restored.
 */
import { parseAllDocuments } from 'yaml';
import { parseEndpointStatus, snapshotRestoreArgs } from '../../clients/etcd.js';
import { commandLine } from '../../clients/exec.js';
import {
  type EtcdRestoreProcedure,
  type EtcdRestoreRequest,
  ProviderError,
  type ProviderContext,
} from '../types.js';
import type { MultipassClient } from './client.js';
import { ETCDCTL, KUBEADM_ETCD, RUNNING_ETCD_CONTAINER, snapshotNode } from './etcd-snapshot.js';

const VM_USER = 'ubuntu';
const MANIFESTS = '/etc/kubernetes/manifests';
const ADMIN_KUBECONFIG = '/etc/kubernetes/admin.conf';
const EXEC_TIMEOUT_MS = 120_000;
const TRANSFER_TIMEOUT_MS = 600_000;
const WAIT_TIMEOUT_MS = 180_000;

/** etcd's flags in kubeadm's static pod manifest: the member the restore recreates. */
export function kubeadmEtcdMember(
  manifestText: string,
): { name: string; initialCluster: string; peerUrl: string; dataDir: string } | undefined {
  for (const doc of parseAllDocuments(manifestText)) {
    const pod = doc.toJS() as { spec?: { containers?: Array<{ name?: string; command?: unknown }> } } | null;
    const container = pod?.spec?.containers?.find((c) => c.name === 'etcd');
    if (!container || !Array.isArray(container.command)) continue;
    const flags = new Map<string, string>();
    for (const arg of container.command)
      if (typeof arg === 'string') {
        const match = /^--([a-z-]+)=(.*)$/.exec(arg);
        if (match) flags.set(match[1]!, match[2]!);
      }
    const name = flags.get('name');
    const initialCluster = flags.get('initial-cluster');
    const peerUrl = flags.get('initial-advertise-peer-urls');
    const dataDir = flags.get('data-dir');
    if (name && initialCluster && peerUrl && dataDir) return { name, initialCluster, peerUrl, dataDir };
  }
  return undefined;
}

export interface MultipassRestoreOptions {
  /** Between polls of the containers and the API (tests: 0). */
  readonly pollMs?: number;
}

export function multipassEtcdRestore(
  client: MultipassClient,
  request: EtcdRestoreRequest,
  options: MultipassRestoreOptions = {},
): EtcdRestoreProcedure {
  const node = snapshotNode(request.cluster);
  const dataDir = KUBEADM_ETCD.dataDir;
  const id = request.restoreId;
  const file = `platformctl-restore-${id}.db`;
  const onNode = `${dataDir}/${file}`;
  const forTransfer = `/home/${VM_USER}/${file}`;
  // Inside the live data directory, the pod's hostPath: where etcdutl in the pod can write.
  const restored = `${dataDir}/platformctl-restore-${id}`;
  const keptDir = `${dataDir}.before-restore-${id}`;
  const parked = `/etc/kubernetes/platformctl-restore-${id}`;
  const pollMs = options.pollMs ?? 2_000;
  const exec = (command: readonly string[], context: ProviderContext) =>
    client.exec(node, command, {
      timeoutMs: EXEC_TIMEOUT_MS,
      ...(context.signal ? { signal: context.signal } : {}),
    });
  const etcdContainer = async (context: ProviderContext) => {
    const listing = await exec(RUNNING_ETCD_CONTAINER, context);
    return listing.stdout
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean);
  };
  /** Polls `check` until it says done, or fails naming what it waited for. */
  const waitFor = async (what: string, check: () => Promise<boolean>) => {
    const deadline = Date.now() + WAIT_TIMEOUT_MS;
    for (;;) {
      if (await check()) return;
      if (Date.now() > deadline)
        throw new ProviderError(`${node}: ${what} after ${WAIT_TIMEOUT_MS / 1000}s`, {
          code: 'provider.restore-timeout',
        });
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
  const controlPlaneGone = (context: ProviderContext) =>
    waitFor('etcd and the API server still run', async () => {
      const { stdout } = await exec(
        [
          'sudo',
          'crictl',
          'ps',
          '--name',
          '^(etcd|kube-apiserver)$',
          '--label',
          'io.kubernetes.pod.namespace=kube-system',
          '--quiet',
        ],
        context,
      );
      return stdout.trim() === '';
    });
  /** The manifests away, the containers gone. */
  const stop = async (context: ProviderContext) => {
    await exec(['sudo', 'mkdir', '-p', '-m', '0700', parked], context);
    await exec(
      [
        'sudo',
        'find',
        MANIFESTS,
        '-maxdepth',
        '1',
        '(',
        '-name',
        'etcd.yaml',
        '-o',
        '-name',
        'kube-apiserver.yaml',
        ')',
        '-exec',
        'mv',
        '-t',
        parked,
        '{}',
        '+',
      ],
      context,
    );
    await controlPlaneGone(context);
    return `static pod manifests of etcd and kube-apiserver moved to ${parked}; their containers are gone`;
  };
  /** The manifests back, the API answering, every node Ready. */
  const start = async (context: ProviderContext) => {
    await exec(
      [
        'sudo',
        'find',
        parked,
        '-maxdepth',
        '1',
        '-name',
        '*.yaml',
        '-exec',
        'mv',
        '-t',
        MANIFESTS,
        '{}',
        '+',
      ],
      context,
    );
    await waitFor('the API server does not answer', () =>
      exec(['sudo', 'kubectl', `--kubeconfig=${ADMIN_KUBECONFIG}`, 'get', '--raw=/readyz'], context).then(
        (r) => r.stdout.trim() === 'ok',
        () => false,
      ),
    );
    await exec(
      [
        'sudo',
        'kubectl',
        `--kubeconfig=${ADMIN_KUBECONFIG}`,
        'wait',
        '--for=condition=Ready',
        'node',
        '--all',
        '--timeout=180s',
      ],
      context,
    );
    return 'manifests back; the API answers and every node is Ready';
  };
  return {
    dataDir,
    keptDir,
    liveRevision: async (context) => {
      const container = await etcdContainer(context);
      if (!container) return undefined;
      const command = ['sudo', 'crictl', 'exec', container, ...ETCDCTL, 'endpoint', 'status', '-w', 'json'];
      const { stdout } = await exec(command, context);
      return parseEndpointStatus(stdout, commandLine('multipass', ['exec', node, '--', ...command])).revision;
    },
    steps: [
      {
        id: 'upload',
        title: `copy the snapshot onto ${node}`,
        run: async (context) => {
          await client.transfer(
            request.snapshot,
            `${node}:${forTransfer}`,
            TRANSFER_TIMEOUT_MS,
            context.signal,
          );
          await exec(
            ['sudo', 'install', '-m', '0600', '-o', 'root', '-g', 'root', forTransfer, onNode],
            context,
          );
          await exec(['sudo', 'rm', '-f', forTransfer], context);
          const sum = await exec(['sudo', 'sha256sum', onNode], context);
          const sha256 = /^([0-9a-f]{64})\s/.exec(sum.stdout)?.[1];
          if (request.snapshotSha256 && sha256 !== request.snapshotSha256)
            throw new ProviderError(
              `the copy on ${node} has SHA-256 ${sha256 ?? '?'}, the snapshot ${request.snapshotSha256}`,
              { code: 'provider.restore-copy-damaged' },
            );
          return `${onNode} (SHA-256 checked)`;
        },
        undo: async (context) => {
          // The snapshot holds every Secret of the cluster: no copy stays behind on the VM.
          await exec(['sudo', 'rm', '-f', onNode, forTransfer], context);
        },
      },
      {
        id: 'restore',
        title: 'restore the snapshot into a new data directory (etcdutl in the etcd pod)',
        run: async (context) => {
          const manifest = await exec(['sudo', 'cat', `${MANIFESTS}/etcd.yaml`], context);
          const member = kubeadmEtcdMember(manifest.stdout);
          if (!member)
            throw new ProviderError(`${MANIFESTS}/etcd.yaml on ${node} does not say how etcd runs`, {
              code: 'provider.etcd-unknown',
            });
          const container = await etcdContainer(context);
          if (!container)
            throw new ProviderError(`no running etcd container on ${node}`, {
              code: 'provider.etcd-not-running',
            });
          await exec(['sudo', 'rm', '-rf', restored], context);
          await exec(
            [
              'sudo',
              'crictl',
              'exec',
              container,
              'etcdutl',
              ...snapshotRestoreArgs(onNode, {
                dataDir: restored,
                name: member.name,
                initialCluster: member.initialCluster,
                initialAdvertisePeerUrls: member.peerUrl,
                bumpRevision: request.bumpRevision,
              }),
            ],
            context,
          );
          return `${restored} (revision bumped by ${request.bumpRevision}, old revisions compacted)`;
        },
        undo: async (context) => {
          await exec(['sudo', 'rm', '-rf', restored, `${keptDir}/platformctl-restore-${id}`], context);
        },
      },
      {
        id: 'stop',
        title: 'stop the API server and etcd (static pod manifests moved away)',
        run: stop,
        undo: start,
      },
      {
        id: 'swap',
        title: 'swap the restored data directory in, keeping the old one',
        run: async (context) => {
          await exec(
            [
              'sudo',
              'sh',
              '-c',
              `set -e; [ -d ${keptDir} ] || mv ${dataDir} ${keptDir}; ` +
                `if [ -d ${keptDir}/platformctl-restore-${id} ]; then mv ${keptDir}/platformctl-restore-${id} ${dataDir}; fi; ` +
                `rm -f ${keptDir}/${file}; test -d ${dataDir}/member`,
            ],
            context,
          );
          return `${dataDir} is the restored one; the old one is ${keptDir}`;
        },
        undo: async (context) => {
          await exec(
            [
              'sudo',
              'sh',
              '-c',
              `set -e; if [ -d ${keptDir} ]; then rm -rf ${dataDir}; mv ${keptDir} ${dataDir}; fi`,
            ],
            context,
          );
          return `${dataDir} is the old one again`;
        },
      },
      {
        id: 'start',
        title: 'start the API server and etcd again (manifests back), wait for the API and nodes',
        run: start,
        undo: stop,
      },
    ],
  };
}
