import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { validateObject } from '../../render/kube-schemas.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues, chartFile } from '../../test-support/chart-values.js';
import { chartFor } from '../charts.js';
import { KYVERNO_VERSION } from './kyverno.js';

const platform = testPlatform();
const workload = platform.clusters.filter((c) => c.addons.includes('kyverno')).map((c) => c.name);
/**
 * Container `resources` are passed to the pod spec whole (`tpl (toYaml .)` in
 * charts/kyverno/templates/*-controller/deployment.yaml at kyverno-chart-3.9.0), so a CPU limit
 * the chart's defaults leave out is still a valid key.
 */
const FREE_FORM = [
  'admissionController.container.resources',
  'backgroundController.resources',
  'cleanupController.resources',
  'reportsController.resources',
];
const policyNamed = (name: string, cluster = 'app1', p = platform): any => {
  const found = renderAddon('kyverno', cluster, p).manifests!.find((m) => m.metadata.name === name);
  if (!found) throw new Error(`no policy ${name}`);
  return found;
};

describe('kyverno', () => {
  it('runs on the workload clusters only (ADR-003)', () => {
    expect(workload).toEqual(['app1', 'app2']);
    expect(platform.clusters.find((c) => c.role === 'management')!.addons).not.toContain('kyverno');
  });

  it.each(workload)('%s: values use only chart keys and every manifest passes its schema', (cluster) => {
    const rendered = renderAddon('kyverno', cluster);
    const check = checkChartValues(chartFor('kyverno')!, rendered.values, FREE_FORM);
    expect(check.unknownKeys).toEqual([]);
    if (check.hasSchema) expect(check.schemaErrors).toEqual([]);
    expect(rendered.manifests!.length).toBe(4);
    for (const object of rendered.manifests!) expect(() => validateObject(object)).not.toThrow();
  });

  it('sets requests and limits on every Kyverno container, the seed numbers on the admission controller', () => {
    const values = renderAddon('kyverno', 'app1').values as any;
    expect(values.admissionController.container.resources).toEqual(RESOURCES.kyverno);
    for (const r of [
      values.admissionController.initContainer.resources,
      values.backgroundController.resources,
      values.cleanupController.resources,
      values.reportsController.resources,
      values.webhooksCleanup.resources,
      values.crds.migration.podResources,
    ]) {
      expect(r.requests.cpu).toBeTruthy();
      expect(r.limits.memory).toBeTruthy();
    }
  });

  it('renders the four corrected policies, enforced per rule, with background scans', () => {
    const names = renderAddon('kyverno', 'app1').manifests!.map((m) => m.metadata.name);
    expect(names).toEqual([
      'require-resource-limits',
      'restrict-image-registries',
      'disallow-privileged',
      'disallow-root-user',
    ]);
    // Only one registry policy: the seed's require-trusted-registry is merged into it.
    expect(names).not.toContain('require-trusted-registry');
    for (const name of names) {
      const policy = policyNamed(name);
      expect(policy.spec.background).toBe(true);
      expect(policy.spec.validationFailureAction).toBeUndefined();
      for (const rule of policy.spec.rules) {
        expect(rule.validate.failureAction).toBe('Enforce');
        expect(rule.match.any[0].resources.kinds).toEqual(['Pod']);
      }
    }
  });

  it('disallow-privileged uses conditional anchors for containers, init and ephemeral containers', () => {
    const spec = policyNamed('disallow-privileged').spec.rules[0].validate.pattern.spec;
    const check = { '=(securityContext)': { '=(privileged)': 'false' } };
    expect(spec).toEqual({
      containers: [check],
      '=(initContainers)': [check],
      '=(ephemeralContainers)': [check],
    });
  });

  it('require-resource-limits checks containers and init containers (ephemeral ones cannot set resources)', () => {
    const spec = policyNamed('require-resource-limits').spec.rules[0].validate.pattern.spec;
    const limits = { resources: { limits: { memory: '?*', cpu: '?*' } } };
    expect(spec).toEqual({ containers: [limits], '=(initContainers)': [limits] });
  });

  it('disallow-root-user accepts pod-level or per-container runAsNonRoot and rejects uid 0', () => {
    const [nonRoot, uid] = policyNamed('disallow-root-user').spec.rules;
    expect(nonRoot.validate.anyPattern[0].spec.securityContext).toEqual({ runAsNonRoot: true });
    expect(nonRoot.validate.anyPattern[1].spec.containers).toEqual([
      { securityContext: { runAsNonRoot: true } },
    ]);
    expect(nonRoot.validate.anyPattern[1].spec['=(initContainers)']).toEqual([
      { securityContext: { runAsNonRoot: true } },
    ]);
    expect(uid.validate.pattern.spec['=(securityContext)']).toEqual({ '=(runAsUser)': '>0' });
    expect(uid.validate.pattern.spec['=(ephemeralContainers)']).toEqual([
      { '=(securityContext)': { '=(runAsUser)': '>0' } },
    ]);
  });

  it('one registry list from the spec: Harbor when enabled, distroless and Docker official images', () => {
    const spec = policyNamed('restrict-image-registries').spec.rules[0].validate.pattern.spec;
    const image = 'harbor.local.dev/* | gcr.io/distroless/* | docker.io/library/*';
    expect(spec.containers).toEqual([{ image }]);
    expect(spec['=(initContainers)']).toEqual([{ image }]);
    expect(spec['=(ephemeralContainers)']).toEqual([{ image }]);

    const noHarbor = testPlatform(
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec:\n  network: { domain: lab.example }\n  externalServices:\n    harbor: { enabled: false }\n',
    );
    const other = policyNamed('restrict-image-registries', 'app1', noHarbor).spec.rules[0].validate.pattern
      .spec;
    expect(other.containers).toEqual([{ image: 'gcr.io/distroless/* | docker.io/library/*' }]);
  });

  it('excludes kube-system and the namespace of every add-on enabled on the cluster, not the application namespace', () => {
    for (const cluster of workload) {
      const excluded: string[] = policyNamed('disallow-privileged', cluster).spec.rules[0].exclude.any[0]
        .resources.namespaces;
      for (const ns of [
        'kube-system',
        'kyverno',
        'falco',
        'velero',
        'trivy-system',
        'metallb-system',
        'monitoring',
        'logging',
        'keda',
        'gateway-system',
        'local-path-storage',
      ])
        expect(excluded).toContain(ns);
      expect(excluded).not.toContain('production');
      expect(excluded).not.toContain('default');
      expect(excluded).toEqual([...excluded].sort());
      // Every rule of every policy carries the same exclusion.
      for (const policy of renderAddon('kyverno', cluster).manifests as any[])
        for (const rule of policy.spec.rules)
          expect(rule.exclude.any[0].resources.namespaces).toEqual(excluded);
    }
  });

  it('follows the spec: a disabled add-on is no longer excluded', () => {
    const spec =
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec:\n  addons:\n    keda: { enabled: false }\n';
    const excluded: string[] = policyNamed('disallow-privileged', 'app1', testPlatform(spec)).spec.rules[0]
      .exclude.any[0].resources.namespaces;
    expect(excluded).not.toContain('keda');
    expect(excluded).toContain('kyverno');
  });

  it('renders deterministically', () => {
    expect(renderAddon('kyverno', 'app2')).toEqual(renderAddon('kyverno', 'app2', testPlatform()));
  });

  it("pins the chart's test image to the chart's own Kyverno release instead of latest", () => {
    const chart = parse(chartFile(chartFor('kyverno')!, 'Chart.yaml')!) as { appVersion: string };
    expect(KYVERNO_VERSION).toBe(chart.appVersion);
    const values = renderAddon('kyverno', 'app1').values as { test: { image: { tag: string } } };
    expect(values.test.image.tag).toBe(KYVERNO_VERSION);
  });
});
