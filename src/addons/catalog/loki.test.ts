import { describe, expect, it } from 'vitest';
import { renderContext } from '../../render/context.js';
import { validateObject } from '../../render/kube-schemas.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';
import { lokiInClusterUrl, lokiPinnedUrl } from './loki.js';

/**
 * Keys the chart's values.yaml does not list, verified in its templates at loki-18.11.0:
 * - loki.storage.bucketNames: read by templates/_helpers.tpl (`dig "storage" "bucketNames" "chunks"`),
 *   commented out in values.yaml;
 * - loki.limits_config: rendered whole into Loki's `limits_config` (values.yaml loki.config:
 *   `tpl (. | toYaml)`); retention_period is Loki's limits setting.
 */
const FREE_FORM = ['loki.storage.bucketNames', 'loki.limits_config'];

const platform = testPlatform();
const enabledOn = platform.clusters.filter((c) => c.addons.includes('loki'));
const management = platform.clusters.find((c) => c.role === 'management')!;
const any = (value: unknown) => value as any;

describe('loki', () => {
  it('runs only on the management cluster of the default spec', () => {
    expect(enabledOn.map((c) => c.name)).toEqual([management.name]);
  });

  for (const cluster of enabledOn) {
    describe(cluster.name, () => {
      const rendered = renderAddon('loki', cluster.name, platform);
      const values = any(rendered.values);

      it('uses only keys the chart defines and passes its schema', () => {
        const check = checkChartValues(chartFor('loki')!, rendered.values, FREE_FORM);
        expect(check.unknownKeys).toEqual([]);
        expect(check.hasSchema).toBe(true);
        expect(check.schemaErrors).toEqual([]);
      });

      it('renders valid manifests (none)', () => {
        for (const object of rendered.manifests ?? []) expect(() => validateObject(object)).not.toThrow();
        expect(rendered.manifests ?? []).toEqual([]);
      });

      it('runs one single binary and nothing else', () => {
        expect(values.deploymentMode).toBe('Monolithic');
        expect(values.singleBinary.replicas).toBe(1);
        for (const target of ['read', 'write', 'backend']) expect(values[target].replicas).toBe(0);
        for (const off of ['gateway', 'chunksCache', 'resultsCache', 'lokiCanary', 'test', 'ruler']) {
          expect(values[off].enabled, off).toBe(false);
        }
        expect(values.loki.commonConfig.replication_factor).toBe(1);
        expect(values.loki.auth_enabled).toBe(false);
      });

      it('serves on the pinned loki address, port 3100', () => {
        expect(values.singleBinary.service).toEqual({
          type: 'LoadBalancer',
          annotations: { 'metallb.io/loadBalancerIPs': cluster.addresses.services.loki },
        });
        expect(values.loki.server).toBeUndefined(); // the chart's http_listen_port: 3100 stays
        expect(lokiPinnedUrl(renderContext(platform, cluster))).toBe(
          `http://${cluster.addresses.services.loki}:3100`,
        );
        expect(lokiInClusterUrl()).toBe('http://loki.logging.svc.cluster.local:3100');
      });

      it('stores chunks in the loki bucket of MinIO, credentials from the loki-minio Secret', () => {
        expect(values.loki.storage).toEqual({
          type: 's3',
          bucketNames: { chunks: 'loki', ruler: 'loki' },
          s3: {
            endpoint: `${cluster.addresses.services.minio}:9000`,
            region: 'us-east-1',
            accessKeyId: '${AWS_ACCESS_KEY_ID}',
            secretAccessKey: '${AWS_SECRET_ACCESS_KEY}',
            s3ForcePathStyle: true,
            insecure: true,
          },
        });
        expect(values.singleBinary.extraEnvFrom).toEqual([{ secretRef: { name: 'loki-minio' } }]);
      });

      it('keeps logs 7 days (§7.5) and its WAL on a fitted local-path volume', () => {
        expect(values.loki.limits_config.retention_period).toBe('168h');
        expect(values.loki.compactor).toMatchObject({ retention_enabled: true, delete_request_store: 's3' });
        expect(values.singleBinary.persistence).toMatchObject({ enabled: true, storageClass: 'local-path' });
        expect(values.singleBinary.persistence.size).toMatch(/^\d+Gi$/);
        expect(values.loki.schemaConfig.configs[0]).toMatchObject({
          store: 'tsdb',
          object_store: 's3',
          schema: 'v13',
        });
      });

      it('sets requests and limits (001 §16.3)', () => {
        expect(values.singleBinary.resources).toEqual(RESOURCES.loki);
        expect(values.singleBinary.sidecar).toBe(false);
      });

      it('renders the same output twice', () => {
        expect(renderAddon('loki', cluster.name, platform)).toEqual(rendered);
      });
    });
  }
});
