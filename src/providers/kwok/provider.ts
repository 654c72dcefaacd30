/**
 * The kwok provider: one kwok cluster per spec cluster, with real etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler from the harness build (or PATH), and simulated
 * nodes named and labelled as the spec says. Bound to 127.0.0.1 only; nothing is downloaded.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { run } from '../../clients/exec.js';
import { KubeClient } from '../../clients/kube.js';
import { type VaultEndpoint, VaultClient } from '../../clients/vault.js';
import type { KubeObject } from '../../addons/types.js';
import type { Platform, PlatformCluster, PlatformNode } from '../../spec/model.js';
import { findBinaries } from '../binaries.js';
import type {
  BootstrapResult,
  ClusterAccess,
  ClusterProvider,
  ObservedCluster,
  ProviderContext,
  UpResult,
} from '../types.js';
import { ProviderError } from '../types.js';

const BINARIES = [
  'kwokctl',
  'kwok',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'etcd',
  'kubectl',
] as const;
const CREATE_TIMEOUT_MS = 180_000;

export interface KwokPaths {
  /** One KWOK_WORKDIR per cluster: kwokctl keeps a CA per workdir, and parallel creates in one workdir race on it. */
  readonly workdirOf: (cluster: string) => string;
  readonly workdir: string;
  readonly kubeconfigDir: string;
  /** SIMULATION: Vault runs on the host (kwok runs no containers), plain HTTP on loopback. */
  readonly vaultDir: string;
  /** One simulation process per cluster, so each cluster's bootstrap step starts its own. */
  readonly simulatorPidOf: (cluster: string) => string;
  readonly simulatorConfigOf: (cluster: string) => string;
}

export function kwokPaths(projectDir: string): KwokPaths {
  const workdir = join(projectDir, '.platformctl', 'kwok');
  return {
    workdir,
    workdirOf: (cluster) => join(workdir, cluster),
    kubeconfigDir: join(projectDir, 'kubeconfigs'),
    vaultDir: join(workdir, 'vault'),
    simulatorPidOf: (cluster) => join(workdir, cluster, 'simulator.pid'),
    simulatorConfigOf: (cluster) => join(workdir, cluster, 'simulator.json'),
  };
}

/** The simulated Node of a spec node: kubeadm's labels and control-plane taint, the spec's size. */
export function nodeObject(cluster: PlatformCluster, node: PlatformNode): KubeObject {
  const controlPlane = node.role === 'control-plane';
  const capacity = {
    cpu: String(node.cpus),
    memory: `${Math.round(node.memoryGiB * 1024)}Mi`,
    pods: '110',
    'ephemeral-storage': `${node.diskGiB}Gi`,
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/exclude-from-external-load-balancers': controlPlane ? '' : undefined,
        ...(controlPlane
          ? { 'node-role.kubernetes.io/control-plane': '' }
          : { 'node-role.kubernetes.io/worker': '' }),
        'platformctl.dev/cluster': cluster.name,
        'platformctl.dev/role': cluster.role,
        type: 'kwok',
      },
    },
    spec: controlPlane
      ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }
      : {},
    status: { capacity, allocatable: capacity },
  };
}

function withoutUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

interface RawConfig {
  clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
  users: Array<{ name: string; user: Record<string, unknown> }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
}

/** kwokctl names everything kwok-<name>; platformctl's contexts are the cluster names (mgmt, app1, app2). */
function renamed(raw: RawConfig, name: string): RawConfig {
  return {
    clusters: raw.clusters.map((c) => ({ ...c, name })),
    users: raw.users.map((u) => ({ ...u, name })),
    contexts: [{ name, context: { cluster: name, user: name } }],
  };
}

function kubeconfigText(parts: RawConfig, current: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': current,
    preferences: {},
    ...parts,
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

async function vaultAnswers(endpoint: VaultEndpoint): Promise<boolean> {
  return new VaultClient(endpoint)
    .sealStatus()
    .then(() => true)
    .catch(() => false);
}

async function writePrivate(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600);
}

