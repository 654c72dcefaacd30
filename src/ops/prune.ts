/**
 * What an earlier `up` made that the spec no longer wants: clusters it no longer lists, and Helm
 * releases of add-ons it no longer enables on a cluster it still has. Pure: from the state and
 * the plan. `up` removes the clusters it created by default (they would keep running, with their
 * admin credentials, where `down` no longer looks), and releases only with `--yes`, because their
 * volumes may hold data.
 */
import { ADDON_CATALOG } from '../addons/catalog.js';
import { isAddonName, type AddonName } from '../addons/names.js';
import type { PlatformState } from '../engine/state.js';
import type { Plan } from '../plan/plan.js';
import type { DownTarget } from '../providers/types.js';
import type { Platform } from '../spec/model.js';

export interface LeftoverRelease {
  readonly cluster: string;
  readonly addon: AddonName;
  readonly namespace: string;
  /** The recorded steps of the add-on on that cluster, forgotten once it is removed. */
  readonly steps: readonly string[];
}

export interface Leftovers {
  readonly clusters: readonly DownTarget[];
  readonly releases: readonly LeftoverRelease[];
}

export function leftovers(state: PlatformState | undefined, plan: Plan, platform: Platform): Leftovers {
  if (!state) return { clusters: [], releases: [] };
  const wanted = new Set(platform.clusters.map((c) => c.name));
  const clusters = Object.entries(state.clusters ?? {})
    .filter(([name]) => !wanted.has(name))
    .map(([cluster, record]) => ({ cluster, role: record.role, nodes: record.nodes }));
  const planned = new Set(plan.steps.map((s) => s.id));
  const byAddon = new Map<string, LeftoverRelease>();
  for (const id of Object.keys(state.steps)) {
    const [cluster, addon, name] = id.split('/');
    if (!cluster || !wanted.has(cluster) || !addon || !isAddonName(addon) || name === undefined) continue;
    if (planned.has(id)) continue;
    // Only add-ons gone from the cluster as a whole: a step renamed or dropped by a new version
    // of platformctl leaves the release to the steps that still install it.
    if (plan.steps.some((s) => s.cluster === cluster && s.addon === addon)) continue;
    const key = `${cluster}/${addon}`;
    const entry = byAddon.get(key) ?? {
      cluster,
      addon,
      namespace: ADDON_CATALOG[addon].namespace,
      steps: [],
    };
    byAddon.set(key, { ...entry, steps: [...entry.steps, id] });
  }
  return {
    clusters,
    releases: [...byAddon.values()].sort((a, b) =>
      `${a.cluster}/${a.addon}`.localeCompare(`${b.cluster}/${b.addon}`),
    ),
  };
}

export interface PruneReport {
  /** Clusters deleted because the spec no longer lists them. */
  readonly clusters: readonly string[];
  /** `<cluster>/<addon>` releases uninstalled. */
  readonly releases: readonly string[];
  /** What is no longer wanted but stays: releases without `--yes`, everything with `--no-prune`. */
  readonly kept: readonly string[];
  /** Removals that failed, one line each; the next `up` tries again. */
  readonly failed: readonly string[];
}
