import type { AddonDefinition } from '../types.js';

export const falco: AddonDefinition = {
  name: 'falco',
  title: 'Falco',
  phase: 'backup-security',
  namespace: 'falco',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [],
  after: [],
  podSecurity: { level: 'privileged', why: 'syscall monitoring needs privileged pods' },
  seed: '§13.3, §19.3, §10.2 6.4 (correction 15)',
};
