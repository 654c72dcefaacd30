/**
 * The provider seam. A provider makes the clusters of a platform exist and reachable: Multipass
 * VMs with kubeadm, kwok clusters with simulated nodes, or clusters that already exist. The
 * engine drives it cluster by cluster as steps of the plan, and knows nothing else about it:
 * what differs between providers is data (ProviderTraits) or behind these methods.
 */
import { type ErrorDetails, type ErrorKind, PlatformctlError } from '../errors.js';
import type { CommandRunner } from '../clients/exec.js';
import type { VaultEndpoint } from '../clients/vault.js';
import type { ProjectLayout } from '../project/layout.js';
import type { ClusterRole } from '../addons/types.js';
import type { AddonName } from '../addons/names.js';
import type { Platform, PlatformCluster } from '../spec/model.js';
import type { ProviderTraits } from './traits.js';

export type { ProviderTraits } from './traits.js';

/** How platformctl reaches one cluster's API. */
export interface ClusterAccess {
  readonly cluster: string;
  /** A kubeconfig file (mode 0600 when platformctl wrote it). */
  readonly kubeconfig: string;
  readonly context: string;
}

export interface ProviderEvent {
  readonly cluster?: string;
  readonly message: string;
}

export interface ProviderContext {
  readonly layout: ProjectLayout;
  readonly log: (event: ProviderEvent) => void;
  readonly signal?: AbortSignal;
}

/** What a provider gets for one cluster: the spec's view, the rendered files, what was observed. */
export interface ClusterRequest {
  readonly platform: Platform;
  readonly cluster: PlatformCluster;
  /** The rendered tree by path (cloud-init per node, kubeadm configs, PSA file, ...). */
  readonly artifacts: ReadonlyMap<string, string>;
  /** Node name → address, as observed by an earlier provision (empty when none is known yet). */
  readonly addresses: Readonly<Record<string, string>>;
}

export interface ProvisionResult {
  /** Whether machines (or clusters) had to be created. */
  readonly created: boolean;
  /** Set when an existing cluster did not serve and had to be restarted or recreated. */
  readonly repaired?: 'restarted' | 'recreated';
  /** Node name → address, as discovered (seed correction 7: addresses come from DHCP). */
  readonly addresses: Readonly<Record<string, string>>;
}

export interface BootstrapResult {
  readonly access: ClusterAccess;
  /** Whether anything had to be done (nodes joined, kubeconfig written for the first time, ...). */
  readonly changed: boolean;
  /** Node name → address, as registered. */
  readonly addresses: Readonly<Record<string, string>>;
  /**
   * What the bootstrap did and left, in a few words, for the step's report (Multipass: nodes
   * registered, Ready only once the CNI runs). Absent: every node is Ready ("N node(s) Ready").
   */
  readonly detail?: string;
}

export interface ObservedCluster {
  /** The machines (or the kwok cluster) exist. */
  readonly exists: boolean;
  /** The API server answers. */
  readonly serving: boolean;
  /** Every node of the spec registered and Ready, and whatever the provider runs beside it alive. */
  readonly ready: boolean;
  /** What is wrong, in a few words, when not ready. */
  readonly detail?: string;
}

/** What `down` removes: a cluster and the machines it recorded (from the state, or the spec). */
export interface DownTarget {
  readonly cluster: string;
  readonly role: ClusterRole;
  readonly nodes: readonly string[];
}

export interface EtcdSnapshotRequest {
  readonly platform: Platform;
  readonly cluster: PlatformCluster;
  /** Where the snapshot file goes on this machine (its directory exists, 0700). */
  readonly path: string;
}

export interface EtcdSnapshotResult {
  /** The machine the snapshot was taken on (a control-plane node, or this host for kwok). */
  readonly node: string;
  /** The member's client URL, as seen from that machine. */
  readonly endpoint: string;
  /** The etcd server's version, e.g. `3.6.16`. */
  readonly etcdVersion: string;
  /**
   * The file's SHA-256 where it was taken, when it was copied from another machine: `backup`
   * compares it with the copy's.
   */
  readonly sourceSha256?: string;
}

export interface EtcdRestoreRequest {
  readonly platform: Platform;
  readonly cluster: PlatformCluster;
  /** The snapshot file on this machine, already checked against its manifest. */
  readonly snapshot: string;
  /** Its SHA-256 (the manifest's): a provider that copies it elsewhere checks the copy. */
  readonly snapshotSha256?: string;
  /** Names this restore's data directories, so a resumed or rolled-back run finds them again. */
  readonly restoreId: string;
  /** `etcdutl snapshot restore --bump-revision` (with `--mark-compacted`). */
  readonly bumpRevision: number;
}

