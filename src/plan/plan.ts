/**
 * The step graph of a platform: per cluster provision → bootstrap → namespaces → add-ons in
 * dependency order, with the cross-cluster edges of the catalog (an app cluster's External
 * Secrets waits for mgmt's Vault; its Prometheus agent for mgmt's Thanos Receive).
 * Pure: the same platform gives the same plan, in the same order, with the same input hashes.
 */
import { createHash } from 'node:crypto';
import { ADDON_CATALOG, requirementsFor } from '../addons/catalog.js';
import { chartFor } from '../addons/charts.js';
import type { AddonName } from '../addons/names.js';
import type { AddonDependency, Phase } from '../addons/types.js';
import type { Artifact } from '../render/artifacts.js';
import type { Platform, PlatformCluster } from '../spec/model.js';

export type StepKind = 'provision' | 'bootstrap' | 'manifests' | 'crds' | 'helm' | 'custom';

export interface PlanStep {
  /** `<cluster>/<what>`, e.g. `app1/external-secrets/release`. */
  readonly id: string;
  readonly cluster: string;
  readonly kind: StepKind;
  readonly phase: Phase | 'cluster';
  readonly addon?: AddonName;
  readonly description: string;
  readonly dependsOn: readonly string[];
  readonly expectedDurationMs: number;
  /** The rendered artifacts this step applies: a change in one of them changes the step. */
  readonly artifacts: readonly string[];
  /** SHA-256 over the step's definition and the contents of its artifacts. */
  readonly inputsHash: string;
}

export interface Plan {
  readonly platform: string;
  readonly provider: string;
  /** In a deterministic topological order. */
  readonly steps: readonly PlanStep[];
  readonly criticalPath: { readonly lengthMs: number; readonly ids: readonly string[] };
}

const SECOND = 1000;
/** Typical durations on the reference hardware; the planner's critical path and the scheduler's priorities use them. */
const RELEASE_SECONDS: Partial<Record<AddonName, number>> = {
  cilium: 90,
  'cert-manager': 45,
  vault: 60,
  prometheus: 120,
  thanos: 90,
  loki: 60,
  tempo: 45,
  grafana: 45,
  keycloak: 120,
  minio: 45,
  kyverno: 60,
  falco: 60,
  velero: 45,
  metallb: 30,
  'external-secrets': 40,
  robusta: 60,
};
const PROVISION_SECONDS: Record<string, number> = { multipass: 180, kwok: 5, existing: 1 };
const BOOTSTRAP_SECONDS: Record<string, number> = { multipass: 150, kwok: 2, existing: 1 };

/** Objects of these cert-manager kinds/names are phase 1 of the PKI (ADR-004): they must exist before Vault. */
export const PKI_BOOTSTRAP_ISSUER = 'selfsigned-bootstrap';

interface Draft {
  id: string;
  cluster: string;
  kind: StepKind;
  phase: Phase | 'cluster';
  addon?: AddonName;
  description: string;
  dependsOn: string[];
  expectedDurationMs: number;
  artifacts: string[];
}

function stepIds(cluster: string, addon: AddonName) {
  return {
    crds: `${cluster}/${addon}/crds`,
    release: `${cluster}/${addon}/release`,
    bootstrapIssuer: `${cluster}/${addon}/bootstrap-issuer`,
    manifests: `${cluster}/${addon}/manifests`,
    configure: `${cluster}/${addon}/configure`,
  };
}

/**
 * The step after which an add-on is usable by others on a cluster. cert-manager is usable once
 * its bootstrap issuer exists (PKI phase 1): Vault takes its own certificate from it, and
 * cert-manager's Vault issuer (phase 2) in turn waits for Vault.
 */
function finalStep(
  drafts: ReadonlyMap<string, Draft>,
  cluster: string,
  addon: AddonName,
): string | undefined {
  const ids = stepIds(cluster, addon);
  const order =
    addon === 'cert-manager'
      ? [ids.bootstrapIssuer, ids.release]
      : [ids.configure, ids.manifests, ids.release, ids.crds];
  return order.find((id) => drafts.has(id));
}

