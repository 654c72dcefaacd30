import type { AddonDefinition } from '../types.js';

export const kyverno: AddonDefinition = {
  name: 'kyverno',
  title: 'Kyverno with the platform policies',
  phase: 'backup-security',
  namespace: 'kyverno',
  scope: 'workload',
  scopeReason: 'Kyverno is never installed on the management cluster (ADR-003)',
  defaultPlacement: 'workload',
  requires: [],
  after: [],
  seed: '§13.2, §19.2 sec, §10.2 6.3 (correction 14)',
};
