/**
 * What the dashboard shows of the platform itself, as plain data: the topology from the
 * normalised spec, the provider record and the state (clusters, nodes with their addresses,
 * ranges, pinned addresses, mesh links, external services, cross-cluster dependencies), links to
 * the platform's own UIs by their names from the rendered DNS, and the health from `status`,
 * `verify` and `analyze`. Pure: the web server gathers the inputs and serves the results.
 */
import { ADDON_CATALOG, requirementsFor } from '../addons/catalog.js';
import type { AddonName } from '../addons/names.js';
import type { AddonDependency } from '../addons/types.js';
import { recordedAddresses } from '../engine/run.js';
import type { PlatformState } from '../engine/state.js';
import { formatAddress } from '../net/ipv4.js';
import { dnsNames } from '../render/dns.js';
import { VAULT_PORT } from '../render/pki.js';
import type { Platform } from '../spec/model.js';
import type { Finding } from './analyze.js';
import type { StatusReport } from './project.js';
import type { SavedReports } from './reports.js';
import type { VerifyReport } from './verify.js';

export interface TopologyNode {
  readonly name: string;
  readonly role: 'control-plane' | 'worker';
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly diskGiB: number;
  readonly address?: string;
  /** recorded: the provider recorded it at provision; node: the live Node object reports it. */
  readonly addressFrom?: 'recorded' | 'node';
  /** From the live API, when it was asked. */
  readonly ready?: boolean;
}

export interface TopologyAddon {
  readonly name: AddonName;
  readonly namespace: string;
  /**
   * Each of its steps with what the last run that touched it recorded. Its release's live status
   * and its objects' readiness are the cluster detail's (`DashboardSource.addons`, addon-live.ts).
   */
  readonly steps: ReadonlyArray<{ readonly id: string; readonly outcome: string; readonly detail?: string }>;
}

export interface TopologyCluster {
  readonly name: string;
  readonly role: string;
  readonly id: number;
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  readonly loadBalancerPool: string;
  /** The API VIP and the services other clusters reach, by name. */
  readonly pinned: ReadonlyArray<{ readonly service: string; readonly address: string }>;
  readonly nodes: readonly TopologyNode[];
  readonly addons: readonly TopologyAddon[];
  /** The provider created it for this project (the state records it). */
  readonly recorded: boolean;
  /** From the live API, when it was asked. */
  readonly serving?: boolean;
  readonly detail?: string;
}

export type DependencyKind = 'secrets' | 'metrics' | 'logs' | 'traces' | 'backups' | 'other';

export interface CrossClusterDependency {
  readonly from: { readonly cluster: string; readonly addon: AddonName };
  readonly to: { readonly cluster: string; readonly addon: AddonName };
  readonly kind: DependencyKind;
  readonly why: string;
  /** Where it is reached: the pinned address of the service it depends on. */
  readonly address?: string;
}

export interface MeshLink {
  readonly clusters: readonly [string, string];
  /** Each end's clustermesh-apiserver address. */
  readonly addresses: readonly [string, string];
}

export interface ExternalServiceView {
  readonly name: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly where: string;
  readonly host?: string;
}

export interface UiLink {
  readonly name: 'Grafana' | 'Hubble' | 'Argo CD' | 'Vault' | 'Keycloak';
  readonly cluster: string;
  readonly url: string;
  /** The DNS name it is reached by and the address that name resolves to (rendered dns/). */
  readonly host: string;
  readonly address?: string;
  /** Set when no route exposes it: how to reach it instead. */
  readonly note?: string;
}

export interface Topology {
  readonly platform: string;
  readonly provider: string;
  readonly domain: string;
  readonly kubernetes: string;
  readonly nodeSubnet: string;
  readonly managementCluster: string;
  readonly clusters: readonly TopologyCluster[];
  readonly mesh: readonly MeshLink[];
  readonly dependencies: readonly CrossClusterDependency[];
  readonly externalServices: readonly ExternalServiceView[];
  readonly links: readonly UiLink[];
}

/** What the management cluster's add-on is to the one that depends on it. */
const KIND_OF: Partial<Record<AddonName, DependencyKind>> = {
  vault: 'secrets',
  thanos: 'metrics',
  loki: 'logs',
  tempo: 'traces',
  minio: 'backups',
};

/** The pinned service an add-on is reached at from other clusters. */
const PINNED_OF: Partial<Record<AddonName, string>> = {
  vault: 'vault',
  thanos: 'thanos-receive',
  loki: 'loki',
  tempo: 'tempo',
  minio: 'minio',
};

/** Node addresses by node name, as the provision steps recorded them, else the bootstrap steps. */
function recordedNodeAddresses(state: PlatformState | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const kind of ['bootstrap', 'provision'] as const)
    for (const byNode of recordedAddresses(state?.steps ?? {}, kind).values())
      for (const [node, address] of Object.entries(byNode))
        if (typeof address === 'string') out.set(node, address);
  return out;
}

