/**
 * The complete spec: what `platform.yaml` means once every default is filled in.
 * Validation rules read this form; `init` writes it out.
 */
import type { AddonName } from '../addons/names.js';
import type { ClusterRole } from '../addons/types.js';

export type Provider = 'multipass' | 'kwok' | 'existing';
import type { PsaLevel } from '../kube/objects.js';

export type { PsaLevel };
export type FeatureGateProfile = 'minimal' | 'full';
export type ExternalServiceName = 'argocd' | 'harbor' | 'nexus';
export const EXTERNAL_SERVICE_NAMES: readonly ExternalServiceName[] = ['argocd', 'harbor', 'nexus'];

export interface MachineSize {
  cpus: number;
  memoryGiB: number;
  diskGiB: number;
}

export interface NodeGroupSpec extends MachineSize {
  count: number;
}

export interface ClusterSpec {
  name: string;
  role: ClusterRole;
  id: number;
  controlPlane: NodeGroupSpec;
  workers: NodeGroupSpec;
  podCIDR: string;
  serviceCIDR: string;
  loadBalancerPool: string;
  existing?: { kubeconfig?: string; context: string };
}

export interface AddonOverride {
  enabled?: boolean;
  clusters?: string[];
  values?: Record<string, unknown>;
}

export interface PodSecurityExemption {
  namespace: string;
  level: PsaLevel;
  reason: string;
  approvedBy: string;
  /** YYYY-MM-DD */
  expires: string;
}

export interface ExternalServiceSpec extends MachineSize {
  enabled: boolean;
}

export interface PlatformSpec {
  provider: Provider;
  host: MachineSize & { reserved: MachineSize };
  network: { nodeSubnet: string; gateway: string; dhcpRange: string; domain: string };
  kubernetes: { version: string; featureGateProfile: FeatureGateProfile };
  clusters: ClusterSpec[];
  addons: Partial<Record<AddonName, AddonOverride>>;
  podSecurity: {
    defaults: { enforce: PsaLevel; audit: PsaLevel; warn: PsaLevel };
    exemptions: PodSecurityExemption[];
  };
  externalServices: Record<ExternalServiceName, ExternalServiceSpec>;
}

export interface PlatformDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: PlatformSpec;
}
