/**
 * The plan as Argo CD Applications: which steps of the plan one Application carries, and its
 * sync wave. Pure over the plan.
 *
 * - Only `helm` and `manifests` steps have a GitOps form (a chart source, a directory source).
 *   The others are imperative (provision, bootstrap, Vault's init and auth mounts, the PKI
 *   hand-over, Secrets from generated credentials, published bundles), and PKI phase 1 is
 *   temporary: they are left out, and their dependants inherit their dependencies, so ordering
 *   through them is kept.
 * - An add-on's steps on a cluster form one Application, unless a dependency of a later step
 *   comes from an Application that is not in an earlier wave (cert-manager's phase-2 issuer waits
 *   for Vault, which waits for cert-manager's bootstrap issuer): from that step on, the add-on
 *   continues in a second Application (`<addon>-<step>`), in a later wave.
 * - The wave of an Application is one more than the highest wave it depends on (0 for none),
 *   so every edge of the plan between two Applications goes from a lower wave to a higher one.
 */
import type { AddonName } from '../../addons/names.js';
import type { Plan, PlanStep } from '../../plan/plan.js';

const ARGOCD_MANAGER_STEP = 'argocd-manager';

export interface GitopsUnit {
  /** Unique on its cluster: the add-on (or the step, for cluster-level steps), then `-<step>` for a continuation. */
  readonly name: string;
  readonly cluster: string;
  readonly addon?: AddonName;
  readonly wave: number;
  /** Plan steps it carries, in plan order. */
  readonly steps: readonly PlanStep[];
  /** Units of other Applications it depends on (by `cluster/name`), sorted. */
  readonly dependsOn: readonly string[];
}

export const unitKey = (unit: Pick<GitopsUnit, 'cluster' | 'name'>) => `${unit.cluster}/${unit.name}`;

/**
 * Whether a step has a GitOps form: a chart or a directory of objects. Not a step that stands
 * only until a later one replaces its objects (PKI phase 1, ADR-004): in Git it would stand for
 * ever, Argo CD would put back what the hand-over removed, and two Applications would own the
 * certificates both phases issue.
 */
export function exportable(step: PlanStep): boolean {
  if (step.supersededBy) return false;
  // What Argo CD reaches the cluster with: in Git, a sync that recreated the token Secret would
  // lock Argo CD out (Vault keeps the old token).
  if (step.id === `${step.cluster}/${ARGOCD_MANAGER_STEP}`) return false;
  return step.kind === 'helm' || (step.kind === 'manifests' && step.artifacts.length > 0);
}

/** What a unit is named after: the add-on, or the step's name for cluster-level steps (namespaces). */
function baseName(step: PlanStep): string {
  return step.addon ?? step.id.slice(step.cluster.length + 1);
}

const stepName = (step: PlanStep) => step.id.slice(step.id.lastIndexOf('/') + 1);

interface Draft {
  name: string;
  cluster: string;
  addon?: AddonName;
  wave: number;
  steps: PlanStep[];
  dependsOn: Set<string>;
}

export function gitopsUnits(plan: Plan): GitopsUnit[] {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  // The exported steps each step depends on, looking through the ones left out.
  const nearest = new Map<string, ReadonlySet<string>>();
  const exportedDeps = (step: PlanStep): ReadonlySet<string> => {
    const known = nearest.get(step.id);
    if (known) return known;
    const out = new Set<string>();
    for (const id of step.dependsOn) {
      const dep = byId.get(id)!;
      if (exportable(dep)) out.add(id);
      else for (const inherited of exportedDeps(dep)) out.add(inherited);
    }
    nearest.set(step.id, out);
    return out;
  };

  const units: Draft[] = [];
  const unitOfStep = new Map<string, Draft>();
  const latest = new Map<string, Draft>();
  // Plan steps are in topological order: every dependency has its unit when a step comes.
  for (const step of plan.steps) {
    if (!exportable(step)) continue;
    const base = `${step.cluster}/${baseName(step)}`;
    const deps = [...exportedDeps(step)].map((id) => unitOfStep.get(id)!);
    const current = latest.get(base);
    const joins = current !== undefined && deps.every((u) => u === current || u.wave < current.wave);
    let unit: Draft;
    if (joins) unit = current;
    else {
      unit = {
        name: current ? `${baseName(step)}-${stepName(step)}` : baseName(step),
        cluster: step.cluster,
        ...(step.addon ? { addon: step.addon } : {}),
        wave: Math.max(-1, ...deps.map((u) => u.wave)) + 1,
        steps: [],
        dependsOn: new Set(),
      };
      units.push(unit);
      latest.set(base, unit);
    }
    unit.steps.push(step);
    for (const dep of deps) if (dep !== unit) unit.dependsOn.add(unitKey(dep));
    unitOfStep.set(step.id, unit);
  }
  return units.map((u) => ({ ...u, dependsOn: [...u.dependsOn].sort() }));
}

/**
 * Steps of the plan no Application carries, other than creating and joining the clusters (and
 * approving the serving certificates of the kubelets that joins set up): what
 * `platformctl up` does and Argo CD cannot (Vault's initialisation and auth mounts, Secrets from
 * generated credentials, the PKI hand-over, published bundles).
 * TODO(#16): give these a GitOps form (a Job, a hook, ExternalSecrets for generated credentials)
 * so that Argo CD can also build a platform from nothing, not only keep one `up` has built.
 */
export function stepsLeftOut(plan: Plan, units: readonly GitopsUnit[]): PlanStep[] {
  const carried = new Set(units.flatMap((u) => u.steps.map((s) => s.id)));
  const ofTheClusters = new Set(['provision', 'bootstrap', 'kubelet-serving']);
  return plan.steps.filter((s) => !carried.has(s.id) && !ofTheClusters.has(s.kind));
}
