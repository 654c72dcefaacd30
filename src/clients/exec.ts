/**
 * Runs external commands. Every failure is a CommandError that carries the command line, the
 * exit code (or signal) and the tail of the output, with secrets redacted.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { type HasDetails, PlatformctlError } from '../errors.js';

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

export class CommandError extends PlatformctlError implements HasDetails {
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
    super(
      reason === 'spawn' ? 'command.spawn' : reason === 'timeout' ? 'command.timeout' : 'command.failed',
      reason === 'spawn' ? 'environment' : reason === 'aborted' ? 'interrupted' : 'failed',
      `\`${commandLine}\` ${how}${outputTail ? `:\n${outputTail}` : ''}`,
    );
  }

  details(): Record<string, unknown> {
    return { commandLine: this.commandLine, exitCode: this.exitCode, outputTail: this.outputTail };
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
    // A child that exits without reading its input has closed the pipe (EPIPE): its exit code and
    // output say what happened, and an unhandled stream error would end this whole process.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

export interface BackgroundOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Standard output and error go here (appended), since nobody reads the process's pipes. */
  readonly logFile: string;
}

export interface BackgroundProcess {
  readonly pid: number;
}

/**
 * Every external process platformctl starts goes through a runner, so that tests can script
 * what each command line answers (ctlptl's CmdRunner) and real runs get one place for
 * timeouts, redaction and error reporting.
 */
export interface CommandRunner {
  /** Runs to completion; a non-zero exit, a timeout or a failed start is a CommandError. */
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /**
   * Starts a long-running process (a server, a controller) detached from this one, so it outlives
   * the run. Resolves once the process has started; a failed start (no such binary) rejects.
   */
  start(command: string, args: readonly string[], options: BackgroundOptions): Promise<BackgroundProcess>;
}

function startDetached(
  command: string,
  args: readonly string[],
  options: BackgroundOptions,
): Promise<BackgroundProcess> {
  const line = commandLine(command, args);
  return new Promise((resolvePromise, reject) => {
    let fd: number;
    try {
      fd = openSync(options.logFile, 'a', 0o600);
    } catch (error) {
      reject(new CommandError(line, null, null, (error as Error).message, 'spawn'));
      return;
    }
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    const done = () => closeSync(fd);
    child.once('error', (error) => {
      done();
      reject(new CommandError(line, null, null, error.message, 'spawn'));
    });
    child.once('spawn', () => {
      done();
      child.unref();
      resolvePromise({ pid: child.pid! });
    });
  });
}

/** The runner that starts real processes. */
export const systemRunner: CommandRunner = { run, start: startDetached };
