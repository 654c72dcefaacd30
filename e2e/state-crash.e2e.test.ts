/**
 * The state file survives a SIGKILL at any moment: the built writer (dist/, from `npm run build`)
 * runs in a child that is killed mid-loop again and again (the unit suite cannot: it runs compiled
 * code in the child).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type * as StateModule from '../src/engine/state.js';

const BUILT = fileURLToPath(new URL('../dist/engine/state.js', import.meta.url));
const WRITER = fileURLToPath(new URL('../src/engine/testdata/state-writer.mjs', import.meta.url));

if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` first`);
const { readState, writeState, statePath } = (await import(pathToFileURL(BUILT).href)) as typeof StateModule;

const project = await mkdtemp(join(tmpdir(), 'platformctl-state-crash-'));
afterAll(() => rm(project, { recursive: true, force: true }));

interface Counter {
  counter: number;
  size: number;
  payload: string;
}

async function killWriterAfter(delayMs: number): Promise<void> {
  const child = spawn(process.execPath, [WRITER, pathToFileURL(BUILT).href, project], { stdio: 'pipe' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = await new Promise<boolean>((resolve) => {
    child.stdout.once('data', () => resolve(true));
    child.once('exit', () => resolve(false));
  });
  if (!ready) throw new Error(`the writer exited before writing:\n${stderr}`);
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill('SIGKILL');
  await exited;
}

describe('state file crash safety', () => {
  it('leaves a complete state after SIGKILL at any moment', async () => {
    let last = 0;
    for (let kill = 0; kill < 20; kill++) {
      await killWriterAfter(kill * 3 + Math.random() * 3);
      const outputs = (await readState(project))?.steps.counter?.outputs as unknown as Counter;
      expect(outputs.payload.length).toBe(outputs.size);
      expect(outputs.counter).toBeGreaterThanOrEqual(last);
      last = outputs.counter;
      if (last >= 2) {
        const bak = JSON.parse(
          await readFile(`${statePath(project)}.bak`, 'utf8'),
        ) as StateModule.PlatformState;
        expect((bak.steps.counter?.outputs as unknown as Counter).counter).toBeLessThanOrEqual(last);
      }
      for (const name of await readdir(join(project, '.platformctl')))
        expect(name).toMatch(/^state\.json(\.bak)?(\.\d+\.[0-9a-f]+\.tmp)?$/);
    }
    await writeState(project, (await readState(project))!);
    expect((await readdir(join(project, '.platformctl'))).sort()).toEqual(['state.json', 'state.json.bak']);
  });
});
