/**
 * `doctor`: everything a run needs, checked and explained before it starts. The same checks as
 * `up`'s preflight (tools, the provider's own, charts and bundles), and the host: CPUs, memory
 * and free disk against the spec's budget (the numbers of `validate --budget`), the state
 * directory writable, helm's version, and the optional tools.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, statfs, writeFile } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { findBinaries } from '../clients/binaries.js';
import type { CommandRunner } from '../clients/exec.js';
import type { ProjectLayout } from '../project/layout.js';
import type { PreflightCheck } from '../providers/types.js';
import { type Budget, CPU_OVERCOMMIT_LIMIT } from '../spec/budget.js';
import { atLeast, versionNumbers } from '../util/version.js';

export const MINIMUM_HELM = [3, 14, 0] as const;
const GiB = 1024 ** 3;

export interface HostFacts {
  readonly cpus: number;
  readonly memoryGiB: number;
  /** Free space where the project lives. */
  readonly freeDiskGiB: number;
}

export async function hostFacts(dir: string): Promise<HostFacts> {
  const fs = await statfs(dir);
  return {
    cpus: availableParallelism(),
    memoryGiB: totalmem() / GiB,
    freeDiskGiB: (fs.bavail * fs.bsize) / GiB,
  };
}

const gib = (n: number) => `${n.toFixed(1)} GiB`;

/** The machines the spec asks for against this host (VM providers only: kwok runs no VMs). */
export function hostChecks(budget: Budget, host: HostFacts): PreflightCheck[] {
  const { total, reserved } = budget;
  const cpuRatio = total.cpus / Math.max(1, host.cpus - reserved.cpus);
  const memoryNeeded = total.memoryGiB + reserved.memoryGiB;
  return [
    cpuRatio <= CPU_OVERCOMMIT_LIMIT
      ? {
          id: 'host.cpus',
          status: 'pass',
          detail: `${total.cpus} vCPUs on ${host.cpus} CPUs (${cpuRatio.toFixed(2)}x)`,
        }
      : {
          id: 'host.cpus',
          status: 'warn',
          detail: `${total.cpus} vCPUs on ${host.cpus} CPUs is ${cpuRatio.toFixed(2)}x, above ${CPU_OVERCOMMIT_LIMIT}x: everything will be slow`,
          fix: 'give the nodes fewer CPUs in the spec, or run fewer clusters',
        },
    host.memoryGiB >= memoryNeeded
      ? {
          id: 'host.memory',
          status: 'pass',
          detail: `${gib(memoryNeeded)} needed (with ${gib(reserved.memoryGiB)} kept for the host) of ${gib(host.memoryGiB)}`,
        }
      : {
          id: 'host.memory',
          status: 'fail',
          detail: `the VMs need ${gib(total.memoryGiB)} and the host keeps ${gib(reserved.memoryGiB)}: ${gib(memoryNeeded)}, but this machine has ${gib(host.memoryGiB)}`,
          fix: 'shrink the nodes in the spec (`platformctl validate --budget` shows each) or use a bigger machine',
        },
    host.freeDiskGiB >= total.diskGiB
      ? {
          id: 'host.disk',
          status: 'pass',
          detail: `${gib(host.freeDiskGiB)} free for ${total.diskGiB} GiB of VM disks`,
        }
      : {
          id: 'host.disk',
          status: 'warn',
          detail: `${gib(host.freeDiskGiB)} free, the VM disks may grow to ${total.diskGiB} GiB (they start small and fill as used)`,
          fix: 'free some disk, or give the nodes smaller disks in the spec',
        },
  ];
}

/** Writes and removes a file where the state lives (or would: the project directory), changing nothing. */
export async function stateDirCheck(layout: ProjectLayout): Promise<PreflightCheck> {
  const where = existsSync(layout.stateDir) ? layout.stateDir : layout.root;
  const probe = join(where, `.platformctl-doctor-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(probe, '', { mode: 0o600 });
    await rm(probe, { force: true });
    return { id: 'state.writable', status: 'pass', detail: layout.stateDir };
  } catch (error) {
    return {
      id: 'state.writable',
      status: 'fail',
      detail: `cannot write ${layout.stateDir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      fix: 'run platformctl in a directory you can write, or fix the permissions of .platformctl',
    };
  }
}

/** helm's version (the plan installs with it), and the optional tools users reach for. */
export async function toolChecks(
  runner: CommandRunner,
  env: Readonly<Record<string, string | undefined>>,
  projectDir: string,
): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  try {
    const { helm } = findBinaries(['helm'] as const, { env, projectDir });
    const { stdout } = await runner.run(helm, ['version', '--template', '{{.Version}}'], {
      timeoutMs: 15_000,
    });
    const version = stdout.trim();
    const numbers = versionNumbers(version);
    checks.push(
      numbers && atLeast(numbers, MINIMUM_HELM)
        ? { id: 'helm.version', status: 'pass', detail: version }
        : {
            id: 'helm.version',
            status: 'fail',
            detail: `helm ${version} is older than ${MINIMUM_HELM.join('.')}`,
            fix: 'macOS: brew upgrade helm; Linux: sudo snap refresh helm',
          },
    );
  } catch {
    // binary.helm (preflight) already says helm is missing.
  }
  for (const [tool, install] of [
    ['kubectl', 'macOS: brew install kubectl; Linux: sudo snap install kubectl --classic'],
    ['cilium', 'macOS: brew install cilium-cli; Linux: see docs.cilium.io, "Install the Cilium CLI"'],
  ] as const) {
    try {
      const found = findBinaries([tool], { env, projectDir });
      checks.push({ id: `optional.${tool}`, status: 'pass', detail: found[tool] ?? tool });
    } catch {
      checks.push({
        id: `optional.${tool}`,
        status: 'warn',
        detail: `${tool} not found (optional)`,
        fix: install,
      });
    }
  }
  return checks;
}
