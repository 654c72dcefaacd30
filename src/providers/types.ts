/**
 * Providers create and remove the clusters of a platform: Multipass VMs, kwok clusters with
 * simulated nodes, or nothing at all for existing clusters.
 */
import type { Platform } from '../spec/model.js';

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

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
}
