import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ADDON_NAMES, type AddonName } from '../../addons/names.js';
import { buildPlan, type Plan } from '../../plan/plan.js';
import type { Platform } from '../../spec/model.js';
import { testPlatform } from '../../test-support/render.js';
import type { Artifact } from '../artifacts.js';
import { renderPlatform } from '../index.js';
import { toYaml } from '../yaml.js';
import { type GitopsOptions, renderGitops, SYNC_WAVE } from './index.js';
import { gitopsUnits, unitKey } from './units.js';

const OPTIONS: GitopsOptions = { repoURL: 'https://git.example.com/platform.git', revision: 'main' };

function exportOf(platform: Platform, options: GitopsOptions = OPTIONS) {
  const tree = renderPlatform(platform);
  const plan = buildPlan(platform, tree);
  return { plan, artifacts: renderGitops(platform, tree, plan, options) };
}

const objectsIn = (artifact: Artifact) =>
  parseAllDocuments(artifact.content).map((d) => d.toJS() as Record<string, any>);

/** Every pair (A, B) of steps where B depends on A, directly or through any other steps. */
function reachable(plan: Plan): Array<[string, string]> {
  const ancestors = new Map<string, Set<string>>();
  for (const step of plan.steps) {
    const all = new Set<string>();
    for (const dep of step.dependsOn) {
      all.add(dep);
      for (const a of ancestors.get(dep) ?? []) all.add(a);
    }
    ancestors.set(step.id, all);
  }
  return plan.steps.flatMap((s) => [...ancestors.get(s.id)!].map((a) => [a, s.id] as [string, string]));
}

