/**
 * Version and provider rules.
 */
import { type Finding, finding } from '../diagnostics.js';
import type { PlatformSpec } from '../types.js';

/** The Kubernetes minors platformctl renders for and tests against. */
export const SUPPORTED_MINORS = { min: 33, max: 35 } as const;

export function parseKubernetesVersion(
  text: string,
): { major: number; minor: number; patch: number } | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

export function checkVersions(spec: PlatformSpec): Finding[] {
  const path = ['spec', 'kubernetes', 'version'];
  const version = parseKubernetesVersion(spec.kubernetes.version);
  if (!version) {
    return [
      finding(
        'version.invalid',
        path,
        `"${spec.kubernetes.version}" is not a Kubernetes version`,
        'write vMAJOR.MINOR.PATCH, e.g. v1.35.0',
      ),
    ];
  }
  if (version.major !== 1 || version.minor < SUPPORTED_MINORS.min || version.minor > SUPPORTED_MINORS.max) {
    return [
      finding(
        'version.unsupported',
        path,
        `Kubernetes ${spec.kubernetes.version} is outside the supported window 1.${SUPPORTED_MINORS.min} to 1.${SUPPORTED_MINORS.max}`,
        `use a v1.${SUPPORTED_MINORS.max}.x release`,
      ),
    ];
  }
  return [];
}

export function checkProvider(spec: PlatformSpec): Finding[] {
  const out: Finding[] = [];
  spec.clusters.forEach((cluster, i) => {
    if (spec.provider === 'existing' && !cluster.existing) {
      out.push(
        finding(
          'provider.existing-missing-context',
          ['spec', 'clusters', i],
          `provider is existing but cluster ${cluster.name} does not say how to reach it`,
          'add existing: { kubeconfig: ~/.kube/config, context: <context> }',
        ),
      );
    }
    if (spec.provider !== 'existing' && cluster.existing) {
      out.push(
        finding(
          'provider.existing-ignored',
          ['spec', 'clusters', i, 'existing'],
          `cluster ${cluster.name} has existing: settings, which provider ${spec.provider} ignores`,
          'remove them, or set spec.provider: existing',
        ),
      );
    }
  });
  return out;
}
