import type { AddonDefinition } from '../types.js';

export const goldilocks: AddonDefinition = {
  name: 'goldilocks',
  title: 'Goldilocks',
  phase: 'scaling-ai',
  namespace: 'goldilocks',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'vpa', on: 'same', why: 'it reads VPA recommendations' }],
  after: [],
  seed: '§14.1, §10.2 5.2',
};
