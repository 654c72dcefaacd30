/**
 * The Multipass provider: the reference lab's kubeadm clusters on Multipass VMs. Its preflight
 * (doctor's Multipass checks) runs before `up` creates anything; provision launches and checks
 * the VMs (provision.ts); down deletes the recorded VMs only.
 * TODO(#11): bootstrap (kubeadm init and join, kube-vip's admin.conf switch, kubeconfigs) and the
 * API check of observe; until then bootstrap fails saying so, and the VMs stay for `down`.
 */
import type { CommandRunner } from '../../clients/exec.js';
import type { Platform, PlatformCluster } from '../../spec/model.js';
import { PROVIDER_TRAITS } from '../traits.js';
import {
  type ClusterAccess,
  type ClusterProvider,
  type ClusterRequest,
  type DownTarget,
  type EtcdSnapshotRequest,
  type EtcdSnapshotResult,
  type ObservedCluster,
  type ProvisionResult,
  type PreflightCheck,
  type PreflightContext,
  type ProviderContext,
  type ProviderDeps,
  ProviderError,
} from '../types.js';
import { findBinaries } from '../../clients/binaries.js';
import { MultipassClient } from './client.js';
import { projectKubeconfigAccess } from '../shared/kubeconfig.js';
import { multipassChecks } from './doctor.js';
import { multipassEtcdSnapshot } from './etcd-snapshot.js';
import { provisionCluster } from './provision.js';

function notYet(): never {
  throw new ProviderError('kubeadm bootstrap on Multipass VMs is not available yet in this version', {
    code: 'provider.unavailable',
    kind: 'environment',
    hint: 'the VMs are up (`platformctl down` removes them); use --provider kwok to rehearse the platform',
  });
}

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

  #client(context: Pick<ProviderContext, 'layout'>): MultipassClient {
    const { multipass } = findBinaries(['multipass'] as const, {
      env: this.#env,
      projectDir: context.layout.root,
    });
    return new MultipassClient(this.#runner, multipass);
  }

  async provision(request: ClusterRequest, context: ProviderContext): Promise<ProvisionResult> {
    return provisionCluster({
      client: this.#client(context),
      platform: request.platform,
      cluster: request.cluster,
      artifacts: request.artifacts,
      layout: context.layout,
      log: context.log,
      ...(context.signal ? { signal: context.signal } : {}),
    });
  }

  bootstrap(): never {
    return notYet();
  }

  async observe(request: ClusterRequest, context: ProviderContext): Promise<ObservedCluster> {
    const existing = new Map((await this.#client(context).list()).map((i) => [i.name, i.state]));
    const absent = request.cluster.nodes.filter((n) => !existing.has(n.name)).map((n) => n.name);
    if (absent.length === request.cluster.nodes.length)
      return { exists: false, serving: false, ready: false, detail: 'no VM' };
    if (absent.length > 0)
      return { exists: false, serving: false, ready: false, detail: `VM(s) ${absent.join(', ')} missing` };
    const stopped = request.cluster.nodes
      .filter((n) => existing.get(n.name) !== 'Running')
      .map((n) => n.name);
    return {
      exists: true,
      serving: false,
      ready: false,
      detail:
        stopped.length > 0
          ? `VM(s) ${stopped.join(', ')} not running`
          : 'VMs running; kubeadm bootstrap not available yet',
    };
  }

  /** The first control plane's etcd member, snapshotted in its pod and copied off the VM. */
  etcdSnapshot(request: EtcdSnapshotRequest, context: ProviderContext): Promise<EtcdSnapshotResult> {
    return multipassEtcdSnapshot(this.#client(context), request, context);
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
