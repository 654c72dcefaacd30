/**
 * SIMULATION, for kwok clusters only. kwok nodes run no containers, so nothing provisions
 * volumes and no MetalLB answers for LoadBalancer Services. This controller stands in for both
 * so that standard workloads become Ready:
 * - a PersistentVolumeClaim waiting for a volume gets a hostPath PersistentVolume (never written
 *   to: kwok pods do not run) pre-bound to it, on the node the scheduler selected;
 * - a LoadBalancer Service gets an address from its cluster's pool, honouring MetalLB's
 *   `metallb.io/loadBalancerIPs` annotation, as MetalLB would.
 * Nothing here runs against real clusters.
 */
import { formatAddress, parseRange } from '../../net/ipv4.js';
import type { KubeClient } from '../../clients/kube.js';
import type { KubeObject } from '../../kube/objects.js';

export const SIMULATED_BY = 'platformctl.dev/simulated-by';
const SELECTED_NODE = 'volume.kubernetes.io/selected-node';

interface Pvc {
  metadata: { name: string; namespace: string; uid: string; annotations?: Record<string, string> };
  spec: {
    storageClassName?: string;
    accessModes?: string[];
    resources?: { requests?: { storage?: string } };
    volumeName?: string;
  };
  status?: { phase?: string };
}

interface StorageClass {
  metadata: { name: string; annotations?: Record<string, string> };
  volumeBindingMode?: string;
  reclaimPolicy?: string;
}

interface Service {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: { type?: string };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string }> } };
}

/** The PersistentVolume to create for a claim, or undefined when it is not (yet) ours to bind. */
export function volumeFor(claim: Pvc, classes: readonly StorageClass[]): KubeObject | undefined {
  if (claim.spec.volumeName || claim.status?.phase === 'Bound') return undefined;
  const className =
    claim.spec.storageClassName ??
    classes.find((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')
      ?.metadata.name;
  const storageClass = classes.find((c) => c.metadata.name === className);
  if (!storageClass) return undefined;
  const node = claim.metadata.annotations?.[SELECTED_NODE];
  // WaitForFirstConsumer: wait until the scheduler has chosen a node, as a local provisioner does.
  if (storageClass.volumeBindingMode === 'WaitForFirstConsumer' && !node) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `pvc-${claim.metadata.uid}`, labels: { [SIMULATED_BY]: 'platformctl-kwok' } },
    spec: {
      capacity: { storage: claim.spec.resources?.requests?.storage ?? '1Gi' },
      accessModes: claim.spec.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
      storageClassName: storageClass.metadata.name,
      hostPath: { path: `/var/lib/platformctl-kwok/${claim.metadata.uid}`, type: 'DirectoryOrCreate' },
      claimRef: { namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid },
      ...(node
        ? {
            nodeAffinity: {
              required: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] },
                ],
              },
            },
          }
        : {}),
    },
  };
}

/** Addresses for LoadBalancer Services still waiting for one, allocated as MetalLB would from `range`. */
export function loadBalancerAddresses(services: readonly Service[], range: string): Map<string, string> {
  // An empty range: every address of the pool is pinned, nothing is assigned automatically.
  const parsed = range === '' ? { ok: true as const, value: { first: 1, last: 0 } } : parseRange(range);
  if (!parsed.ok) throw new Error(`bad pool ${range}: ${parsed.reason}`);
  const balancers = services.filter((s) => s.spec.type === 'LoadBalancer');
  const used = new Set(
    balancers.flatMap((s) => (s.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []))),
  );
  const out = new Map<string, string>();
  const waiting = balancers
    .filter((s) => (s.status?.loadBalancer?.ingress ?? []).length === 0)
    .sort((a, b) =>
      `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
        `${b.metadata.namespace}/${b.metadata.name}`,
      ),
    );
  // Pinned addresses first, so a dynamic allocation never takes one.
  for (const service of waiting) {
    const pinned = service.metadata.annotations?.['metallb.io/loadBalancerIPs'];
    if (pinned && !used.has(pinned)) {
      out.set(`${service.metadata.namespace}/${service.metadata.name}`, pinned);
      used.add(pinned);
    }
  }
  let next = parsed.value.first;
  for (const service of waiting) {
    const key = `${service.metadata.namespace}/${service.metadata.name}`;
    if (out.has(key) || service.metadata.annotations?.['metallb.io/loadBalancerIPs']) continue;
    while (next <= parsed.value.last && used.has(formatAddress(next))) next++;
    if (next > parsed.value.last) break; // pool exhausted: stays pending, as with MetalLB
    const ip = formatAddress(next);
    used.add(ip);
    out.set(key, ip);
  }
  return out;
}

/** One reconciliation pass over a cluster. Returns what it changed, for the log. */
export async function simulateOnce(client: KubeClient, range: string): Promise<string[]> {
  const changes: string[] = [];
  const [claims, classes, services] = await Promise.all([
    client.list<Pvc>('v1', 'PersistentVolumeClaim'),
    client.list<StorageClass>('storage.k8s.io/v1', 'StorageClass'),
    client.list<Service>('v1', 'Service'),
  ]);
  for (const claim of claims) {
    const volume = volumeFor(claim, classes);
    if (!volume) continue;
    await client.apply(volume);
    changes.push(`bound ${claim.metadata.namespace}/${claim.metadata.name} to ${volume.metadata.name}`);
  }
  for (const [key, ip] of loadBalancerAddresses(services, range)) {
    const [namespace, name] = key.split('/') as [string, string];
    await client.patchStatus('v1', 'Service', name, namespace, {
      status: { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } },
    });
    changes.push(`assigned ${ip} to ${key}`);
  }
  return changes;
}
