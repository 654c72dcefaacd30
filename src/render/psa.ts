/**
 * Pod Security Admission (seed §6.4, ADR-003, corrections 10 and 11): cluster defaults in the
 * admission file, recorded exemptions as namespace labels with their reason, approver and expiry.
 */
import type { KubeObject } from '../kube/objects.js';
import type { Platform, PlatformCluster } from '../spec/model.js';
import { MANAGED_BY } from '../kube/objects.js';
import { toYaml } from './yaml.js';

export const PSA_CONFIG_DIR = '/etc/kubernetes/psa';
export const PSA_CONFIG_FILE = `${PSA_CONFIG_DIR}/admission-config.yaml`;
/** The namespace application workloads run in on workload clusters (seed §19.1; never created there, correction 16). */
export const APPLICATION_NAMESPACE = 'production';
/** The annotations a recorded exemption leaves on its namespace (read back by `analyze`). */
export const PSA_EXEMPTION_ANNOTATIONS = {
  reason: 'platformctl.dev/psa-exemption-reason',
  approvedBy: 'platformctl.dev/psa-exemption-approved-by',
  expires: 'platformctl.dev/psa-exemption-expires',
} as const;

export function admissionConfig(platform: Platform): string {
  const { enforce, audit, warn } = platform.podSecurity.defaults;
  return toYaml({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AdmissionConfiguration',
    plugins: [
      {
        name: 'PodSecurity',
        configuration: {
          apiVersion: 'pod-security.admission.config.k8s.io/v1',
          kind: 'PodSecurityConfiguration',
          defaults: {
            enforce,
            'enforce-version': 'latest',
            audit,
            'audit-version': 'latest',
            warn,
            'warn-version': 'latest',
          },
          // Only kube-system is exempt here: its static control-plane pods exist before any label can be set.
          exemptions: { usernames: [], runtimeClasses: [], namespaces: ['kube-system'] },
        },
      },
    ],
  });
}

/** Every namespace the cluster's add-ons use, with Pod Security labels for recorded exemptions. */
export function namespaces(platform: Platform, cluster: PlatformCluster): KubeObject[] {
  const names = new Set<string>();
  for (const addon of cluster.addons) names.add(platform.addonNamespaces[addon]);
  if (cluster.addons.includes('gateway-api')) names.add('gateway-system');
  if (cluster.role === 'workload') names.add(APPLICATION_NAMESPACE);
  names.delete('kube-system');
  const exemptions = new Map(platform.podSecurity.exemptions.map((e) => [e.namespace, e]));
  return [...names].sort().map((name) => {
    const exemption = exemptions.get(name);
    const level = name === APPLICATION_NAMESPACE ? 'restricted' : exemption?.level;
    const labels: Record<string, string> = { ...MANAGED_BY };
    if (level) {
      labels['pod-security.kubernetes.io/enforce'] = level;
      labels['pod-security.kubernetes.io/enforce-version'] = 'latest';
    }
    const annotations = exemption
      ? {
          [PSA_EXEMPTION_ANNOTATIONS.reason]: exemption.reason,
          [PSA_EXEMPTION_ANNOTATIONS.approvedBy]: exemption.approvedBy,
          [PSA_EXEMPTION_ANNOTATIONS.expires]: exemption.expires,
        }
      : undefined;
    return {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels, ...(annotations ? { annotations } : {}) },
    };
  });
}
