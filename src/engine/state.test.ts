import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  emptyState,
  type PlatformState,
  readState,
  StateError,
  statePath,
  type StepState,
  StateStore,
  writeState,
} from './state.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'platformctl-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const step = (n: number, extra: Partial<StepState> = {}): StepState => ({
  inputsHash: `hash-${n}`,
  outcome: 'succeeded',
  runId: 'run-1',
  attempts: 1,
  ...extra,
});

const withSteps = (...ids: string[]): PlatformState => ({
  ...emptyState('demo', 'kwok'),
  steps: Object.fromEntries(ids.map((id, i) => [id, step(i)])),
});

describe('state file', () => {
  it('reads nothing when there is no file', async () => {
    expect(await readState(dir)).toBeUndefined();
  });

  it('round-trips a state', async () => {
    const state: PlatformState = {
      ...withSteps('hub/provision'),
      steps: {
        'hub/provision': step(1, {
          outcome: 'failed',
          startedAt: '2024-01-01T00:00:00.000Z',
          finishedAt: '2024-01-01T00:00:01.000Z',
          durationMs: 1000,
          outputs: { nodes: ['10.0.0.1'], nested: { b: 1, a: 2 } },
          error: { message: 'boom', transient: false, commandLine: 'kwokctl create', exitCode: 1 },
          detail: 'failed once',
        }),
      },
      runs: [{ runId: 'run-1', startedAt: '2024-01-01T00:00:00.000Z', command: 'up', logDir: 'logs/run-1' }],
    };
    await writeState(dir, state);
    expect(await readState(dir)).toEqual(state);
  });

  it('pretty-prints with sorted step keys and a trailing newline, in the shape `plan` reads', async () => {
    await writeState(dir, withSteps('spoke/b', 'hub/a', 'spoke/a'));
    const text = await readFile(statePath(dir), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "version": 1,\n');
    const parsed = JSON.parse(text) as { steps: Record<string, { inputsHash: string; outcome: string }> };
    expect(Object.keys(parsed.steps)).toEqual(['hub/a', 'spoke/a', 'spoke/b']);
    expect(Object.keys(parsed.steps['hub/a']!)).toEqual([...Object.keys(parsed.steps['hub/a']!)].sort());
    expect(parsed.steps['hub/a']).toMatchObject({ inputsHash: 'hash-1', outcome: 'succeeded' });
  });

  it.skipIf(process.platform === 'win32')('keeps the files private', async () => {
    await writeState(dir, withSteps('a'));
    await writeState(dir, withSteps('b'));
    expect((await stat(join(dir, '.platformctl'))).mode & 0o777).toBe(0o700);
    expect((await stat(statePath(dir))).mode & 0o777).toBe(0o600);
    expect((await stat(`${statePath(dir)}.bak`)).mode & 0o777).toBe(0o600);
  });

  it('refuses garbage and other versions, naming the backup to restore', async () => {
    await mkdir(join(dir, '.platformctl'));
    for (const text of [
      '{"steps": {',
      '[]',
      '{"version": 2, "platform": "p", "provider": "k", "steps": {}, "runs": []}',
    ]) {
      await writeFile(statePath(dir), text);
      const error = await readState(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StateError);
      expect((error as Error).message).toContain(`restore ${statePath(dir)}.bak or remove it`);
    }
  });

  it('keeps the previous good version as .bak', async () => {
    const bak = async () => JSON.parse(await readFile(`${statePath(dir)}.bak`, 'utf8')) as PlatformState;
    await writeState(dir, withSteps('one'));
    expect(existsSync(`${statePath(dir)}.bak`)).toBe(false);
    await writeState(dir, withSteps('two'));
    expect(Object.keys((await bak()).steps)).toEqual(['one']);
    await writeState(dir, withSteps('three'));
    expect(Object.keys((await bak()).steps)).toEqual(['two']);
    // A damaged state.json is not worth backing up over the good one.
    await writeFile(statePath(dir), '{"ver');
    await writeState(dir, withSteps('four'));
    expect(Object.keys((await bak()).steps)).toEqual(['two']);
    expect(Object.keys((await readState(dir))!.steps)).toEqual(['four']);
  });

  it('removes temp files that crashed writers left, and only those', async () => {
    await mkdir(join(dir, '.platformctl'));
    const dead = await deadPid();
    const orphan = `state.json.${dead}.abcdef.tmp`;
    const live = `state.json.bak.${process.pid}.abcdef.tmp`;
    for (const name of [orphan, live, 'notes.tmp']) await writeFile(join(dir, '.platformctl', name), 'x');
    await writeState(dir, withSteps('a'));
    expect((await readdir(join(dir, '.platformctl'))).sort()).toEqual(
      [live, 'notes.tmp', 'state.json'].sort(),
    );
  });
});

describe('StateStore', () => {
  it('lands concurrent writes, the last call winning', async () => {
    const store = new StateStore(dir, emptyState('demo', 'kwok'));
    const ids = Array.from({ length: 40 }, (_, i) => `cluster-${i % 4}/step-${i}`);
    await Promise.all([
      ...ids.map((id, i) => store.recordStep(id, step(i))),
      store.recordStep('same', step(1)),
      store.recordStep('same', step(2)),
    ]);
    const saved = (await readState(dir))!;
    expect(Object.keys(saved.steps).sort()).toEqual([...ids, 'same'].sort());
    expect(saved.steps.same?.inputsHash).toBe('hash-2');
    expect(store.current).toEqual(saved);
  });

  it('upserts runs by id and keeps the newest 20', async () => {
    const store = new StateStore(dir, emptyState('demo', 'kwok'));
    const run = (i: number, ok?: boolean) => ({
      runId: `run-${i}`,
      startedAt: new Date(i * 1000).toISOString(),
      command: 'up',
      logDir: `logs/run-${i}`,
      ...(ok === undefined ? {} : { ok }),
    });
    for (let i = 0; i < 25; i++) await store.recordRun(run(i));
    await store.recordRun(run(24, true));
    const runs = (await readState(dir))!.runs;
    expect(runs.map((r) => r.runId)).toEqual(Array.from({ length: 20 }, (_, i) => `run-${i + 5}`));
    expect(runs.at(-1)?.ok).toBe(true);
  });

  it('forgets steps', async () => {
    const store = new StateStore(dir, withSteps('a', 'b', 'c'));
    await store.forget(['a', 'c', 'missing']);
    expect(Object.keys((await readState(dir))!.steps)).toEqual(['b']);
  });

  it('reports a failed write and still makes the next one', async () => {
    const store = new StateStore(dir, emptyState('demo', 'kwok'));
    await writeFile(join(dir, '.platformctl'), 'not a directory');
    await expect(store.recordStep('a', step(1))).rejects.toThrow();
    await rm(join(dir, '.platformctl'));
    await store.recordStep('b', step(2));
    expect(Object.keys((await readState(dir))!.steps)).toEqual(['a', 'b']);
  });
});

// Crash safety under SIGKILL needs the compiled writer: e2e/state-crash.e2e.test.ts, after the build.

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}
