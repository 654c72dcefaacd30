/**
 * ClusterMesh consistency (correction 5), as `verify` checks: one Cilium CA on every meshed
 * cluster, and every peer each cluster's mesh configuration names reached at that peer's pinned
 * clustermesh-apiserver address, which the peer's LoadBalancer Service has.
 *
 * What is read is what the Cilium release put on each cluster: the engine's `kube-system/cilium-ca`
 * Secret (the one CA, src/addons/catalog/cilium.ts), the certificates the chart's certgen signs
 * with it where they exist (its CronJob does not run on kwok), and the mesh configuration the
 * chart renders from `clustermesh.config`: `cilium-kvstoremesh` (kvstoremesh, Cilium's default)
 * or `cilium-clustermesh`, one key per peer whose YAML names the peer's addresses as
 * `cilium-host-aliases` of `<peer>.mesh.cilium.io`, or as IP endpoints. Pure: Project observes.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { parse } from 'yaml';

import { CILIUM_CA_SECRET, CLUSTERMESH_APISERVER_PORT } from '../addons/catalog/cilium.js';
import type { KubeClient } from '../clients/kube.js';
import type { Platform } from '../spec/model.js';
import type { Obj } from './analyze-model.js';
import { classifyHost, hostOf } from './analyze-shipping.js';
import { assignedAddresses, type VerifyCheck } from './verify.js';

export const MESH_NAMESPACE = 'kube-system';
/** The Secrets the chart renders the peers into, in the order they are read. */
export const MESH_CONFIG_SECRETS = ['cilium-kvstoremesh', 'cilium-clustermesh'] as const;
export const CLUSTERMESH_APISERVER_SERVICE = 'clustermesh-apiserver';
/** What certgen signs with the shared CA (templates/clustermesh-apiserver/tls-cronjob). */
export const MESH_CERTIFICATE_SECRETS = [
  'clustermesh-apiserver-server-cert',
  'clustermesh-apiserver-admin-cert',
  'clustermesh-apiserver-remote-cert',
  'clustermesh-apiserver-local-cert',
] as const;

/** What Project read of one meshed cluster; undefined fields were not found. */
export interface MeshObservation {
  readonly serving: boolean;
  /** `kube-system/cilium-ca`, data as stored (base64). */
  readonly caSecret?: Obj;
  /** The Secrets of MESH_CERTIFICATE_SECRETS that exist. */
  readonly certificates?: readonly Obj[];
  /** The first of MESH_CONFIG_SECRETS that exists. */
  readonly config?: Obj;
  /** `kube-system/clustermesh-apiserver`. */
  readonly apiserver?: Obj;
}

/** The clusters of the mesh: Cilium with a pinned clustermesh-apiserver address (cilium.ts meshPeers). */
export function meshMembers(platform: Platform): string[] {
  const members = platform.clusters.filter(
    (c) => c.addons.includes('cilium') && c.addresses.services['clustermesh-apiserver'],
  );
  return members.length >= 2 ? members.map((c) => c.name) : [];
}

/** A Secret's data, as stored (base64). */
const dataOf = (secret: Obj | undefined): Readonly<Record<string, string>> =>
  (secret as { data?: Record<string, string> } | undefined)?.data ?? {};

const decode = (secret: Obj | undefined, key: string): string | undefined => {
  const value = dataOf(secret)[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
};

/** SHA-256 fingerprint of a PEM certificate, or of the text when it is not one. */
function fingerprint(pem: string): string {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    return `not a certificate (sha256 ${createHash('sha256').update(pem).digest('hex').slice(0, 16)})`;
  }
}

const short = (print: string) => print.slice(0, 23);

