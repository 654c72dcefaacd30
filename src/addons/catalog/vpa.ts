import type { RenderContext } from '../../render/context.js';
import { RESOURCES, type ResourceSpec } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';

/**
 * The update mode a workload should ask for when it opts in to automatic resizing (on its VPA,
 * or through Goldilocks' `goldilocks.fairwinds.com/vpa-update-mode` label). ADR-002: the base
 * architecture resizes with VPA alone by recreating pods (`minimal`); the `full` profile turns
 * the in-place path on, where VPA 1.7 resizes without a restart and falls back to eviction.
 * VPAs created without a mode stay `Off` (Goldilocks' default): recommendations only, because
 * the platform's own pods are sized from 001 §16.3 and must not be resized behind its back.
 */
export function optInUpdateMode(ctx: RenderContext): 'Recreate' | 'InPlaceOrRecreate' {
  return ctx.platform.kubernetes.featureGateProfile === 'full' ? 'InPlaceOrRecreate' : 'Recreate';
}

/**
 * The largest memory VPA may recommend for one container: the seed's playbook capped its
 * OOM-driven increases at 2Gi (§14.4), and no recommendation may exceed what a worker has.
 */
export function maxRecommendedMemory(ctx: RenderContext): string {
  const workers = ctx.cluster.nodes.filter((n) => n.role === 'worker');
  const pool = workers.length > 0 ? workers : ctx.cluster.nodes;
  const gib = Math.min(2, ...pool.map((n) => n.memoryGiB));
  return `${gib}Gi`;
}

/** A fresh copy per container, so that the values YAML carries no anchors and aliases. */
const resources = (spec: ResourceSpec) => ({ requests: { ...spec.requests }, limits: { ...spec.limits } });

export const vpa: AddonDefinition = {
  name: 'vpa',
  title: 'Vertical Pod Autoscaler',
  phase: 'scaling-ai',
  namespace: 'vpa',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'metrics-server', on: 'same', why: 'recommendations come from resource metrics' }],
  after: [],
  seed: '§10.2 5.1 (ADR-002)',
  render: (ctx: RenderContext): RenderedAddon => ({
    values: {
      // All three components: resizing is VPA's job by default (ADR-002), not only recommending.
      recommender: {
        enabled: true,
        extraArgs: {
          v: '2',
          // The seed's OOM playbook raised memory by 25% up to 2Gi (§14.4): VPA does that on
          // every OOM kill, for the workloads that opted in to resizing.
          'oom-bump-up-ratio': '1.25',
          'container-recommendation-max-allowed-memory': maxRecommendedMemory(ctx),
        },
        resources: resources(RESOURCES.medium),
      },
      updater: {
        enabled: true,
        // Lab workloads run one replica; the default (2) would never resize them.
        extraArgs: { 'min-replicas': '1' },
        resources: resources(RESOURCES.small),
      },
      admissionController: {
        enabled: true,
        resources: resources(RESOURCES.small),
        certGen: { resources: resources(RESOURCES.small) },
      },
      // metrics-server is its own add-on (correction-free: §10.2 1.3); the chart must not bring a second one.
      'metrics-server': { enabled: false },
    },
  }),
};
