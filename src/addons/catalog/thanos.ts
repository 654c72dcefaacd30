import type { AddonDefinition } from '../types.js';

export const thanos: AddonDefinition = {
  name: 'thanos',
  title: 'Thanos (Receive, Query, Store Gateway, Compactor)',
  phase: 'observability',
  namespace: 'monitoring',
  scope: 'management',
  scopeReason: 'metrics are aggregated centrally; workload clusters remote-write to it (ADR-006)',
  defaultPlacement: 'management',
  requires: [
    { addon: 'minio', on: 'same', why: 'blocks are stored in MinIO' },
    { addon: 'prometheus', on: 'same', why: 'Query reads the management Prometheus sidecar' },
  ],
  after: [],
  seed: '§12.3, §10.2 4.2 (correction 22)',
};
