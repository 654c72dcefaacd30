import type { AddonDefinition } from '../types.js';

export const vault: AddonDefinition = {
  name: 'vault',
  title: 'HashiCorp Vault (KV, PKI, one Kubernetes auth mount per cluster)',
  phase: 'core-platform',
  namespace: 'vault',
  scope: 'management',
  scopeReason: 'platform services run only on the management cluster (ADR-001)',
  defaultPlacement: 'management',
  requires: [
    { addon: 'local-path', on: 'same', why: 'its storage is a local-path-retain volume' },
    {
      addon: 'cert-manager',
      on: 'same',
      why: 'its TLS certificate comes from selfsigned-bootstrap (ADR-004 phase 1)',
    },
  ],
  after: [],
  seed: '§11.3, §10.2 2.3 (correction 18)',
};