/** `mesh.ca`: the same `cilium-ca` on every meshed cluster in scope, and certgen's certificates signed with it. */
export function meshCaCheck(
  members: readonly string[],
  observed: ReadonlyMap<string, MeshObservation>,
): VerifyCheck {
  const id = 'mesh.ca';
  const seen = members.filter((m) => observed.get(m)?.serving);
  const unseen = members.filter((m) => !observed.get(m)?.serving);
  if (seen.length === 0) return { id, status: 'skipped', evidence: 'no meshed cluster serves' };
  const problems: string[] = [];
  const prints = new Map<string, string[]>();
  for (const cluster of seen) {
    const o = observed.get(cluster)!;
    const ca = decode(o.caSecret, 'ca.crt');
    if (!ca) {
      problems.push(
        `${cluster}: ${MESH_NAMESPACE}/${CILIUM_CA_SECRET} ${o.caSecret ? 'has no ca.crt' : 'is missing'}`,
      );
      continue;
    }
    const print = fingerprint(ca);
    prints.set(print, [...(prints.get(print) ?? []), cluster]);
    for (const certificate of o.certificates ?? []) {
      const theirs = decode(certificate, 'ca.crt');
      if (theirs !== undefined && fingerprint(theirs) !== print)
        problems.push(
          `${cluster}: ${certificate.metadata.name} was signed with another CA than ${CILIUM_CA_SECRET}`,
        );
    }
  }
  if (prints.size > 1)
    problems.unshift(
      `different CAs: ${[...prints].map(([print, clusters]) => `${clusters.join(', ')} ${short(print)}`).join('; ')}`,
    );
  if (problems.length > 0) return { id, status: 'fail', evidence: problems.join('; ') };
  const [print] = [...prints.keys()];
  const evidence = `${CILIUM_CA_SECRET} on ${seen.join(', ')}: one CA (SHA-256 ${short(print!)}…)`;
  return unseen.length > 0
    ? { id, status: 'warn', evidence: `${evidence}; not observed: ${unseen.join(', ')} (does not serve)` }
    : { id, status: 'pass', evidence };
}

/** The addresses a peer entry of the mesh configuration points at. */
export function peerAddresses(peer: string, text: string): string[] {
  let config: unknown;
  try {
    config = parse(text);
  } catch {
    return [];
  }
  const fields = (config ?? {}) as {
    endpoints?: unknown;
    'cilium-host-aliases'?: unknown;
  };
  const aliases = Array.isArray(fields['cilium-host-aliases']) ? fields['cilium-host-aliases'] : [];
  const aliased = aliases.flatMap((a: { hostname?: unknown; ips?: unknown }) =>
    a.hostname === `${peer}.mesh.cilium.io` && Array.isArray(a.ips)
      ? a.ips.filter((ip): ip is string => typeof ip === 'string')
      : [],
  );
  if (aliased.length > 0) return aliased;
  // Without host aliases, the endpoints themselves (an IP literal when the chart got no `ips`).
  const endpoints = Array.isArray(fields.endpoints) ? fields.endpoints : [];
  return endpoints
    .flatMap((e) => (typeof e === 'string' ? [hostOf(e)] : []))
    .filter((h): h is string => h !== undefined && /^\d{1,3}(\.\d{1,3}){3}$/.test(h));
}

/**
 * `mesh.peers.<cluster>`: the cluster's mesh configuration names exactly its peers of the spec,
 * each at the peer's pinned clustermesh-apiserver address (its loopback twin on kwok), and the
 * peer's Service has that address. Peers outside `scope` are not judged (`verify --cluster`).
 */
