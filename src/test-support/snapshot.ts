/** An analyze snapshot with nothing in it, taken at a fixed time, for the analyzers' tests. */
import type { Snapshot } from '../ops/analyze.js';

export const EMPTY_SNAPSHOT: Snapshot = {
  observedAt: '2026-12-07T12:00:00.000Z',
  pods: [],
  deployments: [],
  statefulSets: [],
  services: [],
  endpointSlices: [],
  pvcs: [],
  nodes: [],
  webhooks: [],
  hpas: [],
};
