/**
 * The one chokepoint for helm: every helm command platformctl runs is built here, runs through
 * exec.ts (so failures are CommandErrors with the command line and helm's own error text, secrets
 * redacted), and keeps helm's caches and configuration out of the user's home directory.
 */
import { join } from 'node:path';
import { findBinaries } from '../clients/binaries.js';
import { projectLayout } from '../project/layout.js';
import { CommandError, type CommandRunner, systemRunner } from './exec.js';

export interface HelmRelease {
  readonly name: string;
  readonly namespace: string;
  /** A local chart directory or archive, or a chart name when `repo` is set. */
  readonly chart: string;
  readonly version?: string;
  /** Repository URL, passed as --repo so that no `helm repo add` state is needed. */
  readonly repo?: string;
  readonly valuesFile?: string;
  /** An executable helm pipes the rendered manifests through before applying them. */
  readonly postRenderer?: { readonly command: string; readonly args: readonly string[] };
}

export interface HelmCommandOptions {
  readonly signal?: AbortSignal;
  /** Kills helm after this long; for commands that wait, helm's own --timeout is derived from it. */
  readonly timeoutMs?: number;
  readonly onOutput?: (chunk: string) => void;
}

export interface HelmUpgradeOptions extends HelmCommandOptions {
  readonly timeoutMs: number;
  /** Default true: helm waits until the release's workloads are ready, up to timeoutMs. */
  readonly wait?: boolean;
}

export interface HelmUninstallOptions extends HelmCommandOptions {
  /** Wait until every resource of the release is gone. */
  readonly wait?: boolean;
}

export interface HelmReleaseStatus {
  /** deployed, failed, pending-install, pending-upgrade, superseded, uninstalling, ... */
  readonly status: string;
  /** name-version, e.g. hello-0.1.0 */
  readonly chart: string;
  readonly revision: number;
}

export interface HelmClientOptions {
  /** Path of the helm binary. */
  readonly helm: string;
  readonly kubeconfig: string;
  /** The context of the kubeconfig to use (default: its current context). */
  readonly kubeContext?: string;
  /** Runs helm (default: real processes). */
  readonly runner?: CommandRunner;
  /** Added to the environment of every helm process (HELM_CACHE_HOME and friends). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Never shown in errors or output (tokens in repository URLs, passwords in values paths). */
  readonly secrets?: readonly string[];
}

/**
 * Room for helm to report its own timeout (with the resources it was waiting for) before
 * platformctl kills it.
 */
const KILL_GRACE_MS = 30_000;

/** helm's --timeout for a budget in milliseconds: whole seconds, rounded up, at least 1. */
export function helmTimeout(timeoutMs: number): string {
  return `${Math.max(1, Math.ceil(timeoutMs / 1000))}s`;
}

function chartSourceArgs(release: HelmRelease): string[] {
  return [
    ...(release.version ? ['--version', release.version] : []),
    ...(release.repo ? ['--repo', release.repo] : []),
    ...(release.valuesFile ? ['-f', release.valuesFile] : []),
  ];
}

/** The argv (after the binary, before --kubeconfig) of an idempotent install or upgrade. */
export function upgradeInstallArgs(release: HelmRelease, timeoutMs: number, wait = true): string[] {
  return [
    'upgrade',
    '--install',
    release.name,
    release.chart,
    '--namespace',
    release.namespace,
    '--create-namespace',
    ...chartSourceArgs(release),
    ...(release.postRenderer
      ? [
          '--post-renderer',
          release.postRenderer.command,
          ...release.postRenderer.args.flatMap((arg) => ['--post-renderer-args', arg]),
        ]
      : []),
    ...(wait ? ['--wait'] : []),
    '--timeout',
    helmTimeout(timeoutMs),
  ];
}

export function templateArgs(release: HelmRelease): string[] {
  return [
    'template',
    release.name,
    release.chart,
    '--namespace',
    release.namespace,
    ...chartSourceArgs(release),
  ];
}

/** helm says "release: not found" (status, uninstall, history) when there is no such release. */
export function isReleaseNotFound(error: unknown): boolean {
  return (
    error instanceof CommandError &&
    error.reason === 'exit' &&
    /\brelease: not found\b/.test(error.outputTail)
  );
}

interface HistoryEntry {
  revision?: unknown;
  status?: unknown;
  chart?: unknown;
}

/** The newest revision from `helm history -o json` (oldest first). */
export function parseLatestRevision(json: string): HelmReleaseStatus {
  const parsed = JSON.parse(json) as unknown;
  const latest = (Array.isArray(parsed) ? (parsed as HistoryEntry[]) : []).at(-1);
  if (
    typeof latest?.status !== 'string' ||
    typeof latest.chart !== 'string' ||
    typeof latest.revision !== 'number'
  )
    throw new Error(`unexpected \`helm history -o json\` output: ${json.slice(0, 500)}`);
  return { status: latest.status, chart: latest.chart, revision: latest.revision };
}

