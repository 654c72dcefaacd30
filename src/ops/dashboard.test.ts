import { describe, expect, it } from 'vitest';
import type { PlatformState } from '../engine/state.js';
import { testPlatform } from '../test-support/render.js';
import { crossClusterDependencies, healthView, meshLinks, topology, uiLinks } from './dashboard.js';
import type { StatusReport } from './project.js';

const platform = testPlatform();

function state(steps: PlatformState['steps'], clusters: PlatformState['clusters'] = {}): PlatformState {
  return { version: 1, platform: platform.name, provider: 'multipass', steps, clusters, runs: [] };
}

const step = (outputs?: Record<string, unknown>, outcome: 'succeeded' | 'failed' = 'succeeded') => ({
  inputsHash: 'h',
  outcome,
  runId: '20260101T000000-abcdef',
  attempts: 1,
  ...(outputs ? { outputs } : {}),
});

describe('topology', () => {
  it("lists every cluster with its role, ranges, pool, pinned addresses and nodes' sizes", () => {
    const view = topology({ platform, provider: 'kwok' });
    expect(view.clusters.map((c) => [c.name, c.role])).toEqual([
      ['mgmt', 'management'],
      ['app1', 'workload'],
      ['app2', 'workload'],
    ]);
    const mgmt = view.clusters[0]!;
    expect(mgmt.podCIDR).toBe(platform.clusters[0]!.podCIDR.text);
    expect(mgmt.serviceCIDR).toBe(platform.clusters[0]!.serviceCIDR.text);
    expect(mgmt.loadBalancerPool).toBe(platform.clusters[0]!.loadBalancerPool.text);
    expect(mgmt.pinned).toContainEqual({ service: 'api', address: platform.clusters[0]!.addresses.api });
    expect(mgmt.pinned).toContainEqual({ service: 'vault', address: '192.168.64.202' });
    // Workload clusters pin no Vault.
    expect(view.clusters[1]!.pinned.map((p) => p.service)).not.toContain('vault');
    expect(mgmt.nodes.map((n) => [n.name, n.role])).toEqual([
      ['mgmt-cp-0', 'control-plane'],
      ['mgmt-worker-0', 'worker'],
    ]);
    const spec = platform.clusters[0]!.nodes[0]!;
    expect(mgmt.nodes[0]).toMatchObject({ cpus: spec.cpus, memoryGiB: spec.memoryGiB });
    expect(mgmt.nodes[0]!.address).toBeUndefined();
  });

  it('gives nodes the addresses the provider recorded, else the ones their Node objects report', () => {
    const live: Pick<StatusReport, 'clusters'> = {
      clusters: [
        {
          name: 'mgmt',
          role: 'management',
          exists: true,
          serving: true,
          ready: true,
          nodes: [
            { name: 'mgmt-cp-0', ready: true, address: '10.0.0.9' },
            { name: 'mgmt-worker-0', ready: false, address: '10.0.0.10' },
          ],
          connect: { kubeconfig: 'k', context: 'c' },
        },
      ],
    };
    const view = topology({
      platform,
      provider: 'multipass',
      state: state(
        { 'mgmt/provision': step({ addresses: { 'mgmt-cp-0': '192.168.64.10' } }) },
        {
          mgmt: { role: 'management', nodes: ['mgmt-cp-0', 'mgmt-worker-0'] },
        },
      ),
      live,
    });
    const [cp, worker] = view.clusters[0]!.nodes;
    expect(cp).toMatchObject({ address: '192.168.64.10', addressFrom: 'recorded', ready: true });
    expect(worker).toMatchObject({ address: '10.0.0.10', addressFrom: 'node', ready: false });
    expect(view.clusters[0]).toMatchObject({ recorded: true, serving: true });
    expect(view.clusters[1]).toMatchObject({ recorded: false });
    expect(view.clusters[1]!.serving).toBeUndefined();
  });

  it('gives nodes the addresses their bootstrap recorded when provision recorded none (kwok registers its nodes at bootstrap)', () => {
    const view = topology({
      platform,
      provider: 'kwok',
      state: state({
        'app1/provision': step({ addresses: {} }),
        'app1/bootstrap': step({ addresses: { 'app1-cp-0': '196.168.0.1', 'app1-worker-0': '196.168.0.1' } }),
        'mgmt/provision': step({ addresses: { 'mgmt-cp-0': '192.168.64.10' } }),
        'mgmt/bootstrap': step({ addresses: { 'mgmt-cp-0': '192.168.64.99' } }),
      }),
    });
    expect(view.clusters[1]!.nodes.map((n) => [n.name, n.address, n.addressFrom])).toEqual([
      ['app1-cp-0', '196.168.0.1', 'recorded'],
      ['app1-worker-0', '196.168.0.1', 'recorded'],
    ]);
    // What the machine got at provision comes first.
    expect(view.clusters[0]!.nodes[0]).toMatchObject({ address: '192.168.64.10', addressFrom: 'recorded' });
  });

  it("shows each add-on's steps with what the state recorded", () => {
    const view = topology({
      platform,
      provider: 'kwok',
      state: state({
        'app1/kyverno/release': step(),
        'app1/kyverno/manifests': step(undefined, 'failed'),
      }),
    });
    const kyverno = view.clusters[1]!.addons.find((a) => a.name === 'kyverno')!;
    expect(kyverno.namespace).toBe(platform.addonNamespaces.kyverno);
    expect(kyverno.steps).toEqual([
      { id: 'app1/kyverno/release', outcome: 'succeeded' },
      { id: 'app1/kyverno/manifests', outcome: 'failed' },
    ]);
    expect(view.clusters[2]!.addons.find((a) => a.name === 'kyverno')!.steps).toEqual([]);
  });

  it('lists the enabled external services only', () => {
    expect(topology({ platform, provider: 'kwok' }).externalServices.map((e) => e.name)).toEqual([
      'argocd',
      'harbor',
      'nexus',
    ]);
    const without = testPlatform(
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: {name: lab}\nspec:\n  externalServices:\n    harbor: {enabled: false}\n',
    );
    expect(topology({ platform: without, provider: 'kwok' }).externalServices.map((e) => e.name)).toEqual([
      'argocd',
      'nexus',
    ]);
  });
});

