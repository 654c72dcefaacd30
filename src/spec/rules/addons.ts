/**
 * Add-on rules: placement against the catalog's scopes (ADR-001, ADR-003), dependencies
 * (including cross-cluster ones), and a CNI on every VM cluster.
 */
import { type Catalog, requirementsFor, scopeAllows } from '../../addons/types.js';
import { ADDON_NAMES, type AddonName } from '../../addons/names.js';
import { didYouMean } from '../../util/suggest.js';
import { type Finding, finding, type SpecPath } from '../diagnostics.js';
import type { PlacementTable } from '../placement.js';
import type { ClusterSpec, PlatformSpec } from '../types.js';

function checkPlacement(
  spec: PlatformSpec,
  placement: PlacementTable,
  catalog: Catalog,
  out: Finding[],
): void {
  const byName = new Map(spec.clusters.map((cluster) => [cluster.name, cluster]));
  const names = spec.clusters.map((cluster) => cluster.name);
  for (const addon of ADDON_NAMES) {
    const placed = placement.get(addon)!;
    const definition = catalog[addon];
    const override = spec.addons[addon];
    // Only where the user placed it: a default placement with no matching cluster is not their doing.
    if (override && placed.enabled && placed.clusters.length === 0) {
      out.push(
        finding(
          'addon.no-clusters',
          ['spec', 'addons', addon],
          `${addon} is enabled but placed on no cluster`,
          'list at least one cluster, or set enabled: false',
        ),
      );
    }
    placed.clusters.forEach((clusterName, i) => {
      const path: SpecPath = placed.explicit
        ? ['spec', 'addons', addon, 'clusters', i]
        : ['spec', 'addons', addon];
      const cluster = byName.get(clusterName);
      if (!cluster) {
        out.push(
          finding(
            'addon.unknown-cluster',
            path,
            `${addon} is placed on cluster "${clusterName}", which the spec does not define`,
            didYouMean(clusterName, names) ?? `clusters are: ${names.join(', ')}`,
          ),
        );
        return;
      }
      if (scopeAllows(definition.scope, cluster.role)) return;
      const code =
        definition.scope === 'management' ? 'placement.management-only' : 'placement.workload-only';
      out.push(
        finding(
          code,
          path,
          `${addon} cannot run on ${cluster.role} cluster ${cluster.name}: ${definition.scopeReason ?? `it runs only on ${definition.scope} clusters`}`,
          `remove ${cluster.name} from spec.addons.${addon}.clusters`,
        ),
      );
    });
  }
}

function clustersRunning(placement: PlacementTable, addon: AddonName): ReadonlySet<string> {
  return new Set(placement.get(addon)?.clusters ?? []);
}

function checkDependencies(
  spec: PlatformSpec,
  placement: PlacementTable,
  catalog: Catalog,
  out: Finding[],
): void {
  const management = spec.clusters.find((cluster) => cluster.role === 'management');
  const byName = new Map(spec.clusters.map((cluster) => [cluster.name, cluster]));
  for (const addon of ADDON_NAMES) {
    const definition = catalog[addon];
    // One finding per missing edge, naming every cluster it affects.
    const missing = new Map<
      string,
      { target: string; clusters: string[]; why: string; dependency: AddonName }
    >();
    for (const clusterName of placement.get(addon)!.clusters) {
      const cluster = byName.get(clusterName);
      if (!cluster) continue; // reported by placement
      for (const dependency of requirementsFor(definition, cluster.role)) {
        // A cluster someone else runs brings its own network when the spec installs none:
        // doctor checks that one is there.
        if (spec.provider === 'existing' && catalog[dependency.addon].plan?.providesCni) continue;
        const target: ClusterSpec | undefined = dependency.on === 'same' ? cluster : management;
        if (target && clustersRunning(placement, dependency.addon).has(target.name)) continue;
        const targetLabel =
          dependency.on === 'same'
            ? 'the same cluster'
            : target
              ? `the management cluster (${target.name})`
              : 'the management cluster (there is none)';
        const key = `${dependency.addon}@${target?.name ?? '-'}@${dependency.on}`;
        const entry = missing.get(key) ?? {
          target: targetLabel,
          clusters: [],
          why: dependency.why,
          dependency: dependency.addon,
        };
        entry.clusters.push(cluster.name);
        missing.set(key, entry);
      }
    }
    for (const entry of missing.values()) {
      const where = entry.target === 'the same cluster' ? 'there' : `on ${entry.target}`;
      const dependencyOverridden = spec.addons[entry.dependency] !== undefined;
      out.push(
        finding(
          'dependency.missing',
          dependencyOverridden ? ['spec', 'addons', entry.dependency] : ['spec', 'addons', addon],
          `${addon} on ${entry.clusters.join(', ')} requires ${entry.dependency} on ${entry.target} (${entry.why}), but ${entry.dependency} is not enabled ${where}`,
          `enable ${entry.dependency} ${entry.target === 'the same cluster' ? `on ${entry.clusters.join(', ')}` : where}, or disable ${addon} on ${entry.clusters.join(', ')}`,
        ),
      );
    }
  }
}

function checkCni(spec: PlatformSpec, placement: PlacementTable, out: Finding[]): void {
  // Existing clusters bring their own CNI, and kwok nodes are simulated.
  if (spec.provider !== 'multipass') return;
  const withCni = clustersRunning(placement, 'cilium');
  for (const cluster of spec.clusters) {
    if (withCni.has(cluster.name)) continue;
    out.push(
      finding(
        'addon.cni-missing',
        ['spec', 'addons', 'cilium'],
        `cluster ${cluster.name} has no CNI: without Cilium its nodes never become Ready`,
        `enable cilium on ${cluster.name}`,
      ),
    );
  }
}

/** An enabled add-on platformctl cannot render yet would report success and install nothing. */
function checkAvailable(
  spec: PlatformSpec,
  placement: PlacementTable,
  catalog: Catalog,
  out: Finding[],
): void {
  for (const addon of ADDON_NAMES) {
    if (catalog[addon].available || (placement.get(addon)?.clusters.length ?? 0) === 0) continue;
    out.push(
      finding(
        'addon.not-available',
        ['spec', 'addons', addon],
        `${addon} cannot be enabled yet: this version of platformctl has no renderer for it`,
        `set spec.addons.${addon}.enabled: false`,
      ),
    );
  }
}

export function checkAddons(spec: PlatformSpec, placement: PlacementTable, catalog: Catalog): Finding[] {
  const out: Finding[] = [];
  checkPlacement(spec, placement, catalog, out);
  checkAvailable(spec, placement, catalog, out);
  checkDependencies(spec, placement, catalog, out);
  checkCni(spec, placement, out);
  return out;
}
