/**
 * The step graph of a platform: per cluster provision → bootstrap → namespaces → add-ons in
 * dependency order, with the cross-cluster edges of the catalog (an app cluster's External
 * Secrets waits for mgmt's Vault; its Prometheus agent for mgmt's Thanos Receive).
 * Everything add-on specific comes from the add-ons' own facts (steps, durations, extra edges);
 * everything provider specific from the provider's traits.
 * Pure: the same platform gives the same plan, in the same order, with the same input hashes.
 */
import { createHash } from 'node:crypto';
import { ADDON_CATALOG, requirementsFor } from '../addons/catalog.js';
import { chartFor } from '../addons/charts.js';
import type { AddonName } from '../addons/names.js';
import type {
  AddonDependency,
  AddonStep,
  BundleRef,
  ObjectRef,
  ObjectSelector,
  Phase,
} from '../addons/types.js';
import type { AddonDefinition } from '../addons/definition.js';
import { type KubeObject, parseObjects } from '../kube/objects.js';
import { providerTraits } from '../providers/traits.js';
import type { Artifact } from '../render/artifacts.js';
import type { Platform, PlatformCluster } from '../spec/model.js';
import type { Provider as ProviderName } from '../spec/types.js';

export type StepKind =
  | 'provision'
  | 'bootstrap'
  | 'manifests'
  | 'bundle'
  | 'helm'
  | 'secrets'
  | 'vault-configure'
  | 'vault-auth'
  | 'pki-handover'
  | 'kubelet-serving'
  | 'vault-kv';

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
  /** `manifests`: which objects of its artifacts it applies. */
  readonly objects?: ObjectSelector;
  /** `manifests`: needed only until this object exists (PKI phase 1, ADR-004). */
  readonly supersededBy?: ObjectRef;
  /** `bundle`: the published bundle it applies. */
  readonly bundle?: BundleRef;
  /** `helm`: whether helm waits for the release's workloads (default true). */
  readonly wait?: boolean;
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
const DEFAULT_RELEASE_SECONDS = 30;
const DEFAULT_MANIFESTS_SECONDS = 10;

/** The ClusterIssuer of PKI phase 1 (ADR-004): it must exist before Vault. */
export const PKI_BOOTSTRAP_ISSUER = 'selfsigned-bootstrap';

type Draft = Omit<PlanStep, 'inputsHash' | 'dependsOn'> & { dependsOn: string[] };

const addonStepId = (cluster: string, addon: AddonName, name: string) => `${cluster}/${addon}/${name}`;
const addonDir = (cluster: string, addon: AddonName) => `clusters/${cluster}/addons/${addon}`;

const fileOf = (step: AddonStep) =>
  step.file ?? (step.kind === 'secrets' ? 'secrets.json' : 'manifests.yaml');

/** The add-on's declared steps, or the default ones, as far as their chart or file is there. */
export function stepsOf(
  definition: AddonDefinition,
  cluster: string,
  tree: ReadonlySet<string>,
): AddonStep[] {
  const dir = addonDir(cluster, definition.name);
  const declared: readonly AddonStep[] = definition.plan?.steps ?? [
    // What its pods read must exist before the chart starts them.
    { name: 'secrets', kind: 'secrets', seconds: 2 },
    { name: 'external-secrets', kind: 'manifests', file: 'external-secrets.yaml', seconds: 5 },
    { name: 'release', kind: 'helm', seconds: definition.plan?.releaseSeconds ?? DEFAULT_RELEASE_SECONDS },
    { name: 'manifests', kind: 'manifests', seconds: DEFAULT_MANIFESTS_SECONDS },
  ];
  return declared.filter((step) => {
    if (step.kind === 'helm') return chartFor(definition.name) !== undefined;
    if (step.kind === 'manifests' || step.kind === 'secrets' || step.kind === 'pki-handover')
      return tree.has(`${dir}/${fileOf(step)}`);
    return true;
  });
}

function describe(definition: AddonDefinition, step: AddonStep): string {
  if (step.description) return step.description;
  if (step.kind === 'helm') {
    const chart = chartFor(definition.name)!;
    return `helm upgrade --install ${chart.chart} ${chart.version}${step.wait === false ? '' : ', wait until ready'}`;
  }
  if (step.kind === 'bundle') return `apply ${step.bundle?.name} ${step.bundle?.version}`;
  if (step.kind === 'secrets') return 'create the Secrets its pods read, from generated credentials';
  if (step.file === 'external-secrets.yaml')
    return 'apply the ExternalSecrets its pods read, wait until synced';
  return 'server-side apply the extra objects, wait until ready';
}

