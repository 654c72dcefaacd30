/**
 * Resource rules: the VMs and external services against the host (001 §16), and kubeadm's minimum node size.
 */
import { CPU_OVERCOMMIT_LIMIT, computeBudget } from '../budget.js';
import { type Finding, finding } from '../diagnostics.js';
import type { PlatformSpec } from '../types.js';

/** kubeadm preflight: a control plane needs 2 CPUs and about 1.7 GB of memory. */
const MIN_CONTROL_PLANE = { cpus: 2, memoryGiB: 2 };
const MIN_WORKER = { cpus: 1, memoryGiB: 1 };

function largest(lines: ReturnType<typeof computeBudget>['lines'], key: 'memoryGiB' | 'diskGiB'): string {
  return [...lines]
    .sort((a, b) => b[key] - a[key] || a.name.localeCompare(b.name))
    .slice(0, 3)
    .map((line) => `${line.name} ${line[key]} GiB`)
    .join(', ');
}

export function checkResources(spec: PlatformSpec): Finding[] {
  const out: Finding[] = [];
  if (spec.provider !== 'multipass') return out; // only multipass creates VMs on this host

  spec.clusters.forEach((cluster, i) => {
    for (const [group, minimum] of [
      ['controlPlane', MIN_CONTROL_PLANE],
      ['workers', MIN_WORKER],
    ] as const) {
      const size = cluster[group];
      if (size.count > 0 && (size.cpus < minimum.cpus || size.memoryGiB < minimum.memoryGiB)) {
        out.push(
          finding(
            'resources.node-too-small',
            ['spec', 'clusters', i, group],
            `cluster ${cluster.name} ${group === 'controlPlane' ? 'control-plane' : 'worker'} nodes have ${size.cpus} CPU / ${size.memoryGiB} GiB; kubeadm needs at least ${minimum.cpus} CPU / ${minimum.memoryGiB} GiB`,
            `raise cpus to ${Math.max(size.cpus, minimum.cpus)} and memoryGiB to ${Math.max(size.memoryGiB, minimum.memoryGiB)}`,
          ),
        );
      }
    }
  });

  const budget = computeBudget(spec);
  const { total, available } = budget;
  const hardLimits = [
    {
      key: 'memoryGiB',
      code: 'resources.memory-over-budget',
      what: 'memory',
      shrink: 'shrink nodes, remove workers',
    },
    { key: 'diskGiB', code: 'resources.disk-over-budget', what: 'disk', shrink: 'shrink node disks' },
  ] as const;
  for (const { key, code, what, shrink } of hardLimits) {
    if (total[key] <= available[key]) continue;
    out.push(
      finding(
        code,
        ['spec', 'host', key],
        `VMs and external services need ${total[key]} GiB of ${what} but the host has ${available[key]} GiB after its ${spec.host.reserved[key]} GiB reserve (largest: ${largest(budget.lines, key)})`,
        `${shrink} or disable external services; run \`platformctl validate --budget\` for the table`,
      ),
    );
  }
  if (budget.cpuRatio > CPU_OVERCOMMIT_LIMIT) {
    out.push(
      finding(
        'resources.cpu-overcommit',
        ['spec', 'host', 'cpus'],
        `${total.cpus} vCPUs on ${available.cpus} available host CPUs is a ${budget.cpuRatio.toFixed(2)}x overcommit (more than ${CPU_OVERCOMMIT_LIMIT}x); expect slow installs under load`,
        'fewer or smaller VMs, or a smaller host reserve',
      ),
    );
  }
  return out;
}
