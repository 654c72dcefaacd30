/**
 * Where a pinned chart comes from: its Helm repository (or OCI registry), or a local mirror
 * directory for air-gapped machines (`PLATFORMCTL_CHARTS_DIR`), holding `<chart>-<version>.tgz`
 * as `helm pull` writes it, or an unpacked `<chart>/<version>/` directory. The same mirror holds
 * plain manifests the plan applies, such as the Gateway API CRD bundle.
 */
import { PlatformctlError, type ErrorDetails } from '../errors.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChartRef } from '../addons/charts.js';

export interface ResolvedChart {
  /** A local path, a chart name (with `repo`) or an oci:// reference. */
  readonly chart: string;
  readonly version?: string;
  readonly repo?: string;
  readonly from: 'mirror' | 'repository';
}

/** A chart or bundle that cannot be found where platformctl was told to take it from. */
export class ChartSourceError extends PlatformctlError {
  override readonly name = 'ChartSourceError';
  constructor(message: string, details: ErrorDetails = {}) {
    super('chart.missing', 'environment', message, details);
  }
}

export function resolveChart(ref: ChartRef, mirrorDir?: string): ResolvedChart {
  if (mirrorDir) {
    const candidates = [
      join(mirrorDir, `${ref.chart}-${ref.version}.tgz`),
      join(mirrorDir, ref.chart, ref.version),
    ];
    const found = candidates.find((path) => existsSync(path));
    if (!found)
      throw new ChartSourceError(
        `chart ${ref.chart} ${ref.version} is not in the mirror ${mirrorDir}: put it there with ` +
          `\`helm pull ${ref.chart} --repo ${ref.repository} --version ${ref.version} -d ${mirrorDir}\`, ` +
          'or unset PLATFORMCTL_CHARTS_DIR to use the repository',
      );
    return { chart: found, from: 'mirror' };
  }
  if (ref.repository.startsWith('oci://'))
    return {
      chart: `${ref.repository.replace(/\/$/, '')}/${ref.chart}`,
      version: ref.version,
      from: 'repository',
    };
  return { chart: ref.chart, version: ref.version, repo: ref.repository, from: 'repository' };
}

/** A manifest bundle (e.g. Gateway API CRDs): `<mirror>/<name>/<version>/<file>` or its URL. */
export function resolveBundle(
  bundle: { readonly name: string; readonly version: string; readonly url: string },
  mirrorDir?: string,
): { readonly path?: string; readonly url?: string } {
  if (!mirrorDir) return { url: bundle.url };
  const path = join(mirrorDir, bundle.name, bundle.version, bundle.url.split('/').pop()!);
  if (!existsSync(path))
    throw new ChartSourceError(
      `${bundle.name} ${bundle.version} is not in the mirror: download ${bundle.url} to ${path}, ` +
        'or unset PLATFORMCTL_CHARTS_DIR to fetch it',
    );
  return { path };
}
