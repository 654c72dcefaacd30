/**
 * What an add-on module sees while rendering for one cluster.
 */
import type { AddonName } from '../addons/names.js';
import type { ClusterAddresses } from '../spec/addresses.js';
import type { Platform, PlatformCluster } from '../spec/model.js';
import { volumeSizes } from './sizing.js';

export interface RenderContext {
  readonly platform: Platform;
  readonly cluster: PlatformCluster;
  /** The management cluster (may be `cluster` itself). */
  readonly management: PlatformCluster;
  /** True when `addon` is enabled on `clusterName` (this cluster by default). */
  enabled(addon: AddonName, clusterName?: string): boolean;
  /** Pinned addresses of any cluster, by name (this cluster by default). */
  addresses(clusterName?: string): ClusterAddresses;
  /** Stable DNS name of a service: `<service>.<cluster>.<domain>`, e.g. vault.mgmt.local.dev. */
  hostname(service: string, clusterName?: string): string;
  /** Persistent volume size for an add-on on this cluster, e.g. "8Gi", fitted to the node disks. */
  volumeSize(addon: AddonName): string;
}

export function renderContext(platform: Platform, cluster: PlatformCluster): RenderContext {
  const byName = new Map(platform.clusters.map((c) => [c.name, c]));
  const find = (name = cluster.name) => {
    const found = byName.get(name);
    if (!found) throw new Error(`no cluster named ${name}`);
    return found;
  };
  const sizes = volumeSizes(cluster);
  return {
    platform,
    cluster,
    management: find(platform.managementCluster),
    enabled: (addon, clusterName) => find(clusterName).addons.includes(addon),
    addresses: (clusterName) => find(clusterName).addresses,
    hostname: (service, clusterName = cluster.name) =>
      `${service}.${find(clusterName).name}.${platform.network.domain}`,
    volumeSize: (addon) => {
      const size = sizes[addon];
      if (size === undefined) throw new Error(`${addon} has no volume on cluster ${cluster.name}`);
      return `${size}Gi`;
    },
  };
}
