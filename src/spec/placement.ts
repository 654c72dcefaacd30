/**
 * Which add-ons run on which clusters: the catalog's default placement, overridden by spec.addons.
 */
import { type Catalog, placementIncludes, scopeAllows } from '../addons/types.js';
import { ADDON_NAMES, type AddonName } from '../addons/names.js';
import type { ClusterSpec, PlatformSpec } from './types.js';

export interface AddonPlacement {
  readonly addon: AddonName;
  readonly enabled: boolean;
  /** Cluster names, in spec order for defaults and as written for explicit lists. */
  readonly clusters: readonly string[];
  /** True when spec.addons.<name>.clusters chose the clusters. */
  readonly explicit: boolean;
}

export type PlacementTable = ReadonlyMap<AddonName, AddonPlacement>;

function defaultClusters(addon: AddonName, clusters: readonly ClusterSpec[], catalog: Catalog): string[] {
  const definition = catalog[addon];
  // An add-on that is off by default runs wherever its scope allows once enabled.
  const fits = (cluster: ClusterSpec) =>
    definition.defaultPlacement === 'none'
      ? scopeAllows(definition.scope, cluster.role)
      : placementIncludes(definition.defaultPlacement, cluster.role);
  return clusters.filter(fits).map((cluster) => cluster.name);
}

export function resolvePlacement(spec: PlatformSpec, catalog: Catalog): PlacementTable {
  const table = new Map<AddonName, AddonPlacement>();
  for (const addon of ADDON_NAMES) {
    const override = spec.addons[addon];
    const enabled =
      override?.enabled ?? (catalog[addon].defaultPlacement !== 'none' || override?.clusters !== undefined);
    const explicit = enabled && override?.clusters !== undefined;
    const clusters = !enabled ? [] : (override?.clusters ?? defaultClusters(addon, spec.clusters, catalog));
    table.set(addon, { addon, enabled, clusters: [...clusters], explicit });
  }
  return table;
}

/** The add-ons enabled on one cluster, in catalog order. */
export function addonsOn(table: PlacementTable, cluster: string): AddonName[] {
  return ADDON_NAMES.filter((addon) => table.get(addon)?.clusters.includes(cluster));
}