function addonSteps(
  platform: Platform,
  cluster: PlatformCluster,
  tree: ReadonlySet<string>,
  base: string,
): Draft[] {
  const out: Draft[] = [];
  for (const addon of cluster.addons) {
    const definition = ADDON_CATALOG[addon];
    const ids = stepIds(cluster.name, addon);
    const dir = `clusters/${cluster.name}/addons/${addon}`;
    const common = { cluster: cluster.name, phase: definition.phase, addon };
    let previous = base;
    if (addon === 'gateway-api') {
      // Gateway API CRDs come before Cilium (correction 3).
      out.push({
        ...common,
        id: ids.crds,
        kind: 'crds',
        description: 'apply the Gateway API CRDs',
        dependsOn: [base],
        expectedDurationMs: 5 * SECOND,
        artifacts: [],
      });
      previous = ids.crds;
    }
    if (chartFor(addon)) {
      out.push({
        ...common,
        id: ids.release,
        kind: 'helm',
        description: `helm upgrade --install ${chartFor(addon)!.chart} ${chartFor(addon)!.version}, wait until ready`,
        dependsOn: [previous],
        expectedDurationMs: (RELEASE_SECONDS[addon] ?? 30) * SECOND,
        artifacts: [`${dir}/release.json`, ...(tree.has(`${dir}/values.yaml`) ? [`${dir}/values.yaml`] : [])],
      });
      previous = ids.release;
    }
    if (addon === 'cert-manager' && tree.has(`${dir}/manifests.yaml`)) {
      out.push({
        ...common,
        id: ids.bootstrapIssuer,
        kind: 'manifests',
        description: `apply the ${PKI_BOOTSTRAP_ISSUER} ClusterIssuer (PKI phase 1, ADR-004)`,
        dependsOn: [previous],
        expectedDurationMs: 5 * SECOND,
        artifacts: [`${dir}/manifests.yaml`],
      });
      previous = ids.bootstrapIssuer;
    }
    if (tree.has(`${dir}/manifests.yaml`)) {
      out.push({
        ...common,
        id: ids.manifests,
        kind: 'manifests',
        description: 'server-side apply the extra objects, wait until ready',
        dependsOn: [previous],
        expectedDurationMs: 10 * SECOND,
        artifacts: [`${dir}/manifests.yaml`],
      });
      previous = ids.manifests;
    }
    if (addon === 'vault') {
      out.push({
        ...common,
        id: ids.configure,
        kind: 'custom',
        description:
          'initialise and unseal Vault, apply the PKI plan and one Kubernetes auth mount per cluster',
        dependsOn: [previous],
        expectedDurationMs: 30 * SECOND,
        artifacts: ['pki/plan.json'].filter((a) => tree.has(a)),
      });
    }
    if (out.length === 0 || !out.some((d) => d.addon === addon)) {
      // An add-on with nothing rendered yet still gets a step, so ordering and status stay visible.
      out.push({
        ...common,
        id: ids.manifests,
        kind: 'manifests',
        description: 'nothing rendered yet',
        dependsOn: [previous],
        expectedDurationMs: SECOND,
        artifacts: [],
      });
    }
  }
  return out;
}

