/**
 * The one chokepoint into Multipass: every `multipass` command goes through here, with a timeout,
 * through the CommandRunner (so failures carry the command line, exit code and output tail, and
 * tests replay recorded output). TODO(#11): launch, exec, transfer and delete join as the
 * provider's provision, bootstrap and down land.
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