export class KwokProvider implements ClusterProvider {
  readonly name = 'kwok';

  constructor(private readonly env: Readonly<Record<string, string | undefined>> = process.env) {}

  private binaries(projectDir: string) {
    return findBinaries(BINARIES, { env: this.env, projectDir });
  }

  private async kwokctl(
    projectDir: string,
    cluster: string,
    args: string[],
    context: ProviderContext,
    timeoutMs = 60_000,
  ): Promise<string> {
    const bin = this.binaries(projectDir);
    const workdir = kwokPaths(projectDir).workdirOf(cluster);
    await mkdir(workdir, { recursive: true });
    const { stdout } = await run(bin.kwokctl, ['--name', cluster, ...args], {
      env: { KWOK_WORKDIR: workdir, PATH: `${join(bin.kubectl, '..')}:${this.env.PATH ?? ''}` },
      timeoutMs,
      ...(context.signal ? { signal: context.signal } : {}),
    });
    return stdout;
  }

  /** Whether the cluster's workdir holds a kwok cluster of that name. */
  async exists(projectDir: string, cluster: string, context: ProviderContext): Promise<boolean> {
    const out = await this.kwokctl(projectDir, cluster, ['get', 'clusters'], context);
    return out.split('\n').some((line) => line.trim() === cluster);
  }

  /** Whether the cluster's API server answers. */
  private async answers(projectDir: string, cluster: string, context: ProviderContext): Promise<boolean> {
    try {
      const raw = parse(await this.kwokctl(projectDir, cluster, ['get', 'kubeconfig'], context)) as RawConfig;
      const scratch = join(kwokPaths(projectDir).workdirOf(cluster), 'readyz-kubeconfig');
      await writePrivate(scratch, kubeconfigText(renamed(raw, cluster), cluster));
      await (await KubeClient.fromFile(scratch)).get('/version');
      return true;
    } catch {
      return false;
    }
  }

  private async kubeVersion(apiserver: string): Promise<string> {
    const { stdout } = await run(apiserver, ['--version']);
    const match = /v\d+\.\d+\.\d+/.exec(stdout);
    if (!match) throw new ProviderError(`cannot read the version of ${apiserver}: ${stdout.trim()}`);
    return match[0];
  }

  private async clusterConfig(projectDir: string, cluster: PlatformCluster): Promise<string> {
    const bin = this.binaries(projectDir);
    const config = {
      kind: 'KwokctlConfiguration',
      apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
      options: {
        runtime: 'binary',
        bindAddress: '127.0.0.1',
        kubeVersion: await this.kubeVersion(bin['kube-apiserver']),
        kubeApiserverBinary: bin['kube-apiserver'],
        kubeControllerManagerBinary: bin['kube-controller-manager'],
        kubeSchedulerBinary: bin['kube-scheduler'],
        kwokControllerBinary: bin.kwok,
        etcdBinary: bin.etcd,
        kubectlBinary: bin.kubectl,
      },
      // The spec's service network, so ClusterIPs look as they will on the real cluster.
      componentsPatches: [
        {
          name: 'kube-apiserver',
          extraArgs: [{ key: 'service-cluster-ip-range', value: cluster.serviceCIDR.text }],
        },
        {
          name: 'kube-controller-manager',
          extraArgs: [{ key: 'service-cluster-ip-range', value: cluster.serviceCIDR.text }],
        },
      ],
    };
    const path = join(kwokPaths(projectDir).workdirOf(cluster.name), 'kwokctl.yaml');
    await writeFile(path, stringify(config));
    return path;
  }

