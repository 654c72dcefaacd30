/**
 * An add-on as its module defines it: its facts and its renderer. One module per add-on
 * (catalog/<name>.ts), registered in catalog.ts.
 */
import type { KvDemand, SecretDemand } from '../kube/generated-secrets.js';
import type { KubeObject } from '../kube/objects.js';
import type { RenderContext } from '../render/context.js';
import type { AddonFacts } from './types.js';

export interface AddonDefinition extends AddonFacts {
  /**
   * Values and extra manifests for one cluster; the chart itself is pinned in charts.json. An
   * add-on without one cannot be enabled yet (validation says so).
   */
  readonly render?: (ctx: RenderContext) => RenderedAddon;
}

/** What an add-on renders for one cluster. */
export interface RenderedAddon {
  /** Helm values for the pinned chart (charts.json); absent for manifest-only add-ons. */
  readonly values?: Readonly<Record<string, unknown>>;
  /** Extra objects applied after the chart (or alone, without a chart). */
  readonly manifests?: readonly KubeObject[];
  /**
   * PKI phase 1 (ADR-004), rendered to `bootstrap.yaml`: what stands in until phase 2 replaces
   * it (the bootstrap issuer and the first certificates it issues). Its step applies it only
   * until the object the step names in `supersededBy` exists.
   */
  readonly bootstrap?: readonly KubeObject[];
  /** Secrets the engine creates before the release (never rendered with values). */
  readonly secrets?: readonly SecretDemand[];
  /** Vault KV entries its ExternalSecrets read, written by the engine when it configures Vault. */
  readonly vaultKv?: readonly KvDemand[];
}
