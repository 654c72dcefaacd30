/**
 * Providers create and remove the clusters of a platform: Multipass VMs, kwok clusters with
 * simulated nodes, or nothing at all for existing clusters.
 */
import { type ErrorDetails, type ErrorKind, PlatformctlError } from '../errors.js';
import type { VaultEndpoint } from '../clients/vault.js';
import type { Platform, PlatformCluster } from '../spec/model.js';

export interface ClusterAccess {
  readonly cluster: string;
  /** kubeconfig file for this cluster alone (mode 0600). */
  readonly kubeconfig: string;
  readonly context: string;
}

export interface ProviderEvent {
  readonly cluster?: string;
  readonly message: string;
}

export interface ProviderContext {
  /** Where .platformctl/ and kubeconfigs/ live (the directory of platform.yaml). */
  readonly projectDir: string;
  readonly log: (event: ProviderEvent) => void;
  readonly signal?: AbortSignal;
}

export interface UpResult {
  readonly clusters: readonly ClusterAccess[];
  /** Clusters created by this call (the rest already existed). */
  readonly created: readonly string[];
  /** The merged kubeconfig with one context per cluster. */
  readonly kubeconfig: string;
}

export interface Provider {
  readonly name: string;
  up(platform: Platform, context: ProviderContext): Promise<UpResult>;
  down(platform: Platform, context: ProviderContext): Promise<{ deleted: readonly string[] }>;
}

/** A provider could not do what it was asked; `code` says what (provider.unavailable, provider.vm-conflict, ...). */
export class ProviderError extends PlatformctlError {
  override readonly name = 'ProviderError';
  constructor(message: string, options: ErrorDetails & { code?: string; kind?: ErrorKind } = {}) {
    super(options.code ?? 'provider.failed', options.kind ?? 'failed', message, options);
  }
}

export interface BootstrapResult {
  readonly access: ClusterAccess;
  /** Whether anything had to be done (nodes joined, kubeconfig written for the first time, ...). */
  readonly changed: boolean;
  /** Node name to address, as discovered (seed correction 7: addresses come from DHCP). */
  readonly nodes: Readonly<Record<string, string>>;
}

export interface ObservedCluster {
  readonly exists: boolean;
  /** Every node of the spec registered and Ready, and whatever the provider runs beside it alive. */
  readonly ready: boolean;
}

/** A provider the engine drives cluster by cluster, as steps of the plan. */
export interface ClusterProvider extends Provider {
  /** Creates the cluster's machines when missing (idempotent). */
  provision(
    platform: Platform,
    cluster: PlatformCluster,
    context: ProviderContext,
  ): Promise<{ created: boolean }>;
  /** Makes the cluster usable: nodes joined and Ready, kubeconfigs written (idempotent). */
  bootstrap(platform: Platform, cluster: PlatformCluster, context: ProviderContext): Promise<BootstrapResult>;
  /** A cheap live check, for re-runs: does the cluster exist, and is it as bootstrap leaves it? */
  observe(platform: Platform, cluster: PlatformCluster, context: ProviderContext): Promise<ObservedCluster>;
  /**
   * Where the engine reaches the management cluster's Vault. Absent when this provider cannot
   * give one yet; the Vault steps then fail saying so.
   */
  vaultEndpoint?(platform: Platform, context: ProviderContext): Promise<VaultEndpoint>;
}
