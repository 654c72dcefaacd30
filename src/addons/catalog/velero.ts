import type { AddonDefinition } from '../types.js';

export const velero: AddonDefinition = {
  name: 'velero',
  title: 'Velero with file-system backup',
  phase: 'backup-security',
  namespace: 'velero',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'minio', on: 'management', why: 'backups are stored in the MinIO velero bucket' }],
  after: [],
  podSecurity: {
    level: 'privileged',
    why: 'the node agent reads pod volumes through hostPath (correction 26)',
  },
  seed: '§15.1-15.2, §10.2 6.1 (correction 26)',
};
