/**
 * Kubeconfig files as providers write them: one per cluster with a context named after the
 * cluster (mgmt, app1, app2), and platform.conf merging them, every file 0600 in a 0700 directory.
 */
import { readFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import type { PlatformCluster } from '../../spec/model.js';
import type { ClusterAccess, ProviderContext } from '../types.js';
import { writePrivateFile } from './private-files.js';

export interface KubeconfigEntries {
  readonly clusters: ReadonlyArray<{
    readonly name: string;
    readonly cluster: Readonly<Record<string, unknown>>;
  }>;
  readonly users: ReadonlyArray<{ readonly name: string; readonly user: Readonly<Record<string, unknown>> }>;
  readonly contexts: ReadonlyArray<{
    readonly name: string;
    readonly context: { readonly cluster: string; readonly user: string };
  }>;
}

export function parseKubeconfig(text: string): KubeconfigEntries {
  const raw = (parse(text) ?? {}) as Partial<KubeconfigEntries>;
  return { clusters: raw.clusters ?? [], users: raw.users ?? [], contexts: raw.contexts ?? [] };
}

/**
 * The entries of `context` (or the current context) renamed to `name` for cluster, user and
 * context alike: kwokctl says kwok-<name>, kubeadm kubernetes-admin@<name>; platformctl says <name>.
 */
export function renamedKubeconfig(text: string, name: string, context?: string): KubeconfigEntries {
  const raw = parse(text) as Partial<KubeconfigEntries> & { 'current-context'?: string };
  const wanted = context ?? raw['current-context'];
  const ctx = raw.contexts?.find((c) => c.name === wanted) ?? raw.contexts?.[0];
  const cluster = raw.clusters?.find((c) => c.name === ctx?.context.cluster) ?? raw.clusters?.[0];
  const user = raw.users?.find((u) => u.name === ctx?.context.user) ?? raw.users?.[0];
  if (!cluster || !user) throw new Error('the kubeconfig has no cluster or no user');
  return {
    clusters: [{ name, cluster: cluster.cluster }],
    users: [{ name, user: user.user }],
    contexts: [{ name, context: { cluster: name, user: name } }],
  };
}

export function kubeconfigText(entries: KubeconfigEntries, current: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': current,
    preferences: {},
    clusters: entries.clusters,
    users: entries.users,
    contexts: entries.contexts,
  });
}

/** The merged kubeconfig: the contexts of every file that exists, in the order given. */
export async function writeMergedKubeconfig(
  target: string,
  sources: readonly string[],
  current: string,
): Promise<void> {
  const merged = { clusters: [] as unknown[], users: [] as unknown[], contexts: [] as unknown[] };
  for (const source of sources) {
    const text = await readFile(source, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const own = parseKubeconfig(text);
    merged.clusters.push(...own.clusters);
    merged.users.push(...own.users);
    merged.contexts.push(...own.contexts);
  }
  await writePrivateFile(target, kubeconfigText(merged as KubeconfigEntries, current));
}

/** Where platformctl writes a cluster's admin kubeconfig, with a context named after the cluster. */
export function projectKubeconfigAccess(
  cluster: PlatformCluster,
  context: Pick<ProviderContext, 'layout'>,
): ClusterAccess {
  return {
    cluster: cluster.name,
    kubeconfig: context.layout.kubeconfig(cluster.name),
    context: cluster.name,
  };
}
