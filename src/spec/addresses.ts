/**
 * The addresses other parts of the platform depend on, pinned from each cluster's pool
 * (seed correction 6): the same spec always gives the same IPs, whatever MetalLB would pick.
 */
import type { AddonName } from '../addons/names.js';
import type { ClusterRole } from '../addons/types.js';
import { type AddressRange, formatAddress, intervalSize } from '../net/ipv4.js';

export type PinnedService =
  'gateway' | 'clustermesh-apiserver' | 'vault' | 'minio' | 'thanos-receive' | 'loki' | 'tempo';

interface Slot {
  readonly service: PinnedService;
  /** Position in the pool; fixed, so turning an add-on off never moves another's address. */
  readonly offset: number;
  readonly addon: AddonName;
  readonly roles: readonly ClusterRole[];
}

const SLOTS: readonly Slot[] = [
  { service: 'gateway', offset: 0, addon: 'gateway-api', roles: ['management', 'workload'] },
  { service: 'clustermesh-apiserver', offset: 1, addon: 'cilium', roles: ['management', 'workload'] },
  { service: 'vault', offset: 2, addon: 'vault', roles: ['management'] },
  { service: 'minio', offset: 3, addon: 'minio', roles: ['management'] },
  { service: 'thanos-receive', offset: 4, addon: 'thanos', roles: ['management'] },
  { service: 'loki', offset: 5, addon: 'loki', roles: ['management'] },
  { service: 'tempo', offset: 6, addon: 'tempo', roles: ['management'] },
];

/** Pool addresses a cluster of this role needs: its pinned slots plus the API VIP (the last address). */
export function poolAddressesNeeded(role: ClusterRole): number {
  return Math.max(...SLOTS.filter((slot) => slot.roles.includes(role)).map((slot) => slot.offset)) + 2;
}

export interface ClusterAddresses {
  /** The Kubernetes API virtual IP (kube-vip), the pool's last address; MetalLB never hands it out. */
  readonly api: string;
  /** Pinned LoadBalancer IPs of the services on this cluster that others depend on. */
  readonly services: Readonly<Partial<Record<PinnedService, string>>>;
  /** What MetalLB may hand out: the pool without the API VIP. */
  readonly metallbRange: string;
  /** The pinned slots: MetalLB must give them only to the Services that ask for them (autoAssign off). */
  readonly pinnedRange: string;
  /** What MetalLB may assign automatically: after the pinned slots, before the API VIP; absent when none is left. */
  readonly dynamicRange?: string;
}

export function clusterAddresses(
  role: ClusterRole,
  pool: AddressRange,
  addons: readonly AddonName[],
): ClusterAddresses {
  if (intervalSize(pool) < poolAddressesNeeded(role)) {
    throw new Error(
      `pool ${pool.text} is smaller than the ${poolAddressesNeeded(role)} addresses validation requires`,
    );
  }
  const services: Partial<Record<PinnedService, string>> = {};
  for (const slot of SLOTS) {
    if (slot.roles.includes(role) && addons.includes(slot.addon))
      services[slot.service] = formatAddress(pool.first + slot.offset);
  }
  const pinnedCount = poolAddressesNeeded(role) - 1;
  const dynamicFirst = pool.first + pinnedCount;
  return {
    api: formatAddress(pool.last),
    services,
    metallbRange: `${formatAddress(pool.first)}-${formatAddress(pool.last - 1)}`,
    pinnedRange: `${formatAddress(pool.first)}-${formatAddress(dynamicFirst - 1)}`,
    ...(dynamicFirst <= pool.last - 1
      ? { dynamicRange: `${formatAddress(dynamicFirst)}-${formatAddress(pool.last - 1)}` }
      : {}),
  };
}
