import type { AddonDefinition } from '../definition.js';

export const istio: AddonDefinition = {
  name: 'istio',
  title: 'Istio service mesh (optional)',
  phase: 'core-platform',
  namespace: 'istio-system',
  scope: 'any',
  defaultPlacement: 'none',
  requires: [{ addon: 'cilium', on: 'same', why: 'Istio runs on top of the CNI' }],
  after: [{ addon: 'cert-manager', on: 'same', why: 'mesh certificates can come from cert-manager' }],
  seed: '§1.3 (optional)',
};
