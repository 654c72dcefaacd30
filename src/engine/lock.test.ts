import { spawn } from 'node:child_process';
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, isProcessAlive, LockHeldError, type LockInfo } from './lock.js';

let dir: string;
let lockPath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'platformctl-lock-'));
  lockPath = join(dir, '.platformctl', 'lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

async function plantLock(content: string | Partial<LockInfo>): Promise<void> {
  await mkdir(join(dir, '.platformctl'), { recursive: true });
  const text =
    typeof content === 'string'
      ? content
      : JSON.stringify({
          hostname: hostname(),
          startedAt: '2024-01-01T00:00:00.000Z',
          command: 'up',
          runId: 'old',
          ...content,
        });
  await writeFile(lockPath, text);
}

const readLock = async () => JSON.parse(await readFile(lockPath, 'utf8')) as LockInfo;

describe('acquireLock', () => {
  it('takes and releases the lock', async () => {
    const lock = await acquireLock(dir, { command: 'up', runId: 'r1' });
    expect(lock.reclaimed).toBeUndefined();
    expect(await readLock()).toMatchObject({
      pid: process.pid,
      hostname: hostname(),
      command: 'up',
      runId: 'r1',
    });
    if (process.platform !== 'win32') expect((await stat(lockPath)).mode & 0o777).toBe(0o600);
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
    await lock.release();
    await (await acquireLock(dir, { command: 'up', runId: 'r2' })).release();
    expect(await readdir(join(dir, '.platformctl'))).toEqual([]);
  });

  it('refuses a second run, saying who holds the lock', async () => {
    const first = await acquireLock(dir, { command: 'up --provider kwok', runId: 'r1' });
    const error = await acquireLock(dir, { command: 'down', runId: 'r2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    const { holder, message } = error as LockHeldError;
    expect(holder).toMatchObject({ pid: process.pid, runId: 'r1' });
    expect(message).toContain(`pid ${process.pid}`);
    expect(message).toContain('up --provider kwok');
    expect(message).toContain(holder.startedAt);
    expect(message).toContain(lockPath);
    expect((await readLock()).runId).toBe('r1');
    await first.release();
  });

  it('reclaims the lock of a dead process', async () => {
    const pid = await deadPid();
    expect(isProcessAlive(pid)).toBe(false);
    await plantLock({ pid });
    const lock = await acquireLock(dir, { command: 'up', runId: 'r1' });
    expect(lock.reclaimed).toMatchObject({ pid, runId: 'old', command: 'up' });
    expect((await readLock()).runId).toBe('r1');
    expect(await readdir(join(dir, '.platformctl'))).toEqual(['lock']);
  });

  it('reclaims an empty or unreadable lock file', async () => {
    for (const garbage of ['', '{"pid": 12', '{"pid": -1}']) {
      await plantLock(garbage);
      const lock = await acquireLock(dir, { command: 'up', runId: 'r1' });
      expect(lock.reclaimed?.pid).toBe(0);
      await lock.release();
    }
  });

  it('never reclaims a lock held from another host', async () => {
    await plantLock({ pid: await deadPid(), hostname: `not-${hostname()}` });
    const error = await acquireLock(dir, { command: 'up', runId: 'r1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as Error).message).toContain(`on not-${hostname()}`);
    expect((await readLock()).runId).toBe('old');
  });

  it('honours isAlive', async () => {
    await plantLock({ pid: 4_000_000 });
    await expect(acquireLock(dir, { command: 'up', runId: 'r1' }, { isAlive: () => true })).rejects.toThrow(
      LockHeldError,
    );
    const lock = await acquireLock(dir, { command: 'up', runId: 'r1' }, { isAlive: () => false });
    expect(lock.reclaimed?.pid).toBe(4_000_000);
  });

  it('does not release a lock someone else took over', async () => {
    const lock = await acquireLock(dir, { command: 'up', runId: 'r1' });
    await plantLock({ pid: process.pid, runId: 'r2' });
    await lock.release();
    expect((await readLock()).runId).toBe('r2');
  });

  it('leaves alone a lock that another run took over between our look and our move', async () => {
    const dead = await deadPid();
    await plantLock({ pid: dead });
    // isAlive runs between reading the stale lock and moving it aside: the faster run strikes there.
    const isAlive = (pid: number) => {
      if (pid !== dead) return true;
      unlinkSync(lockPath);
      writeFileSync(
        lockPath,
        JSON.stringify({
          pid: process.pid,
          hostname: hostname(),
          startedAt: 'now',
          command: 'up',
          runId: 'fast',
        }),
      );
      return false;
    };
    const error = await acquireLock(dir, { command: 'up', runId: 'slow' }, { isAlive }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as LockHeldError).holder.runId).toBe('fast');
    expect((await readLock()).runId).toBe('fast');
    expect(await readdir(join(dir, '.platformctl'))).toEqual(['lock']);
  });

  it('lets exactly one of two concurrent runs take over a stale lock', async () => {
    const pid = await deadPid();
    for (let round = 0; round < 30; round++) {
      await rm(join(dir, '.platformctl'), { recursive: true, force: true });
      await plantLock(round % 3 === 0 ? '' : { pid });
      const results = await Promise.allSettled([
        acquireLock(dir, { command: 'up', runId: 'a' }),
        acquireLock(dir, { command: 'up', runId: 'b' }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected');
      expect(lost?.reason).toBeInstanceOf(LockHeldError);
      const winner = (await readLock()).runId;
      expect((lost?.reason as LockHeldError).holder.runId).toBe(winner);
      expect((await readdir(join(dir, '.platformctl'))).sort()).toEqual(['lock']);
    }
  });
});
