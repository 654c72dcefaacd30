/**
 * The Multipass provider: the reference lab's kubeadm clusters on Multipass VMs. Its preflight
 * (doctor's Multipass checks) runs before `up` creates anything; provision launches and checks
 * the VMs (provision.ts); bootstrap runs kubeadm init and the joins and writes the kubeconfigs
 * (bootstrap.ts); observe asks the VMs and the cluster's API (through the first control plane);
 * down deletes the recorded VMs only. Every Multipass command goes through one client whose
 * command lines land in the step log.
 *
 * Nodes are Ready only once the CNI runs: bootstrap leaves them registered, and the Cilium step
 * waits for its agent DaemonSet and then for every node of the spec Ready (the engine's gates on
 * providers that run workloads, engine/steps.ts).
 * The engine reaches Vault at its pinned load-balancer address, and `status`/`verify` look there
 * too; when that does not answer from the host, through a port-forward via the management
 * cluster's API server (shared/pinned-vault.ts).
 */
import type { CommandRunner } from '../../clients/exec.js';
import type { Platform, PlatformCluster } from '../../spec/model.js';
import { PROVIDER_TRAITS } from '../traits.js';
import type {
  BootstrapResult,
  ClusterAccess,
  ClusterProvider,
  ClusterRequest,
  DownTarget,
  EtcdRestoreProcedure,
  EtcdRestoreRequest,
  EtcdSnapshotRequest,
  EtcdSnapshotResult,
  ObservedCluster,
  ProvisionResult,
  PreflightCheck,
  PreflightContext,
  NodeRequest,
  ProviderContext,
  ProviderDeps,
} from '../types.js';
import { findBinaries } from '../../clients/binaries.js';
import { MultipassClient } from './client.js';
import { projectKubeconfigAccess } from '../shared/kubeconfig.js';
import { multipassChecks } from './doctor.js';
import { multipassEtcdRestore } from './etcd-restore.js';
import { multipassEtcdSnapshot } from './etcd-snapshot.js';
import { provisionCluster } from './provision.js';
import { bootstrapCluster, registeredNodes } from './bootstrap.js';
import { waitingNodes } from '../shared/nodes.js';
import { access as fileAccess } from 'node:fs/promises';
import { KubeClient } from '../../clients/kube.js';
import type { VaultEndpoint } from '../../clients/vault.js';
import { runningVaultAtPinnedAddress, vaultAtPinnedAddress } from '../shared/pinned-vault.js';

/** How long `status` and `verify` give an address on the node network to accept a connection. */
const LOOK_MS = 2_000;
/** apt-get install of kubeadm/kubelet and `kubeadm upgrade apply` pull images: minutes, not seconds. */
const UPGRADE_COMMAND_TIMEOUT_MS = 900_000;

export class MultipassProvider implements ClusterProvider {
  readonly traits = PROVIDER_TRAITS.multipass;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #runner: CommandRunner;

  constructor(deps: ProviderDeps) {
    this.#env = deps.env;
    this.#runner = deps.runner;
  }

  preflight(platform: Platform, context: PreflightContext): Promise<PreflightCheck[]> {
    return multipassChecks({
      platform,
      runner: this.#runner,
      env: this.#env,
      projectDir: context.layout.root,
      recordedNodes: context.recordedNodes,
    });
  }

  access(
    platform: Platform,
    cluster: PlatformCluster,
    context: Pick<ProviderContext, 'layout'>,
  ): ClusterAccess {
    void platform;
    return projectKubeconfigAccess(cluster, context);
  }

  /** The one client, its command lines in the step log when there is one. */
  #client(context: Pick<ProviderContext, 'layout'> & Partial<Pick<ProviderContext, 'log'>>): MultipassClient {
    const { multipass } = findBinaries(['multipass'] as const, {
      env: this.#env,
      projectDir: context.layout.root,
    });
    const log = context.log;
    return new MultipassClient(this.#runner, multipass, log ? { log: (message) => log({ message }) } : {});
  }

  async provision(request: ClusterRequest, context: ProviderContext): Promise<ProvisionResult> {
    return provisionCluster({
      client: this.#client(context),
      platform: request.platform,
      cluster: request.cluster,
      artifacts: request.artifacts,
      previous: request.addresses,
      layout: context.layout,
      log: context.log,
      ...(context.signal ? { signal: context.signal } : {}),
    });
  }

  bootstrap(request: ClusterRequest, context: ProviderContext): Promise<BootstrapResult> {
    return bootstrapCluster({
      client: this.#client(context),
      platform: request.platform,
      cluster: request.cluster,
      artifacts: request.artifacts,
      addresses: request.addresses,
      layout: context.layout,
      log: context.log,
      ...(context.signal ? { signal: context.signal } : {}),
    });
  }

  async observe(request: ClusterRequest, context: ProviderContext): Promise<ObservedCluster> {
    const client = this.#client(context);
    const existing = new Map((await client.list()).map((i) => [i.name, i.state]));
    const absent = request.cluster.nodes.filter((n) => !existing.has(n.name)).map((n) => n.name);
    if (absent.length === request.cluster.nodes.length)
      return { exists: false, serving: false, ready: false, detail: 'no VM' };
    if (absent.length > 0)
      return { exists: false, serving: false, ready: false, detail: `VM(s) ${absent.join(', ')} missing` };
    const stopped = request.cluster.nodes
      .filter((n) => existing.get(n.name) !== 'Running')
      .map((n) => n.name);
    if (stopped.length > 0)
      return {
        exists: true,
        serving: false,
        ready: false,
        detail: `VM(s) ${stopped.join(', ')} not running`,
      };
    const first = request.cluster.nodes.find((n) => n.role === 'control-plane')!;
    const nodes = await registeredNodes(client, first.name, context.signal);
    if (!nodes)
      return { exists: true, serving: false, ready: false, detail: 'the API server does not answer' };
    const waiting = waitingNodes(request.cluster, nodes);
    if (waiting.length > 0)
      return { exists: true, serving: true, ready: false, detail: `not Ready: ${waiting.join(', ')}` };
    const kubeconfig = this.access(request.platform, request.cluster, context).kubeconfig;
    if (
      !(await fileAccess(kubeconfig).then(
        () => true,
        () => false,
      ))
    )
      return { exists: true, serving: true, ready: false, detail: `${kubeconfig} is missing` };
    return { exists: true, serving: true, ready: true };
  }

