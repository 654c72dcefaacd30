/**
 * cloud-init user data for every node VM: containerd 2.x with the systemd cgroup driver on
 * cgroup v2, kernel modules and sysctls for Kubernetes networking, swap off, and kubeadm,
 * kubelet and kubectl from pkgs.k8s.io pinned to the spec's version and held.
 */
import type { Platform, PlatformCluster, PlatformNode } from '../spec/model.js';
import { kubeVipManifest } from './kubeadm.js';
import { admissionConfig, PSA_CONFIG_FILE } from './psa.js';
import { CONTAINERD_MAJOR, kubernetesPackages } from './versions.js';
import { toYaml } from './yaml.js';

const KEYRING = '/etc/apt/keyrings/kubernetes-apt-keyring.gpg';

/** containerd config version 3 (containerd 2.x). */
function containerdConfig(): string {
  return [
    'version = 3',
    '',
    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]",
    '  SystemdCgroup = true',
    '',
    "[plugins.'io.containerd.cri.v1.images'.registry]",
    "  config_path = '/etc/containerd/certs.d'",
    '',
  ].join('\n');
}

/** Pull docker.io images through Harbor's proxy cache, falling back to Docker Hub. */
function harborMirror(domain: string): string {
  return [
    'server = "https://registry-1.docker.io"',
    '',
    `[host."https://harbor.${domain}/v2/dockerhub"]`,
    '  capabilities = ["pull", "resolve"]',
    '  override_path = true',
    '',
  ].join('\n');
}

export function cloudInit(platform: Platform, cluster: PlatformCluster, node: PlatformNode): string {
  const { channel, packageVersion } = kubernetesPackages(platform.kubernetes.version);
  const harbor = platform.externalServices.harbor?.enabled === true;
  const files: Array<{ path: string; content: string; permissions: string }> = [
    { path: '/etc/modules-load.d/kubernetes.conf', content: 'overlay\nbr_netfilter\n', permissions: '0644' },
    {
      path: '/etc/sysctl.d/90-kubernetes.conf',
      content: [
        'net.bridge.bridge-nf-call-iptables = 1',
        'net.bridge.bridge-nf-call-ip6tables = 1',
        'net.ipv4.ip_forward = 1',
        // Cilium and Falco watch many files; the Ubuntu default of 128 instances runs out.
        'fs.inotify.max_user_instances = 1024',
        'fs.inotify.max_user_watches = 524288',
        '',
      ].join('\n'),
      permissions: '0644',
    },
    { path: '/etc/containerd/config.toml', content: containerdConfig(), permissions: '0644' },
    {
      path: '/etc/apt/sources.list.d/kubernetes.list',
      content: `deb [signed-by=${KEYRING}] https://pkgs.k8s.io/core:/stable:/${channel}/deb/ /\n`,
      permissions: '0644',
    },
  ];
  if (node.role === 'control-plane') {
    // Both must exist before kubeadm init: the API server does not start without its admission file (correction 10).
    files.push({ path: PSA_CONFIG_FILE, content: admissionConfig(platform), permissions: '0644' });
    files.push({
      path: '/etc/kubernetes/manifests/kube-vip.yaml',
      content: kubeVipManifest(cluster, node),
      permissions: '0644',
    });
  }
  if (harbor) {
    files.push({
      path: '/etc/containerd/certs.d/docker.io/hosts.toml',
      content: harborMirror(platform.network.domain),
      permissions: '0644',
    });
  }
  const packages = ['kubelet', 'kubeadm', 'kubectl'].map((name) => `${name}=${packageVersion}`);
  const document = {
    hostname: node.name,
    fqdn: `${node.name}.${cluster.name}.${platform.network.domain}`,
    manage_etc_hosts: true,
    package_update: true,
    packages: ['apt-transport-https', 'ca-certificates', 'curl', 'gpg', 'containerd', 'conntrack', 'socat'],
    write_files: files,
    runcmd: [
      // kubelet refuses to run with swap on unless configured otherwise.
      ['swapoff', '-a'],
      ['sed', '-i', '/\\sswap\\s/s/^/#/', '/etc/fstab'],
      ['modprobe', 'overlay'],
      ['modprobe', 'br_netfilter'],
      ['sysctl', '--system'],
      // Refuse to continue on anything but containerd 2.x on cgroup v2 (Kubernetes 1.35 needs cgroup v2).
      [
        'sh',
        '-c',
        `containerd --version | grep -Eq ' v?${CONTAINERD_MAJOR}\\.' || { echo 'containerd ${CONTAINERD_MAJOR}.x required' >&2; exit 1; }`,
      ],
      [
        'sh',
        '-c',
        'test "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs || { echo "cgroup v2 required" >&2; exit 1; }',
      ],
      ['systemctl', 'restart', 'containerd'],
      ['mkdir', '-p', '-m', '0755', '/etc/apt/keyrings'],
      [
        'sh',
        '-c',
        `curl -fsSL https://pkgs.k8s.io/core:/stable:/${channel}/deb/Release.key | gpg --dearmor --yes -o ${KEYRING}`,
      ],
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', '--allow-downgrades', ...packages],
      ['apt-mark', 'hold', 'kubelet', 'kubeadm', 'kubectl'],
      ['systemctl', 'enable', '--now', 'kubelet'],
    ],
  };
  return `#cloud-config\n${toYaml(document)}`;
}
