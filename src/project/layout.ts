/**
 * The project directory on disk: the one place that spells where platformctl keeps what it
 * writes next to `platform.yaml`. Everything else asks this module for a path.
 *
 *   .platformctl/            0700: state, lock, logs, secrets, provider data
 *     state.json(.bak)       what each step last did (engine/state.ts)
 *     lock                   the run that holds the platform (engine/lock.ts)
 *     provider.json          which provider created the clusters
 *     logs/<run>/            one log per step, events.jsonl for the run
 *     reports/               the latest verify.json and analyze.json (ops/reports.ts)
 *     upgrade-<cluster>.json 0600: the steps of an upgrade done so far (ops/upgrade.ts)
 *     explain-cache.json     0600: model answers of analyze --explain by finding hash (ops/explain.ts)
 *     secrets/               0700, one 0600 file per generated secret
 *     releases/<c>/<addon>/  the values files helm reads
 *     <provider>/            the provider's own files (kwok workdirs, the simulated Vault)
 *     helm/                  helm's cache and configuration
 *   kubeconfigs/             0700: <cluster>.conf (0600) and platform.conf with every context
 *   backups/<cluster>/       snapshots (day-2)
 */
import { join } from 'node:path';

/** A step id as a file name: `app1/vault/release` → `app1__vault__release`. */
export function stepFileName(stepId: string): string {
  return stepId.replaceAll('/', '__');
}

export interface ProjectLayout {
  readonly root: string;
  readonly stateDir: string;
  readonly stateFile: string;
  readonly lockFile: string;
  readonly providerRecord: string;
  /** The chart mirror an earlier run used, so that a new shell finds it again. */
  readonly mirrorRecord: string;
  readonly logsDir: string;
  runLogDir(runId: string): string;
  stepLog(runId: string, stepId: string): string;
  /** One engine event per line, readable by other processes while the run goes on. */
  runEvents(runId: string): string;
  /** The latest report of `verify` or `analyze`, for the dashboard. */
  reportFile(kind: 'verify' | 'analyze'): string;
  /** analyze --explain's answers by finding hash, so a re-run asks no model again. */
  readonly explainCache: string;
  readonly secretsDir: string;
  secretFile(name: string): string;
  releaseValues(cluster: string, addon: string): string;
  /** A provider's own directory (`.platformctl/kwok`, ...). */
  providerDir(provider: string): string;
  /** helm's cache, configuration and plugins, kept apart from the user's own helm. */
  readonly helmHome: string;
  readonly kubeconfigDir: string;
  kubeconfig(cluster: string): string;
  readonly mergedKubeconfig: string;
  readonly backupsDir: string;
  clusterBackups(cluster: string): string;
}

export function projectLayout(root: string): ProjectLayout {
  const stateDir = join(root, '.platformctl');
  const logsDir = join(stateDir, 'logs');
  const secretsDir = join(stateDir, 'secrets');
  const kubeconfigDir = join(root, 'kubeconfigs');
  const backupsDir = join(root, 'backups');
  return {
    root,
    stateDir,
    stateFile: join(stateDir, 'state.json'),
    lockFile: join(stateDir, 'lock'),
    providerRecord: join(stateDir, 'provider.json'),
    mirrorRecord: join(stateDir, 'mirror.json'),
    logsDir,
    runLogDir: (runId) => join(logsDir, runId),
    stepLog: (runId, stepId) => join(logsDir, runId, `${stepFileName(stepId)}.log`),
    runEvents: (runId) => join(logsDir, runId, 'events.jsonl'),
    reportFile: (kind) => join(stateDir, 'reports', `${kind}.json`),
    explainCache: join(stateDir, 'explain-cache.json'),
    secretsDir,
    secretFile: (name) => join(secretsDir, `${name}.json`),
    releaseValues: (cluster, addon) => join(stateDir, 'releases', cluster, addon, 'values.yaml'),
    providerDir: (provider) => join(stateDir, provider),
    helmHome: join(stateDir, 'helm'),
    kubeconfigDir,
    kubeconfig: (cluster) => join(kubeconfigDir, `${cluster}.conf`),
    mergedKubeconfig: join(kubeconfigDir, 'platform.conf'),
    backupsDir,
    clusterBackups: (cluster) => join(backupsDir, cluster),
  };
}
