/**
 * Readiness gates and the helm client against a real control plane: one kwok cluster (the
 * built-in management cluster) with real kube-apiserver, controller-manager and scheduler, so the
 * statuses the gates read are written by the real controllers.
 */
import { CATALOG } from '../src/addons/catalog.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/kube/objects.js';
import { HelmClient } from '../src/clients/helm.js';
import { latestRelease } from '../src/clients/helm-releases.js';
import { KubeClient } from '../src/clients/kube.js';
import { isTransient, TransientError } from '../src/engine/errors.js';
import { notReady, waitReady, waitReleaseReady } from '../src/engine/readiness.js';
import { containsAddress, parseAddress, parseRange } from '../src/net/ipv4.js';
import { systemRunner } from '../src/clients/exec.js';
import { projectLayout } from '../src/project/layout.js';
import { kwokPaths, KwokProvider } from '../src/providers/kwok/provider.js';
import { simulateOnce } from '../src/providers/kwok/simulator.js';
import type { ProviderContext } from '../src/providers/types.js';
import { loadBuiltinSpec } from '../src/spec/load.js';
import type { Platform } from '../src/spec/model.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHART = join(ROOT, 'e2e/fixtures/charts/hello');
const CHART_VERSION = (parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { version: string }).version;

if (!existsSync(join(ROOT, '.harness/bin/kwokctl'))) {
  throw new Error('the e2e tests need the harness binaries: run `npm run harness` first');
}

const project = mkdtempSync(join(tmpdir(), 'platformctl-readiness-e2e-'));
const builtin = loadBuiltinSpec({ now: new Date(), catalog: CATALOG }).platform!;
const mgmt = builtin.clusters.find((c) => c.name === builtin.managementCluster)!;
// One cluster is enough here; the provider creates exactly the clusters of the platform it gets.
const platform: Platform = { ...builtin, clusters: [mgmt] };
const provider = new KwokProvider({ env: process.env, runner: systemRunner });
const providerLog: string[] = [];
const layout = projectLayout(project);
const context: ProviderContext = {
  layout,
  log: (event) => providerLog.push(`${event.cluster ?? ''} ${event.message}`),
};
const request = { platform, cluster: mgmt, artifacts: new Map<string, string>(), addresses: {} };
const NS = 'readiness';
let client: KubeClient;
let simulating = true;
let simulation: Promise<void> | undefined;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The provider runs the built simulator (dist/providers/kwok/simulator-main.js) even when this
 * test imports it from the sources. The same reconciliation pass also runs here, so the test does
 * not wait on that process's one-second poll (two are harmless: both assign the same address and
 * apply the same PV).
 */
async function simulate(): Promise<void> {
  while (simulating) {
    await simulateOnce(client, mgmt.addresses.dynamicRange ?? '').catch(() => undefined);
    await sleep(300);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes that belong to this project's cluster. */
function leftovers(): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
  return ps.split('\n').filter((line) => line.includes(project) && !line.includes(' ps '));
}

async function teardown(): Promise<void> {
  simulating = false;
  await simulation;
  // down signals the pid it recorded; if that process died at start, the pid may belong to
  // someone else by now.
  const pidFile = kwokPaths(layout).simulatorPidOf(mgmt.name);
  const pid = existsSync(pidFile) ? Number(JSON.parse(readFileSync(pidFile, 'utf8')).pid) : 0;
  if (pid > 0 && !alive(pid)) rmSync(pidFile, { force: true });
  await provider.down([{ cluster: mgmt.name, role: mgmt.role, nodes: [] }], context);
}

const deploymentObject = (name: string, podSpec: Record<string, unknown> = {}, extra = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: NS },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'app', image: 'registry.example.invalid/app:1' }], ...podSpec },
    },
    ...extra,
  },
});

beforeAll(async () => {
  expect((await provider.provision(request, context)).created).toBe(true);
  const { access } = await provider.bootstrap(request, context);
  client = await KubeClient.fromFile(access.kubeconfig, access.context);
  simulation = simulate();
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});

afterAll(async () => {
  // Never leave a control plane behind, even when a test failed (down is idempotent).
  await teardown();
  rmSync(project, { recursive: true, force: true });
});

