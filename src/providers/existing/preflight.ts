/**
 * What `doctor` and `up` check of a cluster someone else runs before platformctl installs on it:
 * the kubeconfig and context, the API server and its version, nodes Ready, a CNI, storage,
 * load balancing and the spec's network ranges against the cluster's. The look at each cluster
 * (`observeCluster`) touches the API; the judgement (`judgeCluster`) is pure.
 */
import type { KubeClient } from '../../clients/kube.js';
import { contains, formatInterval, parseCidr } from '../../net/ipv4.js';
import { SUPPORTED_MINORS } from '../../spec/rules/versions.js';
import type { Platform, PlatformCluster } from '../../spec/model.js';
import { listNodes, type NodeView } from '../shared/nodes.js';
import type { PreflightCheck } from '../types.js';

/** DaemonSets in kube-system that are a CNI, by name prefix. */
const KNOWN_CNIS: ReadonlyArray<readonly [prefix: string, name: string]> = [
  ['cilium', 'Cilium'],
  ['calico-node', 'Calico'],
  ['kube-flannel', 'Flannel'],
  ['aws-node', 'Amazon VPC CNI'],
  ['azure-cni', 'Azure CNI'],
  ['weave-net', 'Weave Net'],
  ['kube-router', 'kube-router'],
  ['antrea-agent', 'Antrea'],
];

/** What one look at a cluster found. */
export interface ClusterObservation {
  /** Why the kubeconfig or its context could not be used, when it could not. */
  readonly kubeconfigError?: string;
  /** Why the API server did not answer, when it did not. */
  readonly unreachable?: string;
  readonly gitVersion?: string;
  readonly nodes?: readonly NodeView[];
  /** The nodes' pod ranges (spec.podCIDRs). */
  readonly nodePodCidrs?: readonly string[];
  readonly daemonSets?: readonly string[];
  readonly defaultStorageClasses?: readonly string[];
  /** LoadBalancer Services that were given an address: some controller assigns them. */
  readonly assignedLoadBalancers?: number;
  /** The cluster's Service ranges (ServiceCIDR objects), when the API serves them. */
  readonly serviceCidrs?: readonly string[];
}

interface Listed<T> {
  readonly items: readonly T[];
}
interface Meta {
  readonly metadata: { readonly name: string; readonly annotations?: Readonly<Record<string, string>> };
}

