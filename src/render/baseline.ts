/**
 * The application namespace's guard rails on workload clusters (seed §7.5, §19.4, §20.3,
 * correction 16): LimitRange and ResourceQuota sized to fit the workers, default-deny network
 * policies with DNS over UDP and TCP, selecting namespaces by kubernetes.io/metadata.name.
 */

import { LimitRange, NetworkPolicy, ResourceQuota } from '../kube/kinds.js';
import type { KubeObject } from '../kube/objects.js';
import type { PlatformCluster } from '../spec/model.js';
import { MANAGED_BY, plain } from '../kube/objects.js';
import { APPLICATION_NAMESPACE } from './psa.js';

const byName = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });

/**
 * A third of the workers' capacity for requests, all of it for limits: the platform's own pods
 * (about 4 GiB of requests on a workload cluster with the real charts) need the rest; the
 * sizing test in chart-templates.test.ts holds both together to the nodes.
 */
export function quotaFor(cluster: PlatformCluster): {
  requestsCpu: number;
  requestsMemoryGiB: number;
  limitsCpu: number;
  limitsMemoryGiB: number;
} {
  const workers = cluster.nodes.filter((n) => n.role === 'worker');
  const pool = workers.length > 0 ? workers : cluster.nodes;
  const cpus = pool.reduce((sum, n) => sum + n.cpus, 0);
  const memory = pool.reduce((sum, n) => sum + n.memoryGiB, 0);
  return {
    requestsCpu: Math.max(0.5, Math.round((cpus / 3) * 10) / 10),
    requestsMemoryGiB: Math.max(0.5, Math.round((memory / 3) * 10) / 10),
    limitsCpu: cpus,
    limitsMemoryGiB: memory,
  };
}

export function applicationGuardrails(cluster: PlatformCluster): KubeObject[] {
  if (cluster.role !== 'workload') return [];
  const ns = APPLICATION_NAMESPACE;
  const quota = quotaFor(cluster);
  const metadata = (name: string) => ({ name, namespace: ns, labels: { ...MANAGED_BY } });
  const largestWorker = Math.min(
    ...cluster.nodes.filter((n) => n.role === 'worker').map((n) => n.memoryGiB),
    2,
  );
  return [
    plain(
      LimitRange({
        metadata: metadata('default-limits'),
        spec: {
          limits: [
            {
              type: 'Container',
              default: { cpu: '500m', memory: '512Mi' },
              defaultRequest: { cpu: '100m', memory: '128Mi' },
              max: { cpu: '2', memory: `${largestWorker}Gi` },
            },
          ],
        },
      }),
    ),
    plain(
      ResourceQuota({
        metadata: metadata('compute-quota'),
        spec: {
          hard: {
            'requests.cpu': String(quota.requestsCpu),
            'requests.memory': `${quota.requestsMemoryGiB * 1024}Mi`,
            'limits.cpu': String(quota.limitsCpu),
            'limits.memory': `${quota.limitsMemoryGiB * 1024}Mi`,
            pods: '20',
          },
        },
      }),
    ),
    plain(
      NetworkPolicy({
        metadata: metadata('default-deny-all'),
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      }),
    ),
    plain(
      NetworkPolicy({
        metadata: metadata('allow-dns-egress'),
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            {
              to: [
                {
                  namespaceSelector: byName('kube-system'),
                  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
                },
              ],
              ports: [
                { protocol: 'UDP', port: 53 },
                { protocol: 'TCP', port: 53 },
              ],
            },
          ],
        },
      }),
    ),
    plain(
      NetworkPolicy({
        metadata: metadata('allow-monitoring-scrape'),
        spec: {
          podSelector: {},
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: byName('monitoring') }] }],
        },
      }),
    ),
  ];
}
