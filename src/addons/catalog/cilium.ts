import type { AddonDefinition } from '../types.js';

export const cilium: AddonDefinition = {
  name: 'cilium',
  title: 'Cilium CNI with Hubble, ClusterMesh and kube-proxy replacement',
  phase: 'infrastructure',
  // Cilium's own default; the seed's cilium-system is used nowhere else consistently (correction 4).
  namespace: 'kube-system',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [],
  after: [
    {
      addon: 'gateway-api',
      on: 'same',
      why: 'Cilium only enables its Gateway API controller when the CRDs exist',
    },
  ],
  seed: '§7.3, §10.2 1.2 (corrections 2-5)',
};