describe('mesh links and cross-cluster dependencies', () => {
  it('meshes every pair of clusters that run Cilium, with their clustermesh-apiserver addresses', () => {
    expect(meshLinks(platform)).toEqual([
      { clusters: ['mgmt', 'app1'], addresses: ['192.168.64.201', '192.168.64.212'] },
      { clusters: ['mgmt', 'app2'], addresses: ['192.168.64.201', '192.168.64.222'] },
      { clusters: ['app1', 'app2'], addresses: ['192.168.64.212', '192.168.64.222'] },
    ]);
  });

  it('draws what a workload cluster needs from the management cluster: secrets, metrics, logs, traces, backups', () => {
    const deps = crossClusterDependencies(platform).filter((d) => d.from.cluster === 'app1');
    const by = (addon: string) => deps.filter((d) => d.from.addon === addon);
    expect(by('external-secrets')).toEqual([
      expect.objectContaining({
        to: { cluster: 'mgmt', addon: 'vault' },
        kind: 'secrets',
        address: '192.168.64.202',
      }),
    ]);
    expect(by('promtail')[0]).toMatchObject({
      to: { addon: 'loki' },
      kind: 'logs',
      address: '192.168.64.205',
    });
    expect(by('otel-collector')[0]).toMatchObject({ to: { addon: 'tempo' }, kind: 'traces' });
    expect(by('velero')[0]).toMatchObject({ to: { addon: 'minio' }, kind: 'backups' });
    expect(by('prometheus').map((d) => d.kind)).toContain('metrics');
    // Nothing points from the management cluster to itself.
    expect(crossClusterDependencies(platform).some((d) => d.from.cluster === 'mgmt')).toBe(false);
  });
});

