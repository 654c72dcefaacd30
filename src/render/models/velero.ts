/**
 * Velero v1.18 custom resources (velero.io/v1), from the Velero API reference.
 */
import { type Static, Type } from '@sinclair/typebox';
import { LabelSelector, resource, strict } from './common.js';

/** Go durations as Velero writes them, e.g. 720h0m0s or 168h. */
const Duration = Type.String({ pattern: '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$' });

export const BackupSpec = Type.Object(
  {
    metadata: Type.Optional(
      Type.Object({ labels: Type.Optional(Type.Record(Type.String(), Type.String())) }, strict),
    ),
    includedNamespaces: Type.Optional(Type.Array(Type.String())),
    excludedNamespaces: Type.Optional(Type.Array(Type.String())),
    includedResources: Type.Optional(Type.Array(Type.String())),
    excludedResources: Type.Optional(Type.Array(Type.String())),
    includedClusterScopedResources: Type.Optional(Type.Array(Type.String())),
    excludedClusterScopedResources: Type.Optional(Type.Array(Type.String())),
    includedNamespaceScopedResources: Type.Optional(Type.Array(Type.String())),
    excludedNamespaceScopedResources: Type.Optional(Type.Array(Type.String())),
    includeClusterResources: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    labelSelector: Type.Optional(LabelSelector),
    orLabelSelectors: Type.Optional(Type.Array(LabelSelector)),
    snapshotVolumes: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    ttl: Type.Optional(Duration),
    storageLocation: Type.Optional(Type.String()),
    volumeSnapshotLocations: Type.Optional(Type.Array(Type.String())),
    defaultVolumesToFsBackup: Type.Optional(Type.Boolean()),
    snapshotMoveData: Type.Optional(Type.Boolean()),
    csiSnapshotTimeout: Type.Optional(Duration),
    itemOperationTimeout: Type.Optional(Duration),
  },
  strict,
);

export const Schedule = resource(
  'velero.io/v1',
  'Schedule',
  Type.Object(
    {
      schedule: Type.String({ minLength: 1 }),
      template: BackupSpec,
      useOwnerReferencesInBackup: Type.Optional(Type.Boolean()),
      paused: Type.Optional(Type.Boolean()),
      skipImmediately: Type.Optional(Type.Boolean()),
    },
    strict,
  ),
);
export type Schedule = Static<typeof Schedule>;

export const BackupStorageLocation = resource(
  'velero.io/v1',
  'BackupStorageLocation',
  Type.Object(
    {
      provider: Type.String({ minLength: 1 }),
      objectStorage: Type.Object(
        {
          bucket: Type.String({ minLength: 1 }),
          prefix: Type.Optional(Type.String()),
          caCert: Type.Optional(Type.String()),
        },
        strict,
      ),
      config: Type.Optional(Type.Record(Type.String(), Type.String())),
      credential: Type.Optional(Type.Object({ name: Type.String(), key: Type.String() }, strict)),
      default: Type.Optional(Type.Boolean()),
      accessMode: Type.Optional(Type.Union([Type.Literal('ReadWrite'), Type.Literal('ReadOnly')])),
      backupSyncPeriod: Type.Optional(Duration),
      validationFrequency: Type.Optional(Duration),
    },
    strict,
  ),
);
export type BackupStorageLocation = Static<typeof BackupStorageLocation>;
