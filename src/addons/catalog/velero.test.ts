import { describe, expect, it } from 'vitest';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { validateObject } from '../../render/kube-schemas.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { chartFor } from '../charts.js';

/**
 * The repository-maintenance `global` entry is written whole into the velero-repo-maintenance
 * ConfigMap (`toPrettyJson`, charts/velero/templates/repo-maintenance-configmap.yaml at
 * velero-12.1.0); `podResources` is documented in values.yaml's comment there and in Velero's
 * docs/v1.18/repository-maintenance.md.
 */
const FREE_FORM = ['configuration.repositoryMaintenanceJob.repositoryConfigData.global'];

const platform = testPlatform();
const clusters = platform.clusters.filter((c) => c.addons.includes('velero')).map((c) => c.name);
const mgmtMinio = platform.clusters.find((c) => c.name === 'mgmt')!.addresses.services.minio!;
const values = (cluster: string): any => renderAddon('velero', cluster).values;
const object = (cluster: string, kind: string, name: string, p = platform): any =>
  renderAddon('velero', cluster, p).manifests!.find((m) => m.kind === kind && m.metadata.name === name);

describe('velero', () => {
  it('runs on every cluster', () => {
    expect(clusters).toEqual(['mgmt', 'app1', 'app2']);
  });

  it.each(clusters)(
    '%s: values use only chart keys and pass the chart schema; manifests pass theirs',
    (cluster) => {
      const rendered = renderAddon('velero', cluster);
      const check = checkChartValues(chartFor('velero')!, rendered.values, FREE_FORM);
      expect(check.hasSchema).toBe(true);
      expect(check.unknownKeys).toEqual([]);
      expect(check.schemaErrors).toEqual([]);
      for (const m of rendered.manifests!) expect(() => validateObject(m)).not.toThrow();
    },
  );

  it('stores every cluster under its own prefix in the velero bucket, through mgmt’s pinned MinIO IP', () => {
    expect(mgmtMinio).toBe('192.168.64.203');
    for (const cluster of clusters) {
      const bsl = object(cluster, 'BackupStorageLocation', 'default');
      expect(bsl.metadata.namespace).toBe('velero');
      expect(bsl.spec).toEqual({
        provider: 'aws',
        default: true,
        accessMode: 'ReadWrite',
        objectStorage: { bucket: 'velero', prefix: cluster },
        config: { region: 'minio', s3ForcePathStyle: 'true', s3Url: `http://${mgmtMinio}:9000` },
        credential: { name: 'velero-credentials', key: 'cloud' },
      });
      expect(JSON.stringify(bsl)).not.toContain('.svc');
    }
  });

  it('marks the management cluster’s location for an off-cluster copy, and only that one (correction 26)', () => {
    expect(
      object('mgmt', 'BackupStorageLocation', 'default').metadata.labels['platformctl.dev/offsite-copy'],
    ).toBe('required');
    expect(object('app1', 'BackupStorageLocation', 'default').metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'platformctl',
    });
  });

  it('daily-full-backup follows §15.2, without snapshot locations, with file-system backup', () => {
    for (const cluster of clusters) {
      const daily = object(cluster, 'Schedule', 'daily-full-backup');
      expect(daily.spec.schedule).toBe('0 2 * * *');
      const t = daily.spec.template;
      expect(t.includedNamespaces).toEqual(['*']);
      expect(t.excludedNamespaces.slice(0, 2)).toEqual(['kube-system', 'velero']);
      expect(t.includedResources).toEqual(['*']);
      expect(t.excludedResources).toEqual(['events', 'events.events.k8s.io']);
      expect(t.includeClusterResources).toBe(true);
      expect(t.storageLocation).toBe('default');
      expect(t.ttl).toBe('720h');
      expect(t.volumeSnapshotLocations).toBeUndefined();
      expect(t.snapshotVolumes).toBe(false);
      expect(t.defaultVolumesToFsBackup).toBe(true);
    }
    // MinIO's own volume (which holds the backups) is not backed up into itself.
    expect(object('mgmt', 'Schedule', 'daily-full-backup').spec.template.excludedNamespaces).toContain(
      'minio',
    );
    expect(object('app1', 'Schedule', 'daily-full-backup').spec.template.excludedNamespaces).not.toContain(
      'minio',
    );
  });

  it('hourly-critical-backup covers only the critical namespaces that exist on the cluster', () => {
    const mgmt = object('mgmt', 'Schedule', 'hourly-critical-backup');
    expect(mgmt.spec.schedule).toBe('0 * * * *');
    expect(mgmt.spec.template.includedNamespaces).toEqual(['vault', 'keycloak', 'monitoring']);
    expect(mgmt.spec.template.ttl).toBe('168h');
    expect(mgmt.spec.template.volumeSnapshotLocations).toBeUndefined();
    expect(mgmt.spec.template.defaultVolumesToFsBackup).toBe(true);
    expect(object('app1', 'Schedule', 'hourly-critical-backup').spec.template.includedNamespaces).toEqual([
      'monitoring',
    ]);

    const noKeycloak = testPlatform(
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec:\n  addons:\n    keycloak: { enabled: false }\n',
    );
    expect(
      object('mgmt', 'Schedule', 'hourly-critical-backup', noKeycloak).spec.template.includedNamespaces,
    ).toEqual(['vault', 'monitoring']);
  });

  it('runs the node agent with kopia file-system backup and no volume snapshots', () => {
    const v = values('app2');
    expect(v.deployNodeAgent).toBe(true);
    expect(v.snapshotsEnabled).toBe(false);
    expect(v.configuration.uploaderType).toBe('kopia');
    expect(v.configuration.defaultVolumesToFsBackup).toBe(true);
    expect(v.configuration.backupStorageLocation).toEqual([]);
    expect(v.configuration.volumeSnapshotLocation).toEqual([]);
  });

  it('pins the AWS plugin for Velero 1.18 and reads credentials from an existing Secret', () => {
    const v = values('mgmt');
    expect(v.initContainers).toHaveLength(1);
    expect(v.initContainers[0].image).toBe('docker.io/velero/velero-plugin-for-aws:v1.14.2');
    expect(v.initContainers[0].volumeMounts).toEqual([{ mountPath: '/target', name: 'plugins' }]);
    expect(v.credentials).toEqual({ useSecret: true, existingSecret: 'velero-credentials' });
    // No secret material anywhere.
    expect(JSON.stringify(renderAddon('velero', 'mgmt'))).not.toMatch(/aws_secret_access_key|secretContents/);
  });

  it('sets requests and limits on every container it configures', () => {
    const v = values('app1');
    expect(v.resources).toEqual(RESOURCES.medium);
    expect(v.initContainers[0].resources).toEqual(RESOURCES.small);
    expect(v.upgradeJobResources).toEqual(RESOURCES.small);
    expect(v.kubectl.resources).toEqual(RESOURCES.small);
    expect(v.nodeAgent.resources.limits.memory).toBe('1Gi');
    expect(v.nodeAgent.resources.requests.cpu).toBeTruthy();
    const pod = v.configuration.repositoryMaintenanceJob.repositoryConfigData.global.podResources;
    expect(Object.keys(pod).sort()).toEqual(['cpuLimit', 'cpuRequest', 'memoryLimit', 'memoryRequest']);
  });

  it('renders deterministically', () => {
    expect(renderAddon('velero', 'mgmt')).toEqual(renderAddon('velero', 'mgmt', testPlatform()));
  });
});
