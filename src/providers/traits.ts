/**
 * What each provider is, as plain data: the planner and the engine read it instead of asking
 * which provider they have. Pure, so `plan` can use it without creating a provider.
 */
import type { Provider as ProviderName } from '../spec/types.js';

export interface ProviderTraits {
  readonly name: ProviderName;
  /**
   * Whether pods really run. Without (kwok), only what the API server itself settles is gated
   * on: custom resources are applied, but their controllers' Ready conditions never come.
   */
  readonly runsWorkloads: boolean;
  /** Whether platformctl creates the clusters, and so may delete them. */
  readonly ownsClusters: boolean;
  /** Whether the plan has provision and bootstrap steps for each cluster. */
  readonly createsClusters: boolean;
  /** At most this many provision or bootstrap steps at once, across clusters. */
  readonly concurrency: number;
  /** Typical durations on the reference hardware, for the critical path and the scheduler's priorities. */
  readonly expectedSeconds: { readonly provision: number; readonly bootstrap: number };
}

export const PROVIDER_TRAITS: Readonly<Record<ProviderName, ProviderTraits>> = {
  multipass: {
    name: 'multipass',
    runsWorkloads: true,
    ownsClusters: true,
    createsClusters: true,
    // The reference lab's three clusters launch at once, as the seed's Terraform does.
    concurrency: 3,
    expectedSeconds: { provision: 180, bootstrap: 150 },
  },
  kwok: {
    name: 'kwok',
    runsWorkloads: false,
    ownsClusters: true,
    createsClusters: true,
    // kwokctl picks free ports at start: parallel creates pick the same ones.
    concurrency: 1,
    expectedSeconds: { provision: 5, bootstrap: 2 },
  },
  existing: {
    name: 'existing',
    runsWorkloads: true,
    ownsClusters: false,
    createsClusters: false,
    concurrency: 8,
    expectedSeconds: { provision: 1, bootstrap: 1 },
  },
};

export function providerTraits(name: ProviderName): ProviderTraits {
  return PROVIDER_TRAITS[name];
}
