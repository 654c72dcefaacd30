/**
 * Access to the pinned chart data (charts.json).
 */
import charts from './charts.json' with { type: 'json' };
import type { AddonName } from './names.js';

export interface ChartRef {
  /** An https Helm repository or an oci:// registry path. */
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
}

const table = charts as unknown as Partial<Record<AddonName, ChartRef>>;

export function chartFor(addon: AddonName): ChartRef | undefined {
  return table[addon];
}
