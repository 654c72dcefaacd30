import type { AddonDefinition } from '../types.js';

export const promtail: AddonDefinition = {
  name: 'promtail',
  title: 'Promtail',
  phase: 'observability',
  namespace: 'logging',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'loki', on: 'management', why: 'it pushes logs to Loki' }],
  after: [],
  podSecurity: { level: 'privileged', why: 'it reads container logs from the host through hostPath' },
  seed: '§12, §10.2 4.4',
};
