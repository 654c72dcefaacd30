import { CATALOG } from '../addons/catalog.js';
import { describe, expect, it } from 'vitest';
import { initDocument } from './write.js';
import { TEST_NOW } from '../test-support/clock.js';
import { computeBudget } from './budget.js';
import { defaultDocument, defaultExemptions } from './defaults.js';
import { loadBuiltinSpec, loadSpecText } from './load.js';
import { addonsOn } from './placement.js';
import { documentToYaml } from './write.js';

describe('the built-in default', () => {
  const result = loadBuiltinSpec({ now: TEST_NOW, catalog: CATALOG });

  it('validates with no errors and no warnings', () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it("is the seed's topology with its network corrections", () => {
    const platform = result.platform!;
    expect(
      platform.clusters.map((c) => [
        c.name,
        c.role,
        c.id,
        c.podCIDR.text,
        c.serviceCIDR.text,
        c.loadBalancerPool.text,
      ]),
    ).toEqual([
      ['mgmt', 'management', 1, '10.100.0.0/16', '10.96.0.0/16', '192.168.64.200-192.168.64.210'],
      ['app1', 'workload', 2, '10.101.0.0/16', '10.97.0.0/16', '192.168.64.211-192.168.64.220'],
      ['app2', 'workload', 3, '10.102.0.0/16', '10.98.0.0/16', '192.168.64.221-192.168.64.230'],
    ]);
    expect(platform.clusters[0]!.nodes.map((n) => `${n.name} ${n.cpus}/${n.memoryGiB}/${n.diskGiB}`)).toEqual(
      ['mgmt-cp-0 2/4/40', 'mgmt-worker-0 3/8/50'],
    );
    expect(platform.kubernetes).toEqual({ version: 'v1.35.0', minor: 35, featureGateProfile: 'minimal' });
  });

  it("places add-ons as the seed's component matrix, corrected", () => {
    const { placement } = result.platform!;
    const on = (cluster: string) => addonsOn(placement, cluster);
    expect(on('mgmt')).toEqual(
      expect.arrayContaining([
        'vault',
        'minio',
        'keycloak',
        'thanos',
        'loki',
        'tempo',
        'grafana',
        'k8sgpt',
        'robusta',
      ]),
    );
    expect(on('mgmt')).not.toContain('kyverno');
    expect(on('mgmt')).not.toContain('keda');
    for (const app of ['app1', 'app2']) {
      expect(on(app)).toEqual(
        expect.arrayContaining([
          'kyverno',
          'keda',
          'prometheus',
          'promtail',
          'otel-collector',
          'falco',
          'velero',
        ]),
      );
      expect(on(app)).not.toContain('vault');
      expect(on(app)).not.toContain('thanos');
      // correction 19: every cluster issues its own Gateway certificate
      expect(on(app)).toContain('cert-manager');
    }
    expect(placement.get('istio')).toMatchObject({ enabled: false, clusters: [] });
  });

  it('fits the seed host budget (001 §16.2)', () => {
    const budget = computeBudget(result.document!.spec);
    expect(budget.total).toEqual({ cpus: 16, memoryGiB: 36, diskGiB: 400 });
    expect(budget.available).toEqual({ cpus: 8, memoryGiB: 56, diskGiB: 540 });
  });

  it('records an exemption for every privileged namespace, expiring in 90 days', () => {
    const exemptions = defaultExemptions(TEST_NOW, CATALOG);
    expect(exemptions.map((e) => e.namespace).sort()).toEqual([
      'falco',
      'local-path-storage',
      'logging',
      'metallb-system',
      'monitoring',
      'trivy-system',
      'velero',
    ]);
    for (const e of exemptions)
      expect(e).toMatchObject({ level: 'privileged', approvedBy: 'platform-team', expires: '2027-02-20' });
  });

  it('is deterministic: the same clock gives byte-identical output', () => {
    const a = documentToYaml(defaultDocument({ now: TEST_NOW, catalog: CATALOG }), { catalog: CATALOG });
    const b = documentToYaml(defaultDocument({ now: new Date(TEST_NOW.getTime()), catalog: CATALOG }), {
      catalog: CATALOG,
    });
    expect(a).toBe(b);
  });
});

describe('init output', () => {
  const text = documentToYaml(initDocument(TEST_NOW, CATALOG), {
    schemaFile: 'platform.schema.json',
    catalog: CATALOG,
  });

  it('starts with the editor modeline and carries comments', () => {
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./platform.schema.json');
    expect(text).toContain('# Add-ons follow the seed component matrix');
    expect(text).toContain('kyverno:');
  });

  it('reads back to the same document and the same placement as the built-in default', () => {
    const back = loadSpecText(text, { now: TEST_NOW, catalog: CATALOG });
    expect(back.diagnostics).toEqual([]);
    expect(back.document).toEqual(initDocument(TEST_NOW, CATALOG));
    const builtin = loadBuiltinSpec({ now: TEST_NOW, catalog: CATALOG }).platform!;
    for (const cluster of builtin.clusters) {
      expect(addonsOn(back.platform!.placement, cluster.name)).toEqual(
        addonsOn(builtin.placement, cluster.name),
      );
    }
  });
});

describe('spec.ai (analyze --explain)', () => {
  const load = (ai: string) =>
    loadSpecText(
      `apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: p }\nspec:\n  ai:\n${ai}`,
      {
        file: 'p.yaml',
        now: TEST_NOW,
        catalog: CATALOG,
      },
    );

  it('defaults to the seed: Gemini routine with OpenAI behind it, OpenAI deep, current models (not gemini-1.5-flash)', () => {
    const ai = defaultDocument({ now: TEST_NOW, catalog: CATALOG }).spec.ai;
    expect(ai.routine).toEqual(['gemini', 'openai']);
    expect(ai.deep).toEqual(['openai']);
    expect(Object.values(ai.backends).map((b) => b.model)).toEqual([
      'gemini-2.5-flash',
      'gpt-4o-mini',
      'claude-sonnet-4-5',
      'llama3.2',
    ]);
    expect(JSON.stringify(ai)).not.toContain('gemini-1.5');
  });

  it('keeps a default price for the default model only: another model has none unless given', () => {
    const result = load(
      '    routine: [anthropic, ollama]\n    backends:\n      anthropic: { model: claude-opus-4-1 }\n      openai: { model: gpt-4.1, price: { input: 2, output: 8 } }\n',
    );
    expect(result.ok).toBe(true);
    const ai = result.platform!.document.spec.ai;
    expect(ai.routine).toEqual(['anthropic', 'ollama']);
    expect(ai.backends.anthropic).toEqual({ model: 'claude-opus-4-1', url: 'https://api.anthropic.com' });
    expect(ai.backends.openai.price).toEqual({ input: 2, output: 8 });
    expect(ai.backends.gemini.price).toEqual({ input: 0.3, output: 2.5 });
  });

  it('reports an unknown backend and a repeated one with their paths', () => {
    const result = load('    routine: [gemini, gemini]\n    deep: [mistral]\n');
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual([
      'schema.duplicate-item spec.ai.routine',
      'schema.enum spec.ai.deep[0]',
    ]);
  });
});