function addonDrafts(cluster: PlatformCluster, tree: ReadonlySet<string>, base: string): Draft[] {
  const out: Draft[] = [];
  for (const addon of cluster.addons) {
    const definition = ADDON_CATALOG[addon];
    const dir = addonDir(cluster.name, addon);
    let previous = base;
    for (const step of stepsOf(definition, cluster.name, tree)) {
      const id = addonStepId(cluster.name, addon, step.name);
      const artifacts =
        step.kind === 'helm'
          ? [`${dir}/release.json`, ...(tree.has(`${dir}/values.yaml`) ? [`${dir}/values.yaml`] : [])]
          : step.kind === 'manifests' || step.kind === 'secrets' || step.kind === 'pki-handover'
            ? [`${dir}/${fileOf(step)}`]
            : step.kind === 'vault-configure'
              ? ['pki/plan.json'].filter((a) => tree.has(a))
              : [];
      out.push({
        id,
        cluster: cluster.name,
        kind: step.kind,
        phase: definition.phase,
        addon,
        description: describe(definition, step),
        dependsOn: [previous],
        expectedDurationMs: step.seconds * SECOND,
        artifacts,
        ...(step.objects ? { objects: step.objects } : {}),
        ...(step.supersededBy ? { supersededBy: step.supersededBy } : {}),
        ...(step.bundle ? { bundle: step.bundle } : {}),
        ...(step.wait === false ? { wait: false } : {}),
      });
      previous = id;
    }
  }
  return out;
}

/**
 * The drafts grouped by cluster and by add-on, in the drafts' order: the edge passes look steps up
 * here instead of scanning every draft, so that planning stays linear in the number of clusters.
 */
interface DraftIndex {
  readonly byCluster: ReadonlyMap<string, readonly Draft[]>;
  readonly byAddon: ReadonlyMap<string, readonly Draft[]>;
}

function indexDrafts(drafts: ReadonlyMap<string, Draft>): DraftIndex {
  const byCluster = new Map<string, Draft[]>();
  const byAddon = new Map<string, Draft[]>();
  const push = (map: Map<string, Draft[]>, key: string, draft: Draft) => {
    const list = map.get(key);
    if (list) list.push(draft);
    else map.set(key, [draft]);
  };
  for (const draft of drafts.values()) {
    push(byCluster, draft.cluster, draft);
    if (draft.addon) push(byAddon, `${draft.cluster}/${draft.addon}`, draft);
  }
  return { byCluster, byAddon };
}

const addonDraftsOf = (index: DraftIndex, cluster: string, addon: AddonName) =>
  index.byAddon.get(`${cluster}/${addon}`) ?? [];

/** The step of `addon` on `cluster` after which others may use it; undefined when it has none there. */
function usableStep(
  drafts: ReadonlyMap<string, Draft>,
  index: DraftIndex,
  cluster: string,
  addon: AddonName,
  step?: string,
): string | undefined {
  if (step) {
    const id = addonStepId(cluster, addon, step);
    return drafts.has(id) ? id : undefined;
  }
  const own = addonDraftsOf(index, cluster, addon);
  const declared = ADDON_CATALOG[addon].plan?.usableAfter;
  const named = declared ? own.find((d) => d.id === addonStepId(cluster, addon, declared)) : undefined;
  return (named ?? own.at(-1))?.id;
}

function addEdge(draft: Draft, on: string | undefined, drafts: ReadonlyMap<string, Draft>) {
  if (on && drafts.has(on) && on !== draft.id && !draft.dependsOn.includes(on)) draft.dependsOn.push(on);
}

function targetCluster(platform: Platform, cluster: PlatformCluster, dep: AddonDependency): string {
  return dep.on === 'same' ? cluster.name : platform.managementCluster;
}

function dependencyEdges(platform: Platform, drafts: Map<string, Draft>, index: DraftIndex): void {
  const cni = (Object.values(ADDON_CATALOG) as AddonDefinition[]).filter((d) => d.plan?.providesCni);
  for (const cluster of platform.clusters) {
    for (const addon of cluster.addons) {
      const definition = ADDON_CATALOG[addon];
      const first = addonDraftsOf(index, cluster.name, addon)[0];
      if (!first) continue;
      const deps: AddonDependency[] = [
        ...requirementsFor(definition, cluster.role),
        ...definition.after.filter((d) => !d.forRole || d.forRole === cluster.role),
      ];
      // Every add-on runs pods, and pods need the cluster's CNI, whether or not the catalog says so.
      if (definition.plan?.needsCni !== false)
        for (const network of cni)
          if (network.name !== addon && cluster.addons.includes(network.name))
            deps.push({ addon: network.name, on: 'same', why: 'pods need the CNI' });
      // Not enabled there: validation already rejected the required ones.
      for (const dep of deps)
        addEdge(
          first,
          usableStep(drafts, index, targetCluster(platform, cluster, dep), dep.addon, dep.step),
          drafts,
        );
      for (const step of definition.plan?.steps ?? []) {
        const draft = drafts.get(addonStepId(cluster.name, addon, step.name));
        if (!draft) continue;
        for (const dep of step.after ?? [])
          addEdge(
            draft,
            usableStep(drafts, index, targetCluster(platform, cluster, dep), dep.addon, dep.step),
            drafts,
          );
      }
    }
  }
}

