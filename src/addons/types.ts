import type { RenderContext } from '../render/context.js';
import type { AddonName } from './names.js';

export type ClusterRole = 'management' | 'workload';

/** The install phases of the seed (001 §10.1). */
export const PHASES = [
  'infrastructure',
  'core-platform',
  'identity',
  'observability',
  'scaling-ai',
  'backup-security',
] as const;
export type Phase = (typeof PHASES)[number];

/**
 * Where an add-on may run at all:
 * - `management`: a platform service, only on the management cluster (ADR-001);
 * - `workload`: only on workload clusters (e.g. Kyverno, ADR-003);
 * - `any`: every cluster may run it.
 */
export type Scope = 'management' | 'workload' | 'any';

/** Where it runs when the spec says nothing; `none` means off until enabled. */
export type DefaultPlacement = 'all' | 'management' | 'workload' | 'none';

export interface AddonDependency {
  readonly addon: AddonName;
  /** `same`: on the same cluster; `management`: on the management cluster (cross-cluster from a workload cluster). */
  readonly on: 'same' | 'management';
  /** Applies only where the dependent add-on runs on a cluster of this role. */
  readonly forRole?: ClusterRole;
  readonly why: string;
}

export interface AddonDefinition {
  readonly name: AddonName;
  readonly title: string;
  readonly phase: Phase;
  /** The namespace its workloads run in. */
  readonly namespace: string;
  readonly scope: Scope;
  /** Why the scope is what it is, cited in validation messages. */
  readonly scopeReason?: string;
  readonly defaultPlacement: DefaultPlacement;
  /** Hard dependencies: validation fails when one is not enabled where it must run. */
  readonly requires: readonly AddonDependency[];
  /** Ordering only: installed after these when they are enabled too. */
  readonly after: readonly AddonDependency[];
  /** Set when its pods cannot pass the baseline Pod Security level (seed correction 11). */
  readonly podSecurity?: { readonly level: 'privileged'; readonly why: string };
  /** Where the seed describes it. */
  readonly seed: string;
  /** Values and extra manifests for one cluster; the chart itself is pinned in charts.json. */
  readonly render?: (ctx: RenderContext) => RenderedAddon;
}

/** A Kubernetes object as rendered: plain data, serialisable to YAML. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** What an add-on renders for one cluster. */
export interface RenderedAddon {
  /** Helm values for the pinned chart (charts.json); absent for manifest-only add-ons. */
  readonly values?: Readonly<Record<string, unknown>>;
  /** Extra objects applied after the chart (or alone, without a chart). */
  readonly manifests?: readonly KubeObject[];
}
