/**
 * The resource budget: every VM and external service against the host, less what it keeps for itself.
 */
import type { MachineSize, PlatformSpec } from './types.js';
import { EXTERNAL_SERVICE_NAMES } from './types.js';

export interface BudgetLine extends MachineSize {
  readonly name: string;
  readonly kind: 'control-plane' | 'worker' | 'external-service';
  readonly cluster?: string;
}

export interface Budget {
  readonly lines: readonly BudgetLine[];
  readonly total: MachineSize;
  readonly host: MachineSize;
  readonly reserved: MachineSize;
  /** Host capacity minus the reserve. */
  readonly available: MachineSize;
  /** vCPUs per available host CPU. */
  readonly cpuRatio: number;
}

/** The largest CPU overcommit the budget accepts without a warning. */
export const CPU_OVERCOMMIT_LIMIT = 2;

export function nodeName(cluster: string, kind: 'control-plane' | 'worker', index: number): string {
  return `${cluster}-${kind === 'control-plane' ? 'cp' : 'worker'}-${index}`;
}

export function computeBudget(spec: PlatformSpec): Budget {
  const lines: BudgetLine[] = [];
  for (const cluster of spec.clusters) {
    for (const [kind, group] of [
      ['control-plane', cluster.controlPlane],
      ['worker', cluster.workers],
    ] as const) {
      for (let i = 0; i < group.count; i++) {
        const { cpus, memoryGiB, diskGiB } = group;
        lines.push({
          name: nodeName(cluster.name, kind, i),
          kind,
          cluster: cluster.name,
          cpus,
          memoryGiB,
          diskGiB,
        });
      }
    }
  }
  for (const name of EXTERNAL_SERVICE_NAMES) {
    const service = spec.externalServices[name];
    if (!service.enabled) continue;
    lines.push({
      name,
      kind: 'external-service',
      cpus: service.cpus,
      memoryGiB: service.memoryGiB,
      diskGiB: service.diskGiB,
    });
  }
  const sum = (key: keyof MachineSize) => lines.reduce((acc, line) => acc + line[key], 0);
  const total = { cpus: sum('cpus'), memoryGiB: sum('memoryGiB'), diskGiB: sum('diskGiB') };
  const { reserved } = spec.host;
  const host = { cpus: spec.host.cpus, memoryGiB: spec.host.memoryGiB, diskGiB: spec.host.diskGiB };
  const available = {
    cpus: Math.max(0, host.cpus - reserved.cpus),
    memoryGiB: Math.max(0, host.memoryGiB - reserved.memoryGiB),
    diskGiB: Math.max(0, host.diskGiB - reserved.diskGiB),
  };
  const cpuRatio = available.cpus === 0 ? Number.POSITIVE_INFINITY : total.cpus / available.cpus;
  return { lines, total, host, reserved: { ...reserved }, available, cpuRatio };
}
