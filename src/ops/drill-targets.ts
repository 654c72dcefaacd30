/**
 * What `drill etcd-loss <cluster>` and `drill node-loss <node>` get from a project: the target
 * checked against the spec, the provider's seam (etcdDataLoss, stopNode/startNode), the snapshot
 * the recovery restores chosen before anything changes, and the recovery through ops/restore.ts
 * (the same library `restore` runs, with its journal), never a copy of it.
 */
import { PlatformctlError } from '../errors.js';
import type { KubeObject } from '../kube/objects.js';
import { NODE_MONITOR_GRACE_MS } from '../providers/shared/nodes.js';
import type { ProviderContext } from '../providers/types.js';
import type { PlatformCluster } from '../spec/model.js';
import { readManifest, snapshotId } from './backup.js';
import type { DrillScenario, DrillTargetDeps, EtcdLossDeps, NodeLossDeps } from './drill.js';
import type { Project } from './project.js';
import { BASE_REVISION_BUMP, projectRestoreDeps, resolveBackup, restore, RestoreError } from './restore.js';

function clusterNamed(project: Project, name: string): PlatformCluster {
  const cluster = project.platform.clusters.find((c) => c.name === name);
  if (!cluster)
    throw new PlatformctlError('drill.unknown-cluster', 'usage', `no cluster named ${name}`, {
      hint: `the spec has ${project.platform.clusters.map((c) => c.name).join(', ')}`,
    });
  return cluster;
}

const notAvailable = (message: string) => new PlatformctlError('drill.not-available', 'usage', message);

/**
 * etcd-loss of `name`: refused before anything changes when the provider cannot, or when no
 * snapshot of the cluster verifies (there would be nothing to recover from).
 */
export async function etcdLossDeps(
  project: Project,
  name: string,
  context: ProviderContext,
  log: (line: string) => void,
): Promise<EtcdLossDeps> {
  const cluster = clusterNamed(project, name);
  const provider = project.provider();
  if (!provider.etcdDataLoss || !provider.etcdRestore)
    // TODO(#13): Multipass: its restore runs etcdutl inside the running etcd pod, which a lost
    // data directory stops; it needs etcdutl from the etcd image with the pod gone first.
    throw notAvailable(`provider ${project.providerName} cannot lose and restore a cluster's etcd data`);
  const restoreDeps = projectRestoreDeps(project);
  const backup = await resolveBackup(restoreDeps, cluster.name, 'latest').catch((error: unknown) => {
    if (error instanceof RestoreError && error.code === 'restore.backup-missing')
      throw new PlatformctlError(
        'drill.no-backup',
        'input',
        `drill etcd-loss ${cluster.name} needs a snapshot of ${cluster.name} to recover from, and none verifies: nothing was changed`,
        { hint: `platformctl backup --cluster ${cluster.name}` },
      );
    throw error;
  });
  const manifest = await readManifest(backup.dir);
  if (manifest?.what !== 'etcd')
    throw new PlatformctlError('drill.no-backup', 'input', `${backup.dir} is not an etcd snapshot`, {
      hint: `platformctl backup --cluster ${cluster.name}`,
    });
  const probe = provider.etcdRestore(
    {
      platform: project.platform,
      cluster,
      snapshot: backup.dir,
      restoreId: 'probe',
      bumpRevision: BASE_REVISION_BUMP,
    },
    context,
  );
  const liveRevision = await probe.liveRevision(context).catch(() => undefined);
  const ageSeconds = Math.max(0, Math.round((Date.now() - new Date(manifest.createdAt).getTime()) / 1000));
  log(
    `recovery will restore snapshot ${backup.id} of ${cluster.name}: revision ${manifest.revision}, taken ${ageSeconds}s ago` +
      (liveRevision === undefined
        ? ''
        : `; etcd is at revision ${liveRevision}: ${Math.max(0, liveRevision - manifest.revision)} revision(s) written since are lost`),
  );
  const loss = provider.etcdDataLoss(
    { platform: project.platform, cluster, lossId: snapshotId(new Date()).toLowerCase() },
    context,
  );
  return {
    cluster: cluster.name,
    backup: {
      id: backup.id,
      revision: manifest.revision,
      ageSeconds,
      ...(liveRevision !== undefined ? { liveRevision } : {}),
    },
    dataDir: loss.dataDir,
    movedTo: loss.movedTo,
    putBackByHand: loss.putBackByHand,
    loseData: () => loss.inject(context),
    putBack: () => loss.putBack(context),
    restore: async () => {
      const report = await restore(
        // The drill holds the platform's lock already, for the whole drill.
        { ...restoreDeps, lock: () => Promise.resolve({ release: () => Promise.resolve() }) },
        {
          cluster: cluster.name,
          from: backup.id,
          yes: true,
          onEvent: (e) => log(`[${e.cluster}] ${e.message}`),
        },
      );
      const failing = report.verify?.checks.filter((c) => c.status === 'fail').map((c) => c.id) ?? [];
      return {
        ok: report.ok,
        detail:
          report.outcome === 'restored'
            ? `restored from ${backup.id} in ${(report.durationMs / 1000).toFixed(1)}s; ${
                report.ok
                  ? `verify of ${cluster.name} passed (restore RTO ${(report.rtoMs! / 1000).toFixed(1)}s)`
                  : `verify of ${cluster.name} fails: ${failing.join(', ')}`
              }`
            : `the restore rolled back: ${report.error?.message ?? 'unknown error'}`,
      };
    },
  };
}

