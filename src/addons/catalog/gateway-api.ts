import type { AddonDefinition } from '../types.js';

export const gatewayApi: AddonDefinition = {
  name: 'gateway-api',
  title: 'Gateway API (CRDs, GatewayClass cilium, main-gateway)',
  phase: 'infrastructure',
  namespace: 'gateway-system',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [],
  after: [],
  seed: '§7.4, §10.2 1.6; installed before Cilium (correction 3)',
};