describe('links to the platform UIs', () => {
  it('names each UI by its DNS name and the address the rendered DNS resolves it to', () => {
    const links = uiLinks(platform);
    const grafana = links.find((l) => l.name === 'Grafana')!;
    expect(grafana).toMatchObject({
      cluster: 'mgmt',
      host: 'grafana.mgmt.local.dev',
      url: 'https://grafana.mgmt.local.dev/',
      address: '192.168.64.200', // mgmt's Gateway, through the *.mgmt.local.dev wildcard
    });
    expect(links.find((l) => l.name === 'Vault')).toMatchObject({
      host: 'vault.mgmt.local.dev',
      address: '192.168.64.202', // its own entry, not the Gateway's wildcard
      url: 'https://vault.mgmt.local.dev:8200/ui/',
    });
    expect(links.find((l) => l.name === 'Argo CD')).toMatchObject({ host: 'argocd.mgmt.local.dev' });
    expect(links.find((l) => l.name === 'Keycloak')).toMatchObject({ host: 'keycloak.mgmt.local.dev' });
    const hubble = links.filter((l) => l.name === 'Hubble');
    expect(hubble.map((l) => l.cluster)).toEqual(['mgmt', 'app1', 'app2']);
    expect(hubble[0]!.note).toContain('port-forward svc/hubble-ui');
  });

  it('leaves out a UI whose add-on is disabled', () => {
    const without = testPlatform(
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: {name: lab}\nspec:\n  addons:\n    grafana: {enabled: false}\n',
    );
    expect(uiLinks(without).map((l) => l.name)).not.toContain('Grafana');
    expect(uiLinks(without).map((l) => l.name)).toContain('Vault');
  });
});

describe('health', () => {
  const status = (healthy: boolean, steps: StatusReport['steps'] = []): StatusReport => ({
    platform: 'p',
    provider: 'kwok',
    clusters: [],
    steps,
    lastRun: null,
    healthy,
    problems: healthy ? [] : ['cluster app1 does not serve'],
  });

  it('is healthy only when status, verify and analyze all are', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const verify = { ok: true, checks: [{ id: 'api.mgmt', status: 'pass' as const, evidence: 'ok' }] };
    expect(healthView({ at, status: status(true), verify, findings: [] }).healthy).toBe(true);
    expect(healthView({ at, status: status(false), verify, findings: [] })).toMatchObject({
      healthy: false,
      problems: ['cluster app1 does not serve'],
    });
    const failing = {
      ok: false,
      checks: [{ id: 'vault.unsealed', status: 'fail' as const, evidence: 'sealed' }],
    };
    expect(healthView({ at, status: status(true), verify: failing, findings: [] }).healthy).toBe(false);
    const finding = {
      cluster: 'app1',
      analyzer: 'Pod',
      object: 'Pod a/b',
      severity: 'error' as const,
      evidence: 'CrashLoopBackOff',
      hint: 'logs',
    };
    expect(healthView({ at, status: status(true), verify, findings: [finding] }).healthy).toBe(false);
    expect(
      healthView({ at, status: status(true), verify, findings: [], errors: ['analyze: x'] }).healthy,
    ).toBe(false);
    expect(healthView({ at }).healthy).toBe(false);
  });

  it('carries the latest saved verify and analyze reports with their times; an old failure there does not make it unhealthy', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const verify = { ok: true, checks: [] };
    const saved = {
      verify: {
        kind: 'verify' as const,
        at: '2025-12-31T23:00:00.000Z',
        report: {
          ok: false,
          checks: [{ id: 'vault.unsealed', status: 'fail' as const, evidence: 'sealed' }],
        },
      },
    };
    const view = healthView({ at, status: status(true), verify, findings: [], saved });
    expect(view.saved).toEqual(saved);
    expect(view.healthy).toBe(true);
    expect(healthView({ at }).saved).toEqual({});
  });

  it("lists status's drifted steps with what drifted", () => {
    const view = healthView({
      at: new Date(),
      status: status(false, [
        {
          id: 'app1/namespaces',
          cluster: 'app1',
          outcome: 'succeeded',
          state: 'drifted',
          drift: 'Namespace x missing',
        },
        { id: 'app1/bootstrap', cluster: 'app1', outcome: 'succeeded', state: 'in sync' },
      ]),
    });
    expect(view.drift).toEqual([{ id: 'app1/namespaces', drift: 'Namespace x missing' }]);
  });
});
