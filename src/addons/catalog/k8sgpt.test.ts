import { describe, expect, it } from 'vitest';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { validateObject } from '../../render/kube-schemas.js';
import type { K8sGPT } from '../../render/models/k8sgpt.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { chartFor } from '../charts.js';

const platform = testPlatform();
const clusters = platform.clusters.filter((c) => c.addons.includes('k8sgpt')).map((c) => c.name);
const rendered = () => renderAddon('k8sgpt', 'mgmt');
const analyses = (): K8sGPT[] =>
  rendered().manifests!.filter((m) => m.kind === 'K8sGPT') as unknown as K8sGPT[];
const externalSecret = (): any => rendered().manifests!.find((m) => m.kind === 'ExternalSecret');

describe('k8sgpt', () => {
  it('runs on the management cluster only', () => {
    expect(clusters).toEqual(['mgmt']);
  });

  it('values use only chart keys', () => {
    const check = checkChartValues(chartFor('k8sgpt')!, rendered().values);
    expect(check.unknownKeys).toEqual([]);
    if (check.hasSchema) expect(check.schemaErrors).toEqual([]);
  });

  it('the ExternalSecret passes its schema; the K8sGPT resources pass the strict model', () => {
    expect(() => validateObject(externalSecret())).not.toThrow();
    for (const a of analyses()) expect(() => validateObject(a as never)).not.toThrow();
  });

  it('the strict K8sGPT model rejects an unknown field, a bad backend and a bad interval', () => {
    const [a] = analyses();
    const withTypo = { ...a!, spec: { ...a!.spec, ai: { ...a!.spec.ai, modle: 'x' } } };
    expect(() => validateObject(withTypo as never)).toThrow(/unknown field "modle"/);
    const badBackend = { ...a!, spec: { ...a!.spec, ai: { ...a!.spec.ai, backend: 'gemini' } } };
    expect(() => validateObject(badBackend as never)).toThrow(/backend/);
    const badInterval = { ...a!, spec: { ...a!.spec, analysis: { interval: '6 hours' } } };
    expect(() => validateObject(badInterval as never)).toThrow(/interval/);
    expect(() => validateObject({ ...a!, kind: 'K8sGPTResult' } as never)).toThrow(/no model/);
  });

  it('syncs both API keys from Vault KV with the degraded-mode settings (§5.3)', () => {
    const es = externalSecret();
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.metadata).toMatchObject({ name: 'k8sgpt-api-keys', namespace: 'k8sgpt' });
    expect(es.spec.refreshInterval).toBe('1h');
    expect(es.spec.secretStoreRef).toEqual({ name: 'vault-backend', kind: 'ClusterSecretStore' });
    expect(es.spec.target).toEqual({
      name: 'k8sgpt-api-keys',
      creationPolicy: 'Owner',
      deletionPolicy: 'Retain',
    });
    expect(es.spec.data).toEqual([
      { secretKey: 'google-api-key', remoteRef: { key: 'platform/k8sgpt', property: 'google-api-key' } },
      { secretKey: 'openai-api-key', remoteRef: { key: 'platform/k8sgpt', property: 'openai-api-key' } },
    ]);
  });

  it('Gemini is the routine backend, OpenAI the second one, each reading its own key', () => {
    const [google, openai] = analyses();
    expect(google!.metadata.name).toBe('k8sgpt-google');
    expect(google!.spec.ai).toMatchObject({
      enabled: true,
      backend: 'google',
      model: 'gemini-2.5-flash',
      secret: { name: 'k8sgpt-api-keys', key: 'google-api-key' },
      anonymized: true,
    });
    expect(google!.spec.analysis?.interval).toBe('6h');
    expect(openai!.spec.ai).toMatchObject({
      backend: 'openai',
      model: 'gpt-4o-mini',
      secret: { name: 'k8sgpt-api-keys', key: 'openai-api-key' },
    });
  });

  it('runs the models of spec.ai, the ones analyze --explain asks', () => {
    const custom = testPlatform(
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: p }\nspec:\n  ai:\n    backends:\n      gemini: { model: gemini-2.5-pro }\n',
    );
    const models = renderAddon('k8sgpt', 'mgmt', custom)
      .manifests!.filter((m) => m.kind === 'K8sGPT')
      .map((m) => (m as unknown as K8sGPT).spec.ai?.model);
    expect(models).toEqual(['gemini-2.5-pro', 'gpt-4o-mini']);
  });

  it('runs the seed analyzers on kube-system, where Cilium lives (correction 4)', () => {
    for (const a of analyses()) {
      expect(a.spec.filters).toEqual([
        'Pod',
        'Deployment',
        'ReplicaSet',
        'Service',
        'Ingress',
        'StatefulSet',
        'CronJob',
        'Node',
        'NetworkPolicy',
        'PersistentVolumeClaim',
      ]);
      expect(a.spec.targetNamespace).toBe('kube-system');
      expect(JSON.stringify(a)).not.toContain('cilium-system');
      expect(a.spec.version).toMatch(/^v\d+\.\d+\.\d+$/);
    }
  });

  it('sets requests and limits on the operator, its proxy and every k8sgpt server', () => {
    const v = rendered().values as any;
    expect(v.controllerManager.manager.resources).toEqual(RESOURCES.small);
    expect(v.controllerManager.kubeRbacProxy.resources).toEqual(RESOURCES.small);
    for (const a of analyses()) expect(a.spec.resources).toEqual(RESOURCES.medium);
  });

  it('renders no secret material and is deterministic', () => {
    expect(JSON.stringify(rendered())).not.toMatch(/AIza|sk-[A-Za-z0-9]/);
    expect(rendered()).toEqual(renderAddon('k8sgpt', 'mgmt', testPlatform()));
  });
});
