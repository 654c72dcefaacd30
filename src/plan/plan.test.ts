import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderPlatform } from '../render/index.js';
import { testPlatform } from '../test-support/render.js';
import { planDot, planMermaid, planTable } from './format.js';
import { buildPlan, longestPath, type PlanStep } from './plan.js';
import { stepStatus } from './status.js';

const platform = testPlatform();
const plan = buildPlan(platform, renderPlatform(platform));
const byId = new Map(plan.steps.map((s) => [s.id, s]));
const ancestors = (id: string, seen = new Set<string>()): Set<string> => {
  for (const dep of byId.get(id)!.dependsOn) if (!seen.has(dep)) ancestors(dep, seen.add(dep));
  return seen;
};

describe('buildPlan', () => {
  it('is deterministic', () => {
    expect(buildPlan(testPlatform(), renderPlatform(testPlatform()))).toEqual(plan);
  });

  it("approves the kubelets' serving certificates on kubeadm clusters before metrics-server scrapes them", () => {
    for (const cluster of platform.clusters) {
      const step = byId.get(`${cluster.name}/kubelet-serving`);
      expect(step).toMatchObject({
        kind: 'kubelet-serving',
        phase: 'cluster',
        dependsOn: [`${cluster.name}/bootstrap`],
        artifacts: [`clusters/${cluster.name}/kubeadm/init.yaml`],
      });
      const release = byId.get(`${cluster.name}/metrics-server/release`);
      if (release) expect(release.dependsOn).toContain(`${cluster.name}/kubelet-serving`);
    }
    expect(byId.has('mgmt/metrics-server/release')).toBe(true);
    // kwok's kubelets ask for nothing; clusters someone else runs approve their own.
    for (const provider of ['kwok', 'existing'] as const) {
      const other = buildPlan(platform, renderPlatform(platform), provider);
      expect(other.steps.filter((s) => s.kind === 'kubelet-serving')).toEqual([]);
    }
  });

  it('lists steps in topological order, every dependency known', () => {
    const seen = new Set<string>();
    for (const step of plan.steps) {
      for (const dep of step.dependsOn) expect(seen.has(dep), `${step.id} before ${dep}`).toBe(true);
      seen.add(step.id);
    }
    expect(new Set(plan.steps.map((s) => s.id)).size).toBe(plan.steps.length);
  });

  it('runs provision → bootstrap → namespaces before any add-on of a cluster', () => {
    for (const cluster of platform.clusters) {
      expect(byId.get(`${cluster.name}/bootstrap`)!.dependsOn).toEqual([`${cluster.name}/provision`]);
      for (const step of plan.steps.filter((s) => s.cluster === cluster.name && s.addon)) {
        expect(ancestors(step.id).has(`${cluster.name}/namespaces`), step.id).toBe(true);
      }
    }
  });

  it("gives each cluster's Vault clients their own auth mount step, on that cluster (correction 18)", () => {
    for (const cluster of ['mgmt', 'app1', 'app2']) {
      expect(byId.get(`${cluster}/vault-auth`)!.dependsOn).toEqual(
        [`${cluster}/vault-token-reviewer`, 'mgmt/vault/configure'].sort(),
      );
      expect(byId.get(`${cluster}/vault-auth`)!.kind).toBe('vault-auth');
      expect(ancestors(`${cluster}/external-secrets/release`).has(`${cluster}/vault-auth`)).toBe(true);
      expect(ancestors(`${cluster}/cert-manager/manifests`).has(`${cluster}/vault-auth`)).toBe(true);
    }
    expect(ancestors('app1/external-secrets/release').has('app2/vault-auth')).toBe(false);
  });

  it("creates the Secrets and ExternalSecrets an add-on's pods read before its release, and copies Vault's CA before its clients", () => {
    const early = plan.steps.filter((s) => s.id.endsWith('/secrets') || s.id.endsWith('/external-secrets'));
    expect(early.map((s) => s.id)).toEqual(
      expect.arrayContaining(['mgmt/minio/secrets', 'mgmt/grafana/external-secrets', 'app1/velero/secrets']),
    );
    for (const step of early) {
      const release = step.id.replace(/\/(secrets|external-secrets)$/, '/release');
      if (byId.has(release))
        expect(ancestors(release).has(step.id), `${release} after ${step.id}`).toBe(true);
    }
    for (const cluster of ['mgmt', 'app1', 'app2']) {
      expect(byId.get(`${cluster}/vault-ca`)!.kind).toBe('secrets');
      expect(ancestors(`${cluster}/vault-ca`).has('mgmt/vault/manifests')).toBe(true);
      expect(ancestors(`${cluster}/cert-manager/manifests`).has(`${cluster}/vault-ca`)).toBe(true);
      // Vault's own per-cluster steps are not its clients.
      expect(ancestors(`${cluster}/vault-auth`).has(`${cluster}/vault-ca`)).toBe(false);
    }
  });

  it('has the cross-cluster edges of the catalog', () => {
    expect(ancestors('app1/external-secrets/release').has('mgmt/vault/configure')).toBe(true);
    expect(
      ancestors('app2/prometheus/release').has(
        `mgmt/thanos/${byId.has('mgmt/thanos/manifests') ? 'manifests' : 'release'}`,
      ),
    ).toBe(true);
    expect(ancestors('app1/promtail/release').has('mgmt/loki/release')).toBe(true);
    expect(ancestors('app2/velero/release').has('mgmt/minio/release')).toBe(true);
    // and no edge from management to a workload cluster
    for (const step of plan.steps.filter((s) => s.cluster === 'mgmt')) {
      for (const dep of step.dependsOn) expect(dep.startsWith('mgmt/'), `${step.id} -> ${dep}`).toBe(true);
    }
  });

  it('installs the Gateway API CRDs before Cilium and every other add-on after Cilium', () => {
    expect(ancestors('mgmt/cilium/release').has('mgmt/gateway-api/crds')).toBe(true);
    expect(byId.get('mgmt/cilium/secrets')!.dependsOn).toContain('mgmt/gateway-api/crds');
    for (const step of plan.steps.filter(
      (s) => s.addon && s.addon !== 'cilium' && s.addon !== 'gateway-api',
    )) {
      expect(ancestors(step.id).has(`${step.cluster}/cilium/release`), step.id).toBe(true);
    }
  });

  it('splits the PKI in two phases: Vault after the bootstrap issuer, the Vault issuer after Vault (ADR-004)', () => {
    if (!byId.has('mgmt/cert-manager/bootstrap-issuer')) return; // cert-manager renders no manifests yet
    expect(ancestors('mgmt/vault/release').has('mgmt/cert-manager/bootstrap-issuer')).toBe(true);
    expect(ancestors('app1/cert-manager/manifests').has('mgmt/vault/configure')).toBe(true);
  });

  it('marks exactly the steps whose rendered inputs changed', () => {
    const tree = renderPlatform(platform);
    const edited = tree.map((a) =>
      a.path === 'clusters/app1/namespaces.yaml' ? { ...a, content: `${a.content}# edit\n` } : a,
    );
    const after = buildPlan(platform, edited);
    const changed = after.steps.filter((s) => s.inputsHash !== byId.get(s.id)!.inputsHash).map((s) => s.id);
    expect(changed).toEqual(['app1/namespaces']);
    const step = after.steps.find((s) => s.id === 'app1/namespaces')!;
    expect(stepStatus(step, { inputsHash: byId.get(step.id)!.inputsHash, outcome: 'succeeded' })).toBe(
      'changed',
    );
    expect(stepStatus(step, undefined)).toBe('new');
    expect(stepStatus(step, { inputsHash: step.inputsHash, outcome: 'succeeded' })).toBe('unchanged');
    expect(stepStatus(step, { inputsHash: step.inputsHash, outcome: 'failed' })).toBe('failed');
  });

  it('names a critical path through the graph whose length is the sum of its steps', () => {
    const ids = plan.criticalPath.ids;
    for (let i = 1; i < ids.length; i++) expect(byId.get(ids[i]!)!.dependsOn).toContain(ids[i - 1]);
    expect(plan.criticalPath.lengthMs).toBe(
      ids.reduce((sum, id) => sum + byId.get(id)!.expectedDurationMs, 0),
    );
    expect(ids[0]).toBe('mgmt/provision');
  });
});

