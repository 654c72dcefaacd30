/**
 * End to end against real Kubernetes control planes: etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler built from Go modules (`npm run harness`), with kwok
 * standing in for kubelets. Runs the built CLI as a user would.
 */
import { CATALOG } from '../src/addons/catalog.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/kube/objects.js';
import { KubeApiError, KubeClient } from '../src/clients/kube.js';
import { renderPlatform } from '../src/render/index.js';
import { loadBuiltinSpec } from '../src/spec/load.js';
import { SHARED_CHART_MIRROR } from '../src/test-support/chart-values.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, '.harness/bin');
const CLI = join(ROOT, 'bin/platformctl.js');
const CHART = join(ROOT, 'e2e/fixtures/charts/hello');

if (!existsSync(join(BIN, 'kwokctl'))) {
  throw new Error('the e2e tests need the harness binaries: run `npm run harness` first');
}

const project = mkdtempSync(join(tmpdir(), 'platformctl-e2e-'));
const platform = loadBuiltinSpec({ now: new Date(), catalog: CATALOG }).platform!;
const clients = new Map<string, KubeClient>();

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: project,
    encoding: 'utf8',
    // Charts are not installed here, but preflight looks for them: never in a repository on the internet.
    env: { ...process.env, NO_COLOR: '1', PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Processes and listening ports that belong to this project's clusters. */
function leftovers(): { processes: string[] } {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
  return { processes: ps.split('\n').filter((line) => line.includes(project) && !line.includes(' ps ')) };
}

function renderedObjects(cluster: string, file: string): KubeObject[] {
  const artifact = renderPlatform(platform).find((a) => a.path === `clusters/${cluster}/${file}`);
  if (!artifact) throw new Error(`not rendered: ${file}`);
  return parseAllDocuments(artifact.content).map((d) => d.toJS() as KubeObject);
}

function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * `up` restricted to the clusters themselves (provision and bootstrap): this file tests the kwok
 * provider; e2e/engine.e2e.test.ts runs the whole plan. Returns each step's outcome and detail.
 */
function upClusters(): Map<string, { outcome: string; detail?: string }> {
  const only = platform.clusters.map((c) => `${c.name}/bootstrap`).join(',');
  const up = cli('up', '--provider', 'kwok', '--only', only, '-o', 'json');
  expect(up.stderr).not.toContain('platformctl:');
  expect(up.code).toBe(0);
  const finished = up.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; id: string; outcome: string; detail?: string })
    .filter((e) => e.type === 'step-finished');
  return new Map(finished.map((e) => [e.id, e]));
}

beforeAll(async () => {
  const steps = upClusters();
  expect([...steps.keys()].sort()).toEqual(
    platform.clusters.flatMap((c) => [`${c.name}/bootstrap`, `${c.name}/provision`]).sort(),
  );
  for (const cluster of platform.clusters)
    expect(steps.get(`${cluster.name}/provision`)).toMatchObject({
      outcome: 'succeeded',
      detail: /^created/,
    });
  for (const cluster of platform.clusters) {
    clients.set(
      cluster.name,
      await KubeClient.fromFile(join(project, 'kubeconfigs', `${cluster.name}.conf`)),
    );
  }
});

afterAll(() => {
  // Never leave control planes behind, even when a test failed.
  cli('down', '--provider', 'kwok');
});

