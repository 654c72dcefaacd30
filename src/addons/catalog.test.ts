import { describe, expect, it } from 'vitest';
import { ADDON_CATALOG, catalogEntries, requirementsFor, scopeAllows } from './catalog.js';
import { ADDON_NAMES, type AddonName } from './names.js';
import { type ClusterRole, PHASES } from './types.js';

const ROLES: ClusterRole[] = ['management', 'workload'];

describe('add-on catalog', () => {
  it('has one entry per name, keyed by its own name', () => {
    expect(Object.keys(ADDON_CATALOG).sort()).toEqual([...ADDON_NAMES].sort());
    for (const name of ADDON_NAMES) expect(ADDON_CATALOG[name].name).toBe(name);
  });

  it("holds every component of the seed's matrix, Istio optional", () => {
    const seedMatrix = [
      'cilium',
      'metrics-server',
      'local-path',
      'metallb',
      'gateway-api',
      'minio',
      'cert-manager',
      'vault',
      'external-secrets',
      'keycloak',
      'prometheus',
      'thanos',
      'loki',
      'promtail',
      'tempo',
      'grafana',
      'otel-collector',
      'vpa',
      'goldilocks',
      'keda',
      'k8sgpt',
      'robusta',
      'velero',
      'trivy-operator',
      'kyverno',
      'falco',
    ];
    for (const name of seedMatrix) expect(ADDON_NAMES).toContain(name);
    expect(ADDON_CATALOG.istio.defaultPlacement).toBe('none');
  });

  it('default placements are allowed by the scopes', () => {
    for (const addon of catalogEntries()) {
      for (const role of ROLES) {
        if (addon.defaultPlacement === 'all' || addon.defaultPlacement === role) {
          expect(scopeAllows(addon.scope, role), `${addon.name} on ${role}`).toBe(true);
        }
      }
    }
  });

  it('keeps Kyverno off the management cluster and platform services on it (ADR-001, ADR-003)', () => {
    expect(scopeAllows(ADDON_CATALOG.kyverno.scope, 'management')).toBe(false);
    for (const name of [
      'vault',
      'minio',
      'keycloak',
      'thanos',
      'loki',
      'tempo',
      'grafana',
      'k8sgpt',
      'robusta',
    ] as AddonName[]) {
      expect(ADDON_CATALOG[name].scope, name).toBe('management');
    }
  });

  it('every dependency can be met where it must run', () => {
    for (const addon of catalogEntries()) {
      for (const role of ROLES) {
        if (!scopeAllows(addon.scope, role)) continue;
        for (const dep of requirementsFor(addon, role)) {
          const targetRole = dep.on === 'same' ? role : 'management';
          expect(
            scopeAllows(ADDON_CATALOG[dep.addon].scope, targetRole),
            `${addon.name} on ${role} -> ${dep.addon}`,
          ).toBe(true);
          expect(dep.why.length).toBeGreaterThan(5);
        }
      }
    }
  });

  it('dependencies never point to a later phase', () => {
    for (const addon of catalogEntries()) {
      for (const dep of [...addon.requires, ...addon.after]) {
        expect(
          PHASES.indexOf(ADDON_CATALOG[dep.addon].phase),
          `${addon.name} -> ${dep.addon}`,
        ).toBeLessThanOrEqual(PHASES.indexOf(addon.phase));
      }
    }
  });

  it('has no dependency cycle, within or across clusters', () => {
    // Nodes are (add-on, role); a dependency on the management cluster points at the management role.
    const key = (name: AddonName, role: ClusterRole) => `${name}@${role}`;
    const edges = new Map<string, string[]>();
    for (const addon of catalogEntries()) {
      for (const role of ROLES) {
        const deps = [
          ...requirementsFor(addon, role),
          ...addon.after.filter((d) => !d.forRole || d.forRole === role),
        ];
        edges.set(
          key(addon.name, role),
          deps.map((d) => key(d.addon, d.on === 'same' ? role : 'management')),
        );
      }
    }
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, trail: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') throw new Error(`cycle: ${[...trail, node].join(' -> ')}`);
      state.set(node, 'visiting');
      for (const next of edges.get(node) ?? []) visit(next, [...trail, node]);
      state.set(node, 'done');
    };
    for (const node of edges.keys()) visit(node, []);
    expect(state.size).toBe(edges.size);
  });

  it('states why an add-on needs a privileged namespace', () => {
    const privileged = catalogEntries().filter((a) => a.podSecurity);
    expect(privileged.map((a) => a.name).sort()).toEqual(
      ['falco', 'local-path', 'metallb', 'prometheus', 'promtail', 'trivy-operator', 'velero'].sort(),
    );
    for (const addon of privileged) expect(addon.podSecurity!.why.length).toBeGreaterThan(10);
  });
});
