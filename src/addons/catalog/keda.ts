import type { AddonDefinition } from '../types.js';

export const keda: AddonDefinition = {
  name: 'keda',
  title: 'KEDA',
  phase: 'scaling-ai',
  namespace: 'keda',
  scope: 'workload',
  scopeReason: 'it scales application workloads, which run only on workload clusters (§9.1)',
  defaultPlacement: 'workload',
  requires: [{ addon: 'metrics-server', on: 'same', why: 'it extends the resource metrics API' }],
  after: [],
  seed: '§10.2 5.3',
};