describe('waitReady against real controllers', () => {
  it('resolves once a Deployment is available', async () => {
    const web = deploymentObject('web');
    await client.apply(web);
    const lines: string[] = [];
    await waitReady(client, [web], { timeoutMs: 60_000, pollMs: 250, log: (l) => lines.push(l) });
    const live = await client.get<any>(`/apis/apps/v1/namespaces/${NS}/deployments/web`);
    expect(live.status.availableReplicas).toBe(2);
    expect(notReady(live)).toBeUndefined();
    expect(lines.at(-1)).toMatch(/^1 object ready after/);
  });

  it('times out with a TransientError naming a Deployment no node can run', async () => {
    const stuck = deploymentObject('stuck', { nodeSelector: { 'platformctl.dev/no-such-label': 'x' } });
    await client.apply(stuck);
    const started = Date.now();
    const error = await waitReady(client, [stuck], { timeoutMs: 3_000, pollMs: 250 }).catch(
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(TransientError);
    expect(isTransient(error)).toBe(true);
    expect((error as Error).message).toMatch(/^1 object not ready after 3s: Deployment readiness\/stuck: /);
    const pods = await client.list<any>('v1', 'Pod', NS);
    const pending = pods.filter((p) => p.metadata.labels.app === 'stuck');
    expect(pending.map((p) => p.status.phase)).toEqual(['Pending', 'Pending']);
  });

  it('reports a Deployment past its progress deadline as such', async () => {
    const late = deploymentObject(
      'late',
      { nodeSelector: { 'platformctl.dev/no-such-label': 'x' } },
      { progressDeadlineSeconds: 1 },
    );
    await client.apply(late);
    // The deployment controller marks the deadline about a second after it passes.
    const path = `/apis/apps/v1/namespaces/${NS}/deployments/late`;
    const until = Date.now() + 30_000;
    let reason = notReady(await client.get(path));
    while (!reason?.includes('ProgressDeadlineExceeded') && Date.now() < until) {
      await sleep(250);
      reason = notReady(await client.get(path));
    }
    expect(reason).toMatch(/^rollout exceeded its progress deadline \(ProgressDeadlineExceeded\)/);
    await expect(waitReady(client, [late], { timeoutMs: 1_000, pollMs: 250 })).rejects.toThrow(
      /Deployment readiness\/late: rollout exceeded its progress deadline/,
    );
  });

  it('resolves once a LoadBalancer Service has an address from the pool', async () => {
    const lb: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'lb', namespace: NS },
      spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    };
    await client.apply(lb);
    await waitReady(client, [lb], { timeoutMs: 30_000, pollMs: 250 });
    const live = await client.get<any>(`/api/v1/namespaces/${NS}/services/lb`);
    const ip = live.status.loadBalancer.ingress[0].ip as string;
    const pool = parseRange(mgmt.addresses.dynamicRange!);
    const address = parseAddress(ip);
    expect(pool.ok && address.ok && containsAddress(pool.value, address.value)).toBe(true);
  });

  it('resolves once a CRD is Established, then for an object of it', async () => {
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.readiness.platformctl.dev' },
      spec: {
        group: 'readiness.platformctl.dev',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
              },
            },
          },
        ],
      },
    };
    const widget: KubeObject = {
      apiVersion: 'readiness.platformctl.dev/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: NS },
      spec: { size: 3 },
    };
    await client.apply(crd);
    await waitReady(client, [crd], { timeoutMs: 30_000, pollMs: 250 });
    const live = await client.get<any>(
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
    );
    expect(live.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Established', status: 'True' }),
    );
    await client.apply(widget);
    await waitReady(client, [widget], { timeoutMs: 10_000, pollMs: 250 });
  });
});

