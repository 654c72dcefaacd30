import { describe, expect, it } from 'vitest';
import { validateObject } from '../../render/kube-schemas.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';

/**
 * Verified in the chart (promtail-6.17.1 values.yaml, `config.file`): `positions` is rendered
 * verbatim into Promtail's positions block (`tpl (toYaml .Values.config.positions)`), whose
 * settings are `filename` and `sync_period` (Promtail's positions.Config, yaml "sync_period").
 */
const FREE_FORM = ['config.positions'];

const platform = testPlatform();
const enabledOn = platform.clusters.filter((c) => c.addons.includes('promtail'));
const management = platform.clusters.find((c) => c.role === 'management')!;
const lokiAddress = management.addresses.services.loki!;
const any = (value: unknown) => value as any;

describe('promtail', () => {
  it('runs on every cluster of the default spec', () => {
    expect(enabledOn.map((c) => c.name)).toEqual(platform.clusters.map((c) => c.name));
  });

  for (const cluster of enabledOn) {
    describe(cluster.name, () => {
      const rendered = renderAddon('promtail', cluster.name, platform);
      const values = any(rendered.values);

      it('uses only keys the chart defines', () => {
        const check = checkChartValues(chartFor('promtail')!, rendered.values, FREE_FORM);
        expect(check.unknownKeys).toEqual([]);
        if (check.hasSchema) expect(check.schemaErrors).toEqual([]);
      });

      it('renders valid manifests (none)', () => {
        for (const object of rendered.manifests ?? []) expect(() => validateObject(object)).not.toThrow();
        expect(rendered.manifests ?? []).toEqual([]);
      });

      it('pushes to the management Loki labelled with its cluster', () => {
        const expected =
          cluster.name === management.name
            ? 'http://loki.logging.svc.cluster.local:3100/loki/api/v1/push'
            : `http://${lokiAddress}:3100/loki/api/v1/push`;
        expect(values.config.clients).toEqual([
          { url: expected, external_labels: { cluster: cluster.name } },
        ]);
        if (cluster.name !== management.name) {
          // Correction 8: another cluster's *.svc name would not resolve here.
          expect(JSON.stringify(values)).not.toMatch(/\.svc\b/);
          // The address Loki's LoadBalancer Service is pinned to, on Loki's port.
          const loki = any(renderAddon('loki', management.name, platform).values);
          expect(loki.singleBinary.service.annotations['metallb.io/loadBalancerIPs']).toBe(lokiAddress);
        }
      });

      it('syncs positions every 10 s (§5.3)', () => {
        expect(values.config.positions).toEqual({
          filename: '/run/promtail/positions.yaml',
          sync_period: '10s',
        });
      });

      it('sets requests and limits', () => {
        expect(values.resources).toEqual(RESOURCES.small);
      });

      it('renders the same output twice', () => {
        expect(renderAddon('promtail', cluster.name, platform)).toEqual(rendered);
      });
    });
  }
});
