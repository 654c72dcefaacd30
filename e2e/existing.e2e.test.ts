/**
 * `provider: existing` for real: two kwok clusters created outside platformctl with the harness's
 * kwokctl (real kube-apiserver, etcd, controller-manager and scheduler; kwok's simulated nodes),
 * their kubeconfigs merged into one file with renamed contexts, then `doctor`, `up`, a second
 * `up` with every step unchanged, and `down`, which removes what platformctl installed and leaves
 * the clusters serving.
 */
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/clients/kube.js';
import { kubeconfigText, renamedKubeconfig } from '../src/providers/shared/kubeconfig.js';
import { createOutsideKwokCluster, type OutsideKwokCluster } from '../src/test-support/outside-kwok.js';
import { cliIn, requireHarness } from './support/project.js';

requireHarness('kwokctl', 'kwok', 'kube-apiserver', 'etcd', 'helm');

const work = mkdtempSync(join(tmpdir(), 'platformctl-existing-'));
const project = join(work, 'project');
mkdirSync(project);
const cli = cliIn(project);
// Someone else's clusters: names and contexts that are not platformctl's.
const CLUSTERS = [
  { kwok: 'team-mgmt', context: 'team-mgmt-admin', name: 'mgmt', serviceCIDR: '10.96.0.0/16' },
  { kwok: 'team-app1', context: 'team-app1-admin', name: 'app1', serviceCIDR: '10.97.0.0/16' },
] as const;
const DISABLED = [
  'cilium', 'metrics-server', 'metallb', 'minio', 'cert-manager', 'vault', 'external-secrets', 'keycloak',
  'prometheus', 'thanos', 'loki', 'promtail', 'tempo', 'grafana', 'otel-collector', 'vpa', 'goldilocks',
  'keda', 'k8sgpt', 'robusta', 'velero', 'trivy-operator', 'kyverno', 'falco', 'istio',
]; // prettier-ignore
const merged = join(work, 'team.kubeconfig');

const clients = new Map<string, KubeClient>();
const client = async (name: string) => {
  const entry = CLUSTERS.find((c) => c.name === name)!;
  const existing = clients.get(name) ?? (await KubeClient.fromFile(merged, entry.context));
  clients.set(name, existing);
  return existing;
};

const outside: OutsideKwokCluster[] = [];

beforeAll(async () => {
  for (const c of CLUSTERS) {
    const workdir = join(work, `kwok-${c.kwok}`);
    mkdirSync(workdir);
    outside.push(await createOutsideKwokCluster({ name: c.kwok, workdir, serviceCIDR: c.serviceCIDR }));
  }
  // One file, contexts renamed, as a colleague would hand it over.
  const entries = CLUSTERS.map((c) =>
    renamedKubeconfig(outside.find((o) => o.name === c.kwok)!.kubeconfigText(), c.context),
  );
  writeFileSync(
    merged,
    kubeconfigText(
      {
        clusters: entries.flatMap((e) => e.clusters),
        users: entries.flatMap((e) => e.users),
        contexts: entries.flatMap((e) => e.contexts),
      },
      CLUSTERS[0].context,
    ),
    { mode: 0o600 },
  );
  writeFileSync(
    join(project, 'platform.yaml'),
    [
      'apiVersion: platformctl.dev/v1alpha1',
      'kind: Platform',
      'metadata: { name: team-lab }',
      'spec:',
      '  provider: existing',
      '  clusters:',
      ...CLUSTERS.map(
        (c, i) =>
          `    - { name: ${c.name}, role: ${i === 0 ? 'management' : 'workload'}, existing: { kubeconfig: ${merged}, context: ${c.context} }, serviceCIDR: ${c.serviceCIDR} }`,
      ),
      '  addons:',
      ...DISABLED.map((a) => `    ${a}: { enabled: false }`),
      '',
    ].join('\n'),
  );
}, 400_000);

afterAll(() => {
  for (const cluster of outside) cluster.delete();
});

/** `up -o json`: one event per line; the finished steps. */
function upSteps() {
  const result = cli('up', '-o', 'json');
  const steps = result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; id: string; outcome: string })
    .filter((e) => e.type === 'step-finished');
  return { ...result, steps };
}

