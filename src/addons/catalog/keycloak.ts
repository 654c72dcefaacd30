import type { AddonDefinition } from '../types.js';

export const keycloak: AddonDefinition = {
  name: 'keycloak',
  title: 'Keycloak (SSO)',
  phase: 'identity',
  namespace: 'keycloak',
  scope: 'management',
  scopeReason: 'platform services run only on the management cluster (ADR-001)',
  defaultPlacement: 'management',
  requires: [
    { addon: 'vault', on: 'management', why: 'its admin credentials are kept in Vault' },
    { addon: 'external-secrets', on: 'same', why: 'the credentials reach it as an ExternalSecret' },
  ],
  after: [],
  seed: '§10.2 3.1',
};
