import type { AddonDefinition } from '../types.js';

export const externalSecrets: AddonDefinition = {
  name: 'external-secrets',
  title: 'External Secrets Operator (ClusterSecretStore vault-backend)',
  phase: 'core-platform',
  namespace: 'external-secrets',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'vault', on: 'management', why: 'its vault-backend store reads secrets from Vault' }],
  after: [],
  seed: '§5.3, §10.2 2.4 (correction 18)',
};
