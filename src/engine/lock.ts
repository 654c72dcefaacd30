/**
 * One run per platform: `.platformctl/lock` names the process that holds it. A lock left by a
 * crashed run on this machine is taken over; one held from another machine never is, since we
 * cannot tell whether its process is still alive.
 */
import { PlatformctlError } from '../errors.js';
import { projectLayout } from '../project/layout.js';
import { randomUUID } from 'node:crypto';
import { link, mkdir, open, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

export interface LockInfo {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
  readonly command: string;
  readonly runId: string;
}

export class LockHeldError extends PlatformctlError {
  override readonly name = 'LockHeldError';
  constructor(
    readonly holder: LockInfo,
    path: string,
  ) {
    const who =
      holder.hostname === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on ${holder.hostname}`;
    super(
      'lock.held',
      'locked',
      `another platformctl is running for this project: ${who}, \`${holder.command}\` (run ${holder.runId}), ` +
        `since ${holder.startedAt}. Wait for it to finish; if it is no longer running, remove ${path}`,
    );
  }
}

/** `kill(pid, 0)` probes without signalling; EPERM means the process exists under another user. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) !== 'ESRCH';
  }
}

/**
 * Takes the lock or throws LockHeldError. `reclaimed` is the stale lock taken over; its pid is 0
 * when that file was unreadable (a crash while it was being written).
 */
export async function acquireLock(
  projectDir: string,
  info: Omit<LockInfo, 'pid' | 'hostname' | 'startedAt'> & Partial<LockInfo>,
  options: { isAlive?: (pid: number) => boolean } = {},
): Promise<{ release(): Promise<void>; reclaimed?: LockInfo }> {
  const isAlive = options.isAlive ?? isProcessAlive;
  const { stateDir: dir, lockFile: path } = projectLayout(projectDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const mine: LockInfo = {
    pid: info.pid ?? process.pid,
    hostname: info.hostname ?? hostname(),
    startedAt: info.startedAt ?? new Date().toISOString(),
    command: info.command,
    runId: info.runId,
  };
  let reclaimed: LockInfo | undefined;
  // Each turn either wins, fails for good, or lost a race that changed the file; a few suffice.
  for (let turn = 0; turn < 10; turn++) {
    if (await create(path, mine))
      return { release: () => release(path, mine.runId), ...(reclaimed && { reclaimed }) };
    const found = await inspect(path);
    if (!found) continue;
    const { holder } = found;
    if (holder && (holder.hostname !== hostname() || isAlive(holder.pid)))
      throw new LockHeldError(holder, path);
    if (await moveAside(path, found))
      reclaimed = holder ?? { pid: 0, hostname: '', startedAt: '', command: '', runId: '' };
  }
  throw new Error(`could not take ${path}: other runs keep changing it; try again`);
}

interface Found {
  readonly raw: string;
  readonly ino: number;
  readonly holder: LockInfo | undefined;
}

/**
 * The lock appears complete: a hard link to a fully written temp file fails with EEXIST exactly
 * like O_EXCL, but no reader can catch the lock empty and mistake a live run for a crashed one.
 */
async function create(path: string, info: LockInfo): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  const content = `${JSON.stringify(info)}\n`;
  await writeFile(temp, content, { flag: 'wx', mode: 0o600 });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errorCode(error) ?? '')) throw error;
    // No hard links on this file system: plain O_EXCL, with a brief window in which the lock is empty.
    return writeFile(path, content, { flag: 'wx', mode: 0o600 }).then(
      () => true,
      (e: unknown) => (errorCode(e) === 'EEXIST' ? false : Promise.reject(e)),
    );
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function inspect(path: string): Promise<Found | undefined> {
  const handle = await open(path, 'r').catch((e: unknown) =>
    errorCode(e) === 'ENOENT' ? undefined : Promise.reject(e),
  );
  if (!handle) return undefined;
  try {
    const { ino } = await handle.stat();
    const raw = await handle.readFile('utf8');
    return { raw, ino, holder: parseLock(raw) };
  } finally {
    await handle.close();
  }
}

/**
 * Two reclaimers may judge the same file stale. The rename lets only one take it, but the slower
 * one may then move away the fresh lock the faster one just made; so it checks that what it moved
 * is the very file it judged (inode and bytes) and otherwise puts it back. Only a third process
 * creating a lock within that instant could still slip in.
 */
async function moveAside(path: string, judged: Found): Promise<boolean> {
  const aside = `${path}.stale.${process.pid}.${randomUUID()}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
  const moved = await inspect(aside);
  const same = moved?.ino === judged.ino && moved.raw === judged.raw;
  if (!same) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return same;
}

/** Removes the lock only if it is still ours: a run that thought us dead may have taken it over. */
async function release(path: string, runId: string): Promise<void> {
  const found = await inspect(path);
  if (found?.holder?.runId === runId) await unlink(path).catch(() => undefined);
}

function parseLock(raw: string): LockInfo | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const strings = ['hostname', 'startedAt', 'command', 'runId'].every((k) => typeof v[k] === 'string');
  return strings && Number.isInteger(v.pid) && (v.pid as number) > 0 ? (v as unknown as LockInfo) : undefined;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
