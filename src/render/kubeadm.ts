/**
 * kubeadm v1beta4 configuration (seed §6.3, corrections 9, 10, 12): list-style extraArgs, the
 * PSA admission file mounted into the API server, kube-proxy skipped when Cilium replaces it,
 * a stable API endpoint (the kube-vip VIP) so DHCP address changes never break the cluster.
 */
import type { Platform, PlatformCluster, PlatformNode } from '../spec/model.js';
import { PSA_CONFIG_DIR, PSA_CONFIG_FILE } from './psa.js';
import { KUBE_VIP_IMAGE } from './versions.js';
import { toYaml, toYamlStream } from './yaml.js';

export const CRI_SOCKET = 'unix:///var/run/containerd/containerd.sock';
export const API_PORT = 6443;
/**
 * Holds the cluster CA and a bootstrap token, so it is never rendered: the Multipass provider
 * writes it (0600, from stdin) on each joining node and removes it after the join.
 */
export const DISCOVERY_KUBECONFIG = '/etc/kubernetes/discovery.conf';

/** ADR-002: the full profile turns on experimental gates; in-place resize is GA in 1.35 (correction 12). */
export function featureGates(platform: Platform): Record<string, boolean> {
  return platform.kubernetes.featureGateProfile === 'full' ? { HPAConfigurableTolerance: true } : {};
}

type Arg = { name: string; value: string };

function gateArgs(platform: Platform): Arg[] {
  const gates = Object.entries(featureGates(platform));
  return gates.length === 0
    ? []
    : [{ name: 'feature-gates', value: gates.map(([k, v]) => `${k}=${v}`).join(',') }];
}

/** Addresses the engine observed (DHCP), when known; rendering before provisioning leaves them out. */
export interface ObservedNodes {
  readonly addresses: Readonly<Record<string, string>>;
}

function certSANs(platform: Platform, cluster: PlatformCluster, observed?: ObservedNodes): string[] {
  const controlPlanes = cluster.nodes.filter((n) => n.role === 'control-plane');
  const names = [
    cluster.addresses.api,
    `api.${cluster.name}.${platform.network.domain}`,
    ...controlPlanes.map((n) => n.name),
    ...controlPlanes.flatMap((n) => (observed?.addresses[n.name] ? [observed.addresses[n.name]!] : [])),
  ];
  return [...new Set(names)];
}

function kubeletConfiguration(platform: Platform): Record<string, unknown> {
  const gates = featureGates(platform);
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
    // Kubelet serving certificates signed by the cluster CA, so metrics-server can verify them.
    serverTLSBootstrap: true,
    ...(Object.keys(gates).length > 0 ? { featureGates: gates } : {}),
  };
}

function nodeRegistration(node: PlatformNode | undefined, observed?: ObservedNodes): Record<string, unknown> {
  const ip = node && observed?.addresses[node.name];
  return {
    ...(node ? { name: node.name } : {}),
    criSocket: CRI_SOCKET,
    ...(ip ? { kubeletExtraArgs: [{ name: 'node-ip', value: ip }] } : {}),
  };
}

export function kubeadmInit(platform: Platform, cluster: PlatformCluster, observed?: ObservedNodes): string {
  const first = cluster.nodes.find((n) => n.role === 'control-plane')!;
  const advertise = observed?.addresses[first.name];
  const ciliumReplacesKubeProxy = cluster.addons.includes('cilium');
  const init = {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'InitConfiguration',
    nodeRegistration: nodeRegistration(first, observed),
    ...(advertise ? { localAPIEndpoint: { advertiseAddress: advertise, bindPort: API_PORT } } : {}),
    ...(ciliumReplacesKubeProxy ? { skipPhases: ['addon/kube-proxy'] } : {}),
  };
  const clusterConfiguration = {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'ClusterConfiguration',
    kubernetesVersion: platform.kubernetes.version,
    clusterName: cluster.name,
    controlPlaneEndpoint: `${cluster.addresses.api}:${API_PORT}`,
    networking: {
      podSubnet: cluster.podCIDR.text,
      serviceSubnet: cluster.serviceCIDR.text,
      dnsDomain: 'cluster.local',
    },
    apiServer: {
      certSANs: certSANs(platform, cluster, observed),
      extraArgs: [{ name: 'admission-control-config-file', value: PSA_CONFIG_FILE }, ...gateArgs(platform)],
      extraVolumes: [
        {
          name: 'psa-config',
          hostPath: PSA_CONFIG_DIR,
          mountPath: PSA_CONFIG_DIR,
          readOnly: true,
          pathType: 'DirectoryOrCreate',
        },
      ],
    },
    // Prometheus scrapes these from the node network (seed §6.3).
    controllerManager: { extraArgs: [{ name: 'bind-address', value: '0.0.0.0' }, ...gateArgs(platform)] },
    scheduler: { extraArgs: [{ name: 'bind-address', value: '0.0.0.0' }, ...gateArgs(platform)] },
  };
  return toYamlStream([init, clusterConfiguration, kubeletConfiguration(platform)]);
}

/**
 * Join configuration for workers, or (`controlPlane`) for further control planes. The provider
 * adds the node's name and, for a control plane, the certificate key (created at run time)
 * before it writes the file into the VM from stdin: no secret on a command line.
 */
export function kubeadmJoin(platform: Platform, controlPlane: boolean): string {
  const join = {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'JoinConfiguration',
    discovery: { file: { kubeConfigPath: DISCOVERY_KUBECONFIG } },
    nodeRegistration: nodeRegistration(undefined),
    ...(controlPlane ? { controlPlane: { localAPIEndpoint: { bindPort: API_PORT } } } : {}),
  };
  void platform;
  return toYaml(join);
}

/**
 * kube-vip as a static pod on each control plane, holding the API VIP by ARP. The first control
 * plane starts with super-admin.conf because admin.conf has no rights until kubeadm init
 * finishes (kube-vip#684); the Multipass provider's bootstrap switches it to admin.conf afterwards.
 */
export function kubeVipManifest(cluster: PlatformCluster, node: PlatformNode): string {
  const firstControlPlane = node.index === 0;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'kube-vip', namespace: 'kube-system' },
    spec: {
      hostNetwork: true,
      hostAliases: [{ ip: '127.0.0.1', hostnames: ['kubernetes'] }],
      containers: [
        {
          name: 'kube-vip',
          image: KUBE_VIP_IMAGE,
          args: ['manager'],
          // No vip_interface: kube-vip uses the interface of the default route (the node network).
          env: [
            { name: 'address', value: cluster.addresses.api },
            { name: 'port', value: String(API_PORT) },
            { name: 'vip_arp', value: 'true' },
            { name: 'vip_cidr', value: '32' },
            { name: 'cp_enable', value: 'true' },
            { name: 'cp_namespace', value: 'kube-system' },
            { name: 'vip_leaderelection', value: 'true' },
          ],
          securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
          resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
          volumeMounts: [{ name: 'kubeconfig', mountPath: '/etc/kubernetes/admin.conf', readOnly: true }],
        },
      ],
      volumes: [
        {
          name: 'kubeconfig',
          hostPath: {
            path: firstControlPlane ? '/etc/kubernetes/super-admin.conf' : '/etc/kubernetes/admin.conf',
            type: 'File',
          },
        },
      ],
    },
  };
  return toYaml(pod);
}
