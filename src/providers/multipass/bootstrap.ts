/**
 * A cluster's kubeadm bootstrap on its Multipass VMs, every step through the Multipass client:
 *
 * 1. `kubeadm init` on the first control plane with the rendered InitConfiguration (written into
 *    the VM from stdin; cloud-init put the PSA admission file and kube-vip's manifest in place
 *    first), without printing its default token or a certificate key; then kube-vip is switched
 *    from super-admin.conf to admin.conf (kube-vip#684).
 * 2. The admin kubeconfig read from the VM, written to kubeconfigs/<cluster>.conf (0600) with the
 *    server at the cluster's VIP; kubeconfigs/platform.conf merges every cluster's.
 * 3. The nodes not registered yet join: further control planes one at a time (each adds an etcd
 *    member) with the certificates uploaded by `kubeadm init phase upload-certs`, then the
 *    workers at once. The bootstrap token (`kubeadm token create`, 30 min) and the certificate
 *    key exist in memory only: read from stdout, passed into each joining VM on stdin as 0600
 *    files (the discovery kubeconfig, the JoinConfiguration) that are removed after the join,
 *    redacted from every log line and error, and the token is deleted afterwards.
 *
 * Idempotent: a re-run asks the API which nodes are registered and joins only the others; an
 * initialised control plane is never initialised again.
 */
import { readFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { CommandError } from '../../clients/exec.js';
import type { ProjectLayout } from '../../project/layout.js';
import { API_PORT, DISCOVERY_KUBECONFIG } from '../../render/kubeadm.js';
import type { Platform, PlatformCluster, PlatformNode } from '../../spec/model.js';
import {
  type KubeconfigEntries,
  kubeconfigText,
  projectKubeconfigAccess,
  renamedKubeconfig,
  writeMergedKubeconfig,
} from '../shared/kubeconfig.js';
import { type NodeObject, type NodeView, nodeViews, waitingNodes } from '../shared/nodes.js';
import { writePrivateFile } from '../shared/private-files.js';
import { type BootstrapResult, ProviderError, type ProviderEvent } from '../types.js';
import type { MultipassClient } from './client.js';

/** Where platformctl puts kubeadm's configuration in a VM (root, 0600). */
export const CONFIG_DIR = '/etc/kubernetes/platformctl';
export const INIT_CONFIG = `${CONFIG_DIR}/init.yaml`;
export const JOIN_CONFIG = `${CONFIG_DIR}/join.yaml`;
const ADMIN_CONF = '/etc/kubernetes/admin.conf';
const SUPER_ADMIN_CONF = '/etc/kubernetes/super-admin.conf';
const KUBE_VIP_MANIFEST = '/etc/kubernetes/manifests/kube-vip.yaml';
/** kubeadm pulls the control-plane images during init: minutes on a slow line. */
const KUBEADM_TIMEOUT_MS = 10 * 60_000;
const SHORT_TIMEOUT_MS = 60_000;
/** An initialised control plane's API server after a restart of its VM. */
const API_WAIT_MS = 5 * 60_000;
const TOKEN_TTL = '30m';

export interface BootstrapInput {
  readonly client: MultipassClient;
  readonly platform: Platform;
  readonly cluster: PlatformCluster;
  readonly artifacts: ReadonlyMap<string, string>;
  readonly addresses: Readonly<Record<string, string>>;
  readonly layout: ProjectLayout;
  readonly log: (event: ProviderEvent) => void;
  readonly signal?: AbortSignal;
  /** For tests: the pause between API checks (default 5 s). */
  readonly pollMs?: number;
}

/** `kubectl get nodes` on the first control plane, through the VIP as admin.conf says. */
export const GET_NODES = ['sudo', 'kubectl', '--kubeconfig', ADMIN_CONF, 'get', 'nodes', '-o', 'json'];

/** The nodes the cluster's API knows, or undefined when it does not answer (not initialised, or down). */
export async function registeredNodes(
  client: MultipassClient,
  node: string,
  signal?: AbortSignal,
): Promise<NodeView[] | undefined> {
  try {
    const { stdout } = await client.exec(node, GET_NODES, {
      timeoutMs: SHORT_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    });
    return nodeViews((JSON.parse(stdout) as { items?: NodeObject[] }).items ?? []);
  } catch (error) {
    if (error instanceof CommandError && error.reason === 'exit') return undefined;
    throw error;
  }
}

function controlPlanes(cluster: PlatformCluster): PlatformNode[] {
  return cluster.nodes.filter((n) => n.role === 'control-plane').sort((a, b) => a.index - b.index);
}

function artifact(input: BootstrapInput, name: string): string {
  const path = `clusters/${input.cluster.name}/kubeadm/${name}`;
  const text = input.artifacts.get(path);
  if (text === undefined) throw new ProviderError(`${path} was not rendered`);
  return text;
}

/** A kubeadm failure: its output tail, and where to look next. */
function kubeadmFailed(what: string, node: string, error: CommandError, code: string, hint: string) {
  return new ProviderError(
    `${what} failed on ${node} (${error.exitCode === null ? error.reason : `exit ${error.exitCode}`}):\n${error.outputTail}`,
    { code, hint, cause: error },
  );
}

async function waitForApi(input: BootstrapInput, node: string): Promise<NodeView[]> {
  const deadline = Date.now() + API_WAIT_MS;
  for (;;) {
    const nodes = await registeredNodes(input.client, node, input.signal);
    if (nodes) return nodes;
    if (Date.now() > deadline)
      throw new ProviderError(
        `cluster ${input.cluster.name} was initialised on ${node}, but its API server does not answer at ${input.cluster.addresses.api}:${API_PORT}`,
        {
          code: 'provider.api-not-serving',
          hint: `multipass exec ${node} -- sudo crictl ps -a; multipass exec ${node} -- sudo journalctl -u kubelet --no-pager -n 50`,
        },
      );
    if (input.signal?.aborted) throw new ProviderError('cancelled', { kind: 'interrupted' });
    await new Promise((r) => setTimeout(r, input.pollMs ?? 5_000));
  }
}

async function initialise(input: BootstrapInput, first: PlatformNode): Promise<void> {
  const { client, cluster } = input;
  const signal = input.signal ? { signal: input.signal } : {};
  input.log({ cluster: cluster.name, message: `kubeadm init on ${first.name}` });
  await client.writeFile(first.name, INIT_CONFIG, artifact(input, 'init.yaml'), signal);
  try {
    await client.exec(
      first.name,
      [
        'sudo',
        'kubeadm',
        'init',
        '--config',
        INIT_CONFIG,
        '--skip-token-print',
        '--skip-certificate-key-print',
      ],
      { timeoutMs: KUBEADM_TIMEOUT_MS, ...signal },
    );
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    throw kubeadmFailed(
      'kubeadm init',
      first.name,
      error,
      'provider.kubeadm-init-failed',
      `the kubelet's log: multipass exec ${first.name} -- sudo journalctl -u kubelet --no-pager -n 100; to start this cluster over: multipass exec ${first.name} -- sudo kubeadm reset -f, then platformctl up`,
    );
  }
}

/**
 * The first control plane's kube-vip holds the VIP with super-admin.conf during init, because
 * admin.conf has no rights until init finishes (kube-vip#684); afterwards it moves to admin.conf.
 * The kubelet then recreates the static pod, and the VIP is gone meanwhile: wait for the mirror
 * pod with the new mount to be Ready before anything else uses the API.
 */
async function switchKubeVip(input: BootstrapInput, first: PlatformNode): Promise<boolean> {
  const { client } = input;
  const options = { timeoutMs: SHORT_TIMEOUT_MS, ...(input.signal ? { signal: input.signal } : {}) };
  const usesSuperAdmin = await client
    .exec(first.name, ['sudo', 'grep', '-q', SUPER_ADMIN_CONF, KUBE_VIP_MANIFEST], options)
    .then(
      () => true,
      (error: unknown) => {
        if (error instanceof CommandError && error.reason === 'exit') return false;
        throw error;
      },
    );
  if (!usesSuperAdmin) return false;
  input.log({
    cluster: input.cluster.name,
    message: `kube-vip on ${first.name}: super-admin.conf -> admin.conf`,
  });
  await client.exec(
    first.name,
    ['sudo', 'sed', '-i', `s#${SUPER_ADMIN_CONF}#${ADMIN_CONF}#`, KUBE_VIP_MANIFEST],
    options,
  );
  const pod = [
    'sudo',
    'kubectl',
    '--kubeconfig',
    ADMIN_CONF,
    '-n',
    'kube-system',
    'get',
    'pod',
    `kube-vip-${first.name}`,
    '-o',
    'json',
  ];
  const deadline = Date.now() + API_WAIT_MS;
  for (;;) {
    const live = await client
      .exec(first.name, pod, options)
      .then((r) => JSON.parse(r.stdout) as KubeVipPod)
      .catch((error: unknown) => {
        if (error instanceof CommandError && error.reason === 'exit') return undefined;
        throw error;
      });
    if (live && kubeVipSwitched(live)) return true;
    if (Date.now() > deadline)
      throw new ProviderError(`kube-vip on ${first.name} did not come back with admin.conf`, {
        code: 'provider.kube-vip-not-ready',
        hint: `multipass exec ${first.name} -- sudo crictl ps -a --name kube-vip`,
      });
    if (input.signal?.aborted) throw new ProviderError('cancelled', { kind: 'interrupted' });
    await new Promise((r) => setTimeout(r, input.pollMs ?? 5_000));
  }
}

interface KubeVipPod {
  readonly spec?: { readonly volumes?: ReadonlyArray<{ readonly hostPath?: { readonly path?: string } }> };
  readonly status?: {
    readonly conditions?: ReadonlyArray<{ readonly type: string; readonly status: string }>;
  };
}

/** The mirror pod mounts admin.conf and is Ready. */
export function kubeVipSwitched(pod: KubeVipPod): boolean {
  const mounts = (pod.spec?.volumes ?? []).map((v) => v.hostPath?.path);
  return (
    mounts.includes(ADMIN_CONF) &&
    !mounts.includes(SUPER_ADMIN_CONF) &&
    Boolean(pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
  );
}

/** admin.conf as platformctl's <cluster>.conf: entries named after the cluster, the server at the VIP. */
export function clusterKubeconfig(adminConf: string, cluster: PlatformCluster): KubeconfigEntries {
  const entries = renamedKubeconfig(adminConf, cluster.name);
  return {
    ...entries,
    clusters: entries.clusters.map((c) => ({
      name: c.name,
      cluster: { ...c.cluster, server: `https://${cluster.addresses.api}:${API_PORT}` },
    })),
  };
}

/** The discovery kubeconfig of rendered join configurations: the cluster's CA, the VIP, the bootstrap token. */
function discoveryKubeconfig(cluster: PlatformCluster, caData: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster.name,
        cluster: {
          server: `https://${cluster.addresses.api}:${API_PORT}`,
          'certificate-authority-data': caData,
        },
      },
    ],
    users: [{ name: 'tls-bootstrap-token-user', user: { token } }],
    contexts: [
      { name: 'tls-bootstrap', context: { cluster: cluster.name, user: 'tls-bootstrap-token-user' } },
    ],
    'current-context': 'tls-bootstrap',
  });
}

