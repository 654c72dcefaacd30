import { describe, expect, it } from 'vitest';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';

const CLUSTERS = ['mgmt', 'app1', 'app2'] as const;

/**
 * Keys the chart reads but its values.yaml only mentions in comments, verified in the templates of
 * rancher/local-path-provisioner v0.0.37 (deploy/chart/local-path-provisioner):
 * - storageClass.provisionerName: _helpers.tpl "local-path-provisioner.provisionerName";
 * - storageClassConfigs: storageclass.yaml (one StorageClass per entry, from its `storageClass`
 *   map) and configmap.yaml (its nodePathMap / sharedFileSystemPath into config.json).
 */
const FREE_FORM = ['storageClass.provisionerName', 'storageClassConfigs'];

interface ClassConfig {
  storageClass: {
    create: boolean;
    defaultClass: boolean;
    defaultVolumeType: string;
    reclaimPolicy: string;
    volumeBindingMode: string;
  };
  nodePathMap: { node: string; paths: string[] }[];
}
interface LocalPathValues {
  storageClass: { provisionerName: string };
  storageClassConfigs: Record<string, ClassConfig>;
  nodePathMap: { node: string; paths: string[] }[];
  helperImage: { repository: string; tag: string };
  resources: unknown;
  helperPod: { resources: unknown };
  podSecurityContext: Record<string, unknown>;
  securityContext: Record<string, unknown>;
}
const values = (cluster: string) => renderAddon('local-path', cluster).values as unknown as LocalPathValues;

describe('local-path', () => {
  it.each(CLUSTERS)('uses only keys of the pinned chart (%s)', (cluster) => {
    const check = checkChartValues(chartFor('local-path')!, values(cluster), FREE_FORM);
    expect(check.unknownKeys).toEqual([]);
    expect(check.schemaErrors).toEqual([]);
    // Nothing else is waved through: without the verified keys, exactly those are reported.
    expect(checkChartValues(chartFor('local-path')!, values(cluster)).unknownKeys).toEqual(FREE_FORM);
  });

  it.each(CLUSTERS)('creates the seed’s two StorageClasses with the seed’s provisioner (%s)', (cluster) => {
    const v = values(cluster);
    expect(v.storageClass.provisionerName).toBe('rancher.io/local-path');
    expect(Object.keys(v.storageClassConfigs)).toEqual(['local-path', 'local-path-retain']);
    expect(v.storageClassConfigs['local-path']!.storageClass).toEqual({
      create: true,
      defaultClass: true,
      defaultVolumeType: 'hostPath',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    expect(v.storageClassConfigs['local-path-retain']!.storageClass).toEqual({
      create: true,
      defaultClass: false,
      defaultVolumeType: 'hostPath',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
  });

  it.each(CLUSTERS)('stores volumes under /var/lib/rancher/local-path on every node (%s)', (cluster) => {
    const v = values(cluster);
    const expected = [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: ['/var/lib/rancher/local-path'] }];
    for (const config of Object.values(v.storageClassConfigs)) expect(config.nodePathMap).toEqual(expected);
    expect(v.nodePathMap).toEqual(expected);
  });

  it.each(CLUSTERS)('pins the helper image and restricts the provisioner itself (%s)', (cluster) => {
    const v = values(cluster);
    expect(v.helperImage.tag).not.toBe('latest');
    expect(v.podSecurityContext).toMatchObject({ runAsNonRoot: true });
    expect(v.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    for (const resources of [v.resources, v.helperPod.resources]) {
      expect(resources).toMatchObject({
        requests: { cpu: expect.any(String), memory: expect.any(String) },
        limits: { cpu: expect.any(String), memory: expect.any(String) },
      });
    }
  });

  it('runs in a namespace with a recorded privileged exemption (helper pods use hostPath)', () => {
    const exemption = testPlatform().podSecurity.exemptions.find((e) => e.namespace === 'local-path-storage');
    expect(exemption?.level).toBe('privileged');
  });

  it('renders nothing but values, the same twice', () => {
    for (const cluster of CLUSTERS) {
      expect(renderAddon('local-path', cluster).manifests).toBeUndefined();
      expect(renderAddon('local-path', cluster)).toEqual(renderAddon('local-path', cluster));
    }
  });
});