describe('webhook gates against real controllers', () => {
  const service = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS },
    spec: { selector: { app: name }, ports: [{ port: 443, targetPort: 8443 }] },
  });
  const webhook = (name: string): KubeObject => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: `${NS}-${name}` },
    webhooks: [
      {
        name: `${name}.platformctl.dev`,
        clientConfig: { service: { namespace: NS, name, path: '/validate' } },
        // Only objects of a label nobody sets: the test must not block the cluster.
        objectSelector: { matchLabels: { 'platformctl.dev/webhook-test': name } },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
        failurePolicy: 'Ignore',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
      },
    ],
  });

  it('waits until the Service behind a webhook has a ready endpoint', async () => {
    await client.apply(service('hook'));
    await client.apply(webhook('hook'));
    await expect(waitReady(client, [webhook('hook')], { timeoutMs: 2_000, pollMs: 250 })).rejects.toThrow(
      /webhook hook.platformctl.dev: Service readiness\/hook has no ready endpoint/,
    );
    await client.apply(deploymentObject('hook'));
    await waitReady(client, [webhook('hook')], { timeoutMs: 60_000, pollMs: 250 });
  });
});

describe('HelmClient against the cluster', () => {
  it('installs, reports, waits for, upgrades and uninstalls a release', async () => {
    // The simulated provisioner binds claims of a class that exists; the chart's claim names none.
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
    const helm = HelmClient.find({
      env: process.env,
      projectDir: project,
      kubeconfig: join(project, 'kubeconfigs/mgmt.conf'),
    });
    const release = { name: 'hello', namespace: 'hello', chart: CHART };
    expect(await helm.status('hello', 'hello')).toBeUndefined();

    const output: string[] = [];
    await helm.upgradeInstall(release, { timeoutMs: 120_000, onOutput: (chunk) => output.push(chunk) });
    expect(output.join('')).toContain('STATUS: deployed');
    expect(await helm.status('hello', 'hello')).toEqual({
      status: 'deployed',
      chart: `hello-${CHART_VERSION}`,
      revision: 1,
    });
    await waitReleaseReady(client, 'hello', 'hello', { timeoutMs: 30_000, pollMs: 250 });
    const claimAndService: KubeObject[] = [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'hello-data', namespace: 'hello' },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hello', namespace: 'hello' } },
    ];
    await waitReady(client, claimAndService, { timeoutMs: 30_000, pollMs: 250 });
    expect(await helm.manifest('hello', 'hello')).toContain('kind: Deployment');
    // What helm stored, read through the API server as the live checks read it: the same answer.
    const stored = await latestRelease(client, 'hello', 'hello');
    expect(stored).toMatchObject({ status: 'deployed', chart: `hello-${CHART_VERSION}`, revision: 1 });
    // helm get manifest ends with one more newline than it stored.
    expect(stored!.manifest.trimEnd()).toBe((await helm.manifest('hello', 'hello'))!.trimEnd());
    expect(await latestRelease(client, 'absent', 'hello')).toBeUndefined();

    const values = join(project, 'hello-values.yaml');
    writeFileSync(values, 'replicas: 3\n');
    await helm.upgradeInstall({ ...release, valuesFile: values }, { timeoutMs: 120_000 });
    expect(await helm.status('hello', 'hello')).toEqual({
      status: 'deployed',
      chart: `hello-${CHART_VERSION}`,
      revision: 2,
    });
    await waitReleaseReady(client, 'hello', 'hello', { timeoutMs: 30_000, pollMs: 250 });
    const deployment = await client.get<any>('/apis/apps/v1/namespaces/hello/deployments/hello');
    expect(deployment.status.availableReplicas).toBe(3);

    expect(await helm.uninstall('hello', 'hello', { wait: true, timeoutMs: 60_000 })).toBe(true);
    expect(await helm.status('hello', 'hello')).toBeUndefined();
    expect(await helm.manifest('hello', 'hello')).toBeUndefined();
    expect(await helm.uninstall('hello', 'hello')).toBe(false);
    expect(await client.getOptional('/apis/apps/v1/namespaces/hello/deployments/hello')).toBeUndefined();
  });
});

describe('teardown', () => {
  it('removes the cluster and its processes', async () => {
    expect(leftovers().length).toBeGreaterThan(0);
    await teardown();
    const deadline = Date.now() + 20_000;
    while (leftovers().length > 0 && Date.now() < deadline) await sleep(250);
    expect(leftovers()).toEqual([]);
    // A connection the test's agent still held may be reset rather than refused.
    await expect(client.get('/version')).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);
  });
});
