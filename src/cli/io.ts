/**
 * Everything a command touches outside itself, passed in so commands run in-process under test.
 */
import { readFileSync } from 'node:fs';
import { EXIT_CODES, PlatformctlError } from '../errors.js';

export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  /** Whether stdout is a terminal (colors, live views). */
  readonly isTTY: boolean;
  /** The width of the terminal the live view draws on (stderr). */
  readonly columns?: () => number;
}

export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    cwd: process.cwd(),
    env: process.env,
    now: () => new Date(),
    isTTY: Boolean(process.stdout.isTTY),
    columns: () => process.stderr.columns || 80,
  };
}

/** Exit codes (README, `up --help`): the same numbers as the error kinds of errors.ts. */
export const EXIT = {
  ok: EXIT_CODES.ok,
  invalid: EXIT_CODES.input,
  usage: EXIT_CODES.usage,
  failed: EXIT_CODES.failed,
  locked: EXIT_CODES.locked,
  environment: EXIT_CODES.environment,
  interrupted: EXIT_CODES.interrupted,
} as const;

/** A failure caused by how the command was called; exits 2. */
export class UsageError extends PlatformctlError {
  override readonly name = 'UsageError';
  constructor(message: string, hint?: string) {
    super('usage', 'usage', message, hint ? { hint } : {});
  }
}

export function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

export function useColor(io: CliIO): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.isTTY;
}