/**
 * One step of an etcd restore. `run` and `undo` are idempotent: a run killed midway re-runs the
 * step it was in, or undoes it, whatever part of it had happened.
 */
export interface EtcdRestoreStep {
  /** Stable, e.g. `stop`, `restore`, `swap`, `start`: what the journal records. */
  readonly id: string;
  /** What it does, for the progress lines and the report. */
  readonly title: string;
  run(context: ProviderContext): Promise<string | void>;
  /** Puts back what `run` changed (nothing to put back is success). */
  undo(context: ProviderContext): Promise<string | void>;
}

/** How a provider restores one cluster's etcd: its steps, in order, and what to show first. */
export interface EtcdRestoreProcedure {
  /** Where etcd's data directory is, and where the old one is kept after the swap. */
  readonly dataDir: string;
  readonly keptDir: string;
  /** The member's revision now; undefined when it does not answer (what the restore gives up). */
  liveRevision(context: ProviderContext): Promise<number | undefined>;
  readonly steps: readonly EtcdRestoreStep[];
}

export interface EtcdDataLossRequest {
  readonly platform: Platform;
  readonly cluster: PlatformCluster;
  /** Names where the data directory goes, so a later run finds it again. */
  readonly lossId: string;
}

/**
 * `drill etcd-loss`: the cluster stopped and its etcd data directory moved away (kept, never
 * deleted), so its API cannot come back by itself; `restore` is the recovery.
 */
export interface EtcdDataLoss {
  readonly dataDir: string;
  /** Where the data directory is moved to, and stays after a recovery by restore. */
  readonly movedTo: string;
  /** Stops the cluster and moves the data directory to `movedTo`; says what it did. */
  inject(context: ProviderContext): Promise<string>;
  /** After a recovery that failed: the moved data directory back in place, the cluster started. */
  putBack(context: ProviderContext): Promise<string>;
  /** The same by hand, for when putBack failed too. */
  readonly putBackByHand: string;
}

export interface NodeRequest {
  readonly platform: Platform;
  readonly cluster: PlatformCluster;
  /** A node of the spec: `<cluster>-cp-<n>` or `<cluster>-worker-<n>`. */
  readonly node: string;
}

/** One thing a run needs before it starts, checked (preflight, and later `doctor`). */
export interface PreflightCheck {
  /** Stable, e.g. `binary.kwokctl`, `chart.cilium`, `mirror`. */
  readonly id: string;
  readonly status: 'pass' | 'fail' | 'warn';
  readonly detail: string;
  /** How to fix it, when it fails. */
  readonly fix?: string;
}

export interface PreflightContext {
  readonly layout: ProjectLayout;
  /** Machine names the project's state records as its own (not a conflict when they exist). */
  readonly recordedNodes: readonly string[];
}

