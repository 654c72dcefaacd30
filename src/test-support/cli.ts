import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../cli/io.js';
import { run } from '../cli/main.js';
import { TEST_NOW } from './clock.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = 'platformctl-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the CLI in-process with captured output and a fixed clock. */
export async function runCli(
  argv: string[],
  options: { cwd: string; stdin?: string; env?: Record<string, string> },
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readStdin: async () => options.stdin ?? '',
    cwd: options.cwd,
    env: options.env ?? {},
    now: () => TEST_NOW,
    isTTY: false,
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}