/** The rendered JoinConfiguration for this node: its name, and for a control plane the certificate key. */
function joinConfiguration(rendered: string, node: PlatformNode, certificateKey?: string): string {
  const config = parse(rendered) as {
    nodeRegistration?: Record<string, unknown>;
    controlPlane?: Record<string, unknown>;
  };
  config.nodeRegistration = { ...config.nodeRegistration, name: node.name };
  if (certificateKey !== undefined) config.controlPlane = { ...config.controlPlane, certificateKey };
  return stringify(config);
}

interface JoinMaterial {
  readonly token: string;
  readonly certificateKey?: string;
  readonly caData: string;
}

async function join(input: BootstrapInput, node: PlatformNode, material: JoinMaterial): Promise<void> {
  const { client, cluster } = input;
  const controlPlane = node.role === 'control-plane';
  const secrets = [material.token, ...(material.certificateKey ? [material.certificateKey] : [])];
  const options = { secrets, ...(input.signal ? { signal: input.signal } : {}) };
  input.log({
    cluster: cluster.name,
    message: `kubeadm join ${node.name}${controlPlane ? ' as a control plane' : ''}`,
  });
  try {
    await client.writeFile(
      node.name,
      DISCOVERY_KUBECONFIG,
      discoveryKubeconfig(cluster, material.caData, material.token),
      options,
    );
    await client.writeFile(
      node.name,
      JOIN_CONFIG,
      joinConfiguration(
        artifact(input, controlPlane ? 'join-control-plane.yaml' : 'join.yaml'),
        node,
        controlPlane ? material.certificateKey : undefined,
      ),
      options,
    );
    await client.exec(node.name, ['sudo', 'kubeadm', 'join', '--config', JOIN_CONFIG], {
      timeoutMs: KUBEADM_TIMEOUT_MS,
      ...options,
    });
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    throw kubeadmFailed(
      'kubeadm join',
      node.name,
      error,
      'provider.kubeadm-join-failed',
      `the kubelet's log: multipass exec ${node.name} -- sudo journalctl -u kubelet --no-pager -n 100; to let it join again: multipass exec ${node.name} -- sudo kubeadm reset -f, then platformctl up`,
    );
  } finally {
    // The token and the key are needed for this join only.
    await client
      .exec(node.name, ['sudo', 'rm', '-f', DISCOVERY_KUBECONFIG, JOIN_CONFIG], {
        timeoutMs: SHORT_TIMEOUT_MS,
        secrets,
      })
      .catch((error: unknown) =>
        input.log({
          cluster: cluster.name,
          message: `could not remove the join files on ${node.name}: ${(error as Error).message}`,
        }),
      );
  }
}

