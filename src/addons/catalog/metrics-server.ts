/**
 * Metrics Server (seed §10.2 1.3), chart metrics-server 3.13.1.
 *
 * Kubelet TLS is verified, not skipped: kubeadm's KubeletConfiguration sets `serverTLSBootstrap:
 * true` (render/kubeadm.ts), so each kubelet's serving certificate is signed by the cluster CA
 * (signer kubernetes.io/kubelet-serving) and lists the node's addresses. metrics-server checks it
 * with the CA of its in-cluster configuration (no --kubelet-certificate-authority needed) and
 * connects to the node's InternalIP, which that certificate carries. kube-controller-manager
 * signs those CSRs but does not approve them: the plan's `<cluster>/kubelet-serving` step does
 * (engine/kubelet-serving.ts), before this release, and again on the next `up` when a kubelet
 * asks anew (renewal, a new address). `--kubelet-insecure-tls` is deliberately absent. kwok's
 * simulated kubelets ask for nothing, so the step exists only where kubeadm set up the kubelets.
 */
import type { RenderContext } from '../../render/context.js';
import { RESOURCES } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';

/** The chart's default arguments, made explicit: the address order is part of the TLS decision above. */
export const METRICS_SERVER_ARGS = [
  '--cert-dir=/tmp',
  '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
  '--kubelet-use-node-status-port',
  '--metric-resolution=15s',
] as const;

export function renderMetricsServer(ctx: RenderContext): RenderedAddon {
  void ctx;
  return {
    values: {
      defaultArgs: [...METRICS_SERVER_ARGS],
      resources: RESOURCES.medium,
    },
  };
}

export const metricsServer: AddonDefinition = {
  name: 'metrics-server',
  title: 'Metrics Server',
  phase: 'infrastructure',
  namespace: 'kube-system',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'cilium', on: 'same', why: 'pods need the CNI' }],
  after: [],
  seed: '§10.2 1.3',
  render: renderMetricsServer,
};