describe('platformctl up --provider kwok', () => {
  it('creates every cluster with the spec nodes, Ready, labelled as the spec says', async () => {
    for (const cluster of platform.clusters) {
      const nodes = await clients.get(cluster.name)!.list<any>('v1', 'Node');
      expect(nodes.map((n) => n.metadata.name).sort()).toEqual(cluster.nodes.map((n) => n.name).sort());
      for (const node of nodes) {
        expect(node.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
        expect(node.metadata.labels['platformctl.dev/cluster']).toBe(cluster.name);
        const spec = cluster.nodes.find((n) => n.name === node.metadata.name)!;
        expect(node.status.capacity.cpu).toBe(String(spec.cpus));
        if (spec.role === 'control-plane')
          expect(node.spec.taints).toContainEqual({
            key: 'node-role.kubernetes.io/control-plane',
            effect: 'NoSchedule',
          });
      }
    }
  });

  it('writes private per-cluster kubeconfigs and a merged one, and serves on 127.0.0.1 only', () => {
    const merged = readFileSync(join(project, 'kubeconfigs/platform.conf'), 'utf8');
    for (const name of ['mgmt', 'app1', 'app2']) {
      expect(statSync(join(project, `kubeconfigs/${name}.conf`)).mode & 0o777).toBe(0o600);
      expect(merged).toContain(`name: ${name}`);
    }
    expect(statSync(join(project, 'kubeconfigs/platform.conf')).mode & 0o777).toBe(0o600);
    for (const client of clients.values())
      expect(client.config.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const listening = spawnSync('ss', ['-ltnp'], { encoding: 'utf8' }).stdout;
    const ours = listening.split('\n').filter((l) => /kube-apiserver|etcd|kwok/.test(l));
    expect(ours.length).toBeGreaterThan(0);
    for (const line of ours) expect(line).not.toMatch(/\s(0\.0\.0\.0|\*|\[::\]):\d+\s/);
  });

  it('uses the spec service network', async () => {
    const svc = await clients.get('app1')!.get<any>('/api/v1/namespaces/default/services/kubernetes');
    expect(svc.spec.clusterIP).toBe('10.97.0.1');
  });
});

describe('rendered objects, judged by the real API server', () => {
  it('applies namespaces with Pod Security labels and the guardrails with strict field validation', async () => {
    for (const cluster of platform.clusters) {
      const client = clients.get(cluster.name)!;
      const objects = [
        ...renderedObjects(cluster.name, 'namespaces.yaml'),
        ...(cluster.role === 'workload' ? renderedObjects(cluster.name, 'guardrails.yaml') : []),
      ];
      for (const object of objects) await client.apply(object);
      const falco = await client.get<any>('/api/v1/namespaces/falco');
      expect(falco.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
      expect(falco.metadata.annotations['platformctl.dev/psa-exemption-approved-by']).toBe('platform-team');
    }
    const quota = await clients
      .get('app1')!
      .get<any>('/api/v1/namespaces/production/resourcequotas/compute-quota');
    expect(quota.spec.hard).toMatchObject({ 'requests.memory': '2Gi', 'limits.memory': '6Gi', pods: '20' });
    const dns = await clients
      .get('app2')!
      .get<any>('/apis/networking.k8s.io/v1/namespaces/production/networkpolicies/allow-dns-egress');
    expect(dns.spec.egress[0].ports.map((p: any) => p.protocol)).toEqual(['UDP', 'TCP']);
  });

  it('applies the core objects of every add-on, and the API server keeps them as rendered', async () => {
    const core = new Set([
      'v1',
      'apps/v1',
      'storage.k8s.io/v1',
      'networking.k8s.io/v1',
      'rbac.authorization.k8s.io/v1',
      'policy/v1',
      'batch/v1',
    ]);
    const applied: Array<{ client: KubeClient; object: KubeObject }> = [];
    for (const cluster of platform.clusters) {
      const client = clients.get(cluster.name)!;
      for (const artifact of renderPlatform(platform).filter(
        (a) => a.path.startsWith(`clusters/${cluster.name}/addons/`) && a.path.endsWith('/manifests.yaml'),
      )) {
        for (const doc of parseAllDocuments(artifact.content)) {
          const object = doc.toJS() as KubeObject;
          if (!core.has(object.apiVersion)) continue; // CRD-based: their CRDs come from the charts, which are not available offline
          const ns = object.metadata.namespace;
          // Created only when missing: an apply by the same field manager would drop the namespace's PSA labels.
          if (ns && !(await client.getOptional(`/api/v1/namespaces/${ns}`)))
            await client.create(namespaceObject(ns));
          await client.apply(object);
          applied.push({ client, object });
        }
      }
    }
    expect(applied.length).toBeGreaterThan(10);
    expect(new Set(applied.map((a) => a.object.kind))).toContain('Service');
    for (const { client, object } of applied) {
      const path = await client.pathFor(
        object.apiVersion,
        object.kind,
        object.metadata.namespace,
        object.metadata.name,
      );
      const live = await client.get<any>(path);
      expect(live.metadata.managedFields.map((f: any) => f.manager)).toContain('platformctl');
      for (const [key, value] of Object.entries(object.metadata.labels ?? {}))
        expect(live.metadata.labels?.[key], `${object.kind} ${object.metadata.name} label ${key}`).toBe(
          value,
        );
    }
  });

  it('rejects unknown fields (strict) and privileged pods in the restricted namespace (Pod Security)', async () => {
    const client = clients.get('app1')!;
    await expect(
      client.apply({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'typo', namespace: 'default' },
        dta: { a: 'b' },
      } as KubeObject),
    ).rejects.toThrow(/\.dta: field not declared in schema/);
    const privileged = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'root', namespace: 'production' },
      spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] },
    } as KubeObject;
    const error = await client.apply(privileged).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).message).toMatch(/violates PodSecurity "restricted/);
  });
});

