import type { RenderContext } from '../../render/context.js';
import { RESOURCES, type ResourceSpec } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';

/** At most this many scan jobs at once: a lab worker has 2 vCPUs and 4-6 GiB next to everything else. */
export const SCAN_JOBS_CONCURRENT_LIMIT = 2;

/** A fresh copy per container, so that the values YAML carries no anchors and aliases. */
const resources = (spec: ResourceSpec) => ({ requests: { ...spec.requests }, limits: { ...spec.limits } });

export const trivyOperator: AddonDefinition = {
  name: 'trivy-operator',
  title: 'Trivy Operator',
  phase: 'backup-security',
  namespace: 'trivy-system',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [],
  after: [],
  podSecurity: { level: 'privileged', why: 'the node collector reads node configuration through hostPath' },
  seed: '§13.1, §10.2 6.2',
  render: (_ctx: RenderContext): RenderedAddon => ({
    values: {
      operator: {
        scanJobsConcurrentLimit: SCAN_JOBS_CONCURRENT_LIMIT,
        scanNodeCollectorLimit: 1,
        // Slow mode (the chart default) trades time for memory: give a scan twice the default time.
        scanJobTimeout: '10m',
        // Completed scan jobs go away on their own instead of piling up in trivy-system.
        scanJobTTL: '10m',
      },
      trivy: {
        timeout: '10m0s',
        // Each scan job's container (the chart's default is 100m/100M .. 500m/500M).
        resources: resources(RESOURCES.medium),
      },
      // The operator itself (001 §16.3).
      resources: resources(RESOURCES['trivy-operator']),
    },
  }),
};
