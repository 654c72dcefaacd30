import type { AddonDefinition } from '../types.js';

export const metricsServer: AddonDefinition = {
  name: 'metrics-server',
  title: 'Metrics Server',
  phase: 'infrastructure',
  namespace: 'kube-system',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'cilium', on: 'same', why: 'pods need the CNI' }],
  after: [],
  seed: '§10.2 1.3',
};
