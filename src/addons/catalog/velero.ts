import type { SecretDemand } from '../../kube/generated-secrets.js';
import type { RenderContext } from '../../render/context.js';
import type { BackupStorageLocation, Schedule } from '../../render/models/velero.js';
import { MANAGED_BY, plain } from '../../kube/objects.js';
import { RESOURCES, type ResourceSpec } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import type { KubeObject } from '../../kube/objects.js';
import { keycloak } from './keycloak.js';
import { type MINIO_BUCKETS, minio, minioEndpoint, objectStoreUser, secretKeyOf } from './minio.js';
import { prometheus } from './prometheus.js';
import { vault } from './vault.js';

/** The MinIO bucket all clusters back up into (one prefix per cluster); one of the buckets MinIO creates. */
export const VELERO_BUCKET: (typeof MINIO_BUCKETS)[number] = 'velero';
/**
 * The Secret the chart mounts at /credentials/cloud: an AWS shared-credentials file under key
 * `cloud` with this cluster's MinIO user (`velero-<cluster>`, limited to the cluster's prefix).
 * The engine's secrets step creates it from the project's credential store, not through Vault:
 * Velero is how Vault itself is restored, so its credentials must not depend on Vault (or on
 * the management cluster) being up.
 */
export const CREDENTIALS_SECRET = 'velero-credentials';
export const CREDENTIALS_KEY = 'cloud';
export const STORAGE_LOCATION = 'default';
/** Velero's AWS object-store plugin; v1.14.x is built against Velero v1.18 (its go.mod at v1.14.2). */
export const AWS_PLUGIN_IMAGE = 'docker.io/velero/velero-plugin-for-aws:v1.14.2';

/** The namespaces of the seed's hourly schedule (§15.2), by the add-on that owns each. */
const CRITICAL_ADDONS: readonly AddonDefinition[] = [vault, keycloak, prometheus];

/** kopia (through the node agent) streams file data: give it room beyond the server's. */
const NODE_AGENT: ResourceSpec = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '1000m', memory: '1Gi' },
};

/** A fresh copy per container, so that the values YAML carries no anchors and aliases. */
const resources = (spec: ResourceSpec) => ({ requests: { ...spec.requests }, limits: { ...spec.limits } });

function credentials(cluster: string): SecretDemand {
  const user = objectStoreUser(VELERO_BUCKET, cluster);
  return {
    namespace: velero.namespace,
    name: CREDENTIALS_SECRET,
    data: {
      [CREDENTIALS_KEY]: {
        awsCredentials: { accessKeyId: user.accessKeyId, secret: secretKeyOf(user).generated },
      },
    },
    why: `Velero's MinIO user ${user.accessKeyId}, as an AWS credentials file`,
  };
}

const metadata = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: velero.namespace,
  labels: { ...MANAGED_BY },
  ...extra,
});

/** True where MinIO itself runs: that cluster's backups would sit in its own object store (correction 26). */
function holdsItsOwnBackups(ctx: RenderContext): boolean {
  return ctx.cluster.name === ctx.management.name && ctx.enabled('minio');
}

function storageLocation(ctx: RenderContext): KubeObject {
  const offsite = holdsItsOwnBackups(ctx)
    ? {
        labels: { ...MANAGED_BY, 'platformctl.dev/offsite-copy': 'required' },
        annotations: {
          // TODO(#13): `platformctl backup` copies the prefix off the cluster; until then it is the user's job.
          'platformctl.dev/offsite-copy': `this cluster's backups live in its own MinIO: copy s3://${VELERO_BUCKET}/${ctx.cluster.name}/ off the cluster (correction 26)`,
        },
      }
    : {};
  const bsl: BackupStorageLocation = {
    apiVersion: 'velero.io/v1',
    kind: 'BackupStorageLocation',
    metadata: metadata(STORAGE_LOCATION, offsite),
    spec: {
      provider: 'aws',
      default: true,
      accessMode: 'ReadWrite',
      objectStorage: { bucket: VELERO_BUCKET, prefix: ctx.cluster.name },
      // Through mgmt's pinned LoadBalancer IP from every cluster (correction 8), never a *.svc name.
      config: { region: 'minio', s3ForcePathStyle: 'true', s3Url: minioEndpoint(ctx) },
      credential: { name: CREDENTIALS_SECRET, key: CREDENTIALS_KEY },
    },
  };
  return plain(bsl);
}

