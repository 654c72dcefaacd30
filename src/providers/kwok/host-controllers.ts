/**
 * SIMULATION: kwok's simulated pods run nothing, so the controllers whose work the rehearsal
 * must see done for real run here instead, as real processes built by the harness, one per
 * cluster, against that cluster's API server on 127.0.0.1 with its kubeconfig. The chart still
 * installs its objects (CRDs, RBAC, the Deployment kwok pretends to run); the process does the
 * reconciling. Started once the add-on's release is in (its CRDs exist), found dead and started
 * again by the next `up`, stopped with the cluster by `down`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ADDON_CATALOG } from '../../addons/catalog.js';
import type { AddonName } from '../../addons/names.js';
import { findBinaries } from '../../clients/binaries.js';
import type { CommandRunner } from '../../clients/exec.js';
import type { ProjectLayout } from '../../project/layout.js';
import type { PlatformCluster } from '../../spec/model.js';
import { runningProcess, startRecorded, stopRecorded } from '../shared/processes.js';
import { type HostControllers, ProviderError, type ProviderContext } from '../types.js';

interface HostedController {
  /** The harness binary (harness/<module>). */
  readonly binary: string;
  readonly args: (kubeconfig: string) => readonly string[];
  /** Environment on top of platformctl's own (for a controller that takes its kubeconfig so). */
  readonly env?: (kubeconfig: string) => Readonly<Record<string, string>>;
  /** The line its log shows once it reconciles; until then (or its exit) `ensure` waits. */
  readonly started: RegExp;
  /** The API versions whose objects it makes Ready and `up` waits for (the simulation's gates). */
  readonly apiVersions: readonly string[];
}

// TODO(#12): Prometheus (agent on workload clusters, server on mgmt) and Thanos Receive and
// Query on mgmt.
const HOSTED: Partial<Record<AddonName, HostedController>> = {
  // harness/cert-manager: cert-manager's own controllers, the issuers the platform uses.
  'cert-manager': {
    binary: 'cert-manager-controller',
    args: (kubeconfig) => [
      `--kubeconfig=${kubeconfig}`,
      // ClusterIssuers read their Secrets (Vault's CA bundle) from the release namespace.
      `--cluster-resource-namespace=${ADDON_CATALOG['cert-manager'].namespace}`,
    ],
    started: /cert-manager controllers running/,
    apiVersions: ['cert-manager.io/v1'],
  },
  // harness/external-secrets: upstream's controller (its root main package) at v0.16.2, the
  // newest the module proxy here serves; the chart pins v2.9.0. Both serve external-secrets.io/v1
  // for ExternalSecret and (Cluster)SecretStore, the only kinds the platform renders.
  'external-secrets': {
    binary: 'external-secrets-controller',
    // Its cobra command has no --kubeconfig; controller-runtime reads KUBECONFIG.
    env: (kubeconfig) => ({ KUBECONFIG: kubeconfig }),
    args: () => [
      // No listener at all: metrics off (0), no leader election (one process per cluster). The
      // root command registers no webhook, so its webhook server never starts; the chart's
      // webhook and cert-controller Deployments are not run (their webhooks point at the
      // loopback admission stand-in, loopback-admission.ts).
      '--metrics-addr=0',
      '--enable-leader-election=false',
      // The platform renders no PushSecret or ClusterPushSecret.
      '--enable-push-secret-reconciler=false',
      '--enable-cluster-push-secret-reconciler=false',
    ],
    started: /Starting workers.*ClusterSecretStore|ClusterSecretStore.*Starting workers/,
    // TODO(#12): gate on 'external-secrets.io/v1' (wait for stores Ready and Secrets synced) once
    // an ExternalSecret whose Vault entry waits for a value the environment does not provide
    // (k8sgpt's keys without PLATFORMCTL_OPENAI_API_KEY) no longer holds the step that applies it.
    apiVersions: [],
  },
};

const START_TIMEOUT_MS = 60_000;

export function hostedBinaries(addons: readonly AddonName[]): string[] {
  return addons.flatMap((addon) => (HOSTED[addon] ? [HOSTED[addon].binary] : []));
}

export class KwokHostControllers implements HostControllers {
  readonly addons = Object.keys(HOSTED) as AddonName[];
  readonly apiVersions = Object.values(HOSTED).flatMap((hosted) => hosted.apiVersions);

  constructor(
    private readonly deps: {
      readonly env: Readonly<Record<string, string | undefined>>;
      readonly runner: CommandRunner;
      /** The cluster's kwok working directory (removed by `down`). */
      readonly workdirOf: (layout: ProjectLayout, cluster: string) => string;
    },
  ) {}

  private files(layout: ProjectLayout, cluster: string, addon: AddonName) {
    const dir = join(this.deps.workdirOf(layout, cluster), 'controllers');
    return { pidFile: join(dir, `${addon}.json`), logFile: join(dir, `${addon}.log`) };
  }

  async running(
    cluster: PlatformCluster,
    addon: AddonName,
    context: Pick<ProviderContext, 'layout'>,
  ): Promise<boolean> {
    return (await runningProcess(this.files(context.layout, cluster.name, addon).pidFile)) !== undefined;
  }

  async ensure(
    cluster: PlatformCluster,
    addon: AddonName,
    context: ProviderContext,
  ): Promise<{ readonly started: boolean; readonly pid: number; readonly logFile: string }> {
    const hosted = HOSTED[addon];
    if (!hosted) throw new ProviderError(`kwok runs no host controller for ${addon}`);
    const { pidFile, logFile } = this.files(context.layout, cluster.name, addon);
    const known = await runningProcess(pidFile);
    if (known) return { started: false, pid: known.pid, logFile };
    const found: Record<string, string> = findBinaries([hosted.binary], {
      env: this.deps.env,
      projectDir: context.layout.root,
    });
    const record = await startRecorded(
      this.deps.runner,
      pidFile,
      found[hosted.binary]!,
      hosted.args(context.layout.kubeconfig(cluster.name)),
      {
        cwd: context.layout.root,
        logFile,
        ...(hosted.env ? { env: hosted.env(context.layout.kubeconfig(cluster.name)) } : {}),
      },
    );
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      // Alive first, then its log: a process that wrote and exited in between is read whole.
      const alive = await runningProcess(pidFile);
      const log = await readFile(logFile, 'utf8').catch(() => '');
      if (hosted.started.test(log)) break;
      if (!alive || Date.now() > deadline) {
        if (alive) await stopRecorded(pidFile);
        throw new ProviderError(
          `the ${addon} controller on ${cluster.name} ${alive ? `did not start within ${START_TIMEOUT_MS / 1000}s` : 'exited'}:\n${log.trim().split('\n').slice(-15).join('\n')}`,
          { code: 'provider.host-controller-failed', hint: `the whole log: ${logFile}` },
        );
      }
      if (context.signal?.aborted) throw new ProviderError('cancelled', { kind: 'interrupted' });
      await new Promise((r) => setTimeout(r, 200));
    }
    context.log({
      cluster: cluster.name,
      message: `${addon} controller started on the host (pid ${record.pid}); log ${logFile}`,
    });
    return { started: true, pid: record.pid, logFile };
  }

  /** Stops every host controller of the cluster (before its API server goes). */
  async stopAll(layout: ProjectLayout, cluster: string): Promise<void> {
    for (const addon of this.addons) await stopRecorded(this.files(layout, cluster, addon).pidFile);
  }
}
