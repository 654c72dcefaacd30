import type { AddonDefinition } from '../types.js';

export const grafana: AddonDefinition = {
  name: 'grafana',
  title: 'Grafana (data sources Thanos, Loki, Tempo with uids)',
  phase: 'observability',
  namespace: 'monitoring',
  scope: 'management',
  scopeReason: 'platform services run only on the management cluster (ADR-001)',
  defaultPlacement: 'management',
  requires: [{ addon: 'thanos', on: 'same', why: 'its default data source is Thanos Query' }],
  after: [
    { addon: 'loki', on: 'same', why: 'Loki data source' },
    { addon: 'tempo', on: 'same', why: 'Tempo data source' },
  ],
  seed: '§12.2, §10.2 4.6 (correction 24)',
};
