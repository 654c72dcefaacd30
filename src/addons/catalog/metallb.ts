import type { AddonDefinition } from '../types.js';

export const metallb: AddonDefinition = {
  name: 'metallb',
  title: 'MetalLB (L2, one pool per cluster)',
  phase: 'infrastructure',
  namespace: 'metallb-system',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'cilium', on: 'same', why: 'pods need the CNI' }],
  after: [],
  podSecurity: { level: 'privileged', why: 'the speaker uses the host network and NET_RAW to answer ARP' },
  seed: '§19.2 net, §10.2 1.5 (correction 6)',
};
