/**
 * The one chokepoint into Multipass: every `multipass` command (list, info, launch, start, exec,
 * delete) goes through here, with a timeout, through the CommandRunner (so failures carry the
 * command line, exit code and output tail, and tests replay recorded output), and is recorded in
 * the step log before it runs. Secrets passed into a VM travel on stdin (`writeFile`), never in
 * argv; every value a caller marks secret, and anything shaped like a bootstrap token or a
 * certificate key, is redacted from the log and from a failure's message.
 */
import {
  CommandError,
  commandLine,
  type CommandRunner,
  redact,
  type RunOptions,
} from '../../clients/exec.js';

export interface MultipassVersion {
  readonly client: string;
  /** Absent when the daemon did not answer. */
  readonly daemon?: string;
}

export interface MultipassInstance {
  readonly name: string;
  readonly state: string;
  readonly ipv4: readonly string[];
  readonly release: string;
}

const TIMEOUT_MS = 30_000;
/** A launch downloads the image the first time and boots the VM; Multipass's own default is 300 s. */
export const LAUNCH_TIMEOUT_S = 900;

export interface LaunchRequest {
  readonly name: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly diskGiB: number;
  /** A cloud-config file on the host. */
  readonly cloudInit: string;
  readonly image: string;
}

export interface InstanceInfo {
  readonly state: string;
  readonly ipv4: readonly string[];
  readonly release?: string;
}

/** multipass prints this when multipassd is not running or its socket is not reachable. */
export function isDaemonDown(error: unknown): boolean {
  return error instanceof CommandError && /cannot connect to the multipass socket/.test(error.outputTail);
}

export interface MultipassClientOptions {
  /** Receives each command line before it runs (the step log), secrets redacted. */
  readonly log?: (line: string) => void;
}

export interface ExecOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Given to the command on stdin: the one way secrets enter a VM. */
  readonly input?: string;
  /** Values redacted from the log and from a failure's message (join tokens, certificate keys). */
  readonly secrets?: readonly string[];
}

/** A kubeadm bootstrap token (`[a-z0-9]{6}.[a-z0-9]{16}`) or a 32-byte hex key (certificate key). */
const JOIN_MATERIAL = /\b[a-z0-9]{6}\.[a-z0-9]{16}\b|\b[a-f0-9]{64}\b/g;

/** Redacts the given secrets and anything shaped like join material. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  return redact(text, secrets).replace(JOIN_MATERIAL, '[REDACTED]');
}

export class MultipassClient {
  readonly #log: ((line: string) => void) | undefined;

  constructor(
    private readonly runner: CommandRunner,
    private readonly binary = 'multipass',
    options: MultipassClientOptions = {},
  ) {
    this.#log = options.log;
  }

  /** Every invocation: logged first, run with a timeout, its failure redacted. */
  async #run(args: readonly string[], options: RunOptions & { timeoutMs: number }) {
    const secrets = options.secrets ?? [];
    this.#log?.(`$ ${redactSecrets(commandLine(this.binary, args), secrets)}`);
    try {
      return await this.runner.run(this.binary, args, options);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      throw new CommandError(
        redactSecrets(error.commandLine, secrets),
        error.exitCode,
        error.signal,
        redactSecrets(error.outputTail, secrets),
        error.reason,
      );
    }
  }

  async version(): Promise<MultipassVersion> {
    const { stdout } = await this.#run(['version', '--format', 'json'], { timeoutMs: TIMEOUT_MS });
    const parsed = JSON.parse(stdout) as { multipass?: string; multipassd?: string };
    return {
      client: parsed.multipass ?? 'unknown',
      ...(parsed.multipassd ? { daemon: parsed.multipassd } : {}),
    };
  }

  async launch(request: LaunchRequest, signal?: AbortSignal): Promise<void> {
    await this.#run(
      [
        'launch',
        '--name',
        request.name,
        '--cpus',
        String(request.cpus),
        '--memory',
        `${request.memoryGiB}G`,
        '--disk',
        `${request.diskGiB}G`,
        '--cloud-init',
        request.cloudInit,
        '--timeout',
        String(LAUNCH_TIMEOUT_S),
        request.image,
      ],
      { timeoutMs: (LAUNCH_TIMEOUT_S + 60) * 1000, ...(signal ? { signal } : {}) },
    );
  }

  async start(names: readonly string[]): Promise<void> {
    await this.#run(['start', ...names], { timeoutMs: 300_000 });
  }

  async stop(names: readonly string[]): Promise<void> {
    await this.#run(['stop', ...names], { timeoutMs: 300_000 });
  }

  async info(names: readonly string[]): Promise<Record<string, InstanceInfo>> {
    const { stdout } = await this.#run(['info', '--format', 'json', ...names], { timeoutMs: TIMEOUT_MS });
    const parsed = JSON.parse(stdout) as { info?: Record<string, Partial<InstanceInfo>> };
    return Object.fromEntries(
      Object.entries(parsed.info ?? {}).map(([name, i]) => [
        name,
        { state: i.state ?? 'Unknown', ipv4: i.ipv4 ?? [], ...(i.release ? { release: i.release } : {}) },
      ]),
    );
  }

  /**
   * Runs a command in the VM; its output (a failure's tail included) comes back as it would
   * locally. Its output is never logged: some of it is secret (admin.conf, a new token).
   */
  exec(name: string, command: readonly string[], options: ExecOptions) {
    return this.#run(['exec', name, '--', ...command], options);
  }

  /**
   * Writes a file in the VM from stdin, owned by root, mode 0600 (parent directories created):
   * how configuration and secrets enter a VM without touching a command line or the host's disk.
   */
  async writeFile(
    name: string,
    path: string,
    content: string,
    options: { readonly secrets?: readonly string[]; readonly signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.exec(name, ['sudo', 'install', '-D', '-m', '0600', '/dev/stdin', path], {
      timeoutMs: TIMEOUT_MS,
      input: content,
      ...options,
    });
  }

  /**
   * Copies a file between this machine and a VM (`<vm>:<path>` names the VM's side), as the VM's
   * default user: the VM's file must be readable by it.
   */
  async transfer(
    source: string,
    destination: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.#run(['transfer', source, destination], { timeoutMs, ...(signal ? { signal } : {}) });
  }

  async deletePurge(names: readonly string[]): Promise<void> {
    if (names.length > 0) await this.#run(['delete', '--purge', ...names], { timeoutMs: 300_000 });
  }

  async list(): Promise<MultipassInstance[]> {
    const { stdout } = await this.#run(['list', '--format', 'json'], { timeoutMs: TIMEOUT_MS });
    const parsed = JSON.parse(stdout) as { list?: Array<Partial<MultipassInstance>> };
    return (parsed.list ?? []).map((i) => ({
      name: i.name ?? '',
      state: i.state ?? 'Unknown',
      ipv4: i.ipv4 ?? [],
      release: i.release ?? '',
    }));
  }
}
