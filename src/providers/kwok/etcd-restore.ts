/**
 * An etcd restore of a kwok cluster. kwokctl's binary runtime runs a real etcd with its data in
 * `<workdir>/clusters/<name>/etcd`; the restore stops the cluster's components (`kwokctl stop
 * cluster`: etcd, the API server and the rest), restores the snapshot with etcdutl into a new
 * directory beside it as the same member (name and peer URL from kwokctl's record), swaps it in
 * keeping the old one, and starts the cluster again, waiting for its API and nodes. Each step can
 * be re-run or undone after a crash, whatever part of it had happened.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { EtcdClient, type RestoreMember } from '../../clients/etcd.js';
import { KubeClient } from '../../clients/kube.js';
import type { PlatformCluster } from '../../spec/model.js';
import { waitForNodesReady } from '../shared/nodes.js';
import {
  type EtcdDataLoss,
  type EtcdDataLossRequest,
  type EtcdRestoreProcedure,
  type EtcdRestoreRequest,
  ProviderError,
  type ProviderContext,
  type ProviderDeps,
} from '../types.js';
import { readClusterRecord } from './etcd-snapshot.js';

/** What the restore needs of kwokctl's record of the cluster's etcd. */
export interface KwokEtcdMember {
  readonly dataDir: string;
  readonly name: string;
  readonly initialCluster: string;
  readonly peerUrl: string;
  readonly clientUrl: string;
}

/** The etcd component's flags in kwokctl's record (`--key=value` args of the component named etcd). */
export function etcdMemberOf(recordText: string): KwokEtcdMember | undefined {
  for (const doc of parseAllDocuments(recordText)) {
    const value = doc.toJS() as {
      kind?: unknown;
      components?: Array<{ name?: unknown; args?: unknown }>;
    } | null;
    if (value?.kind !== 'KwokctlConfiguration') continue;
    const etcd = value.components?.find((c) => c.name === 'etcd');
    if (!etcd || !Array.isArray(etcd.args)) return undefined;
    const flags = new Map<string, string>();
    for (const arg of etcd.args)
      if (typeof arg === 'string') {
        const match = /^--([a-z-]+)=(.*)$/.exec(arg);
        if (match) flags.set(match[1]!, match[2]!);
      }
    const dataDir = flags.get('data-dir');
    const name = flags.get('name');
    const initialCluster = flags.get('initial-cluster');
    const peerUrl = flags.get('initial-advertise-peer-urls');
    const clientUrl = flags.get('advertise-client-urls');
    if (!dataDir || !name || !initialCluster || !peerUrl || !clientUrl) return undefined;
    return { dataDir, name, initialCluster, peerUrl, clientUrl };
  }
  return undefined;
}

/** What the kwok provider lends the restore: its kwokctl for the cluster, and where the API is. */
export interface KwokRestoreDeps extends ProviderDeps {
  /** The cluster's KWOK_WORKDIR. */
  readonly workdir: string;
  readonly kwokctl: (args: string[], context: ProviderContext, timeoutMs?: number) => Promise<string>;
  readonly kubeconfig: string;
  readonly kubeContext: string;
}

const START_TIMEOUT_MS = 180_000;
const READY_TIMEOUT_MS = 120_000;

async function readMember(workdir: string, cluster: string): Promise<KwokEtcdMember> {
  const { recordFile, record } = await readClusterRecord(workdir, cluster);
  const member = etcdMemberOf(record);
  if (!member)
    throw new ProviderError(`${recordFile} does not say how its etcd runs (data-dir, name, peer URL)`, {
      code: 'provider.etcd-unknown',
    });
  return member;
}

/** Polls until the API server answers and every node of the spec is Ready. */
async function waitServing(
  deps: KwokRestoreDeps,
  cluster: PlatformCluster,
  context: ProviderContext,
): Promise<string> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const client = await KubeClient.fromFile(deps.kubeconfig, deps.kubeContext);
  for (;;) {
    const answered = await client.get('/version').then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline)
      throw new ProviderError(
        `cluster ${cluster.name}: the API server does not answer ${READY_TIMEOUT_MS / 1000}s after the start`,
        { code: 'provider.api-not-serving' },
      );
    await new Promise((r) => setTimeout(r, 500));
  }
  const nodes = await waitForNodesReady(client, cluster, {
    timeoutMs: Math.max(5_000, deadline - Date.now()),
    ...(context.signal ? { signal: context.signal } : {}),
  });
  return `API answers, ${nodes.length} node(s) Ready`;
}

