import type { AddonDefinition } from '../types.js';

export const localPath: AddonDefinition = {
  name: 'local-path',
  title: 'Local Path Provisioner (StorageClasses local-path and local-path-retain)',
  phase: 'infrastructure',
  namespace: 'local-path-storage',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'cilium', on: 'same', why: 'pods need the CNI' }],
  after: [],
  podSecurity: { level: 'privileged', why: 'its helper pods create volumes through hostPath' },
  seed: '§7.5, §10.2 1.4',
};
