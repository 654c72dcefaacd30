/**
 * Live checks at scale (`npm run bench`, issue #16 §3): `plan --check` (Project.check) and
 * `status` (Project.status) of platforms of 3, 10 and 50 clusters on `provider: existing`, after
 * a real `up` recorded their steps. The clusters are simulated: every spec cluster is a context of
 * one kubeconfig, and every context reaches the same real kwok API server (made with kwokctl
 * outside platformctl), so the checks do their real requests and only the server is shared.
 * Prints the time per cluster and its growth against 3 clusters (1.00: flat), medians of
 * interleaved rounds. Nothing here asserts on time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ADDON_NAMES } from '../src/addons/names.js';
import { KubeClient } from '../src/clients/kube.js';
import { openProject } from '../src/ops/project.js';
import { kubeconfigText, renamedKubeconfig } from '../src/providers/shared/kubeconfig.js';
import { SHARED_CHART_MIRROR } from '../src/test-support/chart-values.js';
import {
  createOutsideKwokCluster,
  HARNESS_BIN,
  type OutsideKwokCluster,
} from '../src/test-support/outside-kwok.js';
import { scaleSpec } from '../src/test-support/scale-spec.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin/platformctl.js');
const SIZES: readonly number[] = [3, 10, 50];
const ROUNDS = 3;
const harness = existsSync(join(HARNESS_BIN, 'kwokctl')) && existsSync(join(ROOT, 'dist/cli/main.js'));
const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const work = mkdtempSync(join(tmpdir(), 'platformctl-live-checks-'));
let shared: OutsideKwokCluster | undefined;

afterAll(() => {
  shared?.delete();
  rmSync(work, { recursive: true, force: true });
});

/** The names scaleSpec gives its clusters. */
const clusterNames = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? 'mgmt' : `app${i}`));

/** A project of `n` clusters, every one a context of `kubeconfig` on the shared server, add-ons off. */
function projectOf(n: number, kubeconfig: string): string {
  const dir = join(work, `scale-${n}`);
  mkdirSync(dir);
  const entries = clusterNames(n).map((name) => renamedKubeconfig(shared!.kubeconfigText(), name));
  writeFileSync(
    kubeconfig,
    kubeconfigText(
      {
        clusters: entries.flatMap((e) => e.clusters),
        users: entries.flatMap((e) => e.users),
        contexts: entries.flatMap((e) => e.contexts),
      },
      'mgmt',
    ),
    { mode: 0o600 },
  );
  // Only the platform's own steps (namespaces, guardrails, ...): add-ons would install one
  // release per cluster into the one server.
  const spec = scaleSpec(n).replace(
    '  provider: existing\n',
    `  provider: existing\n  addons:\n${ADDON_NAMES.map((a) => `    ${a}: { enabled: false }\n`).join('')}`,
  );
  writeFileSync(join(dir, 'platform.yaml'), spec);
  return dir;
}

describe('live checks at scale', () => {
  it.skipIf(!harness)(
    'plan --check and status of 3, 10 and 50 clusters, per cluster, side by side',
    async () => {
      mkdirSync(join(work, 'kwok'));
      shared = await createOutsideKwokCluster({ name: 'live-checks', workdir: join(work, 'kwok') });
      // A cluster someone else runs has a default StorageClass (preflight asks for one).
      const server = await KubeClient.fromFile(shared.kubeconfig);
      await server.apply({
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: {
          name: 'standard',
          annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
        },
        provisioner: 'example.com/none',
      });
      const projects = new Map<number, { dir: string; env: NodeJS.ProcessEnv }>();
      for (const n of SIZES) {
        const kubeconfig = join(work, `scale-${n}.kubeconfig`);
        const dir = projectOf(n, kubeconfig);
        const env = {
          ...process.env,
          KUBECONFIG: kubeconfig,
          PATH: `${HARNESS_BIN}:${process.env.PATH}`,
          NO_COLOR: '1',
          PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR,
        };
        const up = spawnSync(process.execPath, [CLI, 'up', '-o', 'json'], {
          cwd: dir,
          env,
          encoding: 'utf8',
        });
        expect(up.status, `${up.stderr}${up.stdout.slice(-2000)}`).toBe(0);
        projects.set(n, { dir, env });
      }
      const samples = new Map(
        SIZES.map((n) => [
          n,
          {
            check: [] as number[],
            status: [] as number[],
            checkCpu: [] as number[],
            statusCpu: [] as number[],
            checked: 0,
          },
        ]),
      );
      for (let round = 0; round <= ROUNDS; round++)
        for (const n of SIZES) {
          const { dir, env } = projects.get(n)!;
          const project = await openProject({ cwd: dir, env });
          let start = performance.now();
          let cpu = process.cpuUsage();
          const rows = await project.check();
          const check = performance.now() - start;
          const checkCpu = cpuMs(process.cpuUsage(cpu));
          start = performance.now();
          cpu = process.cpuUsage();
          const status = await project.status();
          const statusMs = performance.now() - start;
          const statusCpu = cpuMs(process.cpuUsage(cpu));
          // Every cluster serves, and its steps were really checked against the server.
          expect(status.clusters.filter((c) => c.serving)).toHaveLength(n);
          const checked = rows.filter((r) => r.state !== 'not checked').length;
          expect(checked).toBeGreaterThanOrEqual(n);
          if (round === 0) continue; // warm-up
          const s = samples.get(n)!;
          s.check.push(check);
          s.status.push(statusMs);
          s.checkCpu.push(checkCpu);
          s.statusCpu.push(statusCpu);
          s.checked = checked;
        }
      type Measure = 'check' | 'status' | 'checkCpu' | 'statusCpu';
      const perCluster = (n: number, what: Measure) => median(samples.get(n)![what]) / n;
      const growth = (n: number, what: Measure) =>
        (perCluster(n, what) / perCluster(SIZES[0]!, what)).toFixed(2);
      const lines = SIZES.map((n) => {
        const cells = (['check', 'status'] as const).map((what) => {
          const ms = median(samples.get(n)![what]);
          const cpu = `${what}Cpu` as const;
          return `${what} ${ms.toFixed(0).padStart(6)} ms (${perCluster(n, what).toFixed(1)}/cluster, ${growth(n, what)}x; CPU here ${perCluster(n, cpu).toFixed(1)}/cluster, ${growth(n, cpu)}x)`;
        });
        return `  ${String(n).padStart(3)} clusters  ${cells.join('  ')}  [${samples.get(n)!.checked} live checks]`;
      });
      console.log(
        [
          `live checks at scale: one real kwok API server behind every context, medians of ${ROUNDS} interleaved rounds;`,
          `growth is the time per cluster against ${SIZES[0]} clusters (1.00 = flat); "CPU here" is this process's`,
          "CPU time (user + system): the checks' own work, apart from the one shared server on this machine's cores",
          ...lines,
        ].join('\n'),
      );
    },
  );
});
