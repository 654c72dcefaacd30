/**
 * The kwok provider: one kwok cluster per spec cluster, with real etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler from the harness build (or PATH), and simulated
 * nodes named and labelled as the spec says. Bound to 127.0.0.1 only; nothing is downloaded.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, connect, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { CommandRunner } from '../../clients/exec.js';
import { KubeClient } from '../../clients/kube.js';
import type { VaultEndpoint } from '../../clients/vault.js';
import type { KubeObject } from '../../kube/objects.js';
import type { ProjectLayout } from '../../project/layout.js';
import type { Platform, PlatformCluster, PlatformNode } from '../../spec/model.js';
import { findBinaries } from '../../clients/binaries.js';
import type { PlatformctlError } from '../../errors.js';
import { selfSignedCertificate } from '../../util/certificates.js';
import {
  kubeconfigText,
  projectKubeconfigAccess,
  renamedKubeconfig,
  writeMergedKubeconfig,
} from '../shared/kubeconfig.js';
import {
  listNodes,
  NODE_MONITOR_GRACE_MS,
  registeredAddresses,
  waitForNodesReady,
  waitingNodes,
} from '../shared/nodes.js';
import { tightenTree, writePrivateFile } from '../shared/private-files.js';
import { runningProcess, startRecorded, stopRecorded } from '../shared/processes.js';
import { PROVIDER_TRAITS } from '../traits.js';
import type {
  BootstrapResult,
  ClusterAccess,
  ClusterProvider,
  ClusterRequest,
  DownTarget,
  EtcdRestoreRequest,
  NodeRequest,
  ObservedCluster,
  PreflightCheck,
  PostRenderer,
  PreflightContext,
  ProviderContext,
  ProviderDeps,
  ProvisionResult,
} from '../types.js';
import { ProviderError } from '../types.js';
import { kwokEtcdDataLoss, kwokEtcdRestore, type KwokRestoreDeps } from './etcd-restore.js';
import { PortHold, recordedPorts } from './port-hold.js';
import { kwokEtcdSnapshot, readClusterRecord } from './etcd-snapshot.js';
import { hostedBinaries, KwokHostControllers } from './host-controllers.js';
import { SimulatedVault } from './vault.js';

const BINARIES = [
  'kwokctl',
  'kwok',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'etcd',
  'kubectl',
] as const;
const CREATE_TIMEOUT_MS = 180_000;
const NODES_READY_TIMEOUT_MS = 60_000;
/** The annotation kwok's examples put on the Nodes it simulates. */
const KWOK_MANAGED_ANNOTATION = 'kwok.x-k8s.io/node';
/** The label that has kwok keep a Node alive (its heartbeats and lease). */
export const KWOK_MANAGED_LABEL = 'kwok.x-k8s.io/node';
const KWOK_MANAGED = `${KWOK_MANAGED_LABEL}=fake`;
const NODE_LEASE_SECONDS = 40;

export interface KwokPaths {
  /** One KWOK_WORKDIR per cluster: kwokctl keeps a CA per workdir, and parallel creates in one workdir race on it. */
  readonly workdirOf: (cluster: string) => string;
  readonly workdir: string;
  /** SIMULATION: Vault runs on the host (kwok runs no containers), plain HTTP on loopback. */
  readonly vaultDir: string;
  /** One simulation process per cluster, so each cluster's bootstrap step starts its own. */
  readonly simulatorPidOf: (cluster: string) => string;
  readonly simulatorConfigOf: (cluster: string) => string;
  /** Where kwokctl writes a kubeconfig we do not use (it would otherwise edit ~/.kube/config). */
  readonly scratchKubeconfigOf: (cluster: string) => string;
  /** The cluster's admission stand-in: its port, certificate and key (0600). */
  readonly admissionOf: (cluster: string) => string;
}

export function kwokPaths(layout: ProjectLayout): KwokPaths {
  const workdir = layout.providerDir('kwok');
  return {
    workdir,
    workdirOf: (cluster) => join(workdir, cluster),
    vaultDir: join(workdir, 'vault'),
    simulatorPidOf: (cluster) => join(workdir, cluster, 'simulator.pid'),
    simulatorConfigOf: (cluster) => join(workdir, cluster, 'simulator.json'),
    scratchKubeconfigOf: (cluster) => join(workdir, cluster, 'kwokctl-kubeconfig'),
    admissionOf: (cluster) => join(workdir, cluster, 'admission.json'),
  };
}

