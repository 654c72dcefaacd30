/**
 * Versions of what the nodes install, pinned in one place (seed correction 13).
 * Helm charts are pinned in src/addons/charts.json.
 */
export const NODE_IMAGE = {
  /** Multipass image alias: Ubuntu 26.04 LTS ships containerd 2.x on cgroup v2 (correction 12). */
  multipass: '26.04',
} as const;

/** Major version of containerd the nodes must run; cloud-init stops the node if it differs. */
export const CONTAINERD_MAJOR = 2;

export const KUBE_VIP_IMAGE = 'ghcr.io/kube-vip/kube-vip:v1.0.0';

/** The Kubernetes package repository (pkgs.k8s.io) channel and package version for a release. */
export function kubernetesPackages(version: string): { channel: string; packageVersion: string } {
  const match = /^v(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) throw new Error(`not a normalised Kubernetes version: ${version}`);
  return { channel: `v${match[1]}.${match[2]}`, packageVersion: `${match[1]}.${match[2]}.${match[3]}-1.1` };
}