/** One look at the cluster; every part that fails is recorded, none throws. */
export async function observeCluster(client: () => Promise<KubeClient>): Promise<ClusterObservation> {
  let kube: KubeClient;
  try {
    kube = await client();
  } catch (error) {
    return { kubeconfigError: (error as Error).message };
  }
  let gitVersion: string | undefined;
  try {
    gitVersion = (await kube.get<{ gitVersion?: string }>('/version')).gitVersion;
  } catch (error) {
    return { unreachable: (error as Error).message.split('\n')[0]! };
  }
  const optional = <T>(work: Promise<T>) => work.catch(() => undefined);
  const [nodes, rawNodes, daemonSets, classes, services, serviceCidrs] = await Promise.all([
    optional(listNodes(kube)),
    optional(kube.get<Listed<{ spec?: { podCIDRs?: string[]; podCIDR?: string } }>>('/api/v1/nodes')),
    optional(kube.get<Listed<Meta>>('/apis/apps/v1/namespaces/kube-system/daemonsets')),
    optional(kube.get<Listed<Meta>>('/apis/storage.k8s.io/v1/storageclasses')),
    optional(
      kube.get<Listed<{ spec?: { type?: string }; status?: { loadBalancer?: { ingress?: unknown[] } } }>>(
        '/api/v1/services',
      ),
    ),
    optional(kube.get<Listed<{ spec?: { cidrs?: string[] } }>>('/apis/networking.k8s.io/v1/servicecidrs')),
  ]);
  return {
    ...(gitVersion ? { gitVersion } : {}),
    ...(nodes ? { nodes } : {}),
    ...(rawNodes
      ? {
          nodePodCidrs: rawNodes.items.flatMap(
            (n) => n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : []),
          ),
        }
      : {}),
    ...(daemonSets ? { daemonSets: daemonSets.items.map((d) => d.metadata.name) } : {}),
    ...(classes
      ? {
          defaultStorageClasses: classes.items
            .filter((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')
            .map((c) => c.metadata.name),
        }
      : {}),
    ...(services
      ? {
          assignedLoadBalancers: services.items.filter(
            (s) => s.spec?.type === 'LoadBalancer' && (s.status?.loadBalancer?.ingress?.length ?? 0) > 0,
          ).length,
        }
      : {}),
    ...(serviceCidrs ? { serviceCidrs: serviceCidrs.items.flatMap((c) => c.spec?.cidrs ?? []) } : {}),
  };
}

/** The checks of one cluster from what was observed. Pure. */
export function judgeCluster(
  platform: Platform,
  cluster: PlatformCluster,
  seen: ClusterObservation,
  where: string,
): PreflightCheck[] {
  const id = (what: string) => `existing.${cluster.name}.${what}`;
  const kubectl = `kubectl ${where}`;
  if (seen.kubeconfigError)
    return [
      {
        id: id('kubeconfig'),
        status: 'fail',
        detail: seen.kubeconfigError,
        fix: `set spec.clusters[${cluster.name}].existing to a kubeconfig and context that kubectl uses (kubectl config get-contexts)`,
      },
    ];
  if (seen.unreachable)
    return [
      {
        id: id('reachable'),
        status: 'fail',
        detail: `the API server does not answer: ${seen.unreachable}`,
        fix: `${kubectl} get --raw /version`,
      },
    ];
  const checks: PreflightCheck[] = [];
  const minor = /^v1\.(\d+)\./.exec(seen.gitVersion ?? '')?.[1];
  const inWindow =
    minor !== undefined && Number(minor) >= SUPPORTED_MINORS.min && Number(minor) <= SUPPORTED_MINORS.max;
  checks.push({
    id: id('version'),
    status: inWindow ? 'pass' : 'fail',
    detail: `Kubernetes ${seen.gitVersion ?? '(unknown)'}${inWindow ? '' : `, outside the supported window 1.${SUPPORTED_MINORS.min} to 1.${SUPPORTED_MINORS.max}`}`,
    ...(inWindow ? {} : { fix: `upgrade the cluster to 1.${SUPPORTED_MINORS.max}, or pick another cluster` }),
  });
  const nodes = seen.nodes ?? [];
  const notReady = nodes.filter((n) => !n.ready).map((n) => n.name);
  checks.push(
    nodes.length > 0 && notReady.length === 0
      ? { id: id('nodes'), status: 'pass', detail: `${nodes.length} node(s) Ready` }
      : {
          id: id('nodes'),
          status: 'fail',
          detail: nodes.length === 0 ? 'no nodes' : `not Ready: ${notReady.join(', ')}`,
          fix: `${kubectl} describe nodes`,
        },
  );
  const wantsCilium = cluster.addons.includes('cilium');
  const cni = KNOWN_CNIS.find(([prefix]) => (seen.daemonSets ?? []).some((d) => d.startsWith(prefix)));
  checks.push(
    cni?.[1] === 'Cilium'
      ? {
          id: id('cni'),
          status: 'pass',
          detail: wantsCilium
            ? 'Cilium runs: the plan upgrades it to the spec'
            : 'Cilium runs, installed by someone else',
        }
      : cni
        ? wantsCilium
          ? {
              id: id('cni'),
              status: 'fail',
              detail: `${cni[1]} runs, and the spec installs Cilium too: two CNIs on one cluster`,
              fix: `disable cilium for ${cluster.name} (spec.addons.cilium.clusters), or remove ${cni[1]} first`,
            }
          : { id: id('cni'), status: 'pass', detail: `${cni[1]} runs` }
        : wantsCilium
          ? { id: id('cni'), status: 'pass', detail: 'no CNI found: the plan installs Cilium' }
          : {
              id: id('cni'),
              status: notReady.length === 0 && nodes.length > 0 ? 'warn' : 'fail',
              detail: 'no known CNI DaemonSet in kube-system, and the spec does not install Cilium',
              fix: 'enable the cilium add-on for this cluster, or check what gives its pods a network',
            },
  );
  const defaults = seen.defaultStorageClasses ?? [];
  checks.push(
    cluster.addons.includes('local-path')
      ? {
          id: id('storage'),
          status: 'pass',
          detail: 'the local-path add-on provides the default StorageClass',
        }
      : defaults.length > 0
        ? { id: id('storage'), status: 'pass', detail: `default StorageClass ${defaults.join(', ')}` }
        : {
            id: id('storage'),
            status: 'fail',
            detail:
              'no default StorageClass, and the local-path add-on is disabled: volumes would stay Pending',
            fix: 'enable the local-path add-on, or mark a StorageClass default (storageclass.kubernetes.io/is-default-class)',
          },
  );
  checks.push(
    cluster.addons.includes('metallb')
      ? { id: id('load-balancer'), status: 'pass', detail: 'MetalLB (the spec) assigns the pool addresses' }
      : (seen.assignedLoadBalancers ?? 0) > 0
        ? {
            id: id('load-balancer'),
            status: 'pass',
            detail: `${seen.assignedLoadBalancers} LoadBalancer Service(s) have addresses: a controller assigns them`,
          }
        : {
            id: id('load-balancer'),
            status: 'warn',
            detail:
              'MetalLB is disabled and no LoadBalancer Service has an address: pinned addresses may never come',
            fix: 'enable the metallb add-on, or check the cloud load balancer controller',
          },
  );
  checks.push(networkCheck(platform, cluster, seen, id('networks')));
  return checks;
}

/** The spec's pod and Service ranges against the cluster's: ClusterMesh routes by them. */
function networkCheck(
  platform: Platform,
  cluster: PlatformCluster,
  seen: ClusterObservation,
  id: string,
): PreflightCheck {
  const inside = (outer: PlatformCluster['podCIDR'], texts: readonly string[]) =>
    texts.filter((text) => {
      const parsed = parseCidr(text);
      return parsed.ok && !contains(outer, parsed.value.cidr);
    });
  const podsOutside = inside(cluster.podCIDR, seen.nodePodCidrs ?? []);
  const serviceOutside = seen.serviceCidrs ? inside(cluster.serviceCIDR, seen.serviceCidrs) : [];
  const problems = [
    ...(podsOutside.length > 0
      ? [`node pod ranges ${podsOutside.join(', ')} are outside podCIDR ${formatInterval(cluster.podCIDR)}`]
      : []),
    ...(serviceOutside.length > 0
      ? [
          `Service ranges ${serviceOutside.join(', ')} are outside serviceCIDR ${formatInterval(cluster.serviceCIDR)}`,
        ]
      : []),
  ];
  const mesh =
    platform.clusters.filter((c) => c.addons.includes('cilium')).length > 1 &&
    cluster.addons.includes('cilium');
  if (problems.length > 0)
    return {
      id,
      status: mesh ? 'fail' : 'warn',
      detail: `${problems.join('; ')}${mesh ? ': ClusterMesh routes by the spec’s ranges' : ''}`,
      fix: `set spec.clusters[${cluster.name}].podCIDR and serviceCIDR to the cluster's real ranges`,
    };
  const unknown = [
    ...(seen.nodePodCidrs?.length ? [] : ['the nodes report no pod ranges']),
    ...(seen.serviceCidrs ? [] : ['the API serves no ServiceCIDR objects']),
  ];
  return {
    id,
    status: 'pass',
    detail:
      unknown.length === 2
        ? `cannot compare the ranges: ${unknown.join(', ')}`
        : `the cluster's ranges are inside the spec's${unknown.length ? ` (${unknown.join(', ')})` : ''}`,
  };
}

/** Every cluster's checks, the clusters looked at in parallel. */
export async function existingPreflight(
  platform: Platform,
  clientOf: (cluster: PlatformCluster) => Promise<KubeClient>,
  whereOf: (cluster: PlatformCluster) => string = (c) => `--context ${c.existing?.context ?? c.name}`,
): Promise<PreflightCheck[]> {
  const looks = await Promise.all(
    platform.clusters.map((cluster) => observeCluster(() => clientOf(cluster))),
  );
  return platform.clusters.flatMap((cluster, i) =>
    judgeCluster(platform, cluster, looks[i]!, whereOf(cluster)),
  );
}
