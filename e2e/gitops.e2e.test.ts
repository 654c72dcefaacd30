/**
 * `export gitops` against a real API server: one bare kwok control plane (etcd and
 * kube-apiserver; no controllers are needed for a dry-run) with Argo CD's own CRDs (the harness
 * fetches them from the argo-cd v3 module zip) and the CRDs of the add-ons whose objects the tree
 * holds (from their pinned charts in the shared mirror, and the Gateway API bundle). Every exported
 * object is server-side applied with dryRun=All and strict field validation: the schema checks,
 * defaulting and CEL rules of the real CRDs run, and nothing is stored. Loopback only.
 * TODO(#16): sync the tree with a running Argo CD (controller and repo server from the harness,
 * a local Git server) against kwok clusters `up` built, and check every Application Healthy.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/clients/kube.js';
import type { KubeObject } from '../src/kube/objects.js';
import { gitopsTree } from '../src/ops/gitops.js';
import type { Artifact } from '../src/render/artifacts.js';
import { SHARED_CHART_MIRROR } from '../src/test-support/chart-values.js';
import { testPlatform } from '../src/test-support/render.js';
import { BIN, requireHarness, ROOT } from './support/project.js';

requireHarness('kwokctl', 'kube-apiserver', 'etcd', 'helm');
const CRDS = join(ROOT, '.harness/crds/argocd');
if (!existsSync(join(CRDS, 'application-crd.yaml')))
  throw new Error('the Argo CD CRDs are missing: run `npm run harness` first (module argocd-crds)');

const NAME = 'gitops-e2e';
const work = mkdtempSync(join(tmpdir(), 'platformctl-gitops-e2e-'));
const kubeconfig = join(work, 'kubeconfig');
const env = { ...process.env, KWOK_WORKDIR: join(work, 'kwok'), PATH: `${BIN}:/usr/bin:/bin` };
let client: KubeClient;
const OPTIONS = { repoURL: 'https://git.example.com/platform.git', revision: 'main' };
const crdKind = (crd: KubeObject) => {
  const { group, names } = crd['spec'] as { group: string; names: { kind: string } };
  return `${group}/${names.kind}`;
};

/** Free loopback ports: kwokctl's own choice collides when clusters start at the same time. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function kwokctl(...args: string[]) {
  const result = spawnSync(join(BIN, 'kwokctl'), args, { env, encoding: 'utf8', timeout: 180_000 });
  if (result.status !== 0)
    throw new Error(`kwokctl ${args.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`);
  return result.stdout;
}

const documents = (text: string) =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);

/** Charts in the shared mirror whose CRDs the exported manifests use. */
const CRD_CHARTS = ['external-secrets', 'cert-manager', 'kyverno', 'metallb', 'velero', 'k8sgpt-operator'];

/** The CRDs of the add-ons' pinned charts as they install them, and the Gateway API bundle. */
function addonCrds(): KubeObject[] {
  const home = join(work, 'helm');
  const mirrored = readdirSync(SHARED_CHART_MIRROR);
  const fromCharts = CRD_CHARTS.flatMap((name) => {
    const chart = mirrored.find((f) => new RegExp(`^${name}-v?\\d.*\\.tgz$`).test(f));
    if (!chart) throw new Error(`${name} is not in ${SHARED_CHART_MIRROR}`);
    const result = spawnSync(
      join(BIN, 'helm'),
      // Both spellings of "install the CRDs" (cert-manager: crds.enabled, ESO: installCRDs).
      [
        'template',
        name,
        join(SHARED_CHART_MIRROR, chart),
        '--include-crds',
        '--set',
        'crds.enabled=true',
        '--set',
        'installCRDs=true',
      ],
      {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        env: { ...env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
      },
    );
    if (result.status !== 0)
      throw new Error(`helm template ${chart} exited ${result.status}: ${result.stderr}`);
    return documents(result.stdout);
  });
  const gateway = readdirSync(join(SHARED_CHART_MIRROR, 'gateway-api')).sort().at(-1)!;
  const bundle = readFileSync(
    join(SHARED_CHART_MIRROR, 'gateway-api', gateway, 'standard-install.yaml'),
    'utf8',
  );
  return [...fromCharts, ...documents(bundle)].filter((o) => o.kind === 'CustomResourceDefinition');
}

async function established(name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const crd = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
    );
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`CRD ${name} never became Established`);
}

/** apiVersion/kind pairs the server serves, from discovery. */
async function servedKinds(): Promise<Set<string>> {
  const served = new Set<string>();
  interface Resources {
    resources: { kind: string; name: string }[];
  }
  for (const r of (await client.get<Resources>('/api/v1')).resources)
    if (!r.name.includes('/')) served.add(`v1/${r.kind}`);
  const groups = await client.get<{ groups: { versions: { groupVersion: string }[] }[] }>('/apis');
  for (const group of groups.groups)
    for (const { groupVersion } of group.versions)
      for (const r of (await client.get<Resources>(`/apis/${groupVersion}`)).resources)
        if (!r.name.includes('/')) served.add(`${groupVersion}/${r.kind}`);
  return served;
}