describe('helm against a kwok cluster', () => {
  it('installs a chart with a volume and a LoadBalancer and waits until its pods are Ready', async () => {
    const kubeconfig = join(project, 'kubeconfigs/mgmt.conf');
    const client = clients.get('mgmt')!;
    // The simulated provisioner binds claims of any existing class; make one the default.
    await client.apply({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {
        name: 'e2e-default',
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: 'rancher.io/local-path',
      volumeBindingMode: 'WaitForFirstConsumer',
    } as KubeObject);
    const helm = spawnSync(
      join(BIN, 'helm'),
      [
        'upgrade',
        '--install',
        'hello',
        CHART,
        '--namespace',
        'e2e',
        '--create-namespace',
        '--wait',
        '--timeout',
        '2m',
        '--kubeconfig',
        kubeconfig,
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          HELM_CACHE_HOME: join(project, '.helm/cache'),
          HELM_CONFIG_HOME: join(project, '.helm/config'),
          HELM_DATA_HOME: join(project, '.helm/data'),
        },
      },
    );
    expect(`${helm.stdout}${helm.stderr}`).toContain('STATUS: deployed');
    expect(helm.status).toBe(0);
    const pods = await client.list<any>('v1', 'Pod', 'e2e');
    expect(pods).toHaveLength(2);
    for (const pod of pods)
      expect(pod.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    const pvc = await client.get<any>('/api/v1/namespaces/e2e/persistentvolumeclaims/hello-data');
    expect(pvc.status.phase).toBe('Bound');
    const svc = await waitFor('a load-balancer address', async () => {
      const s = await client.get<any>('/api/v1/namespaces/e2e/services/hello');
      return s.status.loadBalancer?.ingress?.[0]?.ip as string | undefined;
    });
    expect(platform.clusters[0]!.addresses.dynamicRange).toBeDefined();
    expect(svc).toMatch(/^192\.168\.64\.20[7-9]$/);
  });
});

describe('kubeadm against the rendered configuration', () => {
  it('validates every rendered kubeadm config with the harness kubeadm', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeadm-e2e-'));
    const discovery = join(dir, 'discovery.conf');
    writeFileSync(discovery, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    const configs = renderPlatform(platform).filter((a) => a.path.includes('/kubeadm/'));
    expect(configs).toHaveLength(6);
    for (const config of configs) {
      const file = join(dir, config.path.replaceAll('/', '_'));
      writeFileSync(file, config.content.replaceAll('/etc/kubernetes/discovery.conf', discovery));
      const result = spawnSync(join(BIN, 'kubeadm'), ['config', 'validate', '--config', file], {
        encoding: 'utf8',
      });
      expect(`${config.path}: ${result.stdout}${result.stderr}`.trim()).toMatch(/ok$/);
    }
  });
});

describe('idempotence and teardown', () => {
  it('up again creates nothing and keeps the nodes', async () => {
    const again = upClusters();
    expect([...again.values()].every((s) => s.outcome === 'unchanged')).toBe(true);
    const nodes = await clients.get('app2')!.list<any>('v1', 'Node');
    expect(nodes).toHaveLength(2);
  });

  it('tells a cluster that exists from one that serves: status reports a stopped API server, up restarts it and says so', async () => {
    const stop = spawnSync(join(BIN, 'kwokctl'), ['--name', 'app2', 'stop', 'cluster'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        KWOK_WORKDIR: join(project, '.platformctl/kwok/app2'),
        PATH: `${BIN}:${process.env.PATH}`,
      },
    });
    expect(stop.status, stop.stderr).toBe(0);
    const status = cli('status', '--provider', 'kwok', '--no-check', '-o', 'json');
    expect(status.code).toBe(3);
    const report = JSON.parse(status.stdout) as {
      clusters: Array<{ name: string; exists: boolean; serving: boolean }>;
      problems: string[];
    };
    expect(report.clusters.find((c) => c.name === 'app2')).toMatchObject({ exists: true, serving: false });
    expect(report.problems.some((p) => p.startsWith('cluster app2 does not serve'))).toBe(true);
    const repaired = upClusters();
    expect(repaired.get('app2/provision')).toMatchObject({
      outcome: 'succeeded',
      detail: 'cluster did not serve: restarted it',
    });
    expect(repaired.get('app1/provision')?.outcome).toBe('unchanged');
    // A new client: the old one's kept-alive connection went with the stopped API server.
    const fresh = await KubeClient.fromFile(join(project, 'kubeconfigs', 'app2.conf'));
    clients.set('app2', fresh);
    expect(await fresh.list<any>('v1', 'Node')).toHaveLength(2);
  });

  it('down removes every cluster, process, port and kubeconfig; down again succeeds', async () => {
    expect(leftovers().processes.length).toBeGreaterThan(0);
    const down = cli('down', '-o', 'json');
    expect(down.code).toBe(0);
    // Workload clusters first, the management cluster they depend on last.
    expect(JSON.parse(down.stdout).deleted).toEqual(['app2', 'app1', 'mgmt']);
    await waitFor(
      'processes to exit',
      async () => (leftovers().processes.length === 0 ? true : undefined),
      20_000,
    );
    for (const client of clients.values()) {
      await expect(client.get('/version')).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);
    }
    expect(existsSync(join(project, 'kubeconfigs/platform.conf'))).toBe(false);
    const again = cli('down', '--provider', 'kwok', '-o', 'json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).deleted).toEqual([]);
  });
});
