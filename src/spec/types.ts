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

/** The model APIs `analyze --explain` can send findings to. */
export type AiBackendName = 'gemini' | 'openai' | 'anthropic' | 'ollama';
export const AI_BACKEND_NAMES: readonly AiBackendName[] = ['gemini', 'openai', 'anthropic', 'ollama'];

export interface AiBackendSpec {
  model: string;
  /** The API's base URL (a compatible gateway, or where Ollama listens). */
  url: string;
  /** US dollars per million tokens, for the cost estimate; absent: the cost is reported unknown. */
  price?: { input: number; output: number };
}

export interface AiSpec {
  /** `--mode routine`: the first backend, then the next one on errors or rate limits. */
  routine: AiBackendName[];
  /** `--mode deep` (seed §14.3), in the same order of fallback. */
  deep: AiBackendName[];
  backends: Record<AiBackendName, AiBackendSpec>;
  /** Per request. */
  timeoutSeconds: number;
  /** Further attempts on one backend after a rate limit or a server error, with exponential backoff. */
  retries: number;
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
  ai: AiSpec;
}

export interface PlatformDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: PlatformSpec;
}
