import { describe, expect, it } from 'vitest';
import { validateObject } from '../../render/kube-schemas.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { ADDON_CATALOG } from '../catalog.js';
import { chartFor } from '../charts.js';

/**
 * Verified in the chart's templates at tempo-2.2.4:
 * - tempo.storage: rendered whole into Tempo's `storage` block (values.yaml `config`:
 *   `toYaml .Values.tempo.storage`); its s3 settings are commented out in values.yaml;
 * - persistence.storageClassName: the volume claim's storageClassName (templates/statefulset.yaml
 *   volumeClaimTemplates), commented out in values.yaml.
 */
const FREE_FORM = ['tempo.storage', 'persistence.storageClassName'];

const platform = testPlatform();
const enabledOn = platform.clusters.filter((c) => c.addons.includes('tempo'));
const management = platform.clusters.find((c) => c.role === 'management')!;
const any = (value: unknown) => value as any;

describe('tempo', () => {
  it('runs only on the management cluster, in the tracing namespace (correction 24)', () => {
    expect(enabledOn.map((c) => c.name)).toEqual([management.name]);
    expect(ADDON_CATALOG.tempo.namespace).toBe('tracing');
  });

  for (const cluster of enabledOn) {
    describe(cluster.name, () => {
      const rendered = renderAddon('tempo', cluster.name, platform);
      const values = any(rendered.values);

      it('uses only keys the chart defines', () => {
        const check = checkChartValues(chartFor('tempo')!, rendered.values, FREE_FORM);
        expect(check.unknownKeys).toEqual([]);
        if (check.hasSchema) expect(check.schemaErrors).toEqual([]);
      });

      it('renders valid manifests (none)', () => {
        for (const object of rendered.manifests ?? []) expect(() => validateObject(object)).not.toThrow();
        expect(rendered.manifests ?? []).toEqual([]);
      });

      it('receives OTLP gRPC 4317 and HTTP 4318 on the pinned tempo address', () => {
        expect(values.service).toEqual({
          type: 'LoadBalancer',
          annotations: { 'metallb.io/loadBalancerIPs': cluster.addresses.services.tempo },
        });
        expect(values.tempo.receivers.otlp.protocols).toEqual({
          grpc: { endpoint: '0.0.0.0:4317' },
          http: { endpoint: '0.0.0.0:4318' },
        });
      });

      it('stores traces in the tempo bucket of MinIO, credentials from the tempo-minio Secret', () => {
        expect(values.tempo.storage.trace).toEqual({
          backend: 's3',
          s3: {
            bucket: 'tempo',
            endpoint: `${cluster.addresses.services.minio}:9000`,
            forcepathstyle: true,
            insecure: true,
          },
        });
        expect(JSON.stringify(values)).not.toMatch(/access_key|secret_key/);
        expect(values.tempo.extraEnvFrom).toEqual([{ secretRef: { name: 'tempo-minio' } }]);
        expect(values.persistence).toMatchObject({ enabled: true, storageClassName: 'local-path' });
        expect(values.persistence.size).toMatch(/^\d+Gi$/);
        expect(values.tempo.retention).toBe('168h');
      });

      it('feeds the service map (Grafana: Tempo → Thanos) through Thanos Receive', () => {
        expect(values.tempo.metricsGenerator).toEqual({
          enabled: true,
          remoteWriteUrl: 'http://thanos-receive.monitoring.svc.cluster.local:19291/api/v1/receive',
        });
        expect(values.tempo.overrides.defaults.metrics_generator.processors).toEqual([
          'service-graphs',
          'span-metrics',
        ]);
      });

      it('sets requests and limits', () => {
        expect(values.tempo.resources).toEqual(RESOURCES.medium);
      });

      it('renders the same output twice', () => {
        expect(renderAddon('tempo', cluster.name, platform)).toEqual(rendered);
      });
    });
  }

  it('has no metrics generator without Thanos', () => {
    const noThanos = testPlatform(
      [
        'apiVersion: platformctl.dev/v1alpha1',
        'kind: Platform',
        'metadata: { name: no-thanos }',
        'spec:',
        '  addons:',
        '    thanos: { enabled: false }',
        '    grafana: { enabled: false }',
        '    prometheus: { clusters: [mgmt] }',
      ].join('\n'),
    );
    const values = any(renderAddon('tempo', 'mgmt', noThanos).values);
    expect(values.tempo.metricsGenerator).toBeUndefined();
    expect(values.tempo.overrides).toBeUndefined();
  });
});
