/**
 * An add-on on a running cluster as the dashboard's cluster detail shows it: its Helm release's
 * status read from helm's release Secret through the API server (the chokepoint the release
 * steps' live checks use, no helm process), and its objects' readiness by the engine's own gates
 * asked once (no waiting). On a simulation (kwok) only what the API server or kwok settles is
 * judged, as the gates do there; the rest are counted, not judged.
 */
import { chartFor } from '../addons/charts.js';
import type { AddonName } from '../addons/names.js';
import { latestRelease, releaseObjects } from '../clients/helm-releases.js';
import type { KubeClient } from '../clients/kube.js';
import { gated, type Gates, notReadyNow } from '../engine/readiness.js';

export interface AddonLive {
  readonly name: AddonName;
  /** Absent for an add-on without a chart (its objects come from the plan's manifests). */
  readonly release?:
    | { readonly installed: false }
    | {
        readonly installed: true;
        /** deployed, failed, pending-install, pending-upgrade, superseded, uninstalling, ... */
        readonly status: string;
        readonly revision: number;
        /** name-version. */
        readonly chart: string;
        /** The chart the spec pins, when the release runs another. */
        readonly expectedChart?: string;
      };
  /** Its release's objects: how many, how many were judged, and the judged ones not ready with why. */
  readonly objects?: {
    readonly total: number;
    readonly judged: number;
    readonly ready: number;
    readonly notReady: ReadonlyArray<{ readonly object: string; readonly reason: string }>;
  };
  /** Why it could not be read (the API did not answer, no right to read Secrets). */
  readonly error?: string;
}

/** What is asked of the cluster: helm's release Secrets and the objects' live status. */
export type AddonLiveClient = Pick<KubeClient, 'list' | 'pathFor' | 'getOptional'>;

export async function addonLive(
  client: AddonLiveClient,
  addon: AddonName,
  namespace: string,
  options: { gates: Gates },
): Promise<AddonLive> {
  const ref = chartFor(addon);
  if (!ref) return { name: addon };
  try {
    const release = await latestRelease(client, addon, namespace);
    if (!release) return { name: addon, release: { installed: false } };
    const pinned = `${ref.chart}-${ref.version}`;
    const objects = releaseObjects(release);
    const judged = gated(objects, options.gates);
    const waiting = await notReadyNow(client, judged);
    return {
      name: addon,
      release: {
        installed: true,
        status: release.status,
        revision: release.revision,
        chart: release.chart,
        ...(release.chart !== pinned ? { expectedChart: pinned } : {}),
      },
      objects: {
        total: objects.length,
        judged: judged.length,
        ready: judged.length - waiting.size,
        notReady: [...waiting].map(([object, reason]) => ({ object, reason })),
      },
    };
  } catch (error) {
    return { name: addon, error: (error as Error).message.split('\n')[0]! };
  }
}
