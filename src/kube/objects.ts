/**
 * Kubernetes objects as platformctl handles them: plain data, serialisable to YAML, and the
 * small builders every renderer shares. No dependency on the rest of platformctl.
 */
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as rendered: plain data, serialisable to YAML. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** The objects of a YAML stream (a manifest, a chart's rendered release); empty documents are left out. */
export function parseObjects(text: string | undefined): KubeObject[] {
  if (!text) return [];
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null && typeof o === 'object');
}

export type PsaLevel = 'privileged' | 'baseline' | 'restricted';

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
