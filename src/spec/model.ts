/**
 * The normalised internal model: a valid document with its ranges parsed, its nodes
 * enumerated and its add-ons placed. Renderers and the planner read this.
 */
import { ADDON_NAMES, type AddonName } from '../addons/names.js';
import type { Catalog, ClusterRole } from '../addons/types.js';
import type { AddressRange, Cidr } from '../net/ipv4.js';
import { type ClusterAddresses, clusterAddresses } from './addresses.js';
import { nodeName } from './budget.js';
import { addonsOn, type PlacementTable } from './placement.js';
import type { NetworkFacts } from './rules/network.js';
import { parseKubernetesVersion } from './rules/versions.js';
import type {
  ExternalServiceSpec,
  FeatureGateProfile,
  PlatformDocument,
  PodSecurityExemption,
  Provider,
  PsaLevel,
} from './types.js';

export interface PlatformNode {
  readonly name: string;
  readonly cluster: string;
  readonly role: 'control-plane' | 'worker';
  readonly index: number;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly diskGiB: number;
}

export interface PlatformCluster {
  readonly name: string;
  readonly role: ClusterRole;
  readonly id: number;
  readonly nodes: readonly PlatformNode[];
  readonly podCIDR: Cidr;
  readonly serviceCIDR: Cidr;
  readonly loadBalancerPool: AddressRange;
  readonly addons: readonly AddonName[];
  /** Pinned addresses from the pool: API VIP and the services other clusters reach. */
  readonly addresses: ClusterAddresses;
  readonly existing?: { readonly kubeconfig?: string; readonly context: string };
}

export interface Platform {
  readonly name: string;
  readonly provider: Provider;
  readonly kubernetes: {
    readonly version: string;
    readonly minor: number;
    readonly featureGateProfile: FeatureGateProfile;
  };
  readonly network: {
    readonly nodeSubnet: Cidr;
    readonly gateway: number;
    readonly dhcpRange: AddressRange;
    readonly domain: string;
  };
  readonly clusters: readonly PlatformCluster[];
  readonly managementCluster: string;
  readonly placement: PlacementTable;
  readonly podSecurity: {
    readonly defaults: { readonly enforce: PsaLevel; readonly audit: PsaLevel; readonly warn: PsaLevel };
    readonly exemptions: readonly PodSecurityExemption[];
  };
  readonly externalServices: Readonly<Record<string, ExternalServiceSpec>>;
  /** The namespace each add-on runs in (from the catalog). */
  readonly addonNamespaces: Readonly<Record<AddonName, string>>;
  /** The complete document this model was built from. */
  readonly document: PlatformDocument;
}

/** Builds the model. Only call it for a document whose validation reported no errors. */
export function normalise(
  doc: PlatformDocument,
  placement: PlacementTable,
  network: NetworkFacts,
  catalog: Catalog,
): Platform {
  const version = parseKubernetesVersion(doc.spec.kubernetes.version);
  if (!version || !network.subnet || network.gateway === undefined || !network.dhcp) {
    throw new Error('normalise() needs a document without validation errors');
  }
  const clusters = doc.spec.clusters.map((cluster, i): PlatformCluster => {
    const ranges = network.clusters[i]!;
    if (!ranges.pod || !ranges.service || !ranges.pool)
      throw new Error('normalise() needs valid cluster ranges');
    const nodes: PlatformNode[] = [];
    for (const [role, group] of [
      ['control-plane', cluster.controlPlane],
      ['worker', cluster.workers],
    ] as const) {
      for (let index = 0; index < group.count; index++) {
        nodes.push({
          name: nodeName(cluster.name, role, index),
          cluster: cluster.name,
          role,
          index,
          cpus: group.cpus,
          memoryGiB: group.memoryGiB,
          diskGiB: group.diskGiB,
        });
      }
    }
    return {
      name: cluster.name,
      role: cluster.role,
      id: cluster.id,
      nodes,
      podCIDR: ranges.pod.interval as Cidr,
      serviceCIDR: ranges.service.interval as Cidr,
      loadBalancerPool: { ...ranges.pool.interval, text: ranges.pool.text },
      addons: addonsOn(placement, cluster.name),
      addresses: clusterAddresses(
        cluster.role,
        { ...ranges.pool.interval, text: ranges.pool.text },
        addonsOn(placement, cluster.name),
      ),
      ...(cluster.existing ? { existing: cluster.existing } : {}),
    };
  });
  return {
    name: doc.metadata.name,
    provider: doc.spec.provider,
    kubernetes: {
      version: `v${version.major}.${version.minor}.${version.patch}`,
      minor: version.minor,
      featureGateProfile: doc.spec.kubernetes.featureGateProfile,
    },
    network: {
      nodeSubnet: network.subnet.interval as Cidr,
      gateway: network.gateway,
      dhcpRange: { ...network.dhcp.interval, text: network.dhcp.text },
      domain: doc.spec.network.domain,
    },
    clusters,
    managementCluster: clusters.find((cluster) => cluster.role === 'management')!.name,
    placement,
    podSecurity: doc.spec.podSecurity,
    externalServices: doc.spec.externalServices,
    addonNamespaces: Object.fromEntries(ADDON_NAMES.map((name) => [name, catalog[name].namespace])) as Record<
      AddonName,
      string
    >,
    document: doc,
  };
}
