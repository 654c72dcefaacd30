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
 * the chart's default user `console`/`console123` is removed (correction 21). Each object store's
 * client gets a MinIO user of its own (Thanos, Loki, Tempo, and Velero per cluster) limited to its
 * bucket (or, for Velero, its cluster's prefix); the chart's post-install job creates the users
 * from the engine's Secret `minio-users` (one key per user), and each client's namespace gets its
 * access key in a Secret of its own (`s3Credentials`).
 */
import type { SecretDemand, ValueSource } from '../../kube/generated-secrets.js';
import type { RenderContext } from '../../render/context.js';
import { pinnedAddress } from '../../kube/objects.js';
import { RESOURCES } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import { reachableAddress } from '../../render/endpoints.js';

export const MINIO_NAMESPACE = 'minio';
/** chart value fullnameOverride: the Deployment, PVC and S3 Service are `minio`, the console `minio-console`. */
export const MINIO_FULLNAME = 'minio';
/** Created by the engine from generated material before the release; the chart reads these keys. */
export const MINIO_ROOT_SECRET = 'minio-root';
export const MINIO_API_PORT = 9000;
/** One bucket per object store on the platform (001 §7.5, §12, §15). */
export const MINIO_BUCKETS = ['thanos', 'loki', 'tempo', 'velero'] as const;

/** Created by the engine: one key per MinIO user (its secret key), read by the chart's user job. */
export const MINIO_USERS_SECRET = 'minio-users';

type Bucket = (typeof MINIO_BUCKETS)[number];

/** A MinIO user of one object store's client: its access key id, and where it may write. */
export interface ObjectStoreUser {
  readonly accessKeyId: string;
  readonly bucket: Bucket;
  /** Velero: only below its cluster's prefix of the shared bucket. */
  readonly prefix?: string;
}

/** The user of the `thanos`, `loki` or `tempo` bucket, or of one cluster's Velero backups. */
export function objectStoreUser(bucket: Bucket, cluster?: string): ObjectStoreUser {
  return bucket === 'velero'
    ? { accessKeyId: `velero-${cluster}`, bucket, prefix: cluster! }
    : { accessKeyId: bucket, bucket };
}

/** The generated secret key of a MinIO user (one name in the credential store for both sides). */
export function secretKeyOf(user: ObjectStoreUser): Extract<ValueSource, { generated: string }> {
  return { generated: `minio/${user.accessKeyId}` };
}

/**
 * The Secret an S3 client reads its MinIO credentials from, as the AWS SDK's environment
 * variables (Thanos, Loki and Tempo read AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
 */
export function s3Credentials(namespace: string, name: string, user: ObjectStoreUser): SecretDemand {
  return {
    namespace,
    name,
    data: { AWS_ACCESS_KEY_ID: { text: user.accessKeyId }, AWS_SECRET_ACCESS_KEY: secretKeyOf(user) },
    why: `the MinIO user ${user.accessKeyId} of the ${user.bucket} bucket`,
  };
}

/** The users MinIO creates: one per object store in use on the platform. */
function usersOf(ctx: RenderContext): ObjectStoreUser[] {
  const mgmt = ctx.management.name;
  const users: ObjectStoreUser[] = [];
  if (ctx.enabled('thanos', mgmt) || ctx.enabled('prometheus', mgmt)) users.push(objectStoreUser('thanos'));
  if (ctx.enabled('loki', mgmt)) users.push(objectStoreUser('loki'));
  if (ctx.enabled('tempo', mgmt)) users.push(objectStoreUser('tempo'));
  for (const cluster of ctx.platform.clusters)
    if (ctx.enabled('velero', cluster.name)) users.push(objectStoreUser('velero', cluster.name));
  return users;
}

const policyName = (user: ObjectStoreUser) => `platform-${user.accessKeyId}`;

/** Read and write of its own objects; list and locate its bucket (MinIO's policy grammar is S3's). */
function policyOf(user: ObjectStoreUser) {
  const objects = user.prefix ? `${user.bucket}/${user.prefix}/*` : `${user.bucket}/*`;
  return {
    name: policyName(user),
    statements: [
      {
        resources: [`arn:aws:s3:::${objects}`],
        actions: [
          's3:AbortMultipartUpload',
          's3:DeleteObject',
          's3:GetObject',
          's3:ListMultipartUploadParts',
          's3:PutObject',
        ],
      },
      {
        resources: [`arn:aws:s3:::${user.bucket}`],
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
      },
    ],
  };
}

/** The S3 endpoint every cluster uses (plain HTTP on the node network; the chart's TLS is off). */
export function minioEndpoint(ctx: RenderContext): string {
  const address = ctx.addresses(ctx.management.name).services.minio;
  if (!address) throw new Error(`minio is not enabled on the management cluster ${ctx.management.name}`);
  return `http://${reachableAddress(ctx.platform, address)}:${MINIO_API_PORT}`;
}

export function renderMinio(ctx: RenderContext): RenderedAddon {
  const address = ctx.addresses().services.minio;
  if (!address) throw new Error(`minio has no pinned address on cluster ${ctx.cluster.name}`);
  const users = usersOf(ctx);
  const values = {
    fullnameOverride: MINIO_FULLNAME,
    mode: 'standalone',
    existingSecret: MINIO_ROOT_SECRET,
    // The chart's default is a hard-coded console/console123 admin; these replace it.
    users: users.map((user) => ({
      accessKey: user.accessKeyId,
      existingSecret: MINIO_USERS_SECRET,
      existingSecretKey: user.accessKeyId,
      policy: policyName(user),
    })),
    policies: users.map(policyOf),
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
    makeUserJob: { resources: structuredClone(RESOURCES.small) },
    makePolicyJob: { resources: structuredClone(RESOURCES.small) },
  };
  const secrets: SecretDemand[] = [
    {
      namespace: MINIO_NAMESPACE,
      name: MINIO_ROOT_SECRET,
      data: { rootUser: { text: 'platform-admin' }, rootPassword: { generated: 'minio/root' } },
      why: "MinIO's root user",
    },
  ];
  if (users.length > 0)
    secrets.push({
      namespace: MINIO_NAMESPACE,
      name: MINIO_USERS_SECRET,
      data: Object.fromEntries(users.map((user) => [user.accessKeyId, secretKeyOf(user)])),
      why: "the object stores' MinIO users, which the chart's post-install job creates",
    });
  return { values, secrets };
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
