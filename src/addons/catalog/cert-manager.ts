import type { AddonDefinition } from '../types.js';

export const certManager: AddonDefinition = {
  name: 'cert-manager',
  title: 'cert-manager (selfsigned-bootstrap, then vault-issuer)',
  phase: 'core-platform',
  namespace: 'cert-manager',
  // Every cluster issues its own Gateway certificate into gateway-system (correction 19),
  // so cert-manager runs everywhere, not only on the management cluster as the seed's matrix has it.
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'cilium', on: 'same', why: 'pods need the CNI' }],
  after: [],
  seed: '§11, §10.2 2.2 (corrections 17, 19)',
};