/** Per-cluster steps of add-ons on the management cluster (Vault's token reviewer and auth mount on each cluster). */
function perClusterDrafts(platform: Platform, tree: ReadonlySet<string>): Draft[] {
  const management = platform.clusters.find((c) => c.name === platform.managementCluster)!;
  const out: Draft[] = [];
  for (const addon of management.addons) {
    for (const step of ADDON_CATALOG[addon].plan?.perCluster ?? []) {
      for (const cluster of platform.clusters) {
        const file = `clusters/${cluster.name}/${step.file}`;
        if (!tree.has(file)) continue;
        out.push({
          id: `${cluster.name}/${step.name}`,
          cluster: cluster.name,
          kind: step.kind,
          phase: step.phase,
          description: step.description.replaceAll('{cluster}', cluster.name),
          dependsOn: [
            ...(step.afterOwn?.length
              ? step.afterOwn.map((name) => `${cluster.name}/${name}`)
              : [`${cluster.name}/bootstrap`]),
            ...(step.afterManagement ?? []).map((name) => addonStepId(management.name, addon, name)),
          ],
          expectedDurationMs: step.seconds * SECOND,
          // A manifests step applies its file; others (the auth mount) act on the plan of the add-on.
          artifacts: step.kind === 'vault-auth' ? ['pki/plan.json'].filter((a) => tree.has(a)) : [file],
        });
      }
    }
  }
  return out;
}

/** A cluster's clients of a management step also wait for their own per-cluster gate (correction 18). */
function gateEdges(platform: Platform, drafts: Map<string, Draft>, index: DraftIndex): void {
  const management = platform.clusters.find((c) => c.name === platform.managementCluster)!;
  for (const addon of management.addons) {
    for (const step of ADDON_CATALOG[addon].plan?.perCluster ?? []) {
      if (!step.gatesClientsOf) continue;
      const gated = addonStepId(management.name, addon, step.gatesClientsOf);
      // The add-on's other per-cluster steps are not its clients.
      const own = new Set((ADDON_CATALOG[addon].plan?.perCluster ?? []).map((p) => p.name));
      for (const cluster of platform.clusters) {
        const gate = drafts.get(`${cluster.name}/${step.name}`);
        if (!gate) continue;
        for (const draft of index.byCluster.get(cluster.name) ?? [])
          if (!own.has(draft.id.slice(cluster.name.length + 1)) && draft.dependsOn.includes(gated))
            addEdge(draft, gate.id, drafts);
      }
    }
  }
}

