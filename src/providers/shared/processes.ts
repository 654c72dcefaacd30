/**
 * Processes a provider keeps running beside a cluster (the kwok simulation, the simulated Vault,
 * controllers): started detached through the CommandRunner, recorded in a pid file, checked,
 * and stopped by `down`.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BackgroundOptions, CommandRunner } from '../../clients/exec.js';

/** `kill(pid, 0)` probes without signalling; EPERM means the process exists under another user. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PidRecord {
  readonly pid: number;
  /** Anything the caller needs to find the process again (a port, ...). */
  readonly [key: string]: unknown;
}

export async function readPidFile(path: string): Promise<PidRecord | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const record = JSON.parse(text) as PidRecord;
    return typeof record.pid === 'number' && record.pid > 0 ? record : undefined;
  } catch {
    // Older files held the bare pid.
    const pid = Number(text.trim());
    return pid > 0 ? { pid } : undefined;
  }
}

/** The recorded process, when it still runs. */
export async function runningProcess(pidFile: string): Promise<PidRecord | undefined> {
  const record = await readPidFile(pidFile);
  return record && processAlive(record.pid) ? record : undefined;
}

export async function startRecorded(
  runner: CommandRunner,
  pidFile: string,
  command: string,
  args: readonly string[],
  options: BackgroundOptions & { readonly record?: Readonly<Record<string, unknown>> },
): Promise<PidRecord> {
  await mkdir(dirname(pidFile), { recursive: true, mode: 0o700 });
  await mkdir(dirname(options.logFile), { recursive: true, mode: 0o700 });
  const { pid } = await runner.start(command, args, options);
  const record = { ...options.record, pid };
  await writeFile(pidFile, JSON.stringify(record), { mode: 0o600 });
  return record;
}

/**
 * Stops the recorded process (SIGTERM, then SIGKILL after `graceMs`), waits until it is gone and
 * removes its pid file; nothing recorded is success. Waiting matters: callers delete the
 * process's directory next, and a process still writing its log there makes that fail.
 */
export async function stopRecorded(pidFile: string, graceMs = 10_000): Promise<boolean> {
  const record = await readPidFile(pidFile);
  let stopped = false;
  if (record && processAlive(record.pid)) {
    try {
      process.kill(record.pid, 'SIGTERM');
      stopped = true;
    } catch {
      // gone meanwhile
    }
    const deadline = Date.now() + graceMs;
    while (processAlive(record.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (processAlive(record.pid)) {
      try {
        process.kill(record.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      // Bounded: a zombie (an exited child its parent has not reaped yet) still answers kill(0).
      const killed = Date.now() + 2_000;
      while (processAlive(record.pid) && Date.now() < killed) await new Promise((r) => setTimeout(r, 50));
    }
  }
  await rm(pidFile, { force: true });
  return stopped;
}