/** Objects that two Applications of one cluster would both own. */
function ownedTwice(artifacts: readonly Artifact[]): string[] {
  const owner = new Map<string, string>();
  const twice: string[] = [];
  for (const artifact of artifacts) {
    const match = /^clusters\/([^/]+)\/([^/]+)\/manifests\//.exec(artifact.path);
    if (!match) continue;
    for (const o of objectsIn(artifact)) {
      const key = `${match[1]} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      const first = owner.get(key);
      if (first !== undefined && first !== match[2]) twice.push(`${key}: ${first} and ${match[2]}`);
      owner.set(key, match[2]!);
    }
  }
  return twice;
}

/** The sync wave of the Application that carries each plan step, read back from the exported tree. */
function wavesOfSteps(artifacts: readonly Artifact[]): Map<string, { wave: number; app: string }> {
  const out = new Map<string, { wave: number; app: string }>();
  for (const artifact of artifacts.filter((a) => a.path.startsWith('argocd/applications/')))
    for (const app of objectsIn(artifact)) {
      const wave = Number(app.metadata.annotations[SYNC_WAVE]);
      for (const id of String(app.metadata.annotations['platformctl.dev/plan-steps']).split(','))
        out.set(id, { wave, app: app.metadata.name });
    }
  return out;
}

const OPTIONAL: readonly AddonName[] = ADDON_NAMES.filter(
  (a) => !['cilium', 'istio', 'gateway-api'].includes(a),
);
const WORKLOADS = [
  { name: 'app1', role: 'workload' },
  { name: 'app2', role: 'workload' },
  {
    name: 'app3',
    role: 'workload',
    id: 4,
    podCIDR: '10.103.0.0/16',
    serviceCIDR: '10.99.0.0/16',
    loadBalancerPool: '192.168.64.231-192.168.64.240',
  },
];

/** A spec: mgmt and some workload clusters, some add-ons switched off. */
const specs = fc
  .record({
    workloads: fc.subarray(WORKLOADS, { minLength: 0 }),
    disabled: fc.subarray([...OPTIONAL], { maxLength: 12 }),
  })
  .map(({ workloads, disabled }) =>
    toYaml({
      apiVersion: 'platformctl.dev/v1alpha1',
      kind: 'Platform',
      metadata: { name: 'random' },
      spec: {
        host: { cpus: 16, memoryGiB: 96, diskGiB: 1000 },
        clusters: [{ name: 'mgmt', role: 'management' }, ...workloads],
        addons: Object.fromEntries(disabled.map((a) => [a, { enabled: false }])),
      },
    }),
  );

function tryPlatform(text: string): Platform | undefined {
  try {
    return testPlatform(text);
  } catch {
    return undefined; // an add-on switched off that another one requires: not a valid spec
  }
}

describe('export gitops', () => {
  const { plan, artifacts } = exportOf(testPlatform());
  const byPath = new Map(artifacts.map((a) => [a.path, a.content]));

  it('orders every dependency of the plan by sync waves, also through steps it leaves out', () => {
    const waves = wavesOfSteps(artifacts);
    expect(waves.size).toBeGreaterThan(50);
    let checked = 0;
    for (const [a, b] of reachable(plan)) {
      const from = waves.get(a);
      const to = waves.get(b);
      if (!from || !to || from.app === to.app) continue;
      expect(from.wave, `${a} (${from.app}) -> ${b} (${to.app})`).toBeLessThan(to.wave);
      checked++;
    }
    expect(checked).toBeGreaterThan(400);
  });

  it('gives every object one owner, and leaves PKI phase 1 to up (it would stand in Git for ever)', () => {
    expect(ownedTwice(artifacts)).toEqual([]);
    const issuers = artifacts
      .filter((a) => a.path.startsWith('clusters/'))
      .flatMap(objectsIn)
      .filter((o) => o.kind === 'ClusterIssuer')
      .map((o) => o.metadata.name as string);
    expect(issuers).toContain('vault-issuer');
    expect(issuers).not.toContain('selfsigned-bootstrap');
    expect(artifacts.map((a) => a.path).filter((p) => p.includes('bootstrap-issuer'))).toEqual([]);
  });

  it('splits an add-on whose later steps wait for an Application that waits for its earlier ones', () => {
    // cert-manager's phase-2 issuer needs Vault, and Vault's certificate needs cert-manager's bootstrap issuer.
    const app = (path: string) => objectsIn({ path, content: byPath.get(path)! })[0]!;
    const first = app('argocd/applications/mgmt/cert-manager.yaml');
    const vault = app('argocd/applications/mgmt/vault.yaml');
    const second = app('argocd/applications/mgmt/cert-manager-manifests.yaml');
    const wave = (o: Record<string, any>) => Number(o.metadata.annotations[SYNC_WAVE]);
    expect(wave(first)).toBeLessThan(wave(vault));
    expect(wave(vault)).toBeLessThan(wave(second));
  });

  it('gives each add-on its pinned chart, its values file from the tree and its manifests as a directory', () => {
    const [keycloak] = objectsIn({
      path: '',
      content: byPath.get('argocd/applications/mgmt/keycloak.yaml')!,
    });
    const [chart, git] = keycloak!.spec.sources;
    expect(chart).toMatchObject({ chart: 'keycloakx', helm: { releaseName: 'keycloak' } });
    expect(chart.helm.valueFiles).toEqual(['$values/clusters/mgmt/keycloak/values.yaml']);
    expect(git).toMatchObject({
      ref: 'values',
      path: 'clusters/mgmt/keycloak/manifests',
      repoURL: OPTIONS.repoURL,
      targetRevision: 'main',
    });
    expect(byPath.get('clusters/mgmt/keycloak/values.yaml')).toBe(
      renderPlatform(testPlatform()).find((a) => a.path === 'clusters/mgmt/addons/keycloak/values.yaml')!
        .content,
    );
    // Its ExternalSecrets come before the chart's pods, its routes after.
    const early = objectsIn({
      path: '',
      content: byPath.get('clusters/mgmt/keycloak/manifests/external-secrets.yaml')!,
    });
    expect(early.map((o) => o.metadata.annotations[SYNC_WAVE])).toEqual(early.map(() => '-1'));
    const late = objectsIn({
      path: '',
      content: byPath.get('clusters/mgmt/keycloak/manifests/manifests.yaml')!,
    });
    expect(new Set(late.map((o) => o.metadata.annotations[SYNC_WAVE]))).toEqual(new Set(['1']));
  });

  it('creates a namespace only where platformctl does not manage it', () => {
    const options = (path: string) =>
      objectsIn({ path, content: byPath.get(path)! })[0]!.spec.syncPolicy.syncOptions as string[];
    for (const path of artifacts.map((a) => a.path).filter((p) => p.startsWith('argocd/applications/'))) {
      expect(options(path)).toContain('ServerSideApply=true');
    }
    // cilium runs in kube-system, which is not in namespaces.yaml; keycloak's namespace is.
    expect(options('argocd/applications/mgmt/cilium.yaml')).toContain('CreateNamespace=true');
    expect(options('argocd/applications/mgmt/keycloak.yaml')).not.toContain('CreateNamespace=true');
    expect(byPath.get('clusters/mgmt/namespaces/manifests/namespaces.yaml')).toContain('name: keycloak\n');
  });

  it('registers every cluster through an ExternalSecret, with no credential in the tree', () => {
    const secrets = objectsIn({ path: '', content: byPath.get('argocd/clusters.yaml')! });
    expect(secrets.map((s) => s.spec.target.template.metadata.labels)).toEqual(
      ['mgmt', 'app1', 'app2'].map((name) =>
        expect.objectContaining({
          'argocd.argoproj.io/secret-type': 'cluster',
          'platformctl.dev/cluster': name,
        }),
      ),
    );
    for (const artifact of artifacts)
      expect(artifact.content).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY|\bkeyData: /);
  });

  it('carries the health check for Applications that makes waves wait (argo-cd#5585)', () => {
    const [cm] = objectsIn({ path: '', content: byPath.get('bootstrap/argocd-cm.yaml')! });
    expect(cm!.data['resource.customizations.health.argoproj.io_Application']).toContain(
      'hs.status = obj.status.health.status',
    );
  });

  it('writes one ApplicationSet per add-on and wave with --applicationsets', () => {
    const sets = exportOf(testPlatform(), { ...OPTIONS, applicationSets: true }).artifacts;
    const names = sets.filter((a) => a.path.startsWith('argocd/applicationsets/')).map((a) => a.path);
    expect(names).toContain('argocd/applicationsets/cilium.yaml');
    // mgmt's Prometheus comes before Thanos, the workload clusters' agents after it.
    expect(names).toContain('argocd/applicationsets/prometheus-wave-3.yaml');
    const [agents] = objectsIn(sets.find((a) => a.path === 'argocd/applicationsets/prometheus-wave-5.yaml')!);
    expect(agents!.spec.generators[0].clusters.selector.matchExpressions[0].values).toEqual(['app1', 'app2']);
    expect(sets.some((a) => a.path.startsWith('argocd/applications/'))).toBe(false);
  });

  it('is byte-identical across runs', () => {
    expect(exportOf(testPlatform()).artifacts).toEqual(artifacts);
  });

  it('for random specs: wave(A) < wave(B) for every edge A -> B of the plan between Applications', () => {
    let valid = 0;
    fc.assert(
      fc.property(specs, (text) => {
        const platform = tryPlatform(text);
        fc.pre(platform !== undefined);
        valid++;
        const { plan, artifacts } = exportOf(platform!);
        const units = gitopsUnits(plan);
        const unitOf = new Map(units.flatMap((u) => u.steps.map((s) => [s.id, u] as const)));
        for (const step of plan.steps)
          for (const dep of step.dependsOn) {
            const a = unitOf.get(dep);
            const b = unitOf.get(step.id);
            if (a && b && a !== b) expect(a.wave, `${dep} -> ${step.id}`).toBeLessThan(b.wave);
          }
        for (const unit of units) for (const dep of unit.dependsOn) expect(dep).not.toBe(unitKey(unit));
        // What the tree says agrees, through the steps that are left out too.
        const waves = wavesOfSteps(artifacts);
        for (const [a, b] of reachable(plan)) {
          const from = waves.get(a);
          const to = waves.get(b);
          if (from && to && from.app !== to.app) expect(from.wave).toBeLessThan(to.wave);
        }
        expect(ownedTwice(artifacts)).toEqual([]);
        expect(exportOf(platform!).artifacts).toEqual(artifacts);
      }),
      { numRuns: 10 },
    );
    expect(valid).toBeGreaterThanOrEqual(5);
    // Each case renders and plans a whole platform twice: seconds on a shared machine.
  }, 120_000);
});
