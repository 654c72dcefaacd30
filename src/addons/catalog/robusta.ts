import type { AddonDefinition } from '../types.js';

export const robusta: AddonDefinition = {
  name: 'robusta',
  title: 'Robusta',
  phase: 'scaling-ai',
  namespace: 'robusta',
  scope: 'management',
  scopeReason: 'the AI layer runs on the management cluster (§14.1)',
  defaultPlacement: 'management',
  requires: [{ addon: 'prometheus', on: 'same', why: 'its playbooks trigger on Prometheus alerts' }],
  after: [{ addon: 'external-secrets', on: 'same', why: 'its tokens arrive as ExternalSecrets' }],
  seed: '§14.4, §10.2 5.5',
};