/** The simulated Node of a spec node: kubeadm's labels and control-plane taint, the spec's size. */
export function nodeObject(cluster: PlatformCluster, node: PlatformNode): KubeObject {
  const controlPlane = node.role === 'control-plane';
  const capacity = {
    cpu: String(node.cpus),
    memory: `${Math.round(node.memoryGiB * 1024)}Mi`,
    pods: '110',
    'ephemeral-storage': `${node.diskGiB}Gi`,
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      annotations: { [KWOK_MANAGED_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...(controlPlane
          ? {
              'node-role.kubernetes.io/control-plane': '',
              'node.kubernetes.io/exclude-from-external-load-balancers': '',
            }
          : { 'node-role.kubernetes.io/worker': '' }),
        [KWOK_MANAGED_LABEL]: 'fake',
        'platformctl.dev/cluster': cluster.name,
        'platformctl.dev/role': cluster.role,
        type: 'kwok',
      },
    },
    spec: controlPlane
      ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }
      : {},
    status: { capacity, allocatable: capacity },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A script of this folder that runs in its own process, as JavaScript: beside this module in the
 * build, or in dist/ when this module runs from the TypeScript sources (tests).
 */
function builtScript(name: string): string {
  const beside = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  if (existsSync(beside)) return beside;
  const built = fileURLToPath(new URL(`../../../dist/providers/kwok/${name}.js`, import.meta.url));
  if (existsSync(built)) return built;
  throw new ProviderError(`${name}.js is not built: run \`npm run build\``, {
    code: 'provider.not-built',
    kind: 'environment',
  });
}

interface AdmissionRecord {
  readonly port: number;
  readonly certificate: string;
  readonly key: string;
}

/** Waits until something accepts connections on 127.0.0.1:port. */
async function waitForListener(port: number, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new ProviderError(
        `the simulation's admission stand-in did not listen on 127.0.0.1:${port}; see ${logFile}`,
        {
          code: 'provider.simulation-not-listening',
        },
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class KwokProvider implements ClusterProvider {
  readonly traits = PROVIDER_TRAITS.kwok;

  async preflight(platform: Platform, context: PreflightContext): Promise<PreflightCheck[]> {
    // The simulated Vault and the host controllers run from the harness's binaries too.
    const wanted: readonly string[] = [
      ...BINARIES,
      ...(platform.clusters.some((c) => c.addons.includes('vault')) ? ['vault'] : []),
      ...new Set(hostedBinaries(platform.clusters.flatMap((c) => c.addons))),
    ];
    return wanted.map((name): PreflightCheck => {
      try {
        const found: Record<string, string> = findBinaries([name], {
          env: this.#env,
          projectDir: context.layout.root,
        });
        return { id: `binary.${name}`, status: 'pass', detail: found[name] ?? name };
      } catch (error) {
        return {
          id: `binary.${name}`,
          status: 'fail',
          detail: `${name} not found`,
          fix: (error as PlatformctlError).hint ?? 'run `npm run harness`',
        };
      }
    });
  }
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #runner: CommandRunner;
  readonly #ports = new PortHold();

  readonly #vault: SimulatedVault;
  /** SIMULATION: the controllers kwok's pods cannot run (host-controllers.ts). */
  readonly hostControllers: KwokHostControllers;

  constructor(deps: ProviderDeps) {
    this.#env = deps.env;
    this.#runner = deps.runner;
    this.#vault = new SimulatedVault(deps, (layout) => kwokPaths(layout).vaultDir);
    this.hostControllers = new KwokHostControllers({
      ...deps,
      workdirOf: (layout, cluster) => kwokPaths(layout).workdirOf(cluster),
    });
  }

  private binaries(layout: ProjectLayout) {
    return findBinaries(BINARIES, { env: this.#env, projectDir: layout.root });
  }

  private async kwokctl(
    layout: ProjectLayout,
    cluster: string,
    args: string[],
    context: Pick<ProviderContext, 'signal'>,
    timeoutMs = 60_000,
  ): Promise<string> {
    const bin = this.binaries(layout);
    const workdir = kwokPaths(layout).workdirOf(cluster);
    await mkdir(workdir, { recursive: true, mode: 0o700 });
    const lifecycle = args[1] === 'cluster' ? args[0] : undefined;
    // A stopped cluster's ports are held until it starts again (port-hold.ts says why).
    if (lifecycle === 'start' || lifecycle === 'delete') await this.#ports.release(workdir);
    const { stdout } = await this.#runner.run(bin.kwokctl, ['--name', cluster, ...args], {
      env: { KWOK_WORKDIR: workdir, PATH: `${join(bin.kubectl, '..')}:${this.#env.PATH ?? ''}` },
      timeoutMs,
      ...(context.signal ? { signal: context.signal } : {}),
    });
    if (lifecycle === 'stop') {
      const record = await readClusterRecord(workdir, cluster).catch(() => undefined);
      if (record) await this.#ports.hold(workdir, recordedPorts(record.record));
    }
    return stdout;
  }

  access(
    platform: Platform,
    cluster: PlatformCluster,
    context: Pick<ProviderContext, 'layout'>,
  ): ClusterAccess {
    void platform;
    return projectKubeconfigAccess(cluster, context);
  }

  /** Whether the cluster's workdir holds a kwok cluster of that name. */
  private async exists(layout: ProjectLayout, cluster: string, context: ProviderContext): Promise<boolean> {
    const out = await this.kwokctl(layout, cluster, ['get', 'clusters'], context);
    return out.split('\n').some((line) => line.trim() === cluster);
  }

  /** A client for the cluster straight from kwokctl, whether or not bootstrap wrote its kubeconfig. */
  private async directClient(layout: ProjectLayout, cluster: string, context: ProviderContext) {
    const text = await this.kwokctl(layout, cluster, ['get', 'kubeconfig'], context);
    return KubeClient.fromText(text);
  }

  /** Whether the cluster's API server answers. */
  private async answers(layout: ProjectLayout, cluster: string, context: ProviderContext): Promise<boolean> {
    try {
      await (await this.directClient(layout, cluster, context)).get('/version');
      return true;
    } catch {
      return false;
    }
  }

  private async kubeVersion(apiserver: string): Promise<string> {
    const { stdout } = await this.#runner.run(apiserver, ['--version']);
    const match = /v\d+\.\d+\.\d+/.exec(stdout);
    if (!match) throw new ProviderError(`cannot read the version of ${apiserver}: ${stdout.trim()}`);
    return match[0];
  }

  private async clusterConfig(layout: ProjectLayout, cluster: PlatformCluster): Promise<string> {
    const bin = this.binaries(layout);
    const config = {
      kind: 'KwokctlConfiguration',
      apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
      options: {
        runtime: 'binary',
        bindAddress: '127.0.0.1',
        kubeVersion: await this.kubeVersion(bin['kube-apiserver']),
        kubeApiserverBinary: bin['kube-apiserver'],
        kubeControllerManagerBinary: bin['kube-controller-manager'],
        kubeSchedulerBinary: bin['kube-scheduler'],
        kwokControllerBinary: bin.kwok,
        etcdBinary: bin.etcd,
        kubectlBinary: bin.kubectl,
        // A node's heartbeats as a kubeadm cluster has them (kubelet: a 40s lease, status every
        // 10s; kube-controller-manager: checked every 5s, NotReady after 50s, the Kubernetes
        // 1.32+ defaults), not kwokctl's 200s made for thousands of nodes: a node that stops
        // heartbeating (`drill node-loss`) is NotReady within a minute, as it would be for real.
        // kwokctl multiplies every heartbeat setting by this (5 unless told).
        heartbeatFactor: 1,
        nodeLeaseDurationSeconds: NODE_LEASE_SECONDS,
        nodeStatusUpdateFrequencyMilliseconds: 10_000,
        kubeControllerManagerNodeMonitorPeriodMilliseconds: 5_000,
        kubeControllerManagerNodeMonitorGracePeriodMilliseconds: NODE_MONITOR_GRACE_MS,
      },
      // The spec's service network, so ClusterIPs look as they will on the real cluster.
      componentsPatches: [
        {
          name: 'kube-apiserver',
          extraArgs: [{ key: 'service-cluster-ip-range', value: cluster.serviceCIDR.text }],
        },
        {
          name: 'kube-controller-manager',
          extraArgs: [{ key: 'service-cluster-ip-range', value: cluster.serviceCIDR.text }],
        },
        // The simulated kubelets are kwok's controller, on loopback: each Node's InternalIP says
        // so (kwokctl passes an empty node IP, which leaves Nodes without one).
        // kwok keeps only the Nodes labelled kwok.x-k8s.io/node=fake (all of the spec's are,
        // nodeObject) alive, instead of every Node: taking the label off one stops its lease and
        // status heartbeats (`drill node-loss`, stopNode). A label, not kwok's annotation
        // selector: kwok 0.8 filters labels in its watch, so a Node that loses the label leaves
        // it; one that loses the annotation was seen to keep its lease renewed.
        {
          name: 'kwok-controller',
          extraArgs: [
            { key: 'node-ip', value: '127.0.0.1', override: true },
            { key: 'manage-all-nodes', value: 'false', override: true },
            { key: 'manage-nodes-with-label-selector', value: KWOK_MANAGED },
          ],
        },
      ],
    };
    const path = join(kwokPaths(layout).workdirOf(cluster.name), 'kwokctl.yaml');
    await writeFile(path, stringify(config), { mode: 0o600 });
    return path;
  }

  private async create(layout: ProjectLayout, cluster: PlatformCluster, context: ProviderContext) {
    context.log({ cluster: cluster.name, message: 'creating kwok cluster' });
    const config = await this.clusterConfig(layout, cluster);
    await this.kwokctl(
      layout,
      cluster.name,
      [
        '-c',
        config,
        'create',
        'cluster',
        '--wait',
        '2m',
        '--kubeconfig',
        kwokPaths(layout).scratchKubeconfigOf(cluster.name),
      ],
      context,
      CREATE_TIMEOUT_MS,
    );
    await tightenTree(kwokPaths(layout).workdirOf(cluster.name));
  }

  /**
   * Creates the kwok cluster when it does not exist, and repairs one that exists but does not
   * serve (an interrupted create, a killed API server, a host reboot): `kwokctl start`, else
   * delete and create. Callers must not run two at once (ports).
   */
  async provision(request: ClusterRequest, context: ProviderContext): Promise<ProvisionResult> {
    const { cluster } = request;
    const layout = context.layout;
    // No node exists before bootstrap registers them: bootstrap records their addresses.
    const simulated = {};
    this.binaries(layout); // fail early, naming every missing binary
    if (!(await this.exists(layout, cluster.name, context))) {
      await this.create(layout, cluster, context);
      return { created: true, addresses: simulated };
    }
    if (await this.answers(layout, cluster.name, context)) {
      context.log({ cluster: cluster.name, message: 'kwok cluster exists and serves' });
      return { created: false, addresses: simulated };
    }
    context.log({ cluster: cluster.name, message: 'kwok cluster exists but does not answer: starting it' });
    const started = await this.kwokctl(
      layout,
      cluster.name,
      ['start', 'cluster', '--wait', '1m'],
      context,
      CREATE_TIMEOUT_MS,
    )
      .then(() => this.answers(layout, cluster.name, context))
      .catch(() => false);
    if (started) {
      await tightenTree(kwokPaths(layout).workdirOf(cluster.name));
      return { created: false, repaired: 'restarted', addresses: simulated };
    }
    context.log({ cluster: cluster.name, message: 'cannot start it: deleting and creating it again' });
    await this.kwokctl(
      layout,
      cluster.name,
      ['delete', 'cluster', '--kubeconfig', kwokPaths(layout).scratchKubeconfigOf(cluster.name)],
      context,
      CREATE_TIMEOUT_MS,
    );
    await this.create(layout, cluster, context);
    return { created: true, repaired: 'recreated', addresses: simulated };
  }

  /**
   * What kubeadm init/join gives on real machines: the nodes registered and Ready, and the
   * cluster's kubeconfig (0600) merged into platform.conf. Starts the cluster's simulation.
   */
  async bootstrap(request: ClusterRequest, context: ProviderContext): Promise<BootstrapResult> {
    const { platform, cluster } = request;
    const layout = context.layout;
    const text = await this.kwokctl(layout, cluster.name, ['get', 'kubeconfig'], context);
    const access = this.access(platform, cluster, context);
    await writePrivateFile(
      access.kubeconfig,
      kubeconfigText(renamedKubeconfig(text, cluster.name), cluster.name),
    );
    const client = await KubeClient.fromFile(access.kubeconfig, access.context);
    let registered = 0;
    for (const node of cluster.nodes) {
      if (!(await client.getOptional(`/api/v1/nodes/${node.name}`))) registered++;
      await client.apply(JSON.parse(JSON.stringify(nodeObject(cluster, node))) as KubeObject);
    }
    const nodes = await waitForNodesReady(client, cluster, {
      timeoutMs: NODES_READY_TIMEOUT_MS,
      ...(context.signal ? { signal: context.signal } : {}),
    });
    context.log({ cluster: cluster.name, message: `${cluster.nodes.length} node(s) Ready` });
    await writeMergedKubeconfig(
      layout.mergedKubeconfig,
      platform.clusters.map((c) => layout.kubeconfig(c.name)),
      platform.managementCluster,
    );
    const simulatorStarted = await this.ensureSimulator(cluster, access.kubeconfig, context);
    return {
      access,
      changed: registered > 0 || simulatorStarted,
      // What kwok gave the simulated nodes (their Node objects' InternalIP): shown, never dialled.
      addresses: registeredAddresses(nodes),
    };
  }

  async observe(request: ClusterRequest, context: ProviderContext): Promise<ObservedCluster> {
    const { platform, cluster } = request;
    const layout = context.layout;
    if (!(await this.exists(layout, cluster.name, context)))
      return { exists: false, serving: false, ready: false, detail: 'no such kwok cluster' };
    if (!(await this.answers(layout, cluster.name, context)))
      return { exists: true, serving: false, ready: false, detail: 'the API server does not answer' };
    try {
      const access = this.access(platform, cluster, context);
      const client = await KubeClient.fromFile(access.kubeconfig, access.context);
      const waiting = waitingNodes(cluster, await listNodes(client));
      if (waiting.length > 0)
        return { exists: true, serving: true, ready: false, detail: `not Ready: ${waiting.join(', ')}` };
      if (!(await runningProcess(kwokPaths(layout).simulatorPidOf(cluster.name))))
        return {
          exists: true,
          serving: true,
          ready: false,
          detail: 'the simulation controller is not running',
        };
      return { exists: true, serving: true, ready: true };
    } catch (error) {
      return { exists: true, serving: true, ready: false, detail: (error as Error).message };
    }
  }

  /** A snapshot of the cluster's etcd, from its member on 127.0.0.1 (etcd-snapshot.ts). */
  readonly etcdSnapshot: NonNullable<ClusterProvider['etcdSnapshot']> = (request, context) =>
    kwokEtcdSnapshot(
      { env: this.#env, runner: this.#runner },
      kwokPaths(context.layout).workdirOf(request.cluster.name),
      request,
      context,
    );

  /** What etcd-restore.ts acts on for one cluster: its work directory, kwokctl and kubeconfig. */
  #etcdDeps(
    request: Pick<EtcdRestoreRequest, 'platform' | 'cluster'>,
    context: Pick<ProviderContext, 'layout'>,
  ): KwokRestoreDeps {
    const access = this.access(request.platform, request.cluster, context);
    return {
      env: this.#env,
      runner: this.#runner,
      workdir: kwokPaths(context.layout).workdirOf(request.cluster.name),
      kwokctl: (args, ctx, timeoutMs) => this.kwokctl(ctx.layout, request.cluster.name, args, ctx, timeoutMs),
      kubeconfig: access.kubeconfig,
      kubeContext: access.context,
    };
  }

  /** Restores the cluster's etcd from a snapshot: its components stopped, the data swapped (etcd-restore.ts). */
  readonly etcdRestore: NonNullable<ClusterProvider['etcdRestore']> = (request, context) =>
    kwokEtcdRestore(this.#etcdDeps(request, context), request);

  /** `drill etcd-loss`: the cluster stopped, its etcd data directory moved away (etcd-restore.ts). */
  readonly etcdDataLoss: NonNullable<ClusterProvider['etcdDataLoss']> = (request, context) =>
    kwokEtcdDataLoss(this.#etcdDeps(request, context), request);

  /**
   * `drill node-loss`: kwok keeps alive only the Nodes labelled kwok.x-k8s.io/node=fake
   * (clusterConfig); with the label off, kwok stops renewing the node's lease and status, and
   * the real kube-controller-manager marks it NotReady after its grace period, as it does a
   * node whose kubelet died. Clusters created before kwok was told so keep every Node alive:
   * refused, saying to recreate them.
   */
  async stopNode(request: NodeRequest, context: ProviderContext): Promise<string> {
    const { recordFile, record } = await readClusterRecord(
      kwokPaths(context.layout).workdirOf(request.cluster.name),
      request.cluster.name,
    );
    if (!record.includes(`--manage-nodes-with-label-selector=${KWOK_MANAGED}`))
      throw new ProviderError(
        `kwok keeps every Node of ${request.cluster.name} alive (${recordFile} has no --manage-nodes-with-label-selector): a node cannot be lost`,
        {
          code: 'provider.node-loss-unsupported',
          hint: `recreate the cluster with this version (platformctl down, then up) so kwok manages its nodes by label`,
        },
      );
    await this.#labelNode(request, null, context);
    return `label ${KWOK_MANAGED} taken off ${request.node}: kwok no longer renews its lease or status`;
  }

  async startNode(request: NodeRequest, context: ProviderContext): Promise<string> {
    await this.#labelNode(request, 'fake', context);
    return `label ${KWOK_MANAGED} back on ${request.node}: kwok renews its lease and status again`;
  }

  async #labelNode(request: NodeRequest, value: 'fake' | null, context: ProviderContext): Promise<void> {
    context.log({
      cluster: request.cluster.name,
      message: `${value ? 'putting' : 'taking'} the label ${KWOK_MANAGED_LABEL} ${value ? 'on' : 'off'} ${request.node}`,
    });
    const access = this.access(request.platform, request.cluster, context);
    const client = await KubeClient.fromFile(access.kubeconfig, access.context);
    await client.request(
      'PATCH',
      `/api/v1/nodes/${encodeURIComponent(request.node)}`,
      { metadata: { labels: { [KWOK_MANAGED_LABEL]: value } } },
      'application/merge-patch+json',
    );
  }

  /** SIMULATION: the management cluster's Vault, on the host (vault.ts). */
  async runningVault(context: Pick<ProviderContext, 'layout'>): Promise<VaultEndpoint | undefined> {
    return this.#vault.running(context.layout);
  }

  async vaultEndpoint(platform: Platform, context: ProviderContext): Promise<VaultEndpoint> {
    return this.#vault.ensure(platform, context);
  }

  /**
   * The cluster's admission stand-in (see loopback-admission.ts): one port and certificate for
   * the cluster's life, because the webhooks helm installed point at them.
   */
  private async admission(cluster: string, layout: ProjectLayout): Promise<AdmissionRecord> {
    const path = kwokPaths(layout).admissionOf(cluster);
    const known = await readFile(path, 'utf8')
      .then((text) => JSON.parse(text) as AdmissionRecord)
      .catch(() => undefined);
    if (known) return known;
    const { certificate, key } = await selfSignedCertificate({
      commonName: `${cluster} admission stand-in`,
      organization: 'platformctl kwok',
      years: 10,
      servesIps: ['127.0.0.1'],
    });
    const record = { port: await freePort(), certificate, key };
    await writePrivateFile(path, JSON.stringify(record));
    return record;
  }

  /**
   * Every release on kwok goes through the loopback post-renderer, so that no webhook, conversion
   * or aggregated API points the API server at a Service address.
   */
  async helmPostRenderer(
    cluster: PlatformCluster,
    context: Pick<ProviderContext, 'layout'>,
  ): Promise<PostRenderer> {
    await this.admission(cluster.name, context.layout);
    return {
      command: process.execPath,
      args: [builtScript('post-render-main'), kwokPaths(context.layout).admissionOf(cluster.name)],
    };
  }

  /** Starts the cluster's simulation controller in the background unless it runs; true when started. */
  private async ensureSimulator(
    cluster: PlatformCluster,
    kubeconfig: string,
    context: ProviderContext,
  ): Promise<boolean> {
    const paths = kwokPaths(context.layout);
    if (await runningProcess(paths.simulatorPidOf(cluster.name))) return false;
    const admission = await this.admission(cluster.name, context.layout);
    const config = {
      // Dynamic allocations come only from outside the pinned slots, as with the rendered MetalLB pools.
      clusters: [{ name: cluster.name, kubeconfig, range: cluster.addresses.dynamicRange ?? '' }],
      admission: paths.admissionOf(cluster.name),
    };
    await writeFile(paths.simulatorConfigOf(cluster.name), JSON.stringify(config, null, 2), { mode: 0o600 });
    const script = builtScript('simulator-main');
    const started = await startRecorded(
      this.#runner,
      paths.simulatorPidOf(cluster.name),
      process.execPath,
      [script, paths.simulatorConfigOf(cluster.name)],
      { cwd: context.layout.root, logFile: join(paths.workdirOf(cluster.name), 'simulator.out') },
    );
    await waitForListener(admission.port, 20_000, join(paths.workdirOf(cluster.name), 'simulator.out'));
    context.log({
      cluster: cluster.name,
      message:
        `simulation controller started (pid ${started.pid}): volumes, load-balancer addresses and ` +
        `the admission stand-in on 127.0.0.1:${admission.port}`,
    });
    return true;
  }

  /**
   * `kwokctl stop cluster`: its etcd, API server, controller manager, scheduler and kwok stop,
   * their data stays. The management cluster's Vault runs in it on real machines, so the
   * simulated Vault stops with it (seed §5.1: mgmt down means Vault down).
   */
  async stopCluster(
    request: Pick<ClusterRequest, 'platform' | 'cluster'>,
    context: ProviderContext,
  ): Promise<void> {
    const { cluster, platform } = request;
    context.log({ cluster: cluster.name, message: 'stopping the kwok cluster (kwokctl stop cluster)' });
    await this.kwokctl(context.layout, cluster.name, ['stop', 'cluster'], context, CREATE_TIMEOUT_MS);
    if (cluster.name === platform.managementCluster && cluster.addons.includes('vault')) {
      context.log({ cluster: cluster.name, message: 'stopping the simulated Vault with it' });
      await this.#vault.stop(context.layout);
    }
  }

  /** `kwokctl start cluster`, then the simulated Vault of the management cluster (it starts sealed). */
  async startCluster(
    request: Pick<ClusterRequest, 'platform' | 'cluster'>,
    context: ProviderContext,
  ): Promise<void> {
    const { cluster, platform } = request;
    context.log({ cluster: cluster.name, message: 'starting the kwok cluster (kwokctl start cluster)' });
    await this.kwokctl(
      context.layout,
      cluster.name,
      ['start', 'cluster', '--wait', '1m'],
      context,
      CREATE_TIMEOUT_MS,
    );
    await tightenTree(kwokPaths(context.layout).workdirOf(cluster.name));
    if (cluster.name === platform.managementCluster && cluster.addons.includes('vault'))
      await this.#vault.ensure(platform, context);
  }

  async down(
    targets: readonly DownTarget[],
    context: ProviderContext,
  ): Promise<{ deleted: readonly string[] }> {
    const layout = context.layout;
    const paths = kwokPaths(layout);
    const deleted: string[] = [];
    for (const { cluster, role } of targets) {
      await this.hostControllers.stopAll(layout, cluster);
      await stopRecorded(paths.simulatorPidOf(cluster));
      if (await this.exists(layout, cluster, context)) {
        context.log({ cluster, message: 'deleting kwok cluster' });
        await this.kwokctl(
          layout,
          cluster,
          ['delete', 'cluster', '--kubeconfig', paths.scratchKubeconfigOf(cluster)],
          context,
          CREATE_TIMEOUT_MS,
        );
        deleted.push(cluster);
      }
      // Retries: kwokctl's components may still be closing files in it.
      await rm(paths.workdirOf(cluster), { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      await rm(layout.kubeconfig(cluster), { force: true });
      if (role === 'management') await this.#vault.remove(layout);
    }
    return { deleted };
  }
}
