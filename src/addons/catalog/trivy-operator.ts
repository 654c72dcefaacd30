import type { AddonDefinition } from '../types.js';

export const trivyOperator: AddonDefinition = {
  name: 'trivy-operator',
  title: 'Trivy Operator',
  phase: 'backup-security',
  namespace: 'trivy-system',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [],
  after: [],
  podSecurity: { level: 'privileged', why: 'the node collector reads node configuration through hostPath' },
  seed: '§13.1, §10.2 6.2',
};
