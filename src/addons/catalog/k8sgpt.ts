import type { AddonDefinition } from '../types.js';

export const k8sgpt: AddonDefinition = {
  name: 'k8sgpt',
  title: 'k8sgpt operator',
  phase: 'scaling-ai',
  namespace: 'k8sgpt',
  scope: 'management',
  scopeReason: 'the AI layer runs on the management cluster (§14.1)',
  defaultPlacement: 'management',
  requires: [
    { addon: 'external-secrets', on: 'same', why: 'LLM API keys arrive from Vault as an ExternalSecret' },
  ],
  after: [],
  seed: '§14.2, §10.2 5.4',
};
