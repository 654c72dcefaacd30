/**
 * `export gitops`: the platform as a Git tree Argo CD reconciles. Pure over the platform, its
 * rendered tree and its plan: the same inputs give the same bytes.
 *
 *   bootstrap/argocd-cm.yaml        Argo CD's health check for Applications (argo-cd#5585)
 *   bootstrap/root.yaml             the app-of-apps root Application: syncs argocd/
 *   argocd/projects.yaml            AppProjects infra, platform, apps
 *   argocd/clusters.yaml            one ExternalSecret per cluster: Argo CD's cluster Secret from Vault
 *   argocd/repositories.yaml        Helm repositories in OCI registries (Argo CD needs enableOCI)
 *   argocd/applications/<cluster>/<unit>.yaml   (or argocd/applicationsets/<name>.yaml)
 *   clusters/<cluster>/<unit>/values.yaml       the rendered Helm values
 *   clusters/<cluster>/<unit>/manifests/*.yaml  the rendered objects: a directory source
 *
 * Which plan steps an Application carries and its sync wave: ./units.ts.
 */
import type { IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import type { IApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';
import { chartFor, type ChartRef } from '../../addons/charts.js';
import { MANAGED_BY, type KubeObject, plain } from '../../kube/objects.js';
import { type Plan, stepObjects } from '../../plan/plan.js';
import type { Platform, PlatformCluster } from '../../spec/model.js';
import { type Artifact, ArtifactSet } from '../artifacts.js';
import {
  APPLICATION_HEALTH_CHECK_KEY,
  APPLICATION_HEALTH_CHECK_LUA,
  ARGOCD_NAMESPACE,
  argocdClusterSecrets,
  CLUSTER_LABEL,
} from '../external.js';
import { validatedStream } from '../index.js';
import { APPLICATION_NAMESPACE, namespaces } from '../psa.js';
import { toYamlStream } from '../yaml.js';
import { type GitopsUnit, gitopsUnits, stepsLeftOut } from './units.js';

export interface GitopsOptions {
  /** The Git repository the tree is pushed to. */
  readonly repoURL: string;
  /** The branch, tag or commit Argo CD follows. */
  readonly revision: string;
  /** One ApplicationSet per add-on (with a cluster generator) instead of one Application per add-on per cluster. */
  readonly applicationSets?: boolean;
}

export type ProjectName = 'infra' | 'platform' | 'apps';

export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
const ROOT_APPLICATION = 'platform-root';
const IN_CLUSTER = 'https://kubernetes.default.svc';
/** Waves before every Application: projects, repositories and cluster Secrets. */
const SETUP_WAVE = -1;
/** Argo CD retries a failed sync this often, backing off from 10s to 3m. */
const RETRY = { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } } as const;

/** The Application name of a unit on a cluster; `{{.name}}` in an ApplicationSet template. */
const applicationName = (cluster: string, unit: string) => `${cluster}-${unit}`;
const unitDir = (cluster: string, unit: string) => `clusters/${cluster}/${unit}`;

/** Where Argo CD pulls a chart from: OCI registries without their scheme, as Argo CD wants them. */
function chartRepository(chart: ChartRef): string {
  return chart.repository.replace(/^oci:\/\//, '');
}

function projectOf(unit: GitopsUnit): ProjectName {
  const phase = unit.steps[0]!.phase;
  return phase === 'cluster' || phase === 'infrastructure' ? 'infra' : 'platform';
}

interface UnitFacts {
  readonly unit: GitopsUnit;
  readonly project: ProjectName;
  readonly chart?: ChartRef;
  /** The add-on's namespace (the chart's and the default for objects without one). */
  readonly namespace?: string;
  readonly createNamespace: boolean;
  readonly values: boolean;
  readonly manifests: boolean;
}

/** The files of one unit: values and objects, each object with its wave inside the Application. */
function unitFiles(
  platform: Platform,
  unit: GitopsUnit,
  contents: ReadonlyMap<string, string>,
  managedNamespaces: ReadonlySet<string>,
  out: ArtifactSet,
): UnitFacts {
  const dir = unitDir(unit.cluster, unit.name);
  const helmAt = unit.steps.findIndex((s) => s.kind === 'helm');
  const chart = helmAt >= 0 && unit.addon ? chartFor(unit.addon) : undefined;
  let values = false;
  let manifests = false;
  unit.steps.forEach((step, index) => {
    if (step.kind === 'helm') {
      const file = step.artifacts.find((a) => a.endsWith('/values.yaml'));
      const text = file ? contents.get(file) : undefined;
      if (text !== undefined) {
        out.add(`${dir}/values.yaml`, text);
        values = true;
      }
      return;
    }
    // Objects before the chart in the plan (ExternalSecrets its pods read) go in an earlier
    // wave of the Application, those after it in a later one.
    const wave = String(index - Math.max(helmAt, 0));
    const objects = stepObjects(step, contents).map((object) => ({
      ...object,
      metadata: {
        ...object.metadata,
        annotations: {
          ...((object.metadata['annotations'] as Record<string, string> | undefined) ?? {}),
          [SYNC_WAVE]: wave,
        },
      },
    }));
    if (objects.length === 0) return;
    const name = step.id.slice(step.id.lastIndexOf('/') + 1);
    out.add(`${dir}/manifests/${name}.yaml`, toYamlStream(objects));
    manifests = true;
  });
  const namespace = unit.addon ? platform.addonNamespaces[unit.addon] : undefined;
  return {
    unit,
    project: projectOf(unit),
    ...(chart ? { chart } : {}),
    ...(namespace ? { namespace } : {}),
    createNamespace: namespace !== undefined && !managedNamespaces.has(namespace),
    values,
    manifests,
  };
}

/** The Application spec of a unit; `cluster` is a name or an ApplicationSet template parameter. */
function applicationSpec(facts: UnitFacts, cluster: string, options: GitopsOptions): IApplication['spec'] {
  const dir = unitDir(cluster, facts.unit.name);
  const git = {
    repoURL: options.repoURL,
    targetRevision: options.revision,
    ...(facts.values ? { ref: 'values' } : {}),
    ...(facts.manifests ? { path: `${dir}/manifests`, directory: { recurse: false } } : {}),
  };
  const chart = facts.chart
    ? {
        repoURL: chartRepository(facts.chart),
        chart: facts.chart.chart,
        // The version exactly as the chart repository lists it (cert-manager's start with v).
        targetRevision: facts.chart.version,
        helm: {
          // The release `platformctl up` installs has the add-on's name: Argo CD adopts it.
          releaseName: facts.unit.addon!,
          ...(facts.values ? { valueFiles: [`$values/${dir}/values.yaml`] } : {}),
        },
      }
    : undefined;
  return {
    project: facts.project,
    destination: { name: cluster, ...(facts.namespace ? { namespace: facts.namespace } : {}) },
    sources: [...(chart ? [chart] : []), ...(facts.values || facts.manifests ? [git] : [])],
    syncPolicy: {
      // A namespace that leaves the spec is not deleted with everything still in it.
      automated: { prune: facts.unit.addon !== undefined, selfHeal: true },
      syncOptions: ['ServerSideApply=true', ...(facts.createNamespace ? ['CreateNamespace=true'] : [])],
      retry: RETRY,
    },
  };
}

function labels(facts: UnitFacts, cluster?: string): Record<string, string> {
  return {
    ...MANAGED_BY,
    ...(cluster ? { [CLUSTER_LABEL]: cluster } : {}),
    ...(facts.unit.addon ? { 'platformctl.dev/addon': facts.unit.addon } : {}),
  };
}

function application(facts: UnitFacts, options: GitopsOptions): KubeObject {
  const { unit } = facts;
  return plain({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: applicationName(unit.cluster, unit.name),
      namespace: ARGOCD_NAMESPACE,
      labels: labels(facts, unit.cluster),
      annotations: {
        [SYNC_WAVE]: String(unit.wave),
        'platformctl.dev/plan-steps': unit.steps.map((s) => s.id).join(','),
      },
    },
    spec: applicationSpec(facts, unit.cluster, options),
  } satisfies IApplication);
}

/**
 * ApplicationSets: the units of one name whose Applications differ only in their cluster share
 * one, with a cluster generator picking those clusters by label. Units of one add-on in other
 * waves (a workload cluster's cert-manager waits for mgmt's Vault) get one of their own.
 * TODO(#16): an ApplicationSet is healthy once it has generated its Applications, so the root's
 * waves order the ApplicationSets but do not wait for what they generate; ordering those needs
 * the ApplicationSet controller's progressive syncs (RollingSync steps by a wave label).
 */
function applicationSets(all: readonly UnitFacts[], options: GitopsOptions): KubeObject[] {
  const PARAMETER = '{{.name}}';
  const groups = new Map<string, { facts: UnitFacts; clusters: string[]; template: string }>();
  for (const facts of all) {
    const template = JSON.stringify({
      spec: applicationSpec(facts, PARAMETER, options),
      wave: facts.unit.wave,
      labels: labels(facts),
    });
    const key = `${facts.unit.name}\0${template}`;
    const group = groups.get(key);
    if (group) group.clusters.push(facts.unit.cluster);
    else groups.set(key, { facts, clusters: [facts.unit.cluster], template });
  }
  const perName = new Map<string, number>();
  for (const { facts } of groups.values())
    perName.set(facts.unit.name, (perName.get(facts.unit.name) ?? 0) + 1);
  return [...groups.values()].map(({ facts, clusters }) => {
    const { unit } = facts;
    const name = perName.get(unit.name) === 1 ? unit.name : `${unit.name}-wave-${unit.wave}`;
    return plain({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: {
        name,
        namespace: ARGOCD_NAMESPACE,
        labels: labels(facts),
        annotations: { [SYNC_WAVE]: String(unit.wave) },
      },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [
          {
            clusters: {
              selector: { matchExpressions: [{ key: CLUSTER_LABEL, operator: 'In', values: clusters }] },
            },
          },
        ],
        template: {
          metadata: {
            name: applicationName(PARAMETER, unit.name),
            labels: { ...labels(facts), [CLUSTER_LABEL]: PARAMETER },
          },
          spec: applicationSpec(facts, PARAMETER, options),
        },
        // Removing the ApplicationSet (or a cluster from it) leaves the add-ons running.
        syncPolicy: { preserveResourcesOnDeletion: true },
      },
    } satisfies IApplicationSet);
  });
}