export function crossClusterDependencies(platform: Platform): CrossClusterDependency[] {
  const management = platform.clusters.find((c) => c.name === platform.managementCluster)!;
  const out: CrossClusterDependency[] = [];
  for (const cluster of platform.clusters) {
    if (cluster.name === management.name) continue;
    for (const addon of cluster.addons) {
      const definition = ADDON_CATALOG[addon];
      const deps: AddonDependency[] = [
        ...requirementsFor(definition, cluster.role),
        ...definition.after.filter((d) => !d.forRole || d.forRole === cluster.role),
      ];
      const seen = new Set<string>();
      for (const dep of deps) {
        if (dep.on !== 'management' || !management.addons.includes(dep.addon) || seen.has(dep.addon))
          continue;
        seen.add(dep.addon);
        const pinned = PINNED_OF[dep.addon];
        const address = pinned
          ? management.addresses.services[pinned as keyof typeof management.addresses.services]
          : undefined;
        out.push({
          from: { cluster: cluster.name, addon },
          to: { cluster: management.name, addon: dep.addon },
          kind: KIND_OF[dep.addon] ?? 'other',
          why: dep.why,
          ...(address ? { address } : {}),
        });
      }
    }
  }
  return out;
}

/** Every pair of clusters that both run Cilium with a pinned clustermesh-apiserver: they mesh. */
export function meshLinks(platform: Platform): MeshLink[] {
  const meshed = platform.clusters.filter(
    (c) => c.addons.includes('cilium') && c.addresses.services['clustermesh-apiserver'],
  );
  const out: MeshLink[] = [];
  for (let i = 0; i < meshed.length; i++)
    for (let j = i + 1; j < meshed.length; j++)
      out.push({
        clusters: [meshed[i]!.name, meshed[j]!.name],
        addresses: [
          meshed[i]!.addresses.services['clustermesh-apiserver']!,
          meshed[j]!.addresses.services['clustermesh-apiserver']!,
        ],
      });
  return out;
}

/** The address a name resolves to under the rendered DNS: its own entry, else the closest wildcard. */
function resolveName(entries: ReturnType<typeof dnsNames>, host: string): string | undefined {
  const exact = entries.find((e) => e.name === host);
  if (exact) return exact.address;
  const wildcards = entries
    .filter((e) => e.wildcard && host.endsWith(`.${e.name}`))
    .sort((a, b) => b.name.length - a.name.length);
  return wildcards[0]?.address;
}

/**
 * The platform's own UIs by their DNS names: Grafana and Keycloak behind their cluster's Gateway
 * (their HTTPRoutes), Argo CD on the management cluster's, Vault on its pinned address. Hubble's
 * UI runs with Cilium but no route exposes it: it says how to reach it.
 */
export function uiLinks(platform: Platform): UiLink[] {
  const entries = dnsNames(platform);
  const { domain } = platform.network;
  const out: UiLink[] = [];
  const link = (name: UiLink['name'], cluster: string, host: string, url: string, note?: string) => {
    const address = resolveName(entries, host);
    out.push({ name, cluster, host, url, ...(address ? { address } : {}), ...(note ? { note } : {}) });
  };
  for (const cluster of platform.clusters) {
    const routed = cluster.addons.includes('gateway-api');
    const base = `${cluster.name}.${domain}`;
    if (cluster.addons.includes('grafana') && routed)
      link('Grafana', cluster.name, `grafana.${base}`, `https://grafana.${base}/`);
    if (cluster.addons.includes('keycloak') && routed)
      link('Keycloak', cluster.name, `keycloak.${base}`, `https://keycloak.${base}/`);
    if (cluster.addons.includes('cilium'))
      link(
        'Hubble',
        cluster.name,
        `hubble.${base}`,
        'http://127.0.0.1:12000/',
        `no route exposes it: kubectl --context ${cluster.name} -n kube-system port-forward svc/hubble-ui 12000:80`,
      );
    if (cluster.name === platform.managementCluster) {
      if (platform.externalServices['argocd']?.enabled && routed)
        link('Argo CD', cluster.name, `argocd.${base}`, `https://argocd.${base}/`);
      if (cluster.addons.includes('vault') && cluster.addresses.services.vault)
        link('Vault', cluster.name, `vault.${base}`, `https://vault.${base}:${VAULT_PORT}/ui/`);
    }
  }
  return out;
}

export interface TopologyInputs {
  readonly platform: Platform;
  readonly provider: string;
  readonly state?: PlatformState | undefined;
  /** `status` without its drift checks: whether each cluster serves, and its live nodes. */
  readonly live?: Pick<StatusReport, 'clusters'>;
}

