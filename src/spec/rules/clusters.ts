/**
 * Cluster rules: names, ids, roles and control-plane counts.
 */
import { type Finding, finding } from '../diagnostics.js';
import type { PlatformDocument } from '../types.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Node names are <cluster>-worker-<n>; a node name must fit in a 63-character DNS label. */
export const MAX_CLUSTER_NAME = 63 - '-worker-99'.length;

export function checkClusters(doc: PlatformDocument): Finding[] {
  const out: Finding[] = [];
  const { clusters } = doc.spec;

  if (!DNS_LABEL.test(doc.metadata.name) || doc.metadata.name.length > 63) {
    out.push(
      finding(
        'platform.name-invalid',
        ['metadata', 'name'],
        `platform name "${doc.metadata.name}" is not a DNS label (lower-case letters, digits and '-', at most 63)`,
        'e.g. local-lab',
      ),
    );
  }

  const seenNames = new Map<string, number>();
  const seenIds = new Map<number, number>();
  clusters.forEach((cluster, i) => {
    if (!DNS_LABEL.test(cluster.name) || cluster.name.length > MAX_CLUSTER_NAME) {
      out.push(
        finding(
          'cluster.name-invalid',
          ['spec', 'clusters', i, 'name'],
          `cluster name "${cluster.name}" must be a DNS label of at most ${MAX_CLUSTER_NAME} characters (lower-case letters, digits, '-'), because node names are built from it`,
          `e.g. ${
            cluster.name
              .toLowerCase()
              .replace(/[^a-z0-9-]/g, '-')
              .replace(/^-+|-+$/g, '') || 'app1'
          }`,
        ),
      );
    }
    const firstName = seenNames.get(cluster.name);
    if (firstName !== undefined) {
      out.push(
        finding(
          'cluster.name-duplicate',
          ['spec', 'clusters', i, 'name'],
          `cluster name "${cluster.name}" is already used by spec.clusters[${firstName}]`,
          'give every cluster its own name',
        ),
      );
    } else seenNames.set(cluster.name, i);
    const firstId = seenIds.get(cluster.id);
    if (firstId !== undefined) {
      out.push(
        finding(
          'cluster.id-duplicate',
          ['spec', 'clusters', i, 'id'],
          `cluster ${cluster.name} has id ${cluster.id}, already used by ${clusters[firstId]!.name}; ClusterMesh needs a unique id per cluster`,
          `pick an unused id in 1..255, e.g. ${Math.max(...clusters.map((c) => c.id)) + 1}`,
        ),
      );
    } else seenIds.set(cluster.id, i);

    const cp = cluster.controlPlane.count;
    if (cp === 2) {
      out.push(
        finding(
          'cluster.control-plane-no-quorum-gain',
          ['spec', 'clusters', i, 'controlPlane', 'count'],
          `cluster ${cluster.name} has 2 control planes: etcd needs both for quorum, so it tolerates no more failures than 1`,
          'use 1, or 3 for high availability',
        ),
      );
    } else if (cp !== 1 && cp !== 3) {
      out.push(
        finding(
          'cluster.control-plane-count',
          ['spec', 'clusters', i, 'controlPlane', 'count'],
          `cluster ${cluster.name} has ${cp} control planes; platformctl supports 1, or 3 for high availability`,
          'use 1 or 3',
        ),
      );
    }
    if (cluster.workers.count === 0) {
      out.push(
        finding(
          'cluster.no-workers',
          ['spec', 'clusters', i, 'workers', 'count'],
          `cluster ${cluster.name} has no workers: control planes are untainted and run every workload`,
        ),
      );
    }
  });

  const managers = clusters.flatMap((cluster, i) => (cluster.role === 'management' ? [i] : []));
  if (managers.length !== 1) {
    const path = managers.length === 0 ? ['spec', 'clusters'] : ['spec', 'clusters', managers[1]!, 'role'];
    out.push(
      finding(
        'cluster.management-count',
        path,
        managers.length === 0
          ? 'there is no management cluster; platform services (Vault, observability, backup) need one (ADR-001)'
          : `there are ${managers.length} management clusters (${managers.map((i) => clusters[i]!.name).join(', ')}); exactly one runs the platform services (ADR-001)`,
        managers.length === 0
          ? 'set role: management on one cluster'
          : 'set role: workload on all but one of them',
      ),
    );
  }
  if (!clusters.some((cluster) => cluster.role === 'workload')) {
    out.push(
      finding(
        'cluster.no-workload',
        ['spec', 'clusters'],
        'there is no workload cluster; applications run only on workload clusters',
        'add a cluster with role: workload',
      ),
    );
  }
  return out;
}
