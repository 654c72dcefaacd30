/**
 * Pod resources (001 §16.3) and volume sizes (001 §7.5), fitted to the nodes they land on
 * (seed correction 25: the seed's mgmt volumes need ~110 GiB on a 50 GiB worker).
 */
import type { AddonName } from '../addons/names.js';
import type { PlatformCluster } from '../spec/model.js';

export interface ResourceSpec {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

const r = (reqCpu: string, reqMem: string, limCpu: string, limMem: string): ResourceSpec => ({
  requests: { cpu: reqCpu, memory: reqMem },
  limits: { cpu: limCpu, memory: limMem },
});

/**
 * 001 §16.3 where the seed gives numbers; elsewhere what idle controllers of a lab use (a few
 * millicores), so that the real charts' pods fit the default nodes (the sizing test in
 * chart-templates.test.ts adds them up); the limits leave room for bursts.
 */
export const RESOURCES = {
  vault: r('250m', '256Mi', '1000m', '1Gi'),
  keycloak: r('500m', '512Mi', '2000m', '2Gi'),
  prometheus: r('250m', '512Mi', '1000m', '2Gi'),
  'prometheus-agent': r('100m', '256Mi', '500m', '512Mi'),
  grafana: r('100m', '128Mi', '500m', '512Mi'),
  loki: r('250m', '256Mi', '1000m', '1Gi'),
  falco: r('100m', '256Mi', '500m', '512Mi'),
  kyverno: r('100m', '128Mi', '500m', '384Mi'),
  'trivy-operator': r('100m', '128Mi', '500m', '512Mi'),
  small: r('10m', '64Mi', '200m', '256Mi'),
  medium: r('25m', '128Mi', '500m', '512Mi'),
} as const satisfies Record<string, ResourceSpec>;

/** Volume sizes the seed asks for (GiB), before fitting. */
const SEED_VOLUMES: Partial<Record<AddonName, number>> = {
  prometheus: 20,
  loki: 30,
  vault: 10,
  minio: 50,
  tempo: 10,
  thanos: 10,
  // Not in the seed (it runs Keycloak on H2): the PostgreSQL that keeps realms and users.
  keycloak: 5,
};

/** Disk a worker keeps for the OS, container images and logs. */
export const NODE_DISK_RESERVE_GIB = 20;

/**
 * Volume sizes in GiB for the add-ons on one cluster. When the seed's sizes do not fit the
 * workers' disks (less the reserve), all are scaled down by the same factor, at least 1 GiB each.
 */
export function volumeSizes(cluster: PlatformCluster): Partial<Record<AddonName, number>> {
  // Workload clusters keep no long-term data (agent mode, ADR-006): only the management cluster sizes volumes.
  const wanted = cluster.addons.flatMap((addon) => {
    const size = SEED_VOLUMES[addon];
    if (!size) return [];
    if (addon === 'prometheus' && cluster.role !== 'management') return [];
    return [[addon, size] as const];
  });
  const workers = cluster.nodes.filter((node) => node.role === 'worker');
  const hosts = workers.length > 0 ? workers : cluster.nodes;
  // local-path volumes live on one node each: fit against the largest single node.
  const capacity = Math.max(0, Math.max(...hosts.map((node) => node.diskGiB)) - NODE_DISK_RESERVE_GIB);
  const total = wanted.reduce((sum, [, size]) => sum + size, 0);
  const factor = total <= capacity || total === 0 ? 1 : capacity / total;
  return Object.fromEntries(wanted.map(([addon, size]) => [addon, Math.max(1, Math.floor(size * factor))]));
}