export interface ClusterProvider {
  readonly traits: ProviderTraits;
  /** What this provider needs on this machine before anything is created (tools, daemons). */
  preflight?(platform: Platform, context: PreflightContext): Promise<PreflightCheck[]>;
  /** Where the cluster's API is reached; known without touching the world. */
  access(
    platform: Platform,
    cluster: PlatformCluster,
    context: Pick<ProviderContext, 'layout'>,
  ): ClusterAccess;
  /** Creates the cluster's machines when missing; restarts or recreates a cluster that does not serve (idempotent). */
  provision(request: ClusterRequest, context: ProviderContext): Promise<ProvisionResult>;
  /** Makes the cluster usable: nodes joined and Ready, kubeconfigs written (idempotent). */
  bootstrap(request: ClusterRequest, context: ProviderContext): Promise<BootstrapResult>;
  /** A cheap live check, for re-runs and `status`. */
  observe(request: ClusterRequest, context: ProviderContext): Promise<ObservedCluster>;
  /**
   * Takes a snapshot of the cluster's etcd and puts the file at `request.path` on this machine
   * (`backup`). Absent when the provider cannot reach its clusters' etcd; `backup` then fails
   * for those clusters saying so.
   */
  etcdSnapshot?(request: EtcdSnapshotRequest, context: ProviderContext): Promise<EtcdSnapshotResult>;
  /**
   * How to restore the cluster's etcd from a snapshot file (`restore`): stop the API server and
   * etcd, restore into a new data directory, swap it in keeping the old one, start again. Absent
   * when the provider cannot; `restore` then refuses for its clusters.
   */
  etcdRestore?(request: EtcdRestoreRequest, context: Pick<ProviderContext, 'layout'>): EtcdRestoreProcedure;
  /**
   * Runs one command (argv, no shell) on a node of a cluster it created (`upgrade`). Absent when
   * the provider cannot change its nodes' software; `upgrade` then refuses a real run.
   */
  runOnNode?(node: string, command: readonly string[], context: ProviderContext): Promise<void>;
  /**
   * Removes what the provider created for these clusters, in the order given (idempotent:
   * nothing there is success). Returns the clusters it deleted. Whatever runs with a cluster
   * goes with it (on kwok, the simulated Vault goes with the management cluster).
   */
  down(targets: readonly DownTarget[], context: ProviderContext): Promise<{ deleted: readonly string[] }>;
  /**
   * Where the engine reaches the management cluster's Vault. Absent when this provider cannot
   * give one yet; the Vault steps then fail saying so.
   */
  vaultEndpoint?(platform: Platform, context: ProviderContext): Promise<VaultEndpoint>;
  /**
   * Where Vault answers now, if it runs; starts nothing and never waits long (`status`,
   * `verify`). The platform says where to look (Multipass: its pinned address).
   */
  runningVault?(
    context: Pick<ProviderContext, 'layout'>,
    platform: Platform,
  ): Promise<VaultEndpoint | undefined>;
  /**
   * A helm post-renderer every release on this cluster goes through (kwok: webhooks pointed at
   * loopback). Absent: helm applies what the chart renders.
   */
  helmPostRenderer?(
    cluster: PlatformCluster,
    context: Pick<ProviderContext, 'layout'>,
  ): Promise<PostRenderer>;
  /**
   * Stops the cluster's machines (or control plane) without deleting anything, for `drill
   * mgmt-down`; what runs with the cluster stops with it (on kwok, the simulated Vault with the
   * management cluster). Absent: the provider cannot stop its clusters (drills say so).
   */
  stopCluster?(
    request: Pick<ClusterRequest, 'platform' | 'cluster'>,
    context: ProviderContext,
  ): Promise<void>;
  /** Starts a cluster `stopCluster` stopped, and what runs with it (Vault starts sealed). */
  startCluster?(
    request: Pick<ClusterRequest, 'platform' | 'cluster'>,
    context: ProviderContext,
  ): Promise<void>;
  /**
   * How to lose the cluster's etcd data for `drill etcd-loss` (stop, move the data directory
   * away). Absent: the provider cannot (the drill refuses for its clusters).
   */
  etcdDataLoss?(request: EtcdDataLossRequest, context: Pick<ProviderContext, 'layout'>): EtcdDataLoss;
  /**
   * Stops one node's heartbeats for `drill node-loss` (kwok: no longer kept alive by kwok;
   * Multipass: its VM stopped), nothing deleted; says what it did. Absent: the drill refuses.
   */
  stopNode?(request: NodeRequest, context: ProviderContext): Promise<string>;
  /** Undoes stopNode; the node's Ready is the caller's to wait for. */
  startNode?(request: NodeRequest, context: ProviderContext): Promise<string>;
  /** Controllers this provider runs on the host instead of in pods (kwok); absent where pods run. */
  readonly hostControllers?: HostControllers;
}

/**
 * SIMULATION seam (kwok runs no pods): add-on controllers the provider runs as host processes,
 * each against one cluster's API server. The engine starts one once its add-on's release is in
 * and counts a dead one as drift of that release.
 */
export interface HostControllers {
  /** The add-ons whose controllers it runs. */
  readonly addons: readonly AddonName[];
  /** The API versions whose objects those controllers make Ready (so the engine waits for them). */
  readonly apiVersions: readonly string[];
  running(
    cluster: PlatformCluster,
    addon: AddonName,
    context: Pick<ProviderContext, 'layout'>,
  ): Promise<boolean>;
  /** Starts it unless it runs and waits until it reconciles; `started` false when it already ran. */
  ensure(
    cluster: PlatformCluster,
    addon: AddonName,
    context: ProviderContext,
  ): Promise<{ readonly started: boolean; readonly pid: number; readonly logFile: string }>;
}

/** An executable helm pipes a release's rendered manifests through (`--post-renderer`). */
export interface PostRenderer {
  readonly command: string;
  readonly args: readonly string[];
}

export interface ProviderDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly runner: CommandRunner;
}

/** A provider could not do what it was asked; `code` says what (provider.unavailable, provider.vm-conflict, ...). */
export class ProviderError extends PlatformctlError {
  override readonly name = 'ProviderError';
  constructor(message: string, options: ErrorDetails & { code?: string; kind?: ErrorKind } = {}) {
    super(options.code ?? 'provider.failed', options.kind ?? 'failed', message, options);
  }
}
