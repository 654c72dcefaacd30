import type { AddonDefinition } from '../types.js';

export const loki: AddonDefinition = {
  name: 'loki',
  title: 'Loki',
  phase: 'observability',
  namespace: 'logging',
  scope: 'management',
  scopeReason: 'logs are aggregated centrally (ADR-006)',
  defaultPlacement: 'management',
  requires: [
    { addon: 'minio', on: 'same', why: 'chunks are stored in MinIO' },
    { addon: 'local-path', on: 'same', why: 'its write-ahead log needs a volume' },
  ],
  after: [],
  seed: '§12, §10.2 4.3',
};
