/**
 * An etcd snapshot of a kwok cluster: kwok's etcd is a real etcd on this machine, plain HTTP on
 * 127.0.0.1 at the port kwokctl recorded for the cluster, so etcdctl streams the snapshot
 * straight into the file `backup` asked for.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { EtcdClient } from '../../clients/etcd.js';
import type { EtcdSnapshotRequest, EtcdSnapshotResult, ProviderContext, ProviderDeps } from '../types.js';
import { ProviderError } from '../types.js';

/** What kwokctl recorded of the cluster it created in `workdir` (its KWOK_WORKDIR): its components and their ports. */
export function clusterRecordOf(workdir: string, cluster: string): string {
  return join(workdir, 'clusters', cluster, 'kwok.yaml');
}

/** The port of the cluster's etcd in kwokctl's record (`options.etcdPort` of its KwokctlConfiguration). */
export function etcdPortOf(recordText: string): number | undefined {
  for (const doc of parseAllDocuments(recordText)) {
    const value = doc.toJS() as { kind?: unknown; options?: { etcdPort?: unknown } } | null;
    if (value?.kind === 'KwokctlConfiguration' && typeof value.options?.etcdPort === 'number')
      return value.options.etcdPort;
  }
  return undefined;
}

/** kwokctl's record of the cluster in `workdir`; a typed error when there is none. */
export async function readClusterRecord(
  workdir: string,
  cluster: string,
): Promise<{ readonly recordFile: string; readonly record: string }> {
  const recordFile = clusterRecordOf(workdir, cluster);
  const record = await readFile(recordFile, 'utf8').catch(() => undefined);
  if (record === undefined)
    throw new ProviderError(`cluster ${cluster} has no kwok cluster here (no ${recordFile})`, {
      code: 'provider.cluster-missing',
      hint: 'create it with `platformctl up --provider kwok`',
    });
  return { recordFile, record };
}

/** `workdir`: the cluster's KWOK_WORKDIR. */
export async function kwokEtcdSnapshot(
  deps: ProviderDeps,
  workdir: string,
  request: EtcdSnapshotRequest,
  context: ProviderContext,
): Promise<EtcdSnapshotResult> {
  const cluster = request.cluster.name;
  const { recordFile, record } = await readClusterRecord(workdir, cluster);
  const port = etcdPortOf(record);
  if (port === undefined)
    throw new ProviderError(`${recordFile} names no etcd port (options.etcdPort)`, {
      code: 'provider.etcd-unknown',
    });
  const endpoint = { url: `http://127.0.0.1:${port}` };
  const etcd = EtcdClient.find({ env: deps.env, projectDir: context.layout.root, runner: deps.runner });
  const status = await etcd.endpointStatus(endpoint, context.signal);
  context.log({ cluster, message: `etcd ${status.version} at ${endpoint.url}: saving a snapshot` });
  await etcd.snapshotSave(endpoint, request.path, context.signal);
  return { node: 'localhost', endpoint: endpoint.url, etcdVersion: status.version };
}
