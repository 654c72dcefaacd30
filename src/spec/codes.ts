/**
 * Every diagnostic platformctl's validation can report. Codes are a public contract:
 * scripts match on them, so they never change meaning once released.
 */
export type Severity = 'error' | 'warning';

interface CodeInfo {
  readonly severity: Severity;
  readonly summary: string;
}

export const DIAGNOSTIC_CODES = {
  'yaml.syntax': { severity: 'error', summary: 'The file is not valid YAML.' },
  'yaml.multiple-documents': { severity: 'error', summary: 'The file holds more than one YAML document.' },
  'yaml.resource-limit': {
    severity: 'error',
    summary: "The document expands past the reader's limits (YAML aliases).",
  },
  'yaml.empty': { severity: 'error', summary: 'The file is empty.' },

  'schema.api-version': { severity: 'error', summary: 'apiVersion is not platformctl.dev/v1alpha1.' },
  'schema.kind': { severity: 'error', summary: 'kind is not Platform.' },
  'schema.unknown-field': { severity: 'error', summary: 'A field the spec does not define (often a typo).' },
  'schema.required': { severity: 'error', summary: 'A required field is missing.' },
  'schema.type': { severity: 'error', summary: 'A value has the wrong type.' },
  'schema.enum': { severity: 'error', summary: 'A value is not one of the allowed choices.' },
  'schema.range': { severity: 'error', summary: 'A number, string or list is out of its allowed range.' },
  'schema.duplicate-item': { severity: 'error', summary: 'A list holds the same item twice.' },

  'platform.name-invalid': { severity: 'error', summary: 'metadata.name is not a DNS label.' },

  'network.invalid-cidr': { severity: 'error', summary: 'Not an IPv4 CIDR.' },
  'network.host-bits': { severity: 'error', summary: 'A CIDR has host bits set.' },
  'network.invalid-address': { severity: 'error', summary: 'Not an IPv4 address.' },
  'network.invalid-range': { severity: 'error', summary: 'Not an IPv4 address range.' },
  'network.invalid-domain': { severity: 'error', summary: 'The domain is not a DNS name.' },
  'network.overlap': { severity: 'error', summary: "Two of one cluster's ranges overlap." },
  'network.cross-cluster-overlap': { severity: 'error', summary: "Two clusters' ranges overlap." },
  'network.pool-outside-subnet': {
    severity: 'error',
    summary: 'A load-balancer pool lies outside the node subnet.',
  },
  'network.pool-in-dhcp-range': {
    severity: 'error',
    summary: 'A load-balancer pool overlaps the DHCP range.',
  },
  'network.gateway-outside-subnet': {
    severity: 'error',
    summary: 'The gateway lies outside the node subnet.',
  },
  'network.gateway-in-pool': { severity: 'error', summary: 'The gateway lies inside a load-balancer pool.' },
  'network.dhcp-outside-subnet': {
    severity: 'error',
    summary: 'The DHCP range lies outside the node subnet.',
  },
  'network.service-cidr-size': {
    severity: 'error',
    summary: 'A service CIDR is larger than /12 or smaller than /28.',
  },
  'network.pod-cidr-too-small': { severity: 'error', summary: 'A pod CIDR has too few /24 node blocks.' },
  'network.pool-too-small': {
    severity: 'error',
    summary: 'A load-balancer pool cannot hold the pinned service addresses and the API VIP.',
  },

  'cluster.name-invalid': { severity: 'error', summary: 'A cluster name is not a usable DNS label.' },
  'cluster.name-duplicate': { severity: 'error', summary: 'Two clusters have the same name.' },
  'cluster.id-duplicate': { severity: 'error', summary: 'Two clusters have the same Cilium cluster id.' },
  'cluster.management-count': { severity: 'error', summary: 'There is not exactly one management cluster.' },
  'cluster.no-workload': { severity: 'error', summary: 'There is no workload cluster.' },
  'cluster.control-plane-count': { severity: 'error', summary: 'The control-plane count is not 1 or 3.' },
  'cluster.control-plane-no-quorum-gain': {
    severity: 'warning',
    summary: 'Two control planes tolerate no more failures than one.',
  },
  'cluster.no-workers': {
    severity: 'warning',
    summary: 'A cluster has no workers; everything runs on control planes.',
  },

  'resources.memory-over-budget': {
    severity: 'error',
    summary: 'VMs and services need more memory than the host has.',
  },
  'resources.disk-over-budget': {
    severity: 'error',
    summary: 'VMs and services need more disk than the host has.',
  },
  'resources.cpu-overcommit': { severity: 'warning', summary: 'vCPUs exceed twice the host CPUs available.' },
  'resources.node-too-small': { severity: 'error', summary: "A node is below kubeadm's minimum size." },

  'addon.unknown-cluster': {
    severity: 'error',
    summary: 'An add-on is placed on a cluster that does not exist.',
  },
  'addon.no-clusters': { severity: 'warning', summary: 'An add-on is enabled but placed on no cluster.' },
  'addon.not-available': {
    severity: 'error',
    summary: 'An add-on is enabled that this version of platformctl cannot render yet.',
  },
  'addon.cni-missing': { severity: 'error', summary: 'A cluster has no CNI (Cilium is disabled there).' },
  'placement.management-only': {
    severity: 'error',
    summary: 'A platform service is placed on a workload cluster (ADR-001).',
  },
  'placement.workload-only': {
    severity: 'error',
    summary: 'A workload-only add-on is placed on the management cluster (ADR-003).',
  },
  'dependency.missing': {
    severity: 'error',
    summary: 'An add-on is enabled where something it depends on is not.',
  },

  'psa.invalid-date': { severity: 'error', summary: 'An exemption expiry is not a YYYY-MM-DD date.' },
  'psa.expired': { severity: 'error', summary: 'A Pod Security exemption has expired.' },
  'psa.expiry-too-far': { severity: 'error', summary: 'An exemption expires more than six months ahead.' },
  'psa.duplicate-exemption': { severity: 'error', summary: 'Two exemptions name the same namespace.' },
  'psa.missing-exemption': {
    severity: 'error',
    summary: 'An enabled add-on needs a privileged namespace that has no exemption.',
  },
  'psa.unused-exemption': {
    severity: 'warning',
    summary: "An exemption is for a disabled add-on's namespace.",
  },
  'psa.exemption-not-weaker': {
    severity: 'warning',
    summary: 'An exemption is not weaker than the enforced default, so it does nothing.',
  },

  'version.invalid': { severity: 'error', summary: 'The Kubernetes version is not vMAJOR.MINOR.PATCH.' },
  'version.unsupported': { severity: 'error', summary: 'The Kubernetes version is outside 1.33-1.35.' },

  'provider.existing-missing-context': {
    severity: 'error',
    summary: 'provider: existing needs each cluster to say where it is.',
  },
  'provider.existing-ignored': {
    severity: 'warning',
    summary: 'A cluster has existing: settings but the provider is not existing.',
  },

  'ai.invalid-url': {
    severity: 'error',
    summary: 'An analyze --explain backend URL is not an http(s) URL.',
  },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export function severityOf(code: DiagnosticCode): Severity {
  return DIAGNOSTIC_CODES[code].severity;
}