export function kwokEtcdRestore(deps: KwokRestoreDeps, request: EtcdRestoreRequest): EtcdRestoreProcedure {
  const cluster = request.cluster;
  // The data directory as kwokctl names it (its record may say otherwise: `member()` reads it).
  const dataDir = join(deps.workdir, 'clusters', cluster.name, 'etcd');
  const newDir = `${dataDir}.restore-${request.restoreId}`;
  const keptDir = `${dataDir}.before-restore-${request.restoreId}`;
  const member = async () => {
    const found = await readMember(deps.workdir, cluster.name);
    if (found.dataDir !== dataDir)
      throw new ProviderError(
        `kwokctl runs ${cluster.name}'s etcd on ${found.dataDir}, not ${dataDir} where restore looks`,
        { code: 'provider.etcd-unknown' },
      );
    return found;
  };
  const etcd = (context: ProviderContext) =>
    EtcdClient.find({ env: deps.env, projectDir: context.layout.root, runner: deps.runner });
  const start = async (context: ProviderContext) => {
    await deps.kwokctl(['start', 'cluster', '--wait', '1m'], context, START_TIMEOUT_MS);
    return waitServing(deps, cluster, context);
  };
  const stop = async (context: ProviderContext) => {
    await deps.kwokctl(['stop', 'cluster'], context);
    return 'etcd, the API server, controller-manager, scheduler and kwok-controller stopped';
  };
  return {
    dataDir,
    keptDir,
    liveRevision: async (context) => {
      const { clientUrl } = await member();
      return etcd(context)
        .endpointStatus({ url: clientUrl }, context.signal)
        .then(
          (s) => s.revision,
          () => undefined,
        );
    },
    steps: [
      { id: 'stop', title: 'stop the API server and etcd', run: stop, undo: start },
      {
        id: 'restore',
        title: 'restore the snapshot into a new data directory',
        run: async (context) => {
          const found = await member();
          // What a killed etcdutl left is not a data directory yet: start it again from nothing.
          await rm(newDir, { recursive: true, force: true });
          const restoring: RestoreMember = {
            dataDir: newDir,
            name: found.name,
            initialCluster: found.initialCluster,
            initialAdvertisePeerUrls: found.peerUrl,
            bumpRevision: request.bumpRevision,
          };
          await etcd(context).snapshotRestore(request.snapshot, restoring, context.signal);
          return `${newDir} (revision bumped by ${request.bumpRevision}, old revisions compacted)`;
        },
        undo: async () => {
          await rm(newDir, { recursive: true, force: true });
        },
      },
      {
        id: 'swap',
        title: 'swap the restored data directory in, keeping the old one',
        run: async () => {
          // No data directory at all (`drill etcd-loss` moved it away): nothing to keep.
          if (!existsSync(keptDir) && existsSync(dataDir) && existsSync(newDir))
            await rename(dataDir, keptDir);
          if (existsSync(newDir)) await rename(newDir, dataDir);
          if (!existsSync(dataDir))
            throw new ProviderError(`neither ${newDir} nor ${dataDir} exists after the swap`, {
              code: 'provider.restore-swap-failed',
            });
          return `${dataDir} is the restored one; the old one is ${keptDir}`;
        },
        undo: async () => {
          if (!existsSync(keptDir)) {
            // Swapped in where there was no data directory: the restored one goes back to
            // where `restore`'s undo removes it, leaving no data directory, as before.
            if (!existsSync(newDir) && existsSync(dataDir)) await rename(dataDir, newDir);
            return;
          }
          // The restored directory goes back to where `restore`'s undo removes it.
          if (existsSync(dataDir)) await rename(dataDir, newDir);
          await rename(keptDir, dataDir);
          return `${dataDir} is the old one again`;
        },
      },
      { id: 'start', title: 'start the cluster and wait for its API and nodes', run: start, undo: stop },
    ],
  };
}

/**
 * `drill etcd-loss` on kwok: `kwokctl stop cluster`, then etcd's data directory renamed to
 * `etcd.drill-lost-<id>` beside it (kept: a restore that fails can have it back). With no data
 * directory the cluster cannot serve its objects again without a restore: started as it is, its
 * etcd would begin empty.
 * The provider holds the stopped cluster's ports meanwhile (port-hold.ts), in this process.
 */
export function kwokEtcdDataLoss(deps: KwokRestoreDeps, request: EtcdDataLossRequest): EtcdDataLoss {
  const cluster = request.cluster;
  const dataDir = join(deps.workdir, 'clusters', cluster.name, 'etcd');
  const movedTo = `${dataDir}.drill-lost-${request.lossId}`;
  const replaced = `${dataDir}.drill-replaced-${request.lossId}`;
  const stop = (context: ProviderContext) => deps.kwokctl(['stop', 'cluster'], context);
  return {
    dataDir,
    movedTo,
    putBackByHand:
      `while ${movedTo} exists it holds ${cluster.name}'s etcd data: stop the cluster (KWOK_WORKDIR=${deps.workdir} kwokctl stop cluster --name ${cluster.name}), ` +
      `move any ${dataDir} aside, mv ${movedTo} ${dataDir}; then KWOK_WORKDIR=${deps.workdir} kwokctl start cluster --name ${cluster.name}`,
    inject: async (context) => {
      const member = await readMember(deps.workdir, cluster.name);
      if (member.dataDir !== dataDir)
        throw new ProviderError(
          `kwokctl runs ${cluster.name}'s etcd on ${member.dataDir}, not ${dataDir} where the drill looks`,
          { code: 'provider.etcd-unknown' },
        );
      await stop(context);
      if (!existsSync(movedTo)) await rename(dataDir, movedTo);
      return `kwokctl stop cluster; ${dataDir} moved to ${movedTo}`;
    },
    putBack: async (context) => {
      if (!existsSync(movedTo)) throw new ProviderError(`${movedTo} is not there to put back`);
      await stop(context);
      // Whatever a failed recovery left in its place is kept too, not deleted.
      if (existsSync(dataDir)) {
        await rm(replaced, { recursive: true, force: true });
        await rename(dataDir, replaced);
      }
      await rename(movedTo, dataDir);
      try {
        await deps.kwokctl(['start', 'cluster', '--wait', '1m'], context, START_TIMEOUT_MS);
        return `${movedTo} back in ${dataDir}; ${await waitServing(deps, cluster, context)}`;
      } catch (error) {
        throw new ProviderError(
          `the data directory is back in ${dataDir}, but ${cluster.name} does not start: ${(error as Error).message.split('\n')[0]}`,
          { code: 'provider.start-failed', cause: error },
        );
      }
    },
  };
}
