/**
 * Semantic validation of a complete (defaulted) document: every rule runs, every problem is reported.
 */
import type { Catalog } from '../addons/types.js';
import type { Finding } from './diagnostics.js';
import { type PlacementTable, resolvePlacement } from './placement.js';
import { checkAi } from './rules/ai.js';
import { checkAddons } from './rules/addons.js';
import { checkClusters } from './rules/clusters.js';
import { checkNetwork, type NetworkFacts } from './rules/network.js';
import { checkPodSecurity } from './rules/pod-security.js';
import { checkResources } from './rules/resources.js';
import { checkProvider, checkVersions } from './rules/versions.js';
import type { PlatformDocument } from './types.js';

export interface ValidateOptions {
  /** The clock, for exemption expiry. */
  now: Date;
  /** The add-ons' facts (addons/catalog.ts CATALOG). */
  catalog: Catalog;
}

export interface SemanticResult {
  findings: Finding[];
  placement: PlacementTable;
  network: NetworkFacts;
}

export function validateDocument(doc: PlatformDocument, options: ValidateOptions): SemanticResult {
  const placement = resolvePlacement(doc.spec, options.catalog);
  const network = checkNetwork(doc.spec);
  const findings = [
    ...checkVersions(doc.spec),
    ...checkProvider(doc.spec),
    ...checkClusters(doc),
    ...network.findings,
    ...checkResources(doc.spec),
    ...checkAddons(doc.spec, placement, options.catalog),
    ...checkPodSecurity(doc.spec, placement, options.now, options.catalog),
    ...checkAi(doc.spec),
  ];
  return { findings, placement, network: network.facts };
}
