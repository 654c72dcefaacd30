/**
 * Every command against bad input: each ends with a clear message and a documented exit code,
 * never an internal error or a stack trace; with -o json the error is a JSON object on stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../test-support/cli.js';

const VALID = 'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: demo }\n';

interface Case {
  readonly name: string;
  /** Creates the input in `dir`; returns the arguments that go after the command. */
  readonly setup: (dir: string) => string[];
  readonly stdin?: string;
}

const CASES: Case[] = [
  { name: 'a spec file that does not exist', setup: () => ['-f', 'nope.yaml'] },
  {
    name: 'a directory as the spec',
    setup: (dir) => {
      mkdirSync(join(dir, 'spec.d'));
      return ['-f', 'spec.d'];
    },
  },
  {
    name: 'a binary file as the spec',
    setup: (dir) => {
      writeFileSync(join(dir, 'bin.yaml'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]));
      return ['-f', 'bin.yaml'];
    },
  },
  {
    name: 'a spec over the size limit',
    setup: (dir) => {
      writeFileSync(join(dir, 'big.yaml'), `${VALID}# ${'x'.repeat(2 * 1024 * 1024)}\n`);
      return ['-f', 'big.yaml'];
    },
  },
  {
    name: 'a YAML alias bomb',
    setup: (dir) => {
      const lines = ['a: &a [x,x,x,x,x,x,x,x,x,x]'];
      for (let i = 1; i < 9; i++) {
        const [name, previous] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
        lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(',')}]`);
      }
      writeFileSync(join(dir, 'bomb.yaml'), `${lines.join('\n')}\n`);
      return ['-f', 'bomb.yaml'];
    },
  },
  {
    name: 'YAML that does not parse',
    setup: (dir) => {
      writeFileSync(join(dir, 'bad.yaml'), 'spec: { clusters: [\n');
      return ['-f', 'bad.yaml'];
    },
  },
  { name: 'an empty standard input', setup: () => ['-f', '-'], stdin: '' },
  {
    name: 'a state file of another platform',
    setup: (dir) => {
      writeFileSync(join(dir, 'platform.yaml'), VALID);
      mkdirSync(join(dir, '.platformctl'));
      writeFileSync(
        join(dir, '.platformctl/state.json'),
        JSON.stringify({ version: 1, platform: 'other', provider: 'kwok', steps: {}, runs: [] }),
      );
      return ['--provider', 'kwok'];
    },
  },
  {
    name: 'a damaged state file',
    setup: (dir) => {
      writeFileSync(join(dir, 'platform.yaml'), VALID);
      mkdirSync(join(dir, '.platformctl'));
      writeFileSync(join(dir, '.platformctl/state.json'), '{"version": 1, "plat');
      return ['--provider', 'kwok'];
    },
  },
];

const COMMANDS: ReadonlyArray<{ command: string[]; json: boolean; needsState?: boolean }> = [
  { command: ['validate'], json: true },
  { command: ['render', '--out', 'out'], json: true },
  { command: ['plan'], json: true, needsState: true },
  { command: ['up', '--dry-run'], json: true, needsState: true },
  { command: ['status', '--no-check'], json: true, needsState: true },
  { command: ['down'], json: true, needsState: true },
  { command: ['addons'], json: true },
];

const DOCUMENTED = new Set([1, 2, 3, 4, 5]);

describe('bad input never ends in an internal error', () => {
  for (const { command, json, needsState } of COMMANDS)
    for (const input of CASES) {
      const stateCase = input.name.includes('state file');
      if (stateCase && !needsState) continue;
      it(`${command.join(' ')} with ${input.name}`, async () => {
        const cwd = tempDir();
        const args = input.setup(cwd).filter((a) => !(command.includes('--provider') && a === '--provider'));
        const text = await runCli([...command, ...args], {
          cwd,
          ...(input.stdin !== undefined ? { stdin: input.stdin } : {}),
        });
        // `addons` lists the catalog whatever the spec, and says when it could not read the placement.
        if (command[0] === 'addons' && text.code === 0)
          expect(text.stderr).toContain('the spec does not parse');
        else expect(DOCUMENTED.has(text.code), `exit ${text.code}: ${text.stderr}`).toBe(true);
        expect(text.stderr).not.toContain('internal error');
        expect(text.stderr).not.toMatch(/\n\s+at /);
        if (!json) return;
        const structured = await runCli([...command, ...args, '-o', 'json'], {
          cwd,
          ...(input.stdin !== undefined ? { stdin: input.stdin } : {}),
        });
        expect(structured.stderr).not.toContain('internal error');
        const parsed = JSON.parse(structured.stdout) as { error?: { code: string; exitCode: number } };
        if (parsed.error) {
          expect(parsed.error.code).toMatch(/^[a-z]+(\.[a-z-]+)*$/);
          expect(parsed.error.exitCode).toBe(structured.code);
        }
      });
    }
});

describe('exit codes', () => {
  it('tells usage (2) from invalid input (1)', async () => {
    const cwd = tempDir();
    expect((await runCli(['up', '--concurrency', 'many', '--dry-run'], { cwd })).code).toBe(2);
    expect((await runCli(['render'], { cwd })).code).toBe(2);
    writeFileSync(join(cwd, 'platform.yaml'), `${VALID}spec: { host: { memoryGiB: 8 } }\n`);
    expect((await runCli(['up', '--dry-run'], { cwd })).code).toBe(1);
  });

  it('dashboard: a bad port is usage (2), a missing spec is what it is for status, a foreign state is invalid input (1), before it serves', async () => {
    const cwd = tempDir();
    for (const port of ['abc', '0', '70000'])
      expect((await runCli(['dashboard', '--provider', 'kwok', '--port', port], { cwd })).code).toBe(2);
    expect((await runCli(['dashboard', '-f', 'nope.yaml'], { cwd })).code).toBe(
      (await runCli(['status', '--no-check', '-f', 'nope.yaml'], { cwd })).code,
    );
    writeFileSync(join(cwd, 'platform.yaml'), VALID);
    mkdirSync(join(cwd, '.platformctl'));
    writeFileSync(
      join(cwd, '.platformctl/state.json'),
      JSON.stringify({ version: 1, platform: 'other', provider: 'kwok', steps: {}, runs: [] }),
    );
    const foreign = await runCli(['dashboard', '--provider', 'kwok'], { cwd });
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('belongs to platform "other"');
  });

  it('reports a held lock as 4, with the holder, in text and JSON', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'platform.yaml'), VALID);
    mkdirSync(join(cwd, '.platformctl'));
    writeFileSync(
      join(cwd, '.platformctl/state.json'),
      JSON.stringify({ version: 1, platform: 'demo', provider: 'kwok', steps: {}, runs: [] }),
    );
    writeFileSync(
      join(cwd, '.platformctl/lock'),
      JSON.stringify({
        pid: process.pid,
        hostname: (await import('node:os')).hostname(),
        startedAt: 'now',
        command: 'up',
        runId: 'r',
      }),
    );
    const text = await runCli(['down', '--provider', 'kwok'], { cwd });
    expect(text.code).toBe(4);
    expect(text.stderr).toContain(`pid ${process.pid}`);
    const json = await runCli(['down', '--provider', 'kwok', '-o', 'json'], { cwd });
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'lock.held', kind: 'locked', exitCode: 4 });
  });
});
