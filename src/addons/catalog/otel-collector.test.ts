import { describe, expect, it } from 'vitest';
import { validateObject } from '../../render/kube-schemas.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';

/**
 * The chart's schema makes `config` a free object: it is the collector configuration itself
 * (templates/_config.tpl, opentelemetry-collector.baseConfig renders .Values.config). Processors
 * and exporters are the collector's: `resource` (resourceprocessor) and `otlp_grpc` (the OTLP
 * gRPC exporter's name since Collector v0.144, open-telemetry/opentelemetry-collector#14403).
 */
const FREE_FORM = ['config.processors', 'config.exporters'];

const platform = testPlatform();
const enabledOn = platform.clusters.filter((c) => c.addons.includes('otel-collector'));
const management = platform.clusters.find((c) => c.role === 'management')!;
const tempoAddress = management.addresses.services.tempo!;
const any = (value: unknown) => value as any;

describe('otel-collector', () => {
  it('runs on every cluster of the default spec', () => {
    expect(enabledOn.map((c) => c.name)).toEqual(platform.clusters.map((c) => c.name));
  });

  for (const cluster of enabledOn) {
    describe(cluster.name, () => {
      const rendered = renderAddon('otel-collector', cluster.name, platform);
      const values = any(rendered.values);

      it('uses only keys the chart defines and passes its strict schema', () => {
        const check = checkChartValues(chartFor('otel-collector')!, rendered.values, FREE_FORM);
        expect(check.unknownKeys).toEqual([]);
        expect(check.hasSchema).toBe(true);
        expect(check.schemaErrors).toEqual([]);
      });

      it('renders valid manifests (none)', () => {
        for (const object of rendered.manifests ?? []) expect(() => validateObject(object)).not.toThrow();
        expect(rendered.manifests ?? []).toEqual([]);
      });

      it('runs as a Deployment of the Kubernetes distribution with Kubernetes attributes', () => {
        expect(values.mode).toBe('deployment');
        expect(values.image.repository).toMatch(/opentelemetry-collector-k8s$/);
        expect(values.command.name).toBe('otelcol-k8s');
        expect(values.presets.kubernetesAttributes.enabled).toBe(true);
      });

      it('exports traces over OTLP gRPC to the pinned Tempo address, insecure in the lab', () => {
        expect(values.config.exporters['otlp_grpc/tempo']).toEqual({
          endpoint: `${tempoAddress}:4317`,
          tls: { insecure: true },
        });
        expect(values.config.service.pipelines.traces).toEqual({
          receivers: ['otlp'],
          processors: ['memory_limiter', 'resource', 'batch'],
          exporters: ['otlp_grpc/tempo'],
        });
        expect(JSON.stringify(values)).not.toMatch(/\.svc\b/);
      });

      it('marks every span with its cluster', () => {
        expect(values.config.processors.resource.attributes).toEqual([
          { key: 'cluster', value: cluster.name, action: 'upsert' },
        ]);
      });

      it('serves only OTLP: the default Jaeger, Zipkin and self-scrape receivers and other pipelines are removed', () => {
        expect(values.config.receivers).toEqual({ jaeger: null, zipkin: null, prometheus: null });
        expect(values.config.service.pipelines.metrics).toBeNull();
        expect(values.config.service.pipelines.logs).toBeNull();
        for (const port of ['jaeger-compact', 'jaeger-thrift', 'jaeger-grpc', 'zipkin']) {
          expect(values.ports[port].enabled, port).toBe(false);
        }
      });

      it('sets requests and limits', () => {
        expect(values.resources).toEqual(RESOURCES.medium);
      });

      it('renders the same output twice', () => {
        expect(renderAddon('otel-collector', cluster.name, platform)).toEqual(rendered);
      });
    });
  }
});