function schedules(ctx: RenderContext): KubeObject[] {
  // MinIO's volume holds the backups themselves: backing it up into itself would grow without bound.
  const excluded = ['kube-system', velero.namespace, ...(ctx.enabled('minio') ? [minio.namespace] : [])];
  const daily: Schedule = {
    apiVersion: 'velero.io/v1',
    kind: 'Schedule',
    metadata: metadata('daily-full-backup'),
    spec: {
      schedule: '0 2 * * *',
      template: {
        includedNamespaces: ['*'],
        excludedNamespaces: excluded,
        includedResources: ['*'],
        excludedResources: ['events', 'events.events.k8s.io'],
        includeClusterResources: true,
        storageLocation: STORAGE_LOCATION,
        // local-path volumes cannot be snapshotted (correction 25): file-system backup instead (correction 26).
        snapshotVolumes: false,
        defaultVolumesToFsBackup: true,
        ttl: '720h',
      },
    },
  };
  const critical = CRITICAL_ADDONS.filter((addon) => ctx.enabled(addon.name)).map((addon) => addon.namespace);
  const hourly: Schedule = {
    apiVersion: 'velero.io/v1',
    kind: 'Schedule',
    metadata: metadata('hourly-critical-backup'),
    spec: {
      schedule: '0 * * * *',
      template: {
        includedNamespaces: critical,
        storageLocation: STORAGE_LOCATION,
        snapshotVolumes: false,
        defaultVolumesToFsBackup: true,
        ttl: '168h',
      },
    },
  };
  return [plain(daily), ...(critical.length > 0 ? [plain(hourly)] : [])];
}

export const velero: AddonDefinition = {
  name: 'velero',
  title: 'Velero with file-system backup',
  phase: 'backup-security',
  namespace: 'velero',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'minio', on: 'management', why: 'backups are stored in the MinIO velero bucket' }],
  after: [],
  podSecurity: {
    level: 'privileged',
    why: 'the node agent reads pod volumes through hostPath (correction 26)',
  },
  seed: '§15.1-15.2, §10.2 6.1 (correction 26)',
  plan: { releaseSeconds: 45 },
  render: (ctx: RenderContext): RenderedAddon => ({
    values: {
      initContainers: [
        {
          name: 'velero-plugin-for-aws',
          image: AWS_PLUGIN_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          volumeMounts: [{ mountPath: '/target', name: 'plugins' }],
          resources: resources(RESOURCES.small),
        },
      ],
      resources: resources(RESOURCES.medium),
      upgradeJobResources: resources(RESOURCES.small),
      kubectl: { resources: resources(RESOURCES.small) },
      credentials: { useSecret: true, existingSecret: CREDENTIALS_SECRET },
      // The storage location and the schedules are rendered as typed manifests below.
      configuration: {
        backupStorageLocation: [],
        volumeSnapshotLocation: [],
        uploaderType: 'kopia',
        defaultVolumesToFsBackup: true,
        repositoryMaintenanceJob: {
          repositoryConfigData: {
            global: {
              keepLatestMaintenanceJobs: 3,
              podResources: {
                cpuRequest: RESOURCES.medium.requests.cpu,
                memoryRequest: RESOURCES.medium.requests.memory,
                cpuLimit: RESOURCES.medium.limits.cpu,
                memoryLimit: RESOURCES.medium.limits.memory,
              },
            },
          },
        },
      },
      backupsEnabled: true,
      // local-path is not CSI: there is nothing to snapshot (correction 25).
      snapshotsEnabled: false,
      deployNodeAgent: true,
      nodeAgent: { resources: resources(NODE_AGENT) },
    },
    manifests: [storageLocation(ctx), ...schedules(ctx)],
    secrets: [credentials(ctx.cluster.name)],
  }),
};