async function eventually(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 90 s`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

const helmReleases = async (name: string) =>
  (await (await client(name)).list<{ metadata: { name: string; namespace?: string } }>('v1', 'Secret', undefined, {
    labelSelector: 'owner=helm',
  })).map((s) => `${s.metadata.namespace}/${s.metadata.name}`); // prettier-ignore

describe('provider existing on clusters created outside platformctl (kwokctl)', () => {
  it('doctor checks each cluster through its kubeconfig context', () => {
    const result = cli('doctor', '-o', 'json');
    const checks = (
      JSON.parse(result.stdout) as { checks: Array<{ id: string; status: string; detail: string }> }
    ).checks;
    const byId = new Map(checks.map((c) => [c.id, c]));
    for (const c of CLUSTERS) {
      expect(byId.get(`existing.${c.name}.version`)?.status, JSON.stringify(checks)).toBe('pass');
      expect(byId.get(`existing.${c.name}.nodes`)).toMatchObject({
        status: 'pass',
        detail: '2 node(s) Ready',
      });
      expect(byId.get(`existing.${c.name}.storage`)?.status).toBe('pass');
      // No Cilium in the spec and no known CNI on kwok's nodes, but the nodes are Ready: a warning.
      expect(byId.get(`existing.${c.name}.cni`)?.status).toBe('warn');
    }
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('up installs the plan on both clusters, without provision steps', () => {
    const { steps, ...result } = upSteps();
    expect(result.code, result.stdout.slice(-3000) + result.stderr.slice(-3000)).toBe(0);
    expect(steps.some((s) => s.id.endsWith('/provision'))).toBe(false);
    // Connecting changes nothing on someone else's cluster.
    expect(steps.find((s) => s.id === 'app1/bootstrap')?.outcome).toBe('unchanged');
    expect(steps.filter((s) => s.id.includes('/local-path/')).length).toBeGreaterThan(0);
  }, 600_000);

  it('the releases and objects are on the clusters', async () => {
    for (const c of CLUSTERS) {
      expect((await helmReleases(c.name)).some((r) => r.includes('sh.helm.release.v1.local-path.'))).toBe(
        true,
      );
      expect(
        await (
          await client(c.name)
        ).getOptional(
          '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gateways.gateway.networking.k8s.io',
        ),
      ).toBeDefined();
    }
  });

  it('a second up changes nothing', () => {
    const { steps, ...result } = upSteps();
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expect(steps.length).toBeGreaterThanOrEqual(8);
    const changed = steps.filter((s) => s.outcome !== 'unchanged' && s.outcome !== 'skipped');
    expect(changed, JSON.stringify(changed)).toEqual([]);
  }, 600_000);

  it('down without --yes lists what it would remove and removes nothing', async () => {
    const result = cli('down');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('release local-path-storage/local-path');
    expect(result.stdout).toContain('run `platformctl down --yes`');
    expect((await helmReleases('app1')).length).toBeGreaterThan(0);
  });

  it('down --yes removes what platformctl installed and leaves the clusters serving', async () => {
    const result = cli('down', '--yes', '-o', 'json');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      removed: Array<{ cluster: string; failed: string[]; removed: string[] }>;
    };
    expect(report.removed.map((r) => r.cluster)).toEqual(['app1', 'mgmt']);
    for (const c of CLUSTERS) {
      const kube = await client(c.name);
      expect((await kube.get<{ gitVersion: string }>('/version')).gitVersion).toMatch(/^v1\./);
      expect(await kube.list('v1', 'Node')).toHaveLength(2);
      expect(await helmReleases(c.name)).toEqual([]);
      // Deleted; the namespace and CRD controllers finish it.
      await eventually(
        `${c.name}: namespace local-path-storage gone`,
        async () => !(await kube.getOptional('/api/v1/namespaces/local-path-storage')),
      );
      await eventually(
        `${c.name}: Gateway CRD gone`,
        async () =>
          !(await kube.getOptional(
            '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gateways.gateway.networking.k8s.io',
          )),
      );
      // Theirs stays.
      expect(await kube.getOptional('/api/v1/namespaces/kube-system')).toBeDefined();
    }
    // The kubeconfig was read, never rewritten or copied looser.
    expect(statSync(merged).mode & 0o777).toBe(0o600);
    expect(cli('down').stdout).toContain('nothing to remove');
  }, 600_000);
});