function projects(platform: Platform, all: readonly UnitFacts[], options: GitopsOptions): KubeObject[] {
  const repositories = (project: ProjectName) =>
    [
      ...new Set([
        options.repoURL,
        ...all.filter((f) => f.project === project && f.chart).map((f) => chartRepository(f.chart!)),
      ]),
    ].sort();
  const everywhere = platform.clusters.map((c) => ({ name: c.name, namespace: '*' }));
  const project = (name: ProjectName, description: string, spec: Omit<IAppProject['spec'], 'description'>) =>
    plain({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: {
        name,
        namespace: ARGOCD_NAMESPACE,
        labels: { ...MANAGED_BY },
        annotations: { [SYNC_WAVE]: String(SETUP_WAVE) },
      },
      spec: { description, ...spec },
    } satisfies IAppProject);
  return [
    project('infra', 'the clusters themselves: namespaces, network, storage, load balancing (platformctl)', {
      sourceRepos: repositories('infra'),
      destinations: everywhere,
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
    }),
    project(
      'platform',
      'platform services: PKI, secrets, identity, observability, scaling, security (platformctl)',
      {
        sourceRepos: repositories('platform'),
        destinations: everywhere,
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      },
    ),
    project(
      'apps',
      `application workloads: the ${APPLICATION_NAMESPACE} namespace of the workload clusters`,
      {
        sourceRepos: [options.repoURL],
        destinations: platform.clusters
          .filter((c) => c.role === 'workload')
          .map((c) => ({ name: c.name, namespace: APPLICATION_NAMESPACE })),
        // Namespaced objects only: the namespace and its guardrails belong to the platform.
        clusterResourceWhitelist: [],
        namespaceResourceBlacklist: [
          { group: '', kind: 'ResourceQuota' },
          { group: '', kind: 'LimitRange' },
          { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
        ],
      },
    ),
  ];
}

/** Argo CD reads Helm charts from OCI registries only through a repository marked enableOCI. */
function ociRepositories(all: readonly UnitFacts[]): KubeObject[] {
  const oci = [...new Set(all.flatMap((f) => (f.chart?.repository.startsWith('oci://') ? [f.chart] : [])))];
  const urls = [...new Set(oci.map(chartRepository))].sort();
  return urls.map((url) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `helm-oci-${url.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`,
      namespace: ARGOCD_NAMESPACE,
      labels: { ...MANAGED_BY, 'argocd.argoproj.io/secret-type': 'repository' },
      annotations: { [SYNC_WAVE]: String(SETUP_WAVE) },
    },
    type: 'Opaque',
    // Public registries: a URL and a flag, no credentials.
    stringData: { name: url, type: 'helm', url, enableOCI: 'true' },
  }));
}

