/**
 * MetalLB in L2 mode (seed §19.2 net, correction 6), chart metallb 0.16.1.
 *
 * Each cluster announces only its own pool. The pool (less the API VIP, which kube-vip holds) is
 * split in two: the pinned slots other parts depend on (Gateway, ClusterMesh API server, Vault,
 * ...) with autoAssign off, so MetalLB gives them only to the Services that ask for them by the
 * `metallb.io/loadBalancerIPs` annotation; and the rest for any other LoadBalancer Service.
 */
import type { RenderContext } from '../../render/context.js';
import type { IPAddressPool, L2Advertisement } from '../../render/models/metallb.js';
import { MANAGED_BY, plain } from '../../kube/objects.js';
import { RESOURCES } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import type { KubeObject } from '../../kube/objects.js';

const NAMESPACE = 'metallb-system';

export function metallbPoolNames(clusterName: string): { pinned: string; dynamic: string; l2: string } {
  return { pinned: `${clusterName}-pinned`, dynamic: `${clusterName}-dynamic`, l2: `${clusterName}-l2` };
}

function metadata(name: string) {
  return { name, namespace: NAMESPACE, labels: { ...MANAGED_BY } };
}

export function renderMetallb(ctx: RenderContext): RenderedAddon {
  const { addresses } = ctx.cluster;
  const names = metallbPoolNames(ctx.cluster.name);
  const pools: IPAddressPool[] = [
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: metadata(names.pinned),
      spec: { addresses: [addresses.pinnedRange], autoAssign: false },
    },
  ];
  if (addresses.dynamicRange) {
    pools.push({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: metadata(names.dynamic),
      spec: { addresses: [addresses.dynamicRange], autoAssign: true },
    });
  }
  const advertisement: L2Advertisement = {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'L2Advertisement',
    metadata: metadata(names.l2),
    spec: { ipAddressPools: pools.map((pool) => pool.metadata.name) },
  };
  const workers = ctx.cluster.nodes.filter((node) => node.role === 'worker').length;
  const manifests: KubeObject[] = [...pools.map((pool) => plain(pool)), plain(advertisement)];
  return {
    values: {
      controller: { resources: RESOURCES.small },
      speaker: {
        resources: RESOURCES.small,
        // kubeadm labels control planes node.kubernetes.io/exclude-from-external-load-balancers;
        // a cluster without workers must announce from its control plane anyway.
        ignoreExcludeLB: workers === 0,
        frr: { enabled: false },
      },
      // L2 only: no BGP backend, so not the bundled frr-k8s DaemonSet the chart enables by default.
      frrk8s: { enabled: false },
    },
    manifests,
  };
}

export const metallb: AddonDefinition = {
  name: 'metallb',
  title: 'MetalLB (L2, one pool per cluster)',
  phase: 'infrastructure',
  namespace: 'metallb-system',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'cilium', on: 'same', why: 'pods need the CNI' }],
  after: [],
  podSecurity: { level: 'privileged', why: 'the speaker uses the host network and NET_RAW to answer ARP' },
  seed: '§19.2 net, §10.2 1.5 (correction 6)',
  plan: { releaseSeconds: 30 },
  render: renderMetallb,
};
