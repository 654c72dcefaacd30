/**
 * Cilium (seed §7.3, ADR-005, corrections 2-5), chart cilium 1.20.0.
 *
 * - VXLAN tunnelling with the 1.15+ keys (`routingMode`/`tunnelProtocol`, correction 2), pod CIDRs
 *   from Kubernetes node IPAM (kubeadm's podSubnet).
 * - kube-proxy replacement: kubeadm skips its kube-proxy addon (render/kubeadm.ts), so Cilium
 *   reaches the API server directly through the kube-vip VIP (correction 3).
 * - ClusterMesh through a clustermesh-apiserver per cluster, exposed on its pinned MetalLB
 *   address; every cluster lists the others by those addresses (corrections 5, 6, 8).
 * - One Cilium CA for all clusters (correction 5): the chart never renders a CA. The engine
 *   creates the same `cilium-ca` Secret in kube-system of every cluster before installing Cilium,
 *   and the chart's certgen jobs (method `cronJob`) sign the ClusterMesh and Hubble certificates
 *   with it (`--ca-generate=false --ca-reuse-secret`, templates/clustermesh-apiserver/tls-cronjob).
 *   The `helm` method is not used: it renders `cilium-ca` into the release (CA key in Helm's
 *   release Secret, and an ownership clash with the pre-created Secret); `certmanager` is not
 *   possible because cert-manager needs the CNI to run.
 */
import { pinnedAddress } from '../../kube/objects.js';
import { RESOURCES } from '../../render/sizing.js';
import type { RenderContext } from '../../render/context.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import { reachableAddress } from '../../render/endpoints.js';

/** The Secret (kube-system) holding the shared Cilium CA; created by the engine, identical on every cluster. */
export const CILIUM_CA_SECRET = 'cilium-ca';

/**
 * The API server port behind the VIP: kubeadm's API_PORT (render/kubeadm.ts, which imports the
 * catalog through psa.ts, so it is not imported here; the tests check that both agree).
 */
export const KUBE_API_PORT = 6443;

/** Port of the clustermesh-apiserver Service (fixed in templates/clustermesh-apiserver/service.yaml). */
export const CLUSTERMESH_APISERVER_PORT = 2379;

/** Clusters this one meshes with: the others that run Cilium and have a pinned clustermesh-apiserver address. */
export function meshPeers(ctx: RenderContext): { name: string; address: string }[] {
  return ctx.platform.clusters.flatMap((other) => {
    if (other.name === ctx.cluster.name || !ctx.enabled('cilium', other.name)) return [];
    const address = ctx.addresses(other.name).services['clustermesh-apiserver'];
    return address ? [{ name: other.name, address: reachableAddress(ctx.platform, address) }] : [];
  });
}

function clustermesh(ctx: RenderContext): Record<string, unknown> {
  const peers = meshPeers(ctx);
  const address = ctx.cluster.addresses.services['clustermesh-apiserver'];
  if (peers.length === 0 || !address) return { useAPIServer: false };
  return {
    useAPIServer: true,
    config: {
      enabled: true,
      // With `ips`, the chart connects to https://<name>.mesh.cilium.io:<port> and maps that name
      // to the IPs (host alias); the server certificate carries *.mesh.cilium.io. No per-cluster
      // `tls`: with one shared CA the local "remote" certificate is used for every peer.
      clusters: Object.fromEntries(
        peers.map((peer) => [peer.name, { ips: [peer.address], port: CLUSTERMESH_APISERVER_PORT }]),
      ),
    },
    apiserver: {
      service: { type: 'LoadBalancer', annotations: pinnedAddress(address) },
      tls: {
        // Per-cluster etcd users (remote-<cluster>): meaningful only because the CA is shared.
        authMode: 'cluster',
        auto: {
          enabled: true,
          method: 'cronJob',
          // So `cilium clustermesh status` and other tools may connect by the pinned address too.
          server: { extraIpAddresses: [address] },
        },
      },
      resources: RESOURCES.small,
      etcd: { resources: RESOURCES.small, init: { resources: RESOURCES.small } },
      kvstoremesh: { resources: RESOURCES.small },
    },
  };
}

export function renderCilium(ctx: RenderContext): RenderedAddon {
  const gatewayApi = ctx.enabled('gateway-api');
  return {
    values: {
      cluster: { name: ctx.cluster.name, id: ctx.cluster.id },
      // ADR-005 with the keys of Cilium >= 1.15 (correction 2).
      routingMode: 'tunnel',
      tunnelProtocol: 'vxlan',
      ipam: { mode: 'kubernetes' },
      // Correction 3: no kube-proxy, so the agent needs the API endpoint itself (the VIP, not a node).
      kubeProxyReplacement: true,
      k8sServiceHost: ctx.cluster.addresses.api,
      k8sServicePort: KUBE_API_PORT,
      policyEnforcementMode: 'default',
      // MetalLB hands out LoadBalancer addresses (correction 6); Cilium's own LB-IPAM stays off so
      // that two controllers never act on the same Services.
      enableLBIPAM: false,
      resources: RESOURCES.medium,
      initResources: RESOURCES.small,
      cni: { resources: RESOURCES.small },
      envoy: { resources: RESOURCES.medium },
      operator: {
        // Its replicas repel each other by hostname: no more than there are nodes.
        replicas: Math.min(2, ctx.cluster.nodes.length),
        resources: RESOURCES.medium,
      },
      certgen: { generateCA: false, resources: RESOURCES.small },
      hubble: {
        enabled: true,
        tls: { auto: { enabled: true, method: 'cronJob' } },
        relay: { enabled: true, resources: RESOURCES.small },
        ui: {
          enabled: true,
          frontend: { resources: RESOURCES.small },
          backend: { resources: RESOURCES.small },
        },
      },
      // The GatewayClass `cilium` is rendered by the gateway-api add-on (one owner, not two).
      gatewayAPI: gatewayApi ? { enabled: true, gatewayClass: { create: false } } : { enabled: false },
      clustermesh: clustermesh(ctx),
    },
    secrets: [
      {
        namespace: 'kube-system',
        name: CILIUM_CA_SECRET,
        data: {
          'ca.crt': { authority: CILIUM_CA_SECRET, part: 'certificate' },
          'ca.key': { authority: CILIUM_CA_SECRET, part: 'key' },
        },
        why: 'the Cilium CA every cluster shares, so ClusterMesh peers trust each other (correction 5)',
      },
    ],
  };
}

export const cilium: AddonDefinition = {
  name: 'cilium',
  title: 'Cilium CNI with Hubble, ClusterMesh and kube-proxy replacement',
  phase: 'infrastructure',
  // Cilium's own default; the seed's cilium-system is used nowhere else consistently (correction 4).
  namespace: 'kube-system',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [],
  after: [
    {
      addon: 'gateway-api',
      on: 'same',
      // Only the CRDs: the Gateway itself needs Cilium.
      step: 'crds',
      why: 'Cilium only enables its Gateway API controller when the CRDs exist',
    },
  ],
  seed: '§7.3, §10.2 1.2 (corrections 2-5)',
  plan: { releaseSeconds: 90, providesCni: true, needsCni: false },
  render: renderCilium,
};
