/**
 * Runs external commands. Every failure is a CommandError that carries the command line, the
 * exit code (or signal) and the tail of the output, with secrets redacted.
 */
import { spawn } from 'node:child_process';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly input?: string;
  /** Milliseconds before the process is killed (SIGTERM, then SIGKILL). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Values that must never appear in errors or logs (tokens, passwords). */
  readonly secrets?: readonly string[];
  /** Receives output as it arrives, e.g. for a step log. */
  readonly onOutput?: (chunk: string) => void;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

const TAIL_LINES = 20;

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  return out;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

export function commandLine(command: string, args: readonly string[]): string {
  return [command, ...args].map(quote).join(' ');
}

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly commandLine: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly outputTail: string,
    readonly reason: 'exit' | 'timeout' | 'aborted' | 'spawn',
  ) {
    const how =
      reason === 'spawn'
        ? 'could not start'
        : reason === 'timeout'
          ? 'timed out'
          : reason === 'aborted'
            ? 'was cancelled'
            : signal
              ? `was killed by ${signal}`
              : `exited with code ${exitCode}`;
    super(`\`${commandLine}\` ${how}${outputTail ? `:\n${outputTail}` : ''}`);
  }
}

function tail(text: string): string {
  return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const line = redact(commandLine(command, args), options.secrets);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let combined = '';
    let reason: CommandError['reason'] = 'exit';
    const collect = (target: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (target === 'stdout') stdout += text;
      else stderr += text;
      combined += text;
      if (combined.length > 1_000_000) combined = combined.slice(-100_000);
      options.onOutput?.(redact(text, options.secrets));
    };
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));
    const stop = (why: CommandError['reason']) => {
      reason = why;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    };
    const timer = options.timeoutMs ? setTimeout(() => stop('timeout'), options.timeoutMs) : undefined;
    const onAbort = () => stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new CommandError(line, null, null, redact(error.message, options.secrets), 'spawn'));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (code === 0 && reason === 'exit') resolvePromise({ stdout, stderr });
      else reject(new CommandError(line, code, signal, redact(tail(combined), options.secrets), reason));
    });
    child.stdin.end(options.input ?? '');
  });
}