  /** Creates the kwok cluster when it does not exist. Callers must not run two at once (ports). */
  async provision(
    platform: Platform,
    cluster: PlatformCluster,
    context: ProviderContext,
  ): Promise<{ created: boolean }> {
    void platform;
    const paths = kwokPaths(context.projectDir);
    this.binaries(context.projectDir); // fail early, naming every missing binary
    if (await this.exists(context.projectDir, cluster.name, context)) {
      if (await this.answers(context.projectDir, cluster.name, context)) {
        context.log({ cluster: cluster.name, message: 'kwok cluster exists' });
        return { created: false };
      }
      // An interrupted create or a host reboot leaves a cluster whose components are not running.
      context.log({ cluster: cluster.name, message: 'kwok cluster exists but does not answer: starting it' });
      const started = await this.kwokctl(
        context.projectDir,
        cluster.name,
        ['start', 'cluster', '--wait', '1m'],
        context,
        CREATE_TIMEOUT_MS,
      )
        .then(() => this.answers(context.projectDir, cluster.name, context))
        .catch(() => false);
      if (started) return { created: false };
      context.log({ cluster: cluster.name, message: 'cannot start it: deleting and creating it again' });
      await this.kwokctl(
        context.projectDir,
        cluster.name,
        ['delete', 'cluster', '--kubeconfig', join(paths.workdirOf(cluster.name), 'kwokctl-kubeconfig')],
        context,
        CREATE_TIMEOUT_MS,
      );
    }
    context.log({ cluster: cluster.name, message: 'creating kwok cluster' });
    const config = await this.clusterConfig(context.projectDir, cluster);
    // kwokctl would add the cluster to ~/.kube/config; keep the user's file untouched.
    const scratch = join(paths.workdirOf(cluster.name), 'kwokctl-kubeconfig');
    await this.kwokctl(
      context.projectDir,
      cluster.name,
      ['-c', config, 'create', 'cluster', '--wait', '2m', '--kubeconfig', scratch],
      context,
      CREATE_TIMEOUT_MS,
    );
    return { created: true };
  }

  /**
   * What kubeadm init/join gives on real machines: the nodes registered and Ready, and the
   * cluster's kubeconfig (0600) merged into platform.conf. Starts the cluster's simulation.
   */
  async bootstrap(
    platform: Platform,
    cluster: PlatformCluster,
    context: ProviderContext,
  ): Promise<BootstrapResult> {
    const paths = kwokPaths(context.projectDir);
    await mkdir(paths.kubeconfigDir, { recursive: true, mode: 0o700 });
    const raw = parse(
      await this.kwokctl(context.projectDir, cluster.name, ['get', 'kubeconfig'], context),
    ) as RawConfig;
    const file = join(paths.kubeconfigDir, `${cluster.name}.conf`);
    await writePrivate(file, kubeconfigText(renamed(raw, cluster.name), cluster.name));
    const client = await KubeClient.fromFile(file);
    let registered = 0;
    for (const node of cluster.nodes) {
      if (!(await client.getOptional(`/api/v1/nodes/${node.name}`))) registered++;
      await client.apply(withoutUndefined(nodeObject(cluster, node)));
    }
    await this.waitForNodes(client, cluster, context);
    await this.writeMergedKubeconfig(platform, context.projectDir);
    const simulatorStarted = await this.ensureSimulator(platform, cluster, file, context);
    return {
      access: { cluster: cluster.name, kubeconfig: file, context: cluster.name },
      changed: registered > 0 || simulatorStarted,
      nodes: Object.fromEntries(cluster.nodes.map((n) => [n.name, 'simulated'])),
    };
  }

  async observe(
    platform: Platform,
    cluster: PlatformCluster,
    context: ProviderContext,
  ): Promise<ObservedCluster> {
    void platform;
    if (!(await this.exists(context.projectDir, cluster.name, context)))
      return { exists: false, ready: false };
    const file = join(kwokPaths(context.projectDir).kubeconfigDir, `${cluster.name}.conf`);
    try {
      const client = await KubeClient.fromFile(file);
      const ready = await this.readyNodes(client);
      const simulating = await this.simulatorAlive(context.projectDir, cluster.name);
      return { exists: true, ready: simulating && cluster.nodes.every((n) => ready.has(n.name)) };
    } catch {
      return { exists: true, ready: false };
    }
  }