function dependencyEdges(platform: Platform, drafts: Map<string, Draft>): void {
  const management = platform.managementCluster;
  for (const cluster of platform.clusters) {
    for (const addon of cluster.addons) {
      const definition = ADDON_CATALOG[addon];
      const first = [
        stepIds(cluster.name, addon).crds,
        stepIds(cluster.name, addon).release,
        stepIds(cluster.name, addon).manifests,
      ].find((id) => drafts.has(id));
      if (!first) continue;
      const deps: AddonDependency[] = [
        ...requirementsFor(definition, cluster.role),
        ...definition.after.filter((d) => !d.forRole || d.forRole === cluster.role),
      ];
      // Every add-on runs pods, and pods need the cluster's CNI, whether or not the catalog says so.
      if (addon !== 'cilium' && addon !== 'gateway-api' && cluster.addons.includes('cilium')) {
        deps.push({ addon: 'cilium', on: 'same', why: 'pods need the CNI' });
      }
      for (const dep of deps) {
        const target = dep.on === 'same' ? cluster.name : management;
        // Cilium waits only for the Gateway API CRDs, not for the Gateway (which needs Cilium).
        const on =
          addon === 'cilium' && dep.addon === 'gateway-api'
            ? stepIds(target, 'gateway-api').crds
            : finalStep(drafts, target, dep.addon);
        if (!on || !drafts.has(on)) continue; // not enabled there: validation already rejected required ones
        const draft = drafts.get(first)!;
        if (!draft.dependsOn.includes(on)) draft.dependsOn.push(on);
      }
    }
    // The Gateway needs Cilium's controller, MetalLB's address and its wildcard certificate (PKI phase 2).
    const gateway = drafts.get(stepIds(cluster.name, 'gateway-api').manifests);
    if (gateway) {
      const needs = [
        finalStep(drafts, cluster.name, 'cilium'),
        finalStep(drafts, cluster.name, 'metallb'),
        stepIds(cluster.name, 'cert-manager').manifests,
      ];
      for (const on of needs)
        if (on && drafts.has(on) && !gateway.dependsOn.includes(on)) gateway.dependsOn.push(on);
    }
    // A cluster's Vault clients log in through its own auth mount (correction 18): whatever waits
    // for the configured Vault also waits for that mount.
    const vaultConfigured = stepIds(management, 'vault').configure;
    const auth = drafts.get(`${cluster.name}/vault-auth`);
    if (auth && drafts.has(vaultConfigured)) auth.dependsOn.push(vaultConfigured);
    // Two-phase PKI (ADR-004): cert-manager's Vault issuer waits for Vault to be configured.
    const issuers = drafts.get(stepIds(cluster.name, 'cert-manager').manifests);
    if (issuers && drafts.has(vaultConfigured)) issuers.dependsOn.push(vaultConfigured);
    if (auth)
      for (const draft of drafts.values())
        if (draft.cluster === cluster.name && draft !== auth && draft.dependsOn.includes(vaultConfigured))
          draft.dependsOn.push(auth.id);
  }
}

function topological(drafts: Map<string, Draft>): Draft[] {
  const order: Draft[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (draft: Draft, trail: string[]) => {
    if (done.has(draft.id)) return;
    if (visiting.has(draft.id))
      throw new Error(`dependency cycle in the plan: ${[...trail, draft.id].join(' -> ')}`);
    visiting.add(draft.id);
    for (const dep of [...draft.dependsOn].sort()) visit(drafts.get(dep)!, [...trail, draft.id]);
    visiting.delete(draft.id);
    done.add(draft.id);
    order.push(draft);
  };
  for (const draft of drafts.values()) visit(draft, []);
  return order;
}

export function longestPath(steps: readonly Pick<PlanStep, 'id' | 'dependsOn' | 'expectedDurationMs'>[]): {
  lengthMs: number;
  ids: string[];
} {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const best = new Map<string, { length: number; path: string[] }>();
  const walk = (id: string): { length: number; path: string[] } => {
    const cached = best.get(id);
    if (cached) return cached;
    const step = byId.get(id)!;
    let longest = { length: 0, path: [] as string[] };
    for (const dep of step.dependsOn) {
      const candidate = walk(dep);
      if (candidate.length > longest.length) longest = candidate;
    }
    const result = { length: longest.length + step.expectedDurationMs, path: [...longest.path, id] };
    best.set(id, result);
    return result;
  };
  let overall = { length: 0, path: [] as string[] };
  for (const step of steps) {
    const candidate = walk(step.id);
    if (candidate.length > overall.length) overall = candidate;
  }
  return { lengthMs: overall.length, ids: overall.path };
}

function hashInputs(draft: Draft, contents: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      id: draft.id,
      kind: draft.kind,
      dependsOn: [...draft.dependsOn].sort(),
      artifacts: draft.artifacts,
    }),
  );
  for (const artifact of draft.artifacts) hash.update(`\0${artifact}\0${contents.get(artifact) ?? ''}`);
  return hash.digest('hex');
}

