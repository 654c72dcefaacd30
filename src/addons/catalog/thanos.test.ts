import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateObject } from '../../render/kube-schemas.js';
import { RESOURCES } from '../../render/sizing.js';
import { chartFile, checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';
import { THANOS_SIDECAR_SERVICE } from './prometheus.js';
import { THANOS_IMAGE } from './thanos.js';

const platform = testPlatform();
const enabledOn = platform.clusters.filter((c) => c.addons.includes('thanos'));
const management = platform.clusters.find((c) => c.role === 'management')!;
const any = (value: unknown) => value as any;

const credentials = [
  {
    name: 'AWS_ACCESS_KEY_ID',
    valueFrom: { secretKeyRef: { name: 'thanos-minio', key: 'AWS_ACCESS_KEY_ID' } },
  },
  {
    name: 'AWS_SECRET_ACCESS_KEY',
    valueFrom: { secretKeyRef: { name: 'thanos-minio', key: 'AWS_SECRET_ACCESS_KEY' } },
  },
];

describe('thanos', () => {
  it('runs only on the management cluster of the default spec', () => {
    expect(enabledOn.map((c) => c.name)).toEqual([management.name]);
  });

  for (const cluster of enabledOn) {
    describe(cluster.name, () => {
      const rendered = renderAddon('thanos', cluster.name, platform);
      const values = any(rendered.values);

      it('uses only keys the chart defines', () => {
        const check = checkChartValues(chartFor('thanos')!, rendered.values);
        expect(check.unknownKeys).toEqual([]);
        if (check.hasSchema) expect(check.schemaErrors).toEqual([]);
      });

      it('renders valid manifests (none: everything comes from the chart)', () => {
        for (const object of rendered.manifests ?? []) expect(() => validateObject(object)).not.toThrow();
        expect(rendered.manifests ?? []).toEqual([]);
      });

      it('uses the official, freely pullable image, which the chart accepts only when told', () => {
        expect(values.image).toEqual({ registry: 'quay.io', repository: 'thanos/thanos', tag: 'v0.39.2' });
        // The chart's appVersion: the flags its templates pass are those of this release.
        const chart = parse(chartFile(chartFor('thanos')!, 'Chart.yaml')!);
        expect(THANOS_IMAGE.tag).toBe(`v${chart.appVersion}`);
        expect(values.global.security.allowInsecureImages).toBe(true);
      });

      it('exposes Receive on the pinned thanos-receive address, remote-write port 19291', () => {
        const receive = values.receive;
        expect(receive.enabled).toBe(true);
        expect(receive.service.type).toBe('LoadBalancer');
        expect(receive.service.annotations).toEqual({
          'metallb.io/loadBalancerIPs': cluster.addresses.services['thanos-receive'],
        });
        expect(receive.service.ports.remote).toBe(19291);
        expect(receive.persistence).toEqual({
          enabled: true,
          storageClass: 'local-path',
          size: receive.persistence.size,
        });
        expect(receive.persistence.size).toMatch(/^\d+Gi$/);
        // The agents' URL (prometheus.ts) names this very address and port.
        const agent = any(renderAddon('prometheus', 'app1', platform).values);
        expect(agent.prometheus.prometheusSpec.remoteWrite[0].url).toBe(
          `http://${cluster.addresses.services['thanos-receive']}:19291/api/v1/receive`,
        );
      });

      it('stores blocks in the thanos bucket of MinIO by its pinned address, without credentials in the config', () => {
        const objstore = parse(values.objstoreConfig);
        expect(objstore).toEqual({
          type: 'S3',
          config: { bucket: 'thanos', endpoint: `${cluster.addresses.services.minio}:9000`, insecure: true },
        });
        for (const component of ['receive', 'storegateway', 'compactor']) {
          expect(values[component].extraEnvVars, component).toEqual(credentials);
        }
        expect(values.existingObjstoreSecret).toBeUndefined();
      });

      it('queries the management sidecar, Receive and the Store Gateway', () => {
        expect(values.query.dnsDiscovery).toEqual({
          enabled: true,
          sidecarsService: THANOS_SIDECAR_SERVICE,
          sidecarsNamespace: 'monitoring',
        });
        const prom = any(renderAddon('prometheus', cluster.name, platform).values);
        expect(prom.prometheus.thanosService.enabled).toBe(true);
        expect(THANOS_SIDECAR_SERVICE).toBe(`${prom.fullnameOverride}-thanos-discovery`);
        // The chart adds --endpoint=dnssrv+ for Receive and the Store Gateway when both are enabled.
        expect(values.storegateway.enabled).toBe(true);
        expect(values.query.service.ports.http).toBe(9090);
        expect(values.queryFrontend.enabled).toBe(false);
        expect(values.ruler.enabled).toBe(false);
      });

      it('keeps 30 days in object storage (§12.0)', () => {
        expect(values.compactor).toMatchObject({
          enabled: true,
          retentionResolutionRaw: '30d',
          retentionResolution5m: '30d',
          retentionResolution1h: '30d',
        });
      });

      it('sets requests and limits on every component', () => {
        for (const component of ['query', 'receive', 'storegateway', 'compactor']) {
          expect(values[component].resources, component).toEqual(RESOURCES.medium);
        }
      });

      it('renders the same output twice', () => {
        expect(renderAddon('thanos', cluster.name, platform)).toEqual(rendered);
      });
    });
  }
});