  async up(platform: Platform, context: ProviderContext): Promise<UpResult> {
    const created: string[] = [];
    const access: ClusterAccess[] = [];
    // One after another: kwokctl picks free ports at start, and parallel creates pick the same ones.
    for (const cluster of platform.clusters) {
      if ((await this.provision(platform, cluster, context)).created) created.push(cluster.name);
    }
    for (const cluster of platform.clusters)
      access.push((await this.bootstrap(platform, cluster, context)).access);
    return {
      clusters: access,
      created,
      kubeconfig: join(kwokPaths(context.projectDir).kubeconfigDir, 'platform.conf'),
    };
  }

  /**
   * SIMULATION: kwok nodes run no containers, so the Vault the chart would run in the management
   * cluster runs here instead, as a real Vault server from the harness build on 127.0.0.1, with
   * file storage under .platformctl/kwok/vault. The engine then initialises, unseals and
   * configures it exactly as it would the in-cluster one.
   */
  async vaultEndpoint(platform: Platform, context: ProviderContext): Promise<VaultEndpoint> {
    void platform;
    const dir = kwokPaths(context.projectDir).vaultDir;
    const stateFile = join(dir, 'server.json');
    const known = JSON.parse(await readFile(stateFile, 'utf8').catch(() => '{}')) as {
      pid?: number;
      port?: number;
    };
    if (known.pid && known.port && alive(known.pid)) {
      const endpoint = { address: `http://127.0.0.1:${known.port}` };
      if (await vaultAnswers(endpoint)) return endpoint;
    }
    const { vault } = findBinaries(['vault'] as const, { env: this.env, projectDir: context.projectDir });
    await mkdir(join(dir, 'data'), { recursive: true, mode: 0o700 });
    const port = await freePort();
    const config = join(dir, 'server.hcl');
    await writeFile(
      config,
      [
        `storage "file" { path = "${join(dir, 'data')}" }`,
        `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}`,
        'disable_mlock = true',
        `api_addr = "http://127.0.0.1:${port}"`,
        '',
      ].join('\n'),
    );
    const log = await open(join(dir, 'server.log'), 'a');
    const child = spawn(vault, ['server', `-config=${config}`], {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      cwd: dir,
    });
    child.unref();
    await log.close();
    await writeFile(stateFile, JSON.stringify({ pid: child.pid, port }));
    const endpoint = { address: `http://127.0.0.1:${port}` };
    const deadline = Date.now() + 30_000;
    while (!(await vaultAnswers(endpoint))) {
      if (Date.now() > deadline)
        throw new ProviderError(
          `the simulated Vault did not answer within 30s; see ${join(dir, 'server.log')}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
    context.log({ message: `simulated Vault started (pid ${child.pid}) on ${endpoint.address}` });
    return endpoint;
  }

  private async stopVault(projectDir: string): Promise<void> {
    const dir = kwokPaths(projectDir).vaultDir;
    const known = JSON.parse(await readFile(join(dir, 'server.json'), 'utf8').catch(() => '{}')) as {
      pid?: number;
    };
    if (known.pid && alive(known.pid)) process.kill(known.pid, 'SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }

  /** platform.conf: one context per cluster whose kubeconfig exists, the management cluster current. */
  private async writeMergedKubeconfig(platform: Platform, projectDir: string): Promise<void> {
    const dir = kwokPaths(projectDir).kubeconfigDir;
    const merged: RawConfig = { clusters: [], users: [], contexts: [] };
    for (const cluster of platform.clusters) {
      const text = await readFile(join(dir, `${cluster.name}.conf`), 'utf8').catch(() => undefined);
      if (!text) continue;
      const own = parse(text) as RawConfig;
      merged.clusters.push(...own.clusters);
      merged.users.push(...own.users);
      merged.contexts.push(...own.contexts);
    }
    await writePrivate(join(dir, 'platform.conf'), kubeconfigText(merged, platform.managementCluster));
  }

  private async readyNodes(client: KubeClient): Promise<Set<string>> {
    const nodes = await client.list<{
      metadata: { name: string };
      status?: { conditions?: Array<{ type: string; status: string }> };
    }>('v1', 'Node');
    return new Set(
      nodes
        .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        .map((n) => n.metadata.name),
    );
  }

  private async waitForNodes(
    client: KubeClient,
    cluster: PlatformCluster,
    context: ProviderContext,
  ): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await this.readyNodes(client);
      const waiting = cluster.nodes.filter((n) => !ready.has(n.name));
      if (waiting.length === 0) {
        context.log({ cluster: cluster.name, message: `${cluster.nodes.length} node(s) Ready` });
        return;
      }
      if (Date.now() > deadline)
        throw new ProviderError(
          `cluster ${cluster.name}: nodes not Ready after 60s: ${waiting.map((n) => n.name).join(', ')}`,
        );
      if (context.signal?.aborted) throw new ProviderError('cancelled');
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  private async simulatorAlive(projectDir: string, cluster: string): Promise<boolean> {
    const pid = Number(await readFile(kwokPaths(projectDir).simulatorPidOf(cluster), 'utf8').catch(() => ''));
    return pid > 0 && alive(pid);
  }

  /** Starts the cluster's simulation controller in the background unless it runs; true when started. */
  private async ensureSimulator(
    platform: Platform,
    cluster: PlatformCluster,
    kubeconfig: string,
    context: ProviderContext,
  ): Promise<boolean> {
    if (await this.simulatorAlive(context.projectDir, cluster.name)) return false;
    const paths = kwokPaths(context.projectDir);
    void platform;
    const config = {
      // Dynamic allocations come only from outside the pinned slots, as with the rendered MetalLB pools.
      clusters: [{ name: cluster.name, kubeconfig, range: cluster.addresses.dynamicRange ?? '' }],
    };
    await writeFile(paths.simulatorConfigOf(cluster.name), JSON.stringify(config, null, 2));
    const script = fileURLToPath(new URL('./simulator-main.js', import.meta.url));
    const child = spawn(process.execPath, [script, paths.simulatorConfigOf(cluster.name)], {
      detached: true,
      stdio: 'ignore',
      cwd: context.projectDir,
    });
    child.unref();
    await writeFile(paths.simulatorPidOf(cluster.name), String(child.pid));
    context.log({
      cluster: cluster.name,
      message: `simulation controller started (pid ${child.pid}): volumes and load-balancer addresses`,
    });
    return true;
  }

  private async stopSimulator(projectDir: string, cluster: string): Promise<void> {
    const pidFile = kwokPaths(projectDir).simulatorPidOf(cluster);
    const pid = Number(await readFile(pidFile, 'utf8').catch(() => ''));
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await rm(pidFile, { force: true });
  }

  async down(platform: Platform, context: ProviderContext): Promise<{ deleted: readonly string[] }> {
    const paths = kwokPaths(context.projectDir);
    const deleted: string[] = [];
    // Reverse order: workload clusters first, the management cluster they depend on last.
    for (const cluster of [...platform.clusters].reverse()) {
      await this.stopSimulator(context.projectDir, cluster.name);
      if (await this.exists(context.projectDir, cluster.name, context)) {
        context.log({ cluster: cluster.name, message: 'deleting kwok cluster' });
        const scratch = join(paths.workdirOf(cluster.name), 'kwokctl-kubeconfig');
        await this.kwokctl(
          context.projectDir,
          cluster.name,
          ['delete', 'cluster', '--kubeconfig', scratch],
          context,
          CREATE_TIMEOUT_MS,
        );
        deleted.push(cluster.name);
      }
      await rm(paths.workdirOf(cluster.name), { recursive: true, force: true });
      await rm(join(paths.kubeconfigDir, `${cluster.name}.conf`), { force: true });
    }
    await rm(join(paths.kubeconfigDir, 'platform.conf'), { force: true });
    await this.stopVault(context.projectDir);
    return { deleted };
  }
}