function withWave(object: KubeObject, wave: number): KubeObject {
  const annotations = (object.metadata['annotations'] as Record<string, string> | undefined) ?? {};
  return {
    ...object,
    metadata: { ...object.metadata, annotations: { ...annotations, [SYNC_WAVE]: String(wave) } },
  };
}

function healthCheckConfig(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'argocd-cm',
      namespace: ARGOCD_NAMESPACE,
      labels: { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' },
    },
    data: { [APPLICATION_HEALTH_CHECK_KEY]: APPLICATION_HEALTH_CHECK_LUA },
  };
}

function rootApplication(options: GitopsOptions): KubeObject {
  return plain({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: ROOT_APPLICATION, namespace: ARGOCD_NAMESPACE, labels: { ...MANAGED_BY } },
    spec: {
      // The projects it creates cannot hold it.
      project: 'default',
      source: {
        repoURL: options.repoURL,
        targetRevision: options.revision,
        path: 'argocd',
        directory: { recurse: true },
      },
      destination: { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
      syncPolicy: {
        // No prune: removing an Application from Git must not uninstall an add-on by itself.
        automated: { prune: false, selfHeal: true },
        syncOptions: ['ServerSideApply=true'],
        retry: RETRY,
      },
    },
  } satisfies IApplication);
}