/** `kubeadm token create` prints the new token alone on stdout. */
export function parseToken(stdout: string): string {
  const token = stdout.match(/^([a-z0-9]{6}\.[a-z0-9]{16})$/m)?.[1];
  if (!token) throw new ProviderError('kubeadm token create printed no bootstrap token');
  return token;
}

/** `kubeadm init phase upload-certs --upload-certs` prints the key on the line after "Using certificate key:". */
export function parseCertificateKey(stdout: string): string {
  const key = stdout.match(/Using certificate key:\s*\n([a-f0-9]{64})\s*$/m)?.[1];
  if (!key) throw new ProviderError('kubeadm init phase upload-certs printed no certificate key');
  return key;
}

async function joinMaterial(
  input: BootstrapInput,
  first: PlatformNode,
  caData: string,
  withCertificates: boolean,
): Promise<JoinMaterial> {
  const { client } = input;
  const signal = input.signal ? { signal: input.signal } : {};
  const token = parseToken(
    (
      await client.exec(
        first.name,
        ['sudo', 'kubeadm', 'token', 'create', '--ttl', TOKEN_TTL, '--kubeconfig', ADMIN_CONF],
        { timeoutMs: SHORT_TIMEOUT_MS, ...signal },
      )
    ).stdout,
  );
  if (!withCertificates) return { token, caData };
  const certificateKey = parseCertificateKey(
    (
      await client.exec(
        first.name,
        ['sudo', 'kubeadm', 'init', 'phase', 'upload-certs', '--upload-certs', '--config', INIT_CONFIG],
        { timeoutMs: SHORT_TIMEOUT_MS, secrets: [token], ...signal },
      )
    ).stdout,
  );
  return { token, certificateKey, caData };
}

