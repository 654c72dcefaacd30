/**
 * Node readiness as every provider sees it after bootstrap: the spec's nodes registered and Ready.
 */
import type { KubeClient } from '../../clients/kube.js';
import type { PlatformCluster } from '../../spec/model.js';
import { ProviderError } from '../types.js';

export interface NodeObject {
  readonly metadata: { readonly name: string };
  readonly status?: {
    readonly conditions?: ReadonlyArray<{ readonly type: string; readonly status: string }>;
    readonly addresses?: ReadonlyArray<{ readonly type: string; readonly address: string }>;
  };
}

export interface NodeView {
  readonly name: string;
  readonly ready: boolean;
  readonly address?: string;
}

export async function listNodes(client: KubeClient): Promise<NodeView[]> {
  return nodeViews(await client.list<NodeObject>('v1', 'Node'));
}

/** Node objects (an API list, or `kubectl get nodes -o json`'s items) as name, Ready and address. */
export function nodeViews(nodes: readonly NodeObject[]): NodeView[] {
  return nodes.map((n) => {
    const address = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    return {
      name: n.metadata.name,
      ready: Boolean(n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
      ...(address ? { address } : {}),
    };
  });
}

/** Node name → the address its Node object reports (InternalIP), for the nodes that report one. */
export function registeredAddresses(nodes: readonly NodeView[]): Record<string, string> {
  return Object.fromEntries(nodes.flatMap((n) => (n.address ? [[n.name, n.address] as const] : [])));
}

/** The spec's nodes that are not registered and Ready. */
export function waitingNodes(cluster: PlatformCluster, nodes: readonly NodeView[]): string[] {
  const ready = new Set(nodes.filter((n) => n.ready).map((n) => n.name));
  return cluster.nodes.filter((n) => !ready.has(n.name)).map((n) => n.name);
}

export async function waitForNodesReady(
  client: KubeClient,
  cluster: PlatformCluster,
  options: { timeoutMs: number; signal?: AbortSignal; pollMs?: number },
): Promise<NodeView[]> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const nodes = await listNodes(client);
    const waiting = waitingNodes(cluster, nodes);
    if (waiting.length === 0) return nodes;
    if (Date.now() > deadline)
      throw new ProviderError(
        `cluster ${cluster.name}: nodes not Ready after ${Math.round(options.timeoutMs / 1000)}s: ${waiting.join(', ')}`,
        { code: 'provider.nodes-not-ready' },
      );
    if (options.signal?.aborted) throw new ProviderError('cancelled', { kind: 'interrupted' });
    await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
  }
}

/**
 * How long kube-controller-manager waits for a node's heartbeat before it marks it NotReady:
 * Kubernetes' default (`--node-monitor-grace-period`, 50s since 1.32), which kubeadm clusters
 * keep and the kwok provider sets too (kwokctl's own is 200s, for thousands of nodes).
 */
export const NODE_MONITOR_GRACE_MS = 50_000;