/** Builds the plan from the platform and its rendered tree (for input hashes). */
export function buildPlan(
  platform: Platform,
  tree: readonly Artifact[],
  provider: string = platform.provider,
): Plan {
  const contents = new Map(tree.map((a) => [a.path, a.content]));
  const paths = new Set(contents.keys());
  const drafts = new Map<string, Draft>();
  for (const cluster of platform.clusters) {
    const provision = `${cluster.name}/provision`;
    const bootstrap = `${cluster.name}/bootstrap`;
    const namespaces = `${cluster.name}/namespaces`;
    const nodeFiles = cluster.nodes.map((n) => `clusters/${cluster.name}/nodes/${n.name}/cloud-init.yaml`);
    const list: Draft[] = [
      {
        id: provision,
        cluster: cluster.name,
        kind: 'provision',
        phase: 'cluster',
        description: `create ${cluster.nodes.length} node(s) (${provider})`,
        dependsOn: [],
        expectedDurationMs: (PROVISION_SECONDS[provider] ?? 60) * SECOND,
        artifacts: nodeFiles,
      },
      {
        id: bootstrap,
        cluster: cluster.name,
        kind: 'bootstrap',
        phase: 'cluster',
        description: 'kubeadm init and join, API VIP, kubeconfig',
        dependsOn: [provision],
        expectedDurationMs: (BOOTSTRAP_SECONDS[provider] ?? 60) * SECOND,
        artifacts: [
          `clusters/${cluster.name}/kubeadm/init.yaml`,
          `clusters/${cluster.name}/psa/admission-config.yaml`,
        ].filter((a) => paths.has(a)),
      },
      {
        id: namespaces,
        cluster: cluster.name,
        kind: 'manifests',
        phase: 'cluster',
        description: 'namespaces with Pod Security labels, guardrails',
        dependsOn: [bootstrap],
        expectedDurationMs: 3 * SECOND,
        artifacts: [
          `clusters/${cluster.name}/namespaces.yaml`,
          `clusters/${cluster.name}/guardrails.yaml`,
        ].filter((a) => paths.has(a)),
      },
      ...addonSteps(platform, cluster, paths, namespaces),
    ];
    const reviewer = `clusters/${cluster.name}/vault-token-reviewer.yaml`;
    if (paths.has(reviewer))
      list.push(
        {
          id: `${cluster.name}/vault-token-reviewer`,
          cluster: cluster.name,
          kind: 'manifests',
          phase: 'identity',
          description:
            "the ServiceAccount and token Vault's Kubernetes auth mount for this cluster reviews tokens with",
          dependsOn: [bootstrap],
          expectedDurationMs: 3 * SECOND,
          artifacts: [reviewer],
        },
        {
          // On the cluster it serves, so the management cluster never waits for a workload cluster.
          id: `${cluster.name}/vault-auth`,
          cluster: cluster.name,
          kind: 'custom',
          phase: 'identity',
          description: `configure Vault's auth mount for ${cluster.name} (its API, CA and token reviewer) and its roles`,
          dependsOn: [`${cluster.name}/vault-token-reviewer`],
          expectedDurationMs: 5 * SECOND,
          artifacts: ['pki/plan.json'],
        },
      );
    for (const draft of list) drafts.set(draft.id, draft);
  }
  dependencyEdges(platform, drafts);
  const ordered = topological(drafts);
  const steps: PlanStep[] = ordered.map((d) => ({
    ...d,
    dependsOn: [...d.dependsOn].sort(),
    inputsHash: hashInputs(d, contents),
  }));
  return { platform: platform.name, provider, steps, criticalPath: longestPath(steps) };
}