export function topology({ platform, provider, state, live }: TopologyInputs): Topology {
  const recorded = recordedNodeAddresses(state);
  const management = platform.clusters.find((c) => c.name === platform.managementCluster)!;
  const clusters = platform.clusters.map((cluster): TopologyCluster => {
    const seen = live?.clusters.find((c) => c.name === cluster.name);
    const pinned = [
      { service: 'api', address: cluster.addresses.api },
      ...Object.entries(cluster.addresses.services)
        .filter((e): e is [string, string] => typeof e[1] === 'string')
        .map(([service, address]) => ({ service, address })),
    ];
    return {
      name: cluster.name,
      role: cluster.role,
      id: cluster.id,
      podCIDR: cluster.podCIDR.text,
      serviceCIDR: cluster.serviceCIDR.text,
      loadBalancerPool: cluster.loadBalancerPool.text,
      pinned,
      nodes: cluster.nodes.map((node): TopologyNode => {
        const liveNode = seen?.nodes.find((n) => n.name === node.name);
        const address = recorded.get(node.name) ?? liveNode?.address;
        return {
          name: node.name,
          role: node.role,
          cpus: node.cpus,
          memoryGiB: node.memoryGiB,
          diskGiB: node.diskGiB,
          ...(address ? { address, addressFrom: recorded.has(node.name) ? 'recorded' : 'node' } : {}),
          ...(liveNode ? { ready: liveNode.ready } : {}),
        };
      }),
      addons: cluster.addons.map((addon) => ({
        name: addon,
        namespace: platform.addonNamespaces[addon],
        steps: Object.entries(state?.steps ?? {})
          .filter(([id]) => id.startsWith(`${cluster.name}/${addon}/`))
          .map(([id, step]) => ({
            id,
            outcome: step.outcome,
            ...(step.detail ? { detail: step.detail } : {}),
          })),
      })),
      recorded: Boolean(state?.clusters?.[cluster.name]),
      ...(seen ? { serving: seen.serving, ...(seen.detail ? { detail: seen.detail } : {}) } : {}),
    };
  });
  const host = formatAddress(platform.network.gateway);
  const externalServices = Object.entries(platform.externalServices)
    .filter(([, service]) => service.enabled)
    .map(([name, service]): ExternalServiceView => ({
      name,
      cpus: service.cpus,
      memoryGiB: service.memoryGiB,
      // Argo CD is installed by its chart on the management cluster; Harbor and Nexus beside the VMs.
      ...(name === 'argocd'
        ? {
            where: `Helm chart on ${management.name}`,
            host: `argocd.${management.name}.${platform.network.domain}`,
          }
        : {
            where: `beside the VMs, on the host's side of the node network (${host})`,
            host: `${name}.${platform.network.domain}`,
          }),
    }));
  return {
    platform: platform.name,
    provider,
    domain: platform.network.domain,
    kubernetes: platform.kubernetes.version,
    nodeSubnet: platform.network.nodeSubnet.text,
    managementCluster: platform.managementCluster,
    clusters,
    mesh: meshLinks(platform),
    dependencies: crossClusterDependencies(platform),
    externalServices,
    links: uiLinks(platform),
  };
}

export interface HealthView {
  /** When the checks ran. */
  readonly at: string;
  readonly healthy: boolean;
  readonly problems: readonly string[];
  readonly drift: ReadonlyArray<{ readonly id: string; readonly drift: string }>;
  readonly verify?: VerifyReport;
  readonly findings?: readonly Finding[];
  /** The latest `verify` and `analyze` run from a terminal (or a script), with when they ran. */
  readonly saved: SavedReports;
  /** A check that could not run, with why (a cluster that does not serve, a missing provider). */
  readonly errors: readonly string[];
}

export function healthView(inputs: {
  at: Date;
  status?: StatusReport;
  verify?: VerifyReport;
  findings?: readonly Finding[];
  saved?: SavedReports;
  errors?: readonly string[];
}): HealthView {
  const drift = (inputs.status?.steps ?? [])
    .filter((s) => s.state === 'drifted')
    .map((s) => ({ id: s.id, drift: s.drift ?? 'drifted' }));
  const failedChecks = inputs.verify?.checks.filter((c) => c.status === 'fail').length ?? 0;
  const errorFindings = inputs.findings?.filter((f) => f.severity === 'error').length ?? 0;
  const errors = inputs.errors ?? [];
  return {
    at: inputs.at.toISOString(),
    healthy:
      (inputs.status?.healthy ?? false) && failedChecks === 0 && errorFindings === 0 && errors.length === 0,
    problems: inputs.status?.problems ?? [],
    drift,
    ...(inputs.verify ? { verify: inputs.verify } : {}),
    ...(inputs.findings ? { findings: inputs.findings } : {}),
    saved: inputs.saved ?? {},
    errors,
  };
}
