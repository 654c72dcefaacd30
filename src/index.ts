/**
 * platformctl as a library: load, default, validate and inspect platform specs.
 */
export { ADDON_CATALOG, catalogEntries, requirementsFor, scopeAllows } from './addons/catalog.js';
export { ADDON_NAMES, type AddonName, isAddonName } from './addons/names.js';
export type { AddonDefinition, AddonDependency, ClusterRole, Phase, Scope } from './addons/types.js';
export * as ipv4 from './net/ipv4.js';
export { type Budget, computeBudget } from './spec/budget.js';
export { DIAGNOSTIC_CODES, type DiagnosticCode, type Severity } from './spec/codes.js';
export { applyDefaults, defaultDocument } from './spec/defaults.js';
export type { Diagnostic } from './spec/diagnostics.js';
export { type LoadOptions, loadBuiltinSpec, loadSpecText, type SpecResult } from './spec/load.js';
export type { Platform, PlatformCluster, PlatformNode } from './spec/model.js';
export { type AddonPlacement, type PlacementTable, resolvePlacement } from './spec/placement.js';
export { API_VERSION, KIND, platformJsonSchema } from './spec/schema.js';
export type * from './spec/types.js';
export { documentToYaml } from './spec/write.js';
