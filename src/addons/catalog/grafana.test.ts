import { describe, expect, it } from 'vitest';
import { validateObject } from '../../render/kube-schemas.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';

/**
 * Verified in the chart's templates at grafana-12.11.1:
 * - fullnameOverride: templates/_helpers.tpl `grafana.fullname` (not listed in values.yaml);
 * - grafana.ini: templates/_config.tpl renders every section and key of it into grafana.ini
 *   (server.root_url is Grafana's setting, commented out in values.yaml).
 */
const FREE_FORM = ['fullnameOverride', 'grafana.ini'];

const platform = testPlatform();
const enabledOn = platform.clusters.filter((c) => c.addons.includes('grafana'));
const management = platform.clusters.find((c) => c.role === 'management')!;
const any = (value: unknown) => value as any;

function sources(values: any): any[] {
  return values.datasources['datasources.yaml'].datasources;
}

describe('grafana', () => {
  it('runs only on the management cluster of the default spec', () => {
    expect(enabledOn.map((c) => c.name)).toEqual([management.name]);
  });

  for (const cluster of enabledOn) {
    describe(cluster.name, () => {
      const rendered = renderAddon('grafana', cluster.name, platform);
      const values = any(rendered.values);

      it('uses only keys the chart defines', () => {
        const check = checkChartValues(chartFor('grafana')!, rendered.values, FREE_FORM);
        expect(check.unknownKeys).toEqual([]);
        if (check.hasSchema) expect(check.schemaErrors).toEqual([]);
      });

      it('renders valid manifests', () => {
        expect((rendered.manifests ?? []).map((m) => m.kind)).toEqual(['ExternalSecret', 'HTTPRoute']);
        for (const object of rendered.manifests ?? []) expect(() => validateObject(object)).not.toThrow();
      });

      it('provisions Thanos (default), Loki and Tempo with explicit uids (correction 24)', () => {
        const list = sources(values);
        expect(list.map((d) => [d.name, d.uid, d.type])).toEqual([
          ['Thanos', 'thanos', 'prometheus'],
          ['Loki', 'loki', 'loki'],
          ['Tempo', 'tempo', 'tempo'],
        ]);
        expect(list.filter((d) => d.isDefault).map((d) => d.uid)).toEqual(['thanos']);
        expect(list.map((d) => d.url)).toEqual([
          'http://thanos-query.monitoring.svc.cluster.local:9090',
          'http://loki.logging.svc.cluster.local:3100',
          'http://tempo.tracing.svc.cluster.local:3200',
        ]);
        expect(list[0].jsonData.timeInterval).toBe('30s');
      });

      it('links logs to traces, traces to logs and the service map to Thanos, all by uid', () => {
        const [, loki, tempo] = sources(values);
        expect(loki.jsonData.derivedFields).toEqual([
          { name: 'TraceID', datasourceUid: 'tempo', matcherRegex: 'traceID=(\\w+)', url: '$${__value.raw}' },
        ]);
        expect(tempo.jsonData.tracesToLogsV2.datasourceUid).toBe('loki');
        expect(tempo.jsonData.tracesToLogsV2.tags).toContainEqual({ key: 'cluster', value: 'cluster' });
        // The seed named `Thanos` here, which is a name, not a uid.
        expect(tempo.jsonData.serviceMap).toEqual({ datasourceUid: 'thanos' });
        const uids = new Set(sources(values).map((d) => d.uid));
        const referenced = JSON.stringify(values.datasources).match(/"datasourceUid":"([^"]+)"/g) ?? [];
        for (const ref of referenced) expect(uids.has(ref.split(':')[1]!.replace(/"/g, ''))).toBe(true);
      });

      it('takes admin credentials from the grafana-admin Secret, synced from Vault', () => {
        expect(values.admin).toEqual({
          existingSecret: 'grafana-admin',
          userKey: 'admin-user',
          passwordKey: 'admin-password',
        });
        expect(values.adminPassword).toBeUndefined();
        const secret = any(rendered.manifests!.find((m) => m.kind === 'ExternalSecret'));
        expect(secret.apiVersion).toBe('external-secrets.io/v1');
        expect(secret.metadata).toMatchObject({ name: 'grafana-admin', namespace: 'monitoring' });
        expect(secret.spec.secretStoreRef).toEqual({ name: 'vault-backend', kind: 'ClusterSecretStore' });
        expect(secret.spec.target).toMatchObject({ name: 'grafana-admin', deletionPolicy: 'Retain' });
        expect(secret.spec.data).toEqual([
          { secretKey: 'admin-password', remoteRef: { key: 'platform/grafana', property: 'admin-password' } },
          { secretKey: 'admin-user', remoteRef: { key: 'platform/grafana', property: 'admin-user' } },
        ]);
        // The engine writes that KV entry from a generated password; no Secret of its own here.
        expect(rendered.vaultKv).toEqual([
          {
            path: 'platform/grafana',
            data: { 'admin-user': { text: 'admin' }, 'admin-password': { generated: 'grafana/admin' } },
          },
        ]);
        expect(rendered.secrets).toBeUndefined();
      });

      it('is routed at grafana.<cluster>.<domain> through main-gateway', () => {
        const route = any(rendered.manifests!.find((m) => m.kind === 'HTTPRoute'));
        const host = `grafana.${cluster.name}.${platform.network.domain}`;
        expect(route.metadata).toMatchObject({ name: 'grafana', namespace: 'monitoring' });
        expect(route.spec.parentRefs).toEqual([{ name: 'main-gateway', namespace: 'gateway-system' }]);
        expect(route.spec.hostnames).toEqual([host]);
        expect(route.spec.rules).toEqual([{ backendRefs: [{ name: 'grafana', port: 80 }] }]);
        expect(values['grafana.ini'].server).toEqual({ domain: host, root_url: `https://${host}/` });
      });

      it('sets requests and limits (001 §16.3)', () => {
        expect(values.resources).toEqual(RESOURCES.grafana);
      });

      it('renders the same output twice', () => {
        expect(renderAddon('grafana', cluster.name, platform)).toEqual(rendered);
      });
    });
  }

  const spec = (name: string, addons: string[]) =>
    testPlatform(
      [
        'apiVersion: platformctl.dev/v1alpha1',
        'kind: Platform',
        `metadata: { name: ${name} }`,
        'spec:',
        '  addons:',
        ...addons.map((addon) => `    ${addon}: { enabled: false }`),
      ].join('\n'),
    );

  it('provisions only the data sources that run, and no links to missing ones', () => {
    const noTraces = spec('no-traces', ['tempo', 'otel-collector']);
    const list = sources(any(renderAddon('grafana', 'mgmt', noTraces).values));
    expect(list.map((d) => d.uid)).toEqual(['thanos', 'loki']);
    expect(list[1].jsonData).toEqual({});
  });

  it('relies on an engine-created grafana-admin Secret without External Secrets', () => {
    const noEso = spec('no-eso', ['external-secrets', 'keycloak', 'k8sgpt']);
    const rendered = renderAddon('grafana', 'mgmt', noEso);
    expect((rendered.manifests ?? []).map((m) => m.kind)).toEqual(['HTTPRoute']);
    expect(any(rendered.values).admin.existingSecret).toBe('grafana-admin');
  });
});
