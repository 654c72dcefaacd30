/** Every add-on platformctl knows, in the seed's component-matrix order (001 §9.1). */
export const ADDON_NAMES = [
  'gateway-api',
  'cilium',
  'metrics-server',
  'local-path',
  'metallb',
  'minio',
  'cert-manager',
  'vault',
  'external-secrets',
  'keycloak',
  'prometheus',
  'thanos',
  'loki',
  'promtail',
  'tempo',
  'grafana',
  'otel-collector',
  'vpa',
  'goldilocks',
  'keda',
  'k8sgpt',
  'robusta',
  'velero',
  'trivy-operator',
  'kyverno',
  'falco',
  'istio',
] as const;

export type AddonName = (typeof ADDON_NAMES)[number];

export function isAddonName(name: string): name is AddonName {
  return (ADDON_NAMES as readonly string[]).includes(name);
}
