import type { AddonDefinition } from '../types.js';

export const otelCollector: AddonDefinition = {
  name: 'otel-collector',
  title: 'OpenTelemetry Collector',
  phase: 'observability',
  namespace: 'opentelemetry',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'tempo', on: 'management', why: 'it exports traces over OTLP to Tempo' }],
  after: [],
  seed: '§12.0, §10.2 4.7',
};
