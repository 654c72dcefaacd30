/**
 * Start-up cost of the command line (`npm run bench`): `platformctl --version`, `validate` and
 * `plan` of the default spec, each as a ratio to a bare `node -e ''`, measured interleaved in
 * this run (medians of the same number of rounds). Goals (issue #8): --version <= 1.5x,
 * validate <= 4x. Nothing here asserts on time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/platformctl.js', import.meta.url));
const ROUNDS = 15;

function timed(args: readonly string[], cwd: string): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd, stdio: 'ignore' });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  expect(result.status).toBe(0);
  return elapsed;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('start-up', () => {
  it('prints each command against a bare node start, measured side by side', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'platformctl-startup-'));
    const cases: Record<string, string[]> = {
      "node -e ''": ['-e', ''],
      'platformctl --version': [BIN, '--version'],
      'platformctl validate': [BIN, 'validate'],
      'platformctl plan': [BIN, 'plan'],
    };
    const samples = new Map(Object.keys(cases).map((name) => [name, [] as number[]]));
    // Warm the file system cache, then interleave so that load on the machine hits every case alike.
    for (const args of Object.values(cases)) timed(args, cwd);
    for (let round = 0; round < ROUNDS; round++)
      for (const [name, args] of Object.entries(cases)) samples.get(name)!.push(timed(args, cwd));
    const bare = median(samples.get("node -e ''")!);
    const lines = [...samples].map(([name, values]) => {
      const ms = median(values);
      const goal = name.endsWith('--version')
        ? '  (goal <= 1.5)'
        : name.endsWith('validate')
          ? '  (goal <= 4)'
          : '';
      return `  ${name.padEnd(24)} ${ms.toFixed(0).padStart(5)} ms  ${(ms / bare).toFixed(2)}x${goal}`;
    });
    console.log([`start-up, median of ${ROUNDS} interleaved rounds:`, ...lines].join('\n'));
  }, 300_000);
});
