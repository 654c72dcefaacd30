/**
 * Small builders shared by the renderers.
 */
import type { KubeObject } from '../addons/types.js';
import type { PsaLevel } from '../spec/types.js';

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'platformctl' } as const;

/** A typed model (kubernetes-models) or plain object as plain data, for YAML output. */
export function plain<T extends object>(object: T): KubeObject {
  return JSON.parse(JSON.stringify(object)) as KubeObject;
}

export function namespace(
  name: string,
  podSecurity?: PsaLevel,
  labels: Record<string, string> = {},
): KubeObject {
  const psa = podSecurity
    ? {
        'pod-security.kubernetes.io/enforce': podSecurity,
        'pod-security.kubernetes.io/enforce-version': 'latest',
      }
    : {};
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ...MANAGED_BY, ...psa, ...labels } },
  };
}

/** MetalLB's annotation that pins a LoadBalancer Service to an address of the pool. */
export function pinnedAddress(address: string): Record<string, string> {
  return { 'metallb.io/loadBalancerIPs': address };
}
