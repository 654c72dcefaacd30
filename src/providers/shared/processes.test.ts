import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processAlive, stopRecorded } from './processes.js';

function startDetached(script: string): number {
  const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid!;
}

describe('stopRecorded', () => {
  it('returns only once the process is gone, and removes its pid file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'platformctl-processes-'));
    // Ignores SIGTERM for a moment, as a process finishing its last request does.
    const pid = startDetached(
      "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 300)); setInterval(() => {}, 1000);",
    );
    const pidFile = join(dir, 'p.json');
    writeFileSync(pidFile, JSON.stringify({ pid }));
    await new Promise((r) => setTimeout(r, 200));
    expect(await stopRecorded(pidFile)).toBe(true);
    expect(processAlive(pid)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('kills a process that ignores SIGTERM after the grace period', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'platformctl-processes-'));
    const pid = startDetached("process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);");
    const pidFile = join(dir, 'p.json');
    writeFileSync(pidFile, JSON.stringify({ pid }));
    await new Promise((r) => setTimeout(r, 200));
    expect(await stopRecorded(pidFile, 300)).toBe(true);
    expect(processAlive(pid)).toBe(false);
  });

  it('is success when nothing is recorded', async () => {
    expect(await stopRecorded(join(mkdtempSync(join(tmpdir(), 'platformctl-processes-')), 'none.json'))).toBe(
      false,
    );
  });
});
