import type { AddonDefinition } from '../types.js';

export const prometheus: AddonDefinition = {
  name: 'prometheus',
  title: 'Prometheus (server on management, agent mode on workload clusters)',
  phase: 'observability',
  namespace: 'monitoring',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [
    {
      addon: 'local-path',
      on: 'same',
      forRole: 'management',
      why: 'the server keeps its TSDB on a local-path volume',
    },
    {
      addon: 'thanos',
      on: 'management',
      forRole: 'workload',
      why: 'the agent remote-writes to Thanos Receive (ADR-006, correction 22)',
    },
  ],
  after: [],
  podSecurity: {
    level: 'privileged',
    why: 'node-exporter uses the host network, PID namespace and filesystem',
  },
  seed: '§12, §5.3, §10.2 4.1 (corrections 22, 23)',
};