function readme(
  plan: Plan,
  platform: Platform,
  units: readonly GitopsUnit[],
  options: GitopsOptions,
  applicationSets?: number,
): string {
  const waves = Math.max(0, ...units.map((u) => u.wave)) + 1;
  const leftOut = stepsLeftOut(plan, units);
  return `# ${platform.name}: GitOps tree for Argo CD

Written by \`platformctl export gitops\`; do not edit by hand (a re-export overwrites it).
Repository: ${options.repoURL} at ${options.revision}.

${units.length} Applications${applicationSets === undefined ? '' : ` from ${applicationSets} ApplicationSets`} over ${platform.clusters.length} cluster(s), in ${waves} sync wave(s) ordered by the plan's dependencies.

1. \`kubectl -n ${ARGOCD_NAMESPACE} apply --server-side --field-manager=platformctl -f bootstrap/argocd-cm.yaml\`:
   Argo CD's health check for Applications. Without it the root calls a child Application
   healthy as soon as it exists and does not wait for it before the next wave (argo-cd#5585).
2. The ExternalSecrets in argocd/clusters.yaml make Argo CD's cluster Secrets from Vault's
   \`secret/argocd/clusters/<cluster>\` (bearerToken, caData), which \`platformctl up\` writes
   from each cluster's \`kube-system/argocd-manager\` ServiceAccount (cluster-admin, as
   \`argocd cluster add\` makes it); only the management cluster's External Secrets may read them.
3. \`kubectl -n ${ARGOCD_NAMESPACE} apply -f bootstrap/root.yaml\`: the root Application syncs argocd/.

Argo CD keeps a platform that \`platformctl up\` has built. These ${leftOut.length} steps of the plan have
no GitOps form and are not in this tree (\`up\` does them):

${leftOut.map((s) => `- ${s.id}: ${s.description}`).join('\n')}
`;
}

export function renderGitops(
  platform: Platform,
  tree: readonly Artifact[],
  plan: Plan,
  options: GitopsOptions,
): Artifact[] {
  const contents = new Map(tree.map((a) => [a.path, a.content]));
  const out = new ArtifactSet();
  const managed = new Map<string, ReadonlySet<string>>(
    platform.clusters.map((c: PlatformCluster) => [
      c.name,
      new Set(namespaces(platform, c).map((n) => n.metadata.name)),
    ]),
  );
  const units = gitopsUnits(plan);
  // A unit whose steps left nothing to sync (a selector that picks no object) has no Application.
  const facts = units
    .map((unit) => unitFiles(platform, unit, contents, managed.get(unit.cluster)!, out))
    .filter((f) => f.chart !== undefined || f.values || f.manifests);
  const sets = options.applicationSets ? applicationSets(facts, options) : undefined;
  if (sets)
    for (const set of sets) {
      const path = `argocd/applicationsets/${set.metadata.name}.yaml`;
      out.add(path, validatedStream(path, [set]));
    }
  else
    for (const fact of facts) {
      const path = `argocd/applications/${fact.unit.cluster}/${fact.unit.name}.yaml`;
      out.add(path, validatedStream(path, [application(fact, options)]));
    }
  out.add(
    'argocd/projects.yaml',
    validatedStream('argocd/projects.yaml', projects(platform, facts, options)),
  );
  out.add(
    'argocd/clusters.yaml',
    validatedStream(
      'argocd/clusters.yaml',
      argocdClusterSecrets(platform).map((o) => withWave(o, SETUP_WAVE)),
    ),
  );
  const repositories = ociRepositories(facts);
  if (repositories.length > 0)
    out.add('argocd/repositories.yaml', validatedStream('argocd/repositories.yaml', repositories));
  out.add('bootstrap/argocd-cm.yaml', validatedStream('bootstrap/argocd-cm.yaml', [healthCheckConfig()]));
  out.add('bootstrap/root.yaml', validatedStream('bootstrap/root.yaml', [rootApplication(options)]));
  out.add(
    'README.md',
    readme(
      plan,
      platform,
      facts.map((f) => f.unit),
      options,
      sets?.length,
    ),
  );
  return out.finish();
}