export class HelmClient {
  readonly helm: string;
  readonly kubeconfig: string;
  readonly kubeContext: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly secrets: readonly string[];
  readonly #runner: CommandRunner;

  constructor(options: HelmClientOptions) {
    this.helm = options.helm;
    this.kubeconfig = options.kubeconfig;
    this.kubeContext = options.kubeContext;
    this.env = options.env ?? {};
    this.secrets = options.secrets ?? [];
    this.#runner = options.runner ?? systemRunner;
  }

  /**
   * helm from $PLATFORMCTL_BIN_DIR, the harness build or PATH, with its cache, configuration and
   * plugins under <projectDir>/.platformctl/helm/ so that ~ stays untouched and runs do not share
   * repository state with the user's own helm.
   */
  static find(options: {
    env: Readonly<Record<string, string | undefined>>;
    projectDir: string;
    kubeconfig: string;
    kubeContext?: string;
    runner?: CommandRunner;
    secrets?: readonly string[];
  }): HelmClient {
    const { helm } = findBinaries(['helm'], { env: options.env, projectDir: options.projectDir });
    const home = projectLayout(options.projectDir).helmHome;
    return new HelmClient({
      helm,
      kubeconfig: options.kubeconfig,
      ...(options.kubeContext ? { kubeContext: options.kubeContext } : {}),
      ...(options.runner ? { runner: options.runner } : {}),
      env: {
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_DATA_HOME: join(home, 'data'),
      },
      ...(options.secrets ? { secrets: options.secrets } : {}),
    });
  }

  private async helmRun(args: readonly string[], options: HelmCommandOptions, cluster = true) {
    // --kubeconfig on every cluster command: $KUBECONFIG of the user's shell must never be used.
    const target = [
      '--kubeconfig',
      this.kubeconfig,
      ...(this.kubeContext ? ['--kube-context', this.kubeContext] : []),
    ];
    return this.#runner.run(this.helm, cluster ? [...args, ...target] : args, {
      env: this.env,
      secrets: this.secrets,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    });
  }

  async upgradeInstall(release: HelmRelease, options: HelmUpgradeOptions): Promise<void> {
    await this.helmRun(upgradeInstallArgs(release, options.timeoutMs, options.wait ?? true), {
      ...options,
      timeoutMs: options.timeoutMs + KILL_GRACE_MS,
    });
  }

  /**
   * The release's newest revision, or undefined when the release does not exist; other failures
   * (cluster unreachable...) throw. Read from `helm history --max 1` rather than `helm status -o
   * json`, which leaves out the chart (helm v3.20 strips it) and carries the whole manifest.
   */
  async status(
    name: string,
    namespace: string,
    options: HelmCommandOptions = {},
  ): Promise<HelmReleaseStatus | undefined> {
    try {
      const { stdout } = await this.helmRun(
        ['history', name, '--namespace', namespace, '--max', '1', '-o', 'json'],
        options,
      );
      return parseLatestRevision(stdout);
    } catch (error) {
      if (isReleaseNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The objects of the release's current revision (`helm get manifest`), or undefined when it does not exist. */
  async manifest(
    name: string,
    namespace: string,
    options: HelmCommandOptions = {},
  ): Promise<string | undefined> {
    try {
      const { stdout } = await this.helmRun(['get', 'manifest', name, '--namespace', namespace], options);
      return stdout;
    } catch (error) {
      if (isReleaseNotFound(error)) return undefined;
      throw error;
    }
  }

  /** true when a release was removed, false when there was none. */
  async uninstall(name: string, namespace: string, options: HelmUninstallOptions = {}): Promise<boolean> {
    const args = [
      'uninstall',
      name,
      '--namespace',
      namespace,
      ...(options.wait ? ['--wait'] : []),
      ...(options.timeoutMs === undefined ? [] : ['--timeout', helmTimeout(options.timeoutMs)]),
    ];
    try {
      await this.helmRun(args, {
        ...options,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs + KILL_GRACE_MS }),
      });
      return true;
    } catch (error) {
      if (isReleaseNotFound(error)) return false;
      throw error;
    }
  }

  /** Back to the revision before the current one (or `revision`): clears a pending upgrade. */
  async rollback(
    name: string,
    namespace: string,
    options: HelmCommandOptions & { revision?: number } = {},
  ): Promise<void> {
    await this.helmRun(
      ['rollback', name, ...(options.revision ? [String(options.revision)] : []), '--namespace', namespace],
      options,
    );
  }

  /** Renders the release offline (no cluster contacted): for tests and previews. */
  async template(release: HelmRelease, options: HelmCommandOptions = {}): Promise<string> {
    const { stdout } = await this.helmRun(templateArgs(release), options, false);
    return stdout;
  }
}