export function meshPeersCheck(
  platform: Platform,
  cluster: string,
  members: readonly string[],
  observed: ReadonlyMap<string, MeshObservation>,
  scope: readonly string[],
): VerifyCheck {
  const id = `mesh.peers.${cluster}`;
  const own = observed.get(cluster);
  if (!own?.serving) return { id, status: 'skipped', evidence: 'the API does not answer' };
  if (!own.config)
    return {
      id,
      status: 'fail',
      evidence: `no mesh configuration: ${MESH_CONFIG_SECRETS.map((s) => `${MESH_NAMESPACE}/${s}`).join(' and ')} are missing`,
    };
  const configured = Object.keys(dataOf(own.config));
  const wanted = members.filter((m) => m !== cluster);
  const problems: string[] = [];
  const fine: string[] = [];
  const configName = own.config.metadata.name;
  for (const extra of configured.filter((p) => !wanted.includes(p)))
    problems.push(`${configName} names ${extra}, which is not a mesh peer in the spec`);
  for (const peer of wanted) {
    if (!configured.includes(peer)) {
      problems.push(`${configName} does not name ${peer}`);
      continue;
    }
    if (!scope.includes(peer)) continue;
    const addresses = peerAddresses(peer, decode(own.config, peer) ?? '');
    const pinned = platform.clusters.find((c) => c.name === peer)?.addresses.services[
      'clustermesh-apiserver'
    ];
    if (addresses.length === 0) {
      problems.push(`${peer}: no address in ${configName}`);
      continue;
    }
    const wrong = addresses.filter((address) => {
      const names = classifyHost(platform, address);
      return !(
        names.kind === 'pinned' &&
        names.cluster === peer &&
        names.service === 'clustermesh-apiserver'
      );
    });
    if (wrong.length > 0) {
      problems.push(
        `${peer}: ${wrong.join(', ')} is not its pinned clustermesh-apiserver address (${pinned ?? 'none'})`,
      );
      continue;
    }
    const theirs = observed.get(peer);
    if (!theirs?.serving) {
      problems.push(`${peer}: does not serve, its ${CLUSTERMESH_APISERVER_SERVICE} Service cannot be seen`);
      continue;
    }
    const service = theirs.apiserver;
    const assigned = service ? assignedAddresses(service) : [];
    if (!service || service.spec?.type !== 'LoadBalancer' || !pinned || !assigned.includes(pinned)) {
      problems.push(
        `${peer}: ${MESH_NAMESPACE}/${CLUSTERMESH_APISERVER_SERVICE} ${
          !service
            ? 'is missing'
            : `has ${assigned.join(', ') || 'no address'}, not the pinned ${pinned ?? '(none)'}`
        }`,
      );
      continue;
    }
    fine.push(`${peer} at ${addresses.join(',')}:${CLUSTERMESH_APISERVER_PORT} (${pinned} on its Service)`);
  }
  if (problems.length > 0) return { id, status: 'fail', evidence: problems.join('; ') };
  const outside = wanted.filter((p) => !scope.includes(p));
  return {
    id,
    status: 'pass',
    evidence: `${configName}: ${fine.join('; ') || 'no peer in scope'}${outside.length > 0 ? `; not judged (outside --cluster): ${outside.join(', ')}` : ''}`,
  };
}

/** Every ClusterMesh check, or one skipped with the reason when the spec meshes nothing. */
export function meshChecks(
  platform: Platform,
  observed: ReadonlyMap<string, MeshObservation>,
  scope: readonly string[],
  /** Whether `up` has installed the cluster's Cilium release (the state says so). */
  ciliumInstalled: (cluster: string) => boolean = () => true,
): VerifyCheck[] {
  const members = meshMembers(platform);
  if (members.length === 0)
    return [
      {
        id: 'mesh.ca',
        status: 'skipped',
        evidence:
          'ClusterMesh is off: fewer than two clusters run Cilium with a pinned clustermesh-apiserver address',
      },
    ];
  const inScope = members.filter((m) => scope.includes(m));
  if (inScope.length === 0) return [];
  // A mesh whose Cilium `up` has not installed yet is not built, not broken: nothing to judge.
  const notYet = inScope.filter((m) => !ciliumInstalled(m));
  if (notYet.length > 0) {
    const evidence = `Cilium is not installed on ${notYet.join(', ')} yet (up has not run its release)`;
    return [
      { id: 'mesh.ca', status: 'skipped', evidence },
      ...inScope.map((cluster): VerifyCheck => ({
        id: `mesh.peers.${cluster}`,
        status: 'skipped',
        evidence,
      })),
    ];
  }
  return [
    meshCaCheck(inScope, observed),
    ...inScope.map((cluster) => meshPeersCheck(platform, cluster, members, observed, scope)),
  ];
}

/** What one serving cluster has of the mesh (reads only; a missing object is left out). */
export async function observeMesh(client: Pick<KubeClient, 'getOptional'>): Promise<MeshObservation> {
  const secret = (name: string) =>
    client.getOptional<Obj>(`/api/v1/namespaces/${MESH_NAMESPACE}/secrets/${name}`);
  const [caSecret, certificates, configs, apiserver] = await Promise.all([
    secret(CILIUM_CA_SECRET),
    Promise.all(MESH_CERTIFICATE_SECRETS.map(secret)),
    Promise.all(MESH_CONFIG_SECRETS.map(secret)),
    client.getOptional<Obj>(`/api/v1/namespaces/${MESH_NAMESPACE}/services/${CLUSTERMESH_APISERVER_SERVICE}`),
  ]);
  const config = configs.find((c) => c !== undefined);
  return {
    serving: true,
    ...(caSecret ? { caSecret } : {}),
    certificates: certificates.filter((c): c is Obj => c !== undefined),
    ...(config ? { config } : {}),
    ...(apiserver ? { apiserver } : {}),
  };
}