interface NodeObject extends KubeObject {
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

/** A Node's Ready condition, in a few words. */
function readiness(node: NodeObject | undefined): { ready: boolean; evidence: string } {
  const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready) return { ready: false, evidence: node ? 'no Ready condition' : 'no such Node' };
  return {
    ready: ready.status === 'True',
    evidence: `Ready=${ready.status}${ready.reason ? ` (${ready.reason})` : ''}`,
  };
}

/** node-loss of `node`: a node of the spec (exit 2 with the list otherwise), on a provider that can stop one. */
export function nodeLossDeps(project: Project, node: string, context: ProviderContext): NodeLossDeps {
  const cluster = project.platform.clusters.find((c) => c.nodes.some((n) => n.name === node));
  if (!cluster)
    throw new PlatformctlError('drill.unknown-node', 'usage', `no node named ${node} in the spec`, {
      hint: `nodes: ${project.platform.clusters.flatMap((c) => c.nodes.map((n) => n.name)).join(', ')}`,
    });
  const provider = project.provider();
  if (!provider.stopNode || !provider.startNode)
    throw notAvailable(`provider ${project.providerName} cannot stop one node`);
  const request = { platform: project.platform, cluster, node };
  const nodes = async () => (await project.kube(cluster.name)).list<NodeObject>('v1', 'Node');
  return {
    cluster: cluster.name,
    node,
    graceMs: NODE_MONITOR_GRACE_MS,
    stopNode: () => provider.stopNode!(request, context),
    startNode: () => provider.startNode!(request, context),
    nodeReady: async () => {
      const client = await project.kube(cluster.name);
      return readiness(await client.getOptional<NodeObject>(`/api/v1/nodes/${encodeURIComponent(node)}`));
    },
    othersReady: async () => {
      const others = (await nodes()).filter((n) => n.metadata.name !== node);
      const notReady = others.filter((n) => !readiness(n).ready).map((n) => n.metadata.name);
      return notReady.length === 0
        ? {
            ok: true,
            evidence: `${others.length} other node(s) Ready: ${others.map((n) => n.metadata.name).join(', ')}`,
          }
        : { ok: false, evidence: `not Ready: ${notReady.join(', ')}` };
    },
  };
}

/** What `Project.drill` needs for the scenario that has a target (etcd-loss, node-loss). */
export async function drillTargetDeps(
  project: Project,
  scenario: DrillScenario,
  target: string,
  context: ProviderContext,
  log: (line: string) => void,
): Promise<DrillTargetDeps> {
  if (scenario === 'etcd-loss') return { etcdLoss: await etcdLossDeps(project, target, context, log) };
  if (scenario === 'node-loss') return { nodeLoss: nodeLossDeps(project, target, context) };
  return {};
}
