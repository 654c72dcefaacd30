/**
 * Helm releases read straight from the cluster: Helm 3 keeps each revision in a Secret of the
 * release's namespace (type helm.sh/release.v1, labels owner=helm, name=<release>,
 * version=<revision>) whose `release` field is the release as JSON, gzipped and base64-encoded
 * (helm's pkg/storage/driver/secrets.go and util.go). Reading it through the API server answers
 * "is the release deployed with this chart, and which objects does it hold?" without starting a
 * helm process, which is what makes live checks of every release cheap.
 */
import { gunzipSync } from 'node:zlib';
import { parseObjects, type KubeObject } from '../kube/objects.js';
import type { KubeClient } from './kube.js';

export interface StoredRelease {
  readonly name: string;
  readonly namespace: string;
  readonly revision: number;
  /** deployed, failed, pending-install, pending-upgrade, superseded, uninstalling, ... */
  readonly status: string;
  /** name-version, as `helm history` shows it. */
  readonly chart: string;
  /** The rendered objects of this revision, as one YAML stream. */
  readonly manifest: string;
}

interface ReleaseSecret {
  readonly metadata: { readonly labels?: Readonly<Record<string, string>> };
  readonly data?: { readonly release?: string };
}

interface ReleaseJson {
  name?: string;
  namespace?: string;
  version?: number;
  info?: { status?: string };
  chart?: { metadata?: { name?: string; version?: string } };
  manifest?: string;
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/** Helm's encoding of a release: base64 of (usually gzipped) JSON. */
export function decodeRelease(encoded: string): ReleaseJson {
  const bytes = Buffer.from(encoded, 'base64');
  const json = bytes.subarray(0, 2).equals(GZIP_MAGIC) ? gunzipSync(bytes) : bytes;
  return JSON.parse(json.toString('utf8')) as ReleaseJson;
}

/** The newest revision of a release, or undefined when there is none. */
export async function latestRelease(
  client: Pick<KubeClient, 'list'>,
  name: string,
  namespace: string,
): Promise<StoredRelease | undefined> {
  const secrets = await client.list<ReleaseSecret>('v1', 'Secret', namespace, {
    labelSelector: `owner=helm,name=${name}`,
  });
  const newest = secrets
    .map((s) => ({ secret: s, revision: Number(s.metadata.labels?.['version'] ?? 0) }))
    .sort((a, b) => b.revision - a.revision)[0];
  const encoded = newest?.secret.data?.release;
  if (!newest || !encoded) return undefined;
  // The API server base64-encodes Secret data; helm's own base64 is inside.
  const release = decodeRelease(Buffer.from(encoded, 'base64').toString('utf8'));
  const chart = release.chart?.metadata;
  return {
    name: release.name ?? name,
    namespace: release.namespace ?? namespace,
    revision: release.version ?? newest.revision,
    status: release.info?.status ?? 'unknown',
    chart: `${chart?.name ?? '?'}-${chart?.version ?? '?'}`,
    manifest: release.manifest ?? '',
  };
}

/** The objects of a release's revision, each in its namespace: helm leaves the release's out of namespaced templates. */
export function releaseObjects(release: Pick<StoredRelease, 'manifest' | 'namespace'>): KubeObject[] {
  return parseObjects(release.manifest).map((o) =>
    o.metadata.namespace ? o : { ...o, metadata: { ...o.metadata, namespace: release.namespace } },
  );
}