const objectsOf = (artifacts: readonly Artifact[]) =>
  artifacts
    // Every Kubernetes object of the tree: all YAML but the Helm values files.
    .filter((a) => a.path.endsWith('.yaml') && !a.path.endsWith('/values.yaml'))
    .flatMap((a) => documents(a.content).map((object) => ({ path: a.path, object })));

beforeAll(async () => {
  const [apiserver, etcd, etcdPeer, kcm, scheduler, kwok] = await freePorts(6);
  const config = join(work, 'kwokctl.yaml');
  writeFileSync(
    config,
    stringify({
      kind: 'KwokctlConfiguration',
      apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
      options: {
        runtime: 'binary',
        bindAddress: '127.0.0.1',
        kubeBinaryPrefix: BIN,
        kubectlBinary: join(BIN, 'kubectl'),
        etcdBinary: join(BIN, 'etcd'),
        kwokControllerBinary: join(BIN, 'kwok'),
        disableKubeControllerManager: true,
        disableKubeScheduler: true,
        kubeApiserverPort: apiserver,
        etcdPort: etcd,
        etcdPeerPort: etcdPeer,
        kubeControllerManagerPort: kcm,
        kubeSchedulerPort: scheduler,
        kwokControllerPort: kwok,
      },
    }),
  );
  kwokctl('-c', config, '--name', NAME, 'create', 'cluster', '--kubeconfig', kubeconfig, '--wait', '2m');
  client = await KubeClient.fromFile(kubeconfig);
  // Only the add-on CRDs the tree uses: applying all of them (Kyverno's 22) takes most of the time.
  const needed = new Set(
    [false, true].flatMap((applicationSets) =>
      objectsOf(gitopsTree(testPlatform(), { ...OPTIONS, applicationSets }).artifacts).map(
        ({ object }) => `${object.apiVersion.split('/').slice(0, -1).join('/')}/${object.kind}`,
      ),
    ),
  );
  const crds = [
    ...['application-crd.yaml', 'applicationset-crd.yaml', 'appproject-crd.yaml'].flatMap((file) =>
      documents(readFileSync(join(CRDS, file), 'utf8')),
    ),
    ...addonCrds().filter((crd) => needed.has(crdKind(crd))),
  ];
  for (const crd of crds) await client.apply(crd);
  for (const crd of crds) await established(crd.metadata.name);
  // A new client: the first one's discovery was cached before the CRDs existed.
  client = await KubeClient.fromFile(kubeconfig);
}, 240_000);

afterAll(() => {
  try {
    if (existsSync(kubeconfig)) kwokctl('--name', NAME, 'delete', 'cluster');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

describe.each([
  ['Applications', false],
  ['ApplicationSets', true],
] as const)('export gitops (%s) against the real Argo CD CRDs', (_name, applicationSets) => {
  it('every exported object passes a server-side dry-run with strict validation', async () => {
    const { artifacts } = gitopsTree(testPlatform(), { ...OPTIONS, applicationSets });
    const served = await servedKinds();
    const all = objectsOf(artifacts);
    const unserved = all.filter(({ object }) => !served.has(`${object.apiVersion}/${object.kind}`));
    expect(unserved.map(({ path, object }) => `${path}: ${object.apiVersion}/${object.kind}`)).toEqual([]);
    const namespaces = new Set(all.flatMap(({ object }) => object.metadata.namespace ?? []));
    for (const name of namespaces)
      await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    const failures: string[] = [];
    for (const { path, object } of all)
      await client.apply(object, { dryRun: true }).catch((error: Error) => {
        failures.push(`${path}: ${object.kind} ${object.metadata.name}: ${error.message}`);
      });
    expect(failures).toEqual([]);
    const kinds = new Set(all.map(({ object }) => object.kind));
    expect(kinds).toContain(applicationSets ? 'ApplicationSet' : 'Application');
    expect(kinds).toContain('AppProject');
    expect(kinds).toContain('ExternalSecret');
    console.log(`${all.length} objects dry-run (${[...kinds].sort().join(', ')})`);
  }, 120_000);

  it('the API server refuses what the CRDs forbid (the dry-run is not a no-op)', async () => {
    const { artifacts } = gitopsTree(testPlatform(), { ...OPTIONS, applicationSets });
    const kind = applicationSets ? 'ApplicationSet' : 'Application';
    const { object } = objectsOf(artifacts).find(({ object }) => object.kind === kind)!;
    const broken = { ...object, spec: { ...(object['spec'] as object), syncPolicyy: {} } };
    await expect(client.apply(broken, { dryRun: true })).rejects.toThrow(/syncPolicyy/);
  }, 60_000);
});
