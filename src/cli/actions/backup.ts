import { relative } from 'node:path';
import {
  backup as runBackup,
  listBackups,
  parseRetention,
  parseWhat,
  projectBackupDeps,
  type ClusterBackup,
  type SnapshotEntry,
} from '../../ops/backup.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT, UsageError } from '../io.js';
import { projectFor } from '../project.js';
import { json } from '../report.js';

interface BackupFlags {
  file?: string;
  provider?: ProviderName;
  cluster?: string[];
  what?: string[];
  keep?: string;
  output: OutputFormat;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(0)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

function age(seconds: number | undefined): string {
  if (seconds === undefined) return '?';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

function listText(entries: readonly SnapshotEntry[], root: string): string {
  if (entries.length === 0) return 'no backups yet: platformctl backup takes one of every cluster\n';
  const rows = entries.map((e) => {
    const m = e.manifest;
    return [
      e.what,
      e.cluster,
      e.id,
      age(e.ageSeconds),
      m ? size(m.size) : '?',
      m ? String(m.what === 'vault' ? m.raftIndex : m.revision) : '?',
      m ? (m.what === 'vault' ? `Vault ${m.vaultVersion}` : (m.kubernetesVersion ?? '?')) : '?',
      e.verifies ? 'yes' : `NO: ${e.problem ?? 'does not verify'}`,
    ];
  });
  const header = ['what', 'cluster', 'snapshot', 'age', 'size', 'revision', 'version', 'verifies'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`;
  return `${line(header)}${rows.map(line).join('')}\nin ${root}/<cluster>/<snapshot>/ (Vault's in ${root}/vault/<snapshot>/; its revision is the raft index)\n`;
}

function savedText(b: ClusterBackup, dir: string): string {
  const m = b.snapshot!.manifest;
  const removed = b.removed.length > 0 ? `; removed ${b.removed.length} old snapshot(s)` : '';
  return m.what === 'vault'
    ? `ok    vault: ${dir} (${size(m.size)}, raft index ${m.raftIndex}, from ${m.address}, Vault ${m.vaultVersion})${removed}\n`
    : `ok    ${b.cluster}: ${dir} (${size(m.size)}, revision ${m.revision}, from ${m.node}, etcd ${m.etcdVersion}, Kubernetes ${m.kubernetesVersion ?? 'unknown'})${removed}\n`;
}

/**
 * `backup`: exit 0 when every snapshot asked for (each cluster's etcd, Vault's) was taken and
 * verified, 3 when one failed (the others still taken), 2 for `--what velero` (not available
 * yet). `backup list`: exit 0, whatever the snapshots' state.
 */
export default async function backup(flags: BackupFlags, { io, args }: ActionContext): Promise<number> {
  const listing = args?.[0] === 'list';
  if (listing && (flags.keep !== undefined || flags.what !== undefined))
    throw new UsageError(
      'backup list takes no --keep or --what',
      'platformctl backup list [--cluster C] [-o json]',
    );
  // Usage errors before anything is opened or taken.
  const keep = flags.keep === undefined ? undefined : parseRetention(flags.keep);
  if (!listing) parseWhat(flags.what);
  const project = await projectFor(flags, io);
  const deps = projectBackupDeps(project, io.now);
  if (listing) {
    const entries = await listBackups(deps, flags.cluster ? { clusters: flags.cluster } : {});
    io.stdout(
      flags.output === 'json' ? json({ backups: entries }) : listText(entries, project.layout.backupsDir),
    );
    return EXIT.ok;
  }
  const report = await runBackup(deps, {
    ...(flags.cluster ? { clusters: flags.cluster } : {}),
    ...(flags.what ? { what: flags.what } : {}),
    ...(keep ? { keep } : {}),
    ...(flags.output === 'text' ? { onEvent: (e) => io.stderr(`  ${e.cluster}: ${e.message}\n`) } : {}),
  });
  if (flags.output === 'json') io.stdout(json(report));
  else {
    for (const b of report.backups) {
      if (b.ok && b.snapshot) {
        io.stdout(savedText(b, relative(project.dir, b.snapshot.dir)));
      } else
        io.stdout(
          `FAIL  ${b.cluster}: ${b.error?.message ?? 'failed'}\n${b.error?.hint ? `      fix: ${b.error.hint}\n` : ''}`,
        );
    }
    const failed = report.backups.filter((b) => !b.ok).length;
    io.stdout(
      `\n${failed === 0 ? `${report.backups.length} snapshot(s) taken and verified` : `${failed} of ${report.backups.length} backup(s) failed`}; retention ${report.keep}\n`,
    );
  }
  return report.ok ? EXIT.ok : EXIT.failed;
}