  async vaultEndpoint(platform: Platform, context: ProviderContext): Promise<VaultEndpoint> {
    const mgmt = platform.clusters.find((c) => c.name === platform.managementCluster)!;
    const access = this.access(platform, mgmt, context);
    return vaultAtPinnedAddress(
      platform,
      await KubeClient.fromFile(access.kubeconfig, access.context),
      context,
    );
  }

  /**
   * Where Vault answers now, for `status` and `verify`: the same pinned address as vaultEndpoint,
   * in one look of a few seconds that starts nothing (stopped VMs cost seconds, not a timeout).
   */
  async runningVault(
    context: Pick<ProviderContext, 'layout'>,
    platform: Platform,
  ): Promise<VaultEndpoint | undefined> {
    const mgmt = platform.clusters.find((c) => c.name === platform.managementCluster);
    if (!mgmt) return undefined;
    const access = this.access(platform, mgmt, context);
    const kube = await KubeClient.fromFile(access.kubeconfig, access.context).catch(() => undefined);
    return kube ? runningVaultAtPinnedAddress(platform, kube, LOOK_MS) : undefined;
  }

  /** The first control plane's etcd member, snapshotted in its pod and copied off the VM. */
  /** The first control plane's etcd restored from a snapshot, inside its etcd pod (etcd-restore.ts). */
  etcdRestore(request: EtcdRestoreRequest, context: Pick<ProviderContext, 'layout'>): EtcdRestoreProcedure {
    return multipassEtcdRestore(this.#client(context), request);
  }

  etcdSnapshot(request: EtcdSnapshotRequest, context: ProviderContext): Promise<EtcdSnapshotResult> {
    return multipassEtcdSnapshot(this.#client(context), request, context);
  }

  /** One command on a VM through the VM client (`upgrade`: apt, kubeadm, systemctl), logged. */
  async runOnNode(node: string, command: readonly string[], context: ProviderContext): Promise<void> {
    await this.#client(context).exec(node, command, {
      timeoutMs: UPGRADE_COMMAND_TIMEOUT_MS,
      ...(context.signal ? { signal: context.signal } : {}),
    });
  }

  /**
   * `drill node-loss`: `multipass stop <vm>`, the node's kubelet with it, so the control plane
   * marks it NotReady after its grace period; nothing is deleted.
   */
  async stopNode(request: NodeRequest, context: ProviderContext): Promise<string> {
    context.log({ cluster: request.cluster.name, message: `stopping VM ${request.node}` });
    await this.#client(context).stop([request.node]);
    return `multipass stop ${request.node}`;
  }

  /** `multipass start <vm>`: its kubelet starts with it and reports the node Ready again. */
  async startNode(request: NodeRequest, context: ProviderContext): Promise<string> {
    context.log({ cluster: request.cluster.name, message: `starting VM ${request.node}` });
    await this.#client(context).start([request.node]);
    return `multipass start ${request.node}`;
  }

  /** `multipass stop` of the cluster's VMs (the spec's nodes), workers first; nothing is deleted. */
  async stopCluster(
    request: Pick<ClusterRequest, 'platform' | 'cluster'>,
    context: ProviderContext,
  ): Promise<void> {
    const nodes = [...request.cluster.nodes].sort(
      (a, b) => Number(a.role === 'control-plane') - Number(b.role === 'control-plane'),
    );
    context.log({
      cluster: request.cluster.name,
      message: `stopping VM(s) ${nodes.map((n) => n.name).join(', ')}`,
    });
    await this.#client(context).stop(nodes.map((n) => n.name));
  }

  /** `multipass start` of the cluster's VMs, control planes first (kubelets then find the API). */
  async startCluster(
    request: Pick<ClusterRequest, 'platform' | 'cluster'>,
    context: ProviderContext,
  ): Promise<void> {
    const nodes = [...request.cluster.nodes].sort(
      (a, b) => Number(b.role === 'control-plane') - Number(a.role === 'control-plane'),
    );
    context.log({
      cluster: request.cluster.name,
      message: `starting VM(s) ${nodes.map((n) => n.name).join(', ')}`,
    });
    await this.#client(context).start(nodes.map((n) => n.name));
  }

  /** Deletes and purges the recorded VMs that exist, never another; idempotent. */
  async down(
    targets: readonly DownTarget[],
    context: ProviderContext,
  ): Promise<{ deleted: readonly string[] }> {
    const client = this.#client(context);
    const existing = new Set((await client.list()).map((i) => i.name));
    for (const target of targets) {
      const names = target.nodes.filter((n) => existing.has(n));
      if (names.length === 0) continue;
      context.log({ cluster: target.cluster, message: `deleting VM(s) ${names.join(', ')}` });
      await client.deletePurge(names);
    }
    return { deleted: targets.map((t) => t.cluster) };
  }
}