export async function bootstrapCluster(input: BootstrapInput): Promise<BootstrapResult> {
  const { client, cluster, platform, layout } = input;
  const signal = input.signal ? { signal: input.signal } : {};
  const [first, ...otherControlPlanes] = controlPlanes(cluster);
  if (!first) throw new ProviderError(`cluster ${cluster.name} has no control plane`);
  let changed = false;
  let initialisedNow = false;

  let nodes = await registeredNodes(client, first.name, input.signal);
  if (!nodes) {
    const initialised = await client
      .exec(first.name, ['sudo', 'test', '-f', ADMIN_CONF], { timeoutMs: SHORT_TIMEOUT_MS, ...signal })
      .then(
        () => true,
        (error: unknown) => {
          if (error instanceof CommandError && error.reason === 'exit') return false;
          throw error;
        },
      );
    if (initialised)
      input.log({
        cluster: cluster.name,
        message: `waiting for the API server initialised on ${first.name}`,
      });
    else {
      await initialise(input, first);
      changed = initialisedNow = true;
    }
    nodes = await waitForApi(input, first.name);
  }

  const adminConf = (
    await client.exec(first.name, ['sudo', 'cat', ADMIN_CONF], { timeoutMs: SHORT_TIMEOUT_MS, ...signal })
  ).stdout;
  const entries = clusterKubeconfig(adminConf, cluster);
  const access = projectKubeconfigAccess(cluster, { layout });
  const text = kubeconfigText(entries, cluster.name);
  if ((await readFile(access.kubeconfig, 'utf8').catch(() => undefined)) !== text) {
    await writePrivateFile(access.kubeconfig, text);
    changed = true;
  }

  const registered = new Set(nodes.map((n) => n.name));
  const joiningControlPlanes = otherControlPlanes.filter((n) => !registered.has(n.name));
  const joiningWorkers = cluster.nodes.filter((n) => n.role === 'worker' && !registered.has(n.name));
  if (joiningControlPlanes.length + joiningWorkers.length > 0) {
    const caData = entries.clusters[0]?.cluster['certificate-authority-data'];
    if (typeof caData !== 'string')
      throw new ProviderError(`${ADMIN_CONF} on ${first.name} holds no certificate-authority-data`);
    const material = await joinMaterial(input, first, caData, joiningControlPlanes.length > 0);
    try {
      // One at a time: each control plane adds an etcd member, and etcd takes one change at a time.
      for (const node of joiningControlPlanes) await join(input, node, material);
      // Every worker's join ends before the token goes; the first failure is the step's.
      const results = await Promise.allSettled(joiningWorkers.map((node) => join(input, node, material)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      // The token's id is its public half; the secret half never leaves memory.
      const id = material.token.split('.')[0]!;
      await client
        .exec(first.name, ['sudo', 'kubeadm', 'token', 'delete', id, '--kubeconfig', ADMIN_CONF], {
          timeoutMs: SHORT_TIMEOUT_MS,
          secrets: [material.token],
        })
        .catch(() =>
          input.log({ cluster: cluster.name, message: `token ${id} is left to expire in ${TOKEN_TTL}` }),
        );
    }
    changed = true;
  }
  if (await switchKubeVip(input, first)) changed = true;
  const joined = joiningControlPlanes.length + joiningWorkers.length;
  // Nodes known Ready only when none joined just now and the API said so (a re-run after the CNI).
  const allReady = joined === 0 && waitingNodes(cluster, nodes).length === 0;
  const state = allReady
    ? `${cluster.nodes.length} node(s) Ready`
    : `${cluster.nodes.length} node(s) registered (Ready once the CNI runs)`;
  input.log({ cluster: cluster.name, message: allReady ? state : `all ${state}` });

  await writeMergedKubeconfig(
    layout.mergedKubeconfig,
    platform.clusters.map((c) => layout.kubeconfig(c.name)),
    platform.managementCluster,
  );
  const detail = [
    ...(initialisedNow ? [`kubeadm init on ${first.name}`] : []),
    ...(joined > 0 ? [`${joined} node(s) joined`] : []),
    state,
  ].join(', ');
  return { access, changed, addresses: input.addresses, detail };
}