describe('longestPath', () => {
  it('matches brute force over every source-to-sink path of random DAGs', () => {
    const dag = fc.integer({ min: 1, max: 9 }).chain((n) =>
      fc.tuple(
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: n, maxLength: n }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), {
          maxLength: 20,
        }),
      ),
    );
    fc.assert(
      fc.property(dag, ([durations, edges]) => {
        // Edges only from lower to higher index keep the graph acyclic.
        const steps: Array<Pick<PlanStep, 'id' | 'dependsOn' | 'expectedDurationMs'>> = durations.map(
          (d, i) => ({
            id: `s${i}`,
            expectedDurationMs: d,
            dependsOn: [...new Set(edges.filter(([a, b]) => a < b && b === i).map(([a]) => `s${a}`))],
          }),
        );
        const brute = (id: string): number => {
          const step = steps.find((s) => s.id === id)!;
          return step.expectedDurationMs + Math.max(0, ...step.dependsOn.map(brute));
        };
        expect(longestPath(steps).lengthMs).toBe(Math.max(...steps.map((s) => brute(s.id))));
      }),
    );
  });
});

describe('plan formats', () => {
  const rows = plan.steps.map((s) => ({ ...s, status: 'new' as const }));

  it('table ends with the step count and the critical path', () => {
    const text = planTable(rows, plan);
    expect(text.split('\n')[0]).toMatch(/^STEP\s+CLUSTER\s+PHASE\s+KIND\s+STATUS\s+EXPECTED\s+DEPENDS ON$/);
    expect(text).toContain(`${plan.steps.length} steps (${plan.steps.length} new); critical path`);
  });

  it('mermaid and dot name every step and every edge', () => {
    const mermaid = planMermaid(rows, plan);
    const dot = planDot(rows, plan);
    const edges = plan.steps.reduce((sum, s) => sum + s.dependsOn.length, 0);
    expect(mermaid.split('\n').filter((l) => l.includes(' --> '))).toHaveLength(edges);
    expect(dot.split('\n').filter((l) => l.includes('" -> "'))).toHaveLength(edges);
    expect(dot).toContain('"app1/external-secrets/release"');
  });
});