function clusterDrafts(
  platform: Platform,
  cluster: PlatformCluster,
  paths: ReadonlySet<string>,
  provider: ProviderName,
) {
  const traits = providerTraits(provider);
  const bootstrap = `${cluster.name}/bootstrap`;
  const drafts: Draft[] = [];
  if (traits.createsClusters)
    drafts.push({
      id: `${cluster.name}/provision`,
      cluster: cluster.name,
      kind: 'provision',
      phase: 'cluster',
      description: `create ${cluster.nodes.length} node(s) (${provider})`,
      dependsOn: [],
      expectedDurationMs: traits.expectedSeconds.provision * SECOND,
      artifacts: cluster.nodes.map((n) => `clusters/${cluster.name}/nodes/${n.name}/cloud-init.yaml`),
    });
  drafts.push(
    {
      id: bootstrap,
      cluster: cluster.name,
      kind: 'bootstrap',
      phase: 'cluster',
      description: traits.createsClusters
        ? 'kubeadm init and join, API VIP, kubeconfig'
        : 'connect to the cluster and check that it serves',
      dependsOn: traits.createsClusters ? [`${cluster.name}/provision`] : [],
      expectedDurationMs: traits.expectedSeconds.bootstrap * SECOND,
      artifacts: traits.createsClusters
        ? [
            `clusters/${cluster.name}/kubeadm/init.yaml`,
            `clusters/${cluster.name}/psa/admission-config.yaml`,
          ].filter((a) => paths.has(a))
        : [],
    },
    // Kubelets that kubeadm set up ask for serving certificates nobody else approves.
    ...(traits.createsClusters &&
    traits.runsWorkloads &&
    paths.has(`clusters/${cluster.name}/kubeadm/init.yaml`)
      ? [
          {
            id: `${cluster.name}/kubelet-serving`,
            cluster: cluster.name,
            kind: 'kubelet-serving' as const,
            phase: 'cluster' as const,
            description: "approve the kubelets' serving certificate requests (for their own Node's names)",
            dependsOn: [bootstrap],
            expectedDurationMs: 5 * SECOND,
            artifacts: [`clusters/${cluster.name}/kubeadm/init.yaml`],
          },
        ]
      : []),
    {
      id: `${cluster.name}/namespaces`,
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
  );
  void platform;
  return drafts;
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

export function hashInputs(
  step: Pick<
    PlanStep,
    'id' | 'kind' | 'dependsOn' | 'artifacts' | 'objects' | 'bundle' | 'wait' | 'supersededBy'
  >,
  contents: ReadonlyMap<string, string>,
  digests: ArtifactDigests = new ArtifactDigests(contents),
): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      id: step.id,
      kind: step.kind,
      dependsOn: [...step.dependsOn].sort(),
      artifacts: step.artifacts,
      objects: step.objects ?? null,
      // Only where set, so that the hashes of every other step stay what they were.
      ...(step.supersededBy ? { supersededBy: step.supersededBy } : {}),
      bundle: step.bundle ?? null,
      wait: step.wait ?? true,
    }),
  );
  for (const artifact of step.artifacts) hash.update(`\0${artifact}\0${digests.of(artifact)}`);
  return hash.digest('hex');
}

/**
 * The sha256 of each artifact, taken once: one file can be the input of a step on every cluster
 * (pki/plan.json of each cluster's Vault auth mount), and hashing its content for each of them
 * made planning quadratic in the number of clusters.
 */
export class ArtifactDigests {
  readonly #known = new Map<string, string>();
  constructor(private readonly contents: ReadonlyMap<string, string>) {}

  of(path: string): string {
    let digest = this.#known.get(path);
    if (digest === undefined) {
      const content = this.contents.get(path);
      digest = content === undefined ? '' : createHash('sha256').update(content).digest('hex');
      this.#known.set(path, digest);
    }
    return digest;
  }
}

/** Builds the plan from the platform and its rendered tree (for input hashes). */
export function buildPlan(
  platform: Platform,
  tree: readonly Artifact[],
  provider: ProviderName = platform.provider,
): Plan {
  const contents = new Map(tree.map((a) => [a.path, a.content]));
  const paths = new Set(contents.keys());
  const drafts = new Map<string, Draft>();
  for (const cluster of platform.clusters) {
    const base = clusterDrafts(platform, cluster, paths, provider);
    const namespaces = base.at(-1)!.id;
    for (const draft of [...base, ...addonDrafts(cluster, paths, namespaces)]) drafts.set(draft.id, draft);
  }
  for (const draft of perClusterDrafts(platform, paths)) drafts.set(draft.id, draft);
  // Edges change what steps depend on, never which steps exist: one index serves both passes.
  const index = indexDrafts(drafts);
  dependencyEdges(platform, drafts, index);
  gateEdges(platform, drafts, index);
  // metrics-server scrapes every kubelet over TLS verified against the cluster CA.
  for (const cluster of platform.clusters) {
    const release = drafts.get(addonStepId(cluster.name, 'metrics-server', 'release'));
    if (release) addEdge(release, `${cluster.name}/kubelet-serving`, drafts);
  }
  const ordered = topological(drafts);
  const digests = new ArtifactDigests(contents);
  const steps: PlanStep[] = ordered.map((d) => {
    const step = { ...d, dependsOn: [...d.dependsOn].sort() };
    return { ...step, inputsHash: hashInputs(step, contents, digests) };
  });
  return { platform: platform.name, provider, steps, criticalPath: longestPath(steps) };
}

function selected(object: KubeObject, selector: ObjectSelector | undefined): boolean {
  const is = (ref: { kind: string; name: string }) =>
    ref.kind === object.kind && ref.name === object.metadata.name;
  if (selector?.only && !selector.only.some(is)) return false;
  return !selector?.except?.some(is);
}

/** The objects a manifests step applies: those of its artifacts that its selector picks. */
export function stepObjects(
  step: Pick<PlanStep, 'artifacts' | 'objects'>,
  contents: ReadonlyMap<string, string>,
): KubeObject[] {
  return step.artifacts
    .flatMap((path) => parseObjects(contents.get(path)))
    .filter((o) => selected(o, step.objects));
}
