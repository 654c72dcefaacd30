/**
 * MinIO on the management cluster (001 §7.5, §10.2 2.1): one standalone server on a
 * `local-path-retain` volume, with the buckets of the platform's object stores. Its S3 API is a
 * LoadBalancer Service pinned to the address the other clusters' Velero use (correction 8).
 *
 * Chart: minio 5.4.0 (charts.min.io). Both MinIO charts are at their end: the minio/minio
 * repository says it is no longer maintained and 5.4.0 (2025-01) is its last chart; the operator
 * and tenant charts 7.1.1 (2025-04) are their last release too. The operator adds two operator
 * replicas and its CRDs to a 6 GiB worker and needs two releases (operator, then tenant), where
 * the catalog pins one chart per add-on; it buys no maintenance. So the single chart stays, with
 * its post-install job creating the buckets.
 *
 * The root credentials are the engine's Secret `minio-root` (keys `rootUser`, `rootPassword`);
 * the chart's default user `console`/`console123` is removed (correction 21).
 */
import type { RenderContext } from '../../render/context.js';
import { pinnedAddress } from '../../kube/objects.js';
import { RESOURCES } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';

export const MINIO_NAMESPACE = 'minio';
/** chart value fullnameOverride: the Deployment, PVC and S3 Service are `minio`, the console `minio-console`. */
export const MINIO_FULLNAME = 'minio';
/** Created by the engine from generated material before the release; the chart reads these keys. */
export const MINIO_ROOT_SECRET = 'minio-root';
export const MINIO_ROOT_SECRET_KEYS = ['rootUser', 'rootPassword'] as const;
export const MINIO_API_PORT = 9000;
/** One bucket per object store on the platform (001 §7.5, §12, §15). */
export const MINIO_BUCKETS = ['thanos', 'loki', 'tempo', 'velero'] as const;

/** The S3 endpoint every cluster uses (plain HTTP on the node network; the chart's TLS is off). */
export function minioEndpoint(ctx: RenderContext): string {
  const address = ctx.addresses(ctx.management.name).services.minio;
  if (!address) throw new Error(`minio is not enabled on the management cluster ${ctx.management.name}`);
  return `http://${address}:${MINIO_API_PORT}`;
}

export function renderMinio(ctx: RenderContext): RenderedAddon {
  const address = ctx.addresses().services.minio;
  if (!address) throw new Error(`minio has no pinned address on cluster ${ctx.cluster.name}`);
  const values = {
    fullnameOverride: MINIO_FULLNAME,
    mode: 'standalone',
    existingSecret: MINIO_ROOT_SECRET,
    // No users from values: the chart's default is a hard-coded console/console123 admin.
    users: [],
    buckets: MINIO_BUCKETS.map((name) => ({ name, policy: 'none', purge: false })),
    persistence: {
      enabled: true,
      storageClass: 'local-path-retain',
      size: ctx.volumeSize('minio'),
      // The chart's PVC is a release object: keep it (and the data) when the release is removed.
      annotations: { 'helm.sh/resource-policy': 'keep' },
    },
    // One ReadWriteOnce volume: never run two servers on it during an update.
    deploymentUpdate: { type: 'Recreate' },
    service: {
      type: 'LoadBalancer',
      port: String(MINIO_API_PORT),
      annotations: pinnedAddress(address),
    },
    // The chart asks 16Gi of memory by default.
    resources: structuredClone(RESOURCES.medium),
    makeBucketJob: { resources: structuredClone(RESOURCES.small) },
  };
  return { values };
}

export const minio: AddonDefinition = {
  name: 'minio',
  title: 'MinIO object storage (Thanos, Loki, Tempo and Velero buckets)',
  phase: 'core-platform',
  namespace: MINIO_NAMESPACE,
  scope: 'management',
  scopeReason: 'platform services run only on the management cluster (ADR-001)',
  defaultPlacement: 'management',
  requires: [{ addon: 'local-path', on: 'same', why: 'its data lives on a local-path-retain volume' }],
  after: [],
  seed: '§7.5, §10.2 2.1',
  plan: { releaseSeconds: 45 },
  render: renderMinio,
};
