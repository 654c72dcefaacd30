/**
 * `provider: existing`: clusters someone else runs, reached through their kubeconfigs
 * (`spec.clusters[].existing`). platformctl creates nothing here and deletes nothing but what it
 * installed: bootstrap only connects and checks that the cluster serves, `down` of the provider
 * deletes no cluster (Project.down removes the releases and objects instead).
 */
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { KubeClient } from '../../clients/kube.js';
import type { VaultEndpoint } from '../../clients/vault.js';
import type { Platform, PlatformCluster } from '../../spec/model.js';
import { runningVaultAtPinnedAddress, vaultAtPinnedAddress } from '../shared/pinned-vault.js';
import { listNodes, registeredAddresses } from '../shared/nodes.js';
import { providerTraits } from '../traits.js';
import {
  type BootstrapResult,
  type ClusterAccess,
  type ClusterProvider,
  type ClusterRequest,
  type ObservedCluster,
  type PreflightCheck,
  type PreflightContext,
  type ProviderContext,
  type ProviderDeps,
  ProviderError,
  type ProvisionResult,
} from '../types.js';
import { existingPreflight } from './preflight.js';

/** How long `status` and `verify` look for Vault at its pinned address. */
const LOOK_MS = 1_500;

/**
 * The kubeconfig file of a cluster: `existing.kubeconfig` (`~` expanded, relative to the project
 * directory), else the first file of KUBECONFIG, else ~/.kube/config, as kubectl picks the file
 * it writes to. A context spread over several KUBECONFIG files needs `existing.kubeconfig`.
 */
export function existingKubeconfigPath(
  cluster: PlatformCluster,
  projectDir: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const home = env.HOME ?? homedir();
  const expand = (file: string) => (file === '~' || file.startsWith('~/') ? join(home, file.slice(1)) : file);
  const named = cluster.existing?.kubeconfig;
  if (named !== undefined) {
    const file = expand(named);
    return isAbsolute(file) ? file : resolve(projectDir, file);
  }
  const first = (env.KUBECONFIG ?? '').split(delimiter).find((f) => f !== '');
  return first ? resolve(expand(first)) : join(home, '.kube', 'config');
}

export class ExistingProvider implements ClusterProvider {
  readonly traits = providerTraits('existing');
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(deps: ProviderDeps) {
    this.#env = deps.env;
  }

  access(
    platform: Platform,
    cluster: PlatformCluster,
    context: Pick<ProviderContext, 'layout'>,
  ): ClusterAccess {
    void platform;
    if (!cluster.existing)
      throw new ProviderError(`cluster ${cluster.name} does not say how to reach it`, {
        code: 'provider.existing-missing-context',
        kind: 'input',
        hint: `add existing: { kubeconfig: ~/.kube/config, context: <context> } to cluster ${cluster.name}`,
      });
    return {
      cluster: cluster.name,
      kubeconfig: existingKubeconfigPath(cluster, context.layout.root, this.#env),
      context: cluster.existing.context,
    };
  }

  async #client(platform: Platform, cluster: PlatformCluster, context: Pick<ProviderContext, 'layout'>) {
    const access = this.access(platform, cluster, context);
    return KubeClient.fromFile(access.kubeconfig, access.context);
  }

  preflight(platform: Platform, context: PreflightContext): Promise<PreflightCheck[]> {
    return existingPreflight(
      platform,
      (cluster) => this.#client(platform, cluster, context),
      (cluster) => {
        const access = this.access(platform, cluster, context);
        return `--kubeconfig ${access.kubeconfig} --context ${access.context}`;
      },
    );
  }

  /** Nothing to create: the cluster is someone else's. */
  async provision(request: ClusterRequest): Promise<ProvisionResult> {
    void request;
    return { created: false, addresses: {} };
  }

  /** Connects and checks that it serves with every node Ready; changes nothing on the cluster. */
  async bootstrap(request: ClusterRequest, context: ProviderContext): Promise<BootstrapResult> {
    const access = this.access(request.platform, request.cluster, context);
    const client = await KubeClient.fromFile(access.kubeconfig, access.context);
    const version = await client.get<{ gitVersion?: string }>('/version').catch((error: unknown) => {
      throw new ProviderError(
        `cluster ${request.cluster.name} (context ${access.context} of ${access.kubeconfig}) does not answer: ${(error as Error).message}`,
        {
          code: 'provider.unreachable',
          hint: `kubectl --kubeconfig ${access.kubeconfig} --context ${access.context} get nodes`,
        },
      );
    });
    const nodes = await listNodes(client);
    const waiting = nodes.filter((n) => !n.ready).map((n) => n.name);
    if (nodes.length === 0 || waiting.length > 0)
      throw new ProviderError(
        nodes.length === 0
          ? `cluster ${request.cluster.name} has no nodes`
          : `cluster ${request.cluster.name}: node(s) not Ready: ${waiting.join(', ')}`,
        {
          code: 'provider.nodes-not-ready',
          hint: `kubectl --kubeconfig ${access.kubeconfig} --context ${access.context} describe nodes`,
        },
      );
    context.log({
      cluster: request.cluster.name,
      message: `connected: ${version.gitVersion ?? 'unknown version'}, ${nodes.length} node(s) Ready`,
    });
    return {
      access,
      changed: false,
      addresses: registeredAddresses(nodes),
      detail: `${version.gitVersion ?? 'unknown version'}, ${nodes.length} node(s) Ready`,
    };
  }

  async observe(request: ClusterRequest, context: ProviderContext): Promise<ObservedCluster> {
    const client = await this.#client(request.platform, request.cluster, context).catch(() => undefined);
    if (!client)
      return {
        exists: false,
        serving: false,
        ready: false,
        detail: 'its kubeconfig or context cannot be read',
      };
    const nodes = await listNodes(client).catch(() => undefined);
    if (!nodes)
      return { exists: true, serving: false, ready: false, detail: 'the API server does not answer' };
    const waiting = nodes.filter((n) => !n.ready).map((n) => n.name);
    if (nodes.length === 0) return { exists: true, serving: true, ready: false, detail: 'no nodes' };
    if (waiting.length > 0)
      return { exists: true, serving: true, ready: false, detail: `not Ready: ${waiting.join(', ')}` };
    return { exists: true, serving: true, ready: true };
  }

  /** Never deletes a cluster it did not create; Project.down removes what platformctl installed. */
  async down(): Promise<{ deleted: readonly string[] }> {
    return { deleted: [] };
  }

  /** At its pinned load-balancer address, else through a port-forward via the API server. */
  async vaultEndpoint(platform: Platform, context: ProviderContext): Promise<VaultEndpoint> {
    const mgmt = platform.clusters.find((c) => c.name === platform.managementCluster)!;
    return vaultAtPinnedAddress(platform, await this.#client(platform, mgmt, context), context);
  }

  async runningVault(
    context: Pick<ProviderContext, 'layout'>,
    platform: Platform,
  ): Promise<VaultEndpoint | undefined> {
    const mgmt = platform.clusters.find((c) => c.name === platform.managementCluster);
    if (!mgmt) return undefined;
    const kube = await this.#client(platform, mgmt, context).catch(() => undefined);
    return kube ? runningVaultAtPinnedAddress(platform, kube, LOOK_MS) : undefined;
  }
}
