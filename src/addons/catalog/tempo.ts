import type { AddonDefinition } from '../types.js';

export const tempo: AddonDefinition = {
  name: 'tempo',
  title: 'Tempo',
  phase: 'observability',
  // The seed's data sources point at the tracing namespace, which it never creates (correction 24).
  namespace: 'tracing',
  scope: 'management',
  scopeReason: 'traces are aggregated centrally (ADR-006)',
  defaultPlacement: 'management',
  requires: [{ addon: 'minio', on: 'same', why: 'traces are stored in MinIO' }],
  after: [],
  seed: '§12, §10.2 4.5',
};
