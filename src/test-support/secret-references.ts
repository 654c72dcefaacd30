/**
 * Which Secrets a rendered tree refers to (pods' env and volumes, `existingSecret`-style values,
 * issuers' CA bundles, Gateway certificates, K8sGPT's key) and which the platform produces (the
 * engine's `secrets.json` and `vault-ca.json` demands, ExternalSecrets, cert-manager
 * Certificates, Secret objects in manifests). For the tests that every reference has a producer.
 */
import { parse, parseAllDocuments } from 'yaml';
import type { SecretDemands } from '../kube/generated-secrets.js';
import type { Artifact } from '../render/artifacts.js';

export interface SecretReference {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  /** The file and the key path that names it. */
  readonly from: string;
}

export interface SecretProducer {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  /** `engine` (a secrets step), `ExternalSecret`, `Certificate` or `manifest`. */
  readonly by: 'engine' | 'ExternalSecret' | 'Certificate' | 'manifest';
}

export const secretKey = (s: { cluster: string; namespace: string; name: string }) =>
  `${s.cluster}/${s.namespace}/${s.name}`;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** Keys whose string value is a Secret's name. */
const NAME_KEYS = new Set(['existingSecret', 'secretName']);
/**
 * Keys whose object value names a Secret in `name`: pods' env, cert-manager's CA bundle, External
 * Secrets' CA provider, Velero's storage location credential, K8sGPT's API key.
 */
const REF_KEYS = new Set([
  'secretKeyRef',
  'secretRef',
  'caBundleSecretRef',
  'caProvider',
  'credential',
  'secret',
]);

function clusterOf(path: string): string | undefined {
  return /^clusters\/([^/]+)\//.exec(path)?.[1];
}

/** Walks plain data for Secret names; `inCertificate` skips a Certificate's own output. */
function walk(value: unknown, trail: string, found: (name: string, trail: string) => void): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${trail}[${i}]`, found));
    return;
  }
  if (typeof value === 'string') {
    // Values that carry Kubernetes YAML as a string (keycloakx's extraEnv).
    if (/secretKeyRef|secretRef/.test(value)) walk(parse(value) as unknown, `${trail}(yaml)`, found);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Record<string, unknown>;
  for (const [key, child] of Object.entries(object)) {
    const at = trail ? `${trail}.${key}` : key;
    if (NAME_KEYS.has(key) && typeof child === 'string' && NAME.test(child)) found(child, at);
    // Helm charts' volume lists: { type: secret, name } (Vault's server.extraVolumes).
    else if (key === 'name' && object['type'] === 'secret' && typeof child === 'string') found(child, at);
    else if (REF_KEYS.has(key) && typeof (child as { name?: unknown })?.name === 'string')
      found((child as { name: string }).name, `${at}.name`);
    else if (key === 'certificateRefs' && Array.isArray(child))
      for (const ref of child as { kind?: string; name: string }[]) {
        if ((ref.kind ?? 'Secret') === 'Secret') found(ref.name, `${at}`);
      }
    else walk(child, at, found);
  }
}

function objectsOf(artifact: Artifact): Record<string, unknown>[] {
  return parseAllDocuments(artifact.content)
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((o): o is Record<string, unknown> => o !== null && typeof o === 'object' && 'metadata' in o);
}

const metadataOf = (o: Record<string, unknown>) => o['metadata'] as { name: string; namespace?: string };

export function secretReferences(tree: readonly Artifact[]): SecretReference[] {
  const out: SecretReference[] = [];
  const namespaces = new Map<string, string>();
  for (const artifact of tree)
    if (artifact.path.endsWith('/release.json'))
      namespaces.set(
        artifact.path.replace(/release\.json$/, ''),
        (JSON.parse(artifact.content) as { namespace: string }).namespace,
      );
  for (const artifact of tree) {
    const cluster = clusterOf(artifact.path);
    if (!cluster) continue;
    if (artifact.path.endsWith('/values.yaml')) {
      const namespace = namespaces.get(artifact.path.replace(/values\.yaml$/, ''))!;
      walk(parse(artifact.content) as unknown, '', (name, trail) =>
        out.push({ cluster, namespace, name, from: `${artifact.path}: ${trail}` }),
      );
    } else if (artifact.path.endsWith('.yaml') && !artifact.path.includes('/nodes/')) {
      for (const object of objectsOf(artifact)) {
        const kind = object['kind'] as string;
        if (kind === 'Secret' || kind === 'ExternalSecret') continue;
        const metadata = metadataOf(object);
        // A Certificate's secretName is what it produces, not what it reads.
        const spec =
          kind === 'Certificate' ? { ...(object['spec'] as object), secretName: undefined } : object['spec'];
        walk(spec, `${kind} ${metadata.name}.spec`, (name, trail) => {
          const refNamespace = /certificateRefs/.test(trail)
            ? ((
                (
                  object['spec'] as {
                    listeners?: { tls?: { certificateRefs?: { name: string; namespace?: string }[] } }[];
                  }
                ).listeners ?? []
              )
                .flatMap((l) => l.tls?.certificateRefs ?? [])
                .find((r) => r.name === name)?.namespace ?? metadata.namespace)
            : metadata.namespace;
          // Cluster-scoped objects (ClusterIssuer, ClusterSecretStore) read from their controller's namespace.
          const namespace = refNamespace ?? clusterScopedNamespace(kind);
          out.push({ cluster, namespace, name, from: `${artifact.path}: ${trail}` });
        });
      }
    }
  }
  return out;
}

/** Where a cluster-scoped object's controller looks up the Secrets it names (cluster resource namespace). */
function clusterScopedNamespace(kind: string): string {
  if (kind === 'ClusterIssuer') return 'cert-manager';
  if (kind === 'ClusterSecretStore') return 'external-secrets';
  return '(cluster)';
}

export function secretProducers(tree: readonly Artifact[]): SecretProducer[] {
  const out: SecretProducer[] = [];
  for (const artifact of tree) {
    const cluster = clusterOf(artifact.path);
    if (!cluster) continue;
    if (artifact.path.endsWith('/secrets.json') || artifact.path.endsWith('/vault-ca.json')) {
      for (const demand of (JSON.parse(artifact.content) as SecretDemands).secrets)
        out.push({ cluster, namespace: demand.namespace, name: demand.name, by: 'engine' });
      continue;
    }
    if (!artifact.path.endsWith('.yaml') || artifact.path.includes('/nodes/')) continue;
    for (const object of objectsOf(artifact)) {
      const metadata = metadataOf(object);
      const spec = object['spec'] as Record<string, unknown> | undefined;
      if (object['kind'] === 'ExternalSecret') {
        const target = (spec?.['target'] as { name?: string } | undefined)?.name ?? metadata.name;
        out.push({ cluster, namespace: metadata.namespace!, name: target, by: 'ExternalSecret' });
      } else if (object['kind'] === 'Certificate') {
        out.push({
          cluster,
          namespace: metadata.namespace!,
          name: spec!['secretName'] as string,
          by: 'Certificate',
        });
      } else if (object['kind'] === 'Secret') {
        out.push({ cluster, namespace: metadata.namespace!, name: metadata.name, by: 'manifest' });
      }
    }
  }
  return out;
}
