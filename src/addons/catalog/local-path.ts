/**
 * Local Path Provisioner (seed §7.5), chart local-path-provisioner 0.0.37.
 *
 * Both StorageClasses of the seed come from the chart: `storageClassConfigs` makes it create one
 * class per entry and gives each its own provisioner config (templates/storageclass.yaml and
 * configmap.yaml at v0.0.37). The provisioner name is the seed's `rancher.io/local-path` instead
 * of the chart's generated `cluster.local/<release>`.
 *
 * Helper pods create and delete the volume directories through a hostPath mount and run as root:
 * the chart offers no securityContext for them, so they need the privileged Pod Security level
 * of this namespace (a recorded exemption, correction 11). The provisioner itself is restricted.
 */
import type { RenderContext } from '../../render/context.js';
import { RESOURCES } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';

export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
export const LOCAL_PATH_DIR = '/var/lib/rancher/local-path';
export const STORAGE_CLASS = 'local-path';
export const STORAGE_CLASS_RETAIN = 'local-path-retain';
/** The chart's helper image defaults to busybox:latest; pinned so node images do not drift. */
export const HELPER_IMAGE = { repository: 'docker.io/library/busybox', tag: '1.37.0' } as const;

const nodePathMap = [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: [LOCAL_PATH_DIR] }];

function storageClass(defaultClass: boolean, reclaimPolicy: 'Delete' | 'Retain') {
  return {
    storageClass: {
      create: true,
      defaultClass,
      defaultVolumeType: 'hostPath',
      reclaimPolicy,
      // Bind only once the pod's node is chosen: the volume lives on that node.
      volumeBindingMode: 'WaitForFirstConsumer',
    },
    nodePathMap,
  };
}

export function renderLocalPath(ctx: RenderContext): RenderedAddon {
  void ctx;
  return {
    values: {
      storageClass: { provisionerName: LOCAL_PATH_PROVISIONER },
      storageClassConfigs: {
        [STORAGE_CLASS]: storageClass(true, 'Delete'),
        [STORAGE_CLASS_RETAIN]: storageClass(false, 'Retain'),
      },
      // Unused while storageClassConfigs is set (the provisioner then reads only those), kept equal.
      nodePathMap,
      helperImage: HELPER_IMAGE,
      resources: RESOURCES.small,
      helperPod: { resources: RESOURCES.small },
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
        runAsUser: 65534,
        runAsGroup: 65534,
      },
    },
  };
}

export const localPath: AddonDefinition = {
  name: 'local-path',
  title: 'Local Path Provisioner (StorageClasses local-path and local-path-retain)',
  phase: 'infrastructure',
  namespace: 'local-path-storage',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'cilium', on: 'same', why: 'pods need the CNI' }],
  after: [],
  podSecurity: { level: 'privileged', why: 'its helper pods create volumes through hostPath' },
  seed: '§7.5, §10.2 1.4',
  render: renderLocalPath,
};
