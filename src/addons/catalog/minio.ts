import type { AddonDefinition } from '../types.js';

export const minio: AddonDefinition = {
  name: 'minio',
  title: 'MinIO object storage (Thanos, Loki, Tempo and Velero buckets)',
  phase: 'core-platform',
  namespace: 'minio',
  scope: 'management',
  scopeReason: 'platform services run only on the management cluster (ADR-001)',
  defaultPlacement: 'management',
  requires: [{ addon: 'local-path', on: 'same', why: 'its data lives on a local-path-retain volume' }],
  after: [],
  seed: '§7.5, §10.2 2.1',
};
