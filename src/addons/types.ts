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
  /** For ordering: one step of it (its `name`), instead of the step after which it is usable. */
  readonly step?: string;
  readonly why: string;
}

/** Which objects of a manifests file a step applies (all when unset). */
export interface ObjectSelector {
  readonly only?: ReadonlyArray<{ readonly kind: string; readonly name: string }>;
  readonly except?: ReadonlyArray<{ readonly kind: string; readonly name: string }>;
}

/** A manifest bundle the plan applies as it is published (e.g. the Gateway API CRDs). */
export interface BundleRef {
  readonly name: string;
  readonly version: string;
  readonly url: string;
}

/**
 * One step an add-on adds to a cluster's plan, with the id `<cluster>/<addon>/<name>`.
 * - `helm`: `helm upgrade --install` of its pinned chart with the rendered values;
 * - `manifests`: server-side apply of a rendered file of the add-on, then readiness gates;
 * - `bundle`: apply a published manifest bundle (from the mirror or its URL);
 * - `secrets`: create the Secrets of its rendered `secrets.json` from generated credentials;
 * - `vault-configure`: initialise, unseal and configure the platform's Vault;
 * - `pki-handover`: the end of PKI phase 1 on the cluster (ADR-004): once every certificate of
 *   its `file` is issued by its phase-2 issuer, the bootstrap issuer goes, unless a certificate
 *   still references it.
 */
export interface AddonStep {
  readonly name: string;
  readonly kind: 'helm' | 'manifests' | 'bundle' | 'secrets' | 'vault-configure' | 'pki-handover';
  readonly description?: string;
  /** Typical duration on the reference hardware (critical path, scheduler priorities). */
  readonly seconds: number;
  /**
   * `manifests`/`secrets`: the add-on's rendered file it applies (default `manifests.yaml`,
   * `secrets.json`), and which objects of it.
   */
  readonly file?: string;
  readonly objects?: ObjectSelector;
  /** `bundle`: the bundle. */
  readonly bundle?: BundleRef;
  /**
   * `helm`: whether helm waits for the release's workloads to be ready (default true). Vault's
   * pods are not Ready until it is initialised and unsealed, which a later step does.
   */
  readonly wait?: boolean;
  /** Ordering for this step alone, beside the add-on's own. */
  readonly after?: readonly AddonDependency[];
  /**
   * `manifests`: needed only until this object exists (a later step applies it). From then on
   * the step is in sync, whatever became of what it applied: PKI phase 1 is never re-applied
   * over phase 2 (ADR-004).
   */
  readonly supersededBy?: ObjectRef;
}

/** One object by its identity. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/**
 * A step the add-on adds to every cluster for which a rendered file exists, outside the add-on's
 * own namespace: Vault's token reviewer and auth mount on each cluster whose clients log in.
 * Its id is `<cluster>/<name>`.
 */
export interface PerClusterStep {
  readonly name: string;
  readonly kind: 'manifests' | 'secrets' | 'vault-auth' | 'vault-kv';
  readonly description: string;
  readonly seconds: number;
  readonly phase: Phase;
  /** The cluster's rendered file that makes the step exist (and that a manifests step applies), below `clusters/<cluster>/`. */
  readonly file: string;
  /** Other per-cluster steps of this add-on it follows (by name), else the cluster's bootstrap. */
  readonly afterOwn?: readonly string[];
  /** Steps of the add-on on the management cluster it follows (by name). */
  readonly afterManagement?: readonly string[];
  /**
   * When set, every step of the cluster that follows that step of the add-on on the management
   * cluster also follows this one: a cluster's Vault clients wait for its own auth mount.
   */
  readonly gatesClientsOf?: string;
}

/** What the planner needs to know about an add-on beyond its dependencies. */
export interface AddonPlanFacts {
  /**
   * Its steps in order. Default: `release` (helm) when it has a chart, then `manifests` when it
   * renders any. A declared step whose chart or file is not there is left out.
   */
  readonly steps?: readonly AddonStep[];
  /** The step after which other add-ons may use it (default: its last step). */
  readonly usableAfter?: string;
  /** Typical seconds of the default release step (default 30). */
  readonly releaseSeconds?: number;
  /** false for what runs no pods (CRD bundles) or is the CNI itself: no edge to the CNI. */
  readonly needsCni?: boolean;
  /** This add-on is the cluster network: everything else waits for it. */
  readonly providesCni?: boolean;
  readonly perCluster?: readonly PerClusterStep[];
}

/** What the spec, the planner and the documentation know about an add-on: plain data. */
export interface AddonFacts {
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
  readonly plan?: AddonPlanFacts;
}

/** An add-on as the spec layer sees it: its facts, and whether platformctl can render it yet. */
export interface CatalogEntry extends AddonFacts {
  readonly available: boolean;
}

/** Every add-on by name; the spec layer gets it from its caller, so it never loads a renderer. */
export type Catalog = Readonly<Record<AddonName, CatalogEntry>>;

export function scopeAllows(scope: Scope, role: ClusterRole): boolean {
  return scope === 'any' || scope === role;
}

export function placementIncludes(placement: DefaultPlacement, role: ClusterRole): boolean {
  return placement === 'all' || placement === role;
}

/** The dependencies that apply where `addon` runs on a cluster of `role`. */
export function requirementsFor(addon: AddonFacts, role: ClusterRole): AddonDependency[] {
  return addon.requires.filter((dep) => dep.forRole === undefined || dep.forRole === role);
}
