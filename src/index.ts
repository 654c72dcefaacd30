/**
 * platformctl as a library.
 * - Specs: load, default, validate and inspect platform specs (pure: the clock is an argument).
 * - Operations: `openProject` gives the verbs over one project directory (plan, check, up,
 *   down, status), the same API the command line is built on; objects of any cluster
 *   (redacted) and the observability APIs, the same the MCP server is built on.
 */
export { ADDON_CATALOG, CATALOG, catalogEntries } from './addons/catalog.js';
export type { AddonDefinition, RenderedAddon } from './addons/definition.js';
export { ADDON_NAMES, type AddonName, isAddonName } from './addons/names.js';
export {
  type AddonDependency,
  type AddonFacts,
  type Catalog,
  type ClusterRole,
  type Phase,
  requirementsFor,
  type Scope,
  scopeAllows,
} from './addons/types.js';
export type { EngineEvent, StepOutcome, StepRunRecord } from './engine/types.js';
export { type ErrorKind, type ErrorObject, errorObject, EXIT_CODES, PlatformctlError } from './errors.js';
export type { KubeObject } from './kube/objects.js';
export * as ipv4 from './net/ipv4.js';
export {
  type ClusterStatus,
  type DownReport,
  type DriftRow,
  openProject,
  type OpenOptions,
  Project,
  type StatusReport,
  type StepStatusRow,
  type UpRunOptions,
} from './ops/project.js';
export { exportGitops, type GitopsOptions, type GitopsSummary, gitopsTree } from './ops/gitops.js';
export {
  explainFailure,
  type FailureExplanation,
  observabilityEndpoints,
  spansOf,
  traceIdOf,
} from './ops/observability.js';
export {
  getResource,
  listEvents,
  listResources,
  podLog,
  redactObject,
  restartDeployment,
  scaleWorkload,
} from './ops/resources.js';
export {
  lokiQuery,
  type ObservabilityEndpoints,
  promQuery,
  tempoSearch,
  tempoTrace,
} from './clients/observability.js';
export {
  loadDefaultSpec as loadBuiltinSpec,
  loadSpec as loadSpecText,
  SpecInvalidError,
} from './ops/spec.js';
export type { Plan, PlanStep, StepKind } from './plan/plan.js';
export type { Artifact } from './render/artifacts.js';
export { type Budget, computeBudget } from './spec/budget.js';
export { DIAGNOSTIC_CODES, type DiagnosticCode, type Severity } from './spec/codes.js';
export { applyDefaults, defaultDocument } from './spec/defaults.js';
export type { Diagnostic } from './spec/diagnostics.js';
export type { LoadOptions, SpecResult } from './spec/load.js';
export type { Platform, PlatformCluster, PlatformNode } from './spec/model.js';
export { type AddonPlacement, type PlacementTable, resolvePlacement } from './spec/placement.js';
export { API_VERSION, KIND, platformJsonSchema } from './spec/schema.js';
export type * from './spec/types.js';
export { documentToYaml } from './spec/write.js';
