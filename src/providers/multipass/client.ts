/**
 * The one chokepoint into Multipass: every `multipass` command goes through here, with a timeout,
 * through the CommandRunner (so failures carry the command line, exit code and output tail, and
 * tests replay recorded output). TODO(#11): transfer (kubeconfigs, join material on stdin) joins
 * with the provider's bootstrap.
 */
import { CommandError, type CommandRunner } from '../../clients/exec.js';

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

export class MultipassClient {
  constructor(
    private readonly runner: CommandRunner,
    private readonly binary = 'multipass',
  ) {}

  async version(): Promise<MultipassVersion> {
    const { stdout } = await this.runner.run(this.binary, ['version', '--format', 'json'], {
      timeoutMs: TIMEOUT_MS,
    });
    const parsed = JSON.parse(stdout) as { multipass?: string; multipassd?: string };
    return {
      client: parsed.multipass ?? 'unknown',
      ...(parsed.multipassd ? { daemon: parsed.multipassd } : {}),
    };
  }

  async launch(request: LaunchRequest, signal?: AbortSignal): Promise<void> {
    await this.runner.run(
      this.binary,
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
    await this.runner.run(this.binary, ['start', ...names], { timeoutMs: 300_000 });
  }

  async info(names: readonly string[]): Promise<Record<string, InstanceInfo>> {
    const { stdout } = await this.runner.run(this.binary, ['info', '--format', 'json', ...names], {
      timeoutMs: TIMEOUT_MS,
    });
    const parsed = JSON.parse(stdout) as { info?: Record<string, Partial<InstanceInfo>> };
    return Object.fromEntries(
      Object.entries(parsed.info ?? {}).map(([name, i]) => [
        name,
        { state: i.state ?? 'Unknown', ipv4: i.ipv4 ?? [], ...(i.release ? { release: i.release } : {}) },
      ]),
    );
  }

  /** Runs a command in the VM; its output (a failure's tail included) comes back as it would locally. */
  exec(name: string, command: readonly string[], timeoutMs: number, signal?: AbortSignal) {
    return this.runner.run(this.binary, ['exec', name, '--', ...command], {
      timeoutMs,
      ...(signal ? { signal } : {}),
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
    await this.runner.run(this.binary, ['transfer', source, destination], {
      timeoutMs,
      ...(signal ? { signal } : {}),
    });
  }

  async deletePurge(names: readonly string[]): Promise<void> {
    if (names.length > 0)
      await this.runner.run(this.binary, ['delete', '--purge', ...names], { timeoutMs: 300_000 });
  }

  async list(): Promise<MultipassInstance[]> {
    const { stdout } = await this.runner.run(this.binary, ['list', '--format', 'json'], {
      timeoutMs: TIMEOUT_MS,
    });
    const parsed = JSON.parse(stdout) as { list?: Array<Partial<MultipassInstance>> };
    return (parsed.list ?? []).map((i) => ({
      name: i.name ?? '',
      state: i.state ?? 'Unknown',
      ipv4: i.ipv4 ?? [],
      release: i.release ?? '',
    }));
  }
}
