import type { AddonDefinition } from '../types.js';

export const vpa: AddonDefinition = {
  name: 'vpa',
  title: 'Vertical Pod Autoscaler',
  phase: 'scaling-ai',
  namespace: 'vpa',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'metrics-server', on: 'same', why: 'recommendations come from resource metrics' }],
  after: [],
  seed: '§10.2 5.1 (ADR-002)',
};
