/**
 * A CommandRunner whose answers a test scripts: argv → stdout, stderr, exit code, delay. Every
 * call is recorded (with its stdin), so tests assert the exact command lines and their order.
 * Failures are the same CommandErrors the real runner throws.
 */
import {
  type BackgroundOptions,
  CommandError,
  commandLine,
  type CommandRunner,
  type RunOptions,
} from '../clients/exec.js';

export interface FakeReply {
  readonly stdout?: string;
  readonly stderr?: string;
  readonly exitCode?: number;
  /** How long the command "runs"; timeouts and cancellation apply as to a real one. */
  readonly delayMs?: number;
}

export interface FakeCall {
  readonly command: string;
  readonly args: readonly string[];
  /** The command line as the real runner shows it. */
  readonly line: string;
  readonly input?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly background: boolean;
  readonly startedAt: number;
  finishedAt?: number;
}

type Matcher = string | RegExp | ((call: FakeCall) => boolean);
type Responder = FakeReply | ((call: FakeCall) => FakeReply | Promise<FakeReply>);

export class FakeRunner implements CommandRunner {
  readonly calls: FakeCall[] = [];
  readonly #rules: Array<{ match: Matcher; reply: Responder; times: number }> = [];
  #nextPid = 40_000;

  /**
   * Answers calls whose command line (`cmd arg ...`, as the real runner quotes it) contains the
   * string, matches the RegExp, or satisfies the predicate. Later rules win over earlier ones;
   * `times` limits how often a rule answers (then the next matching rule does).
   */
  on(match: Matcher, reply: Responder, times = Infinity): this {
    this.#rules.unshift({ match, reply, times });
    return this;
  }

  /** Command lines received, in order. */
  get lines(): string[] {
    return this.calls.map((c) => c.line);
  }

  #matches(match: Matcher, call: FakeCall): boolean {
    if (typeof match === 'string') return call.line.includes(match);
    if (match instanceof RegExp) return match.test(call.line);
    return match(call);
  }

  async #reply(call: FakeCall): Promise<FakeReply> {
    const rule = this.#rules.find((r) => r.times > 0 && this.#matches(r.match, call));
    if (!rule) throw new Error(`FakeRunner: no reply scripted for \`${call.line}\``);
    rule.times--;
    return typeof rule.reply === 'function' ? rule.reply(call) : rule.reply;
  }

  async run(command: string, args: readonly string[], options: RunOptions = {}) {
    const call: FakeCall = {
      command,
      args: [...args],
      line: commandLine(command, args),
      ...(options.input !== undefined ? { input: options.input } : {}),
      ...(options.env ? { env: options.env } : {}),
      background: false,
      startedAt: Date.now(),
    };
    this.calls.push(call);
    const reply = await this.#reply(call);
    let reason: CommandError['reason'] = 'exit';
    if (reply.delayMs) {
      reason = await new Promise<CommandError['reason']>((resolveWait) => {
        const timers: NodeJS.Timeout[] = [];
        const finish = (why: CommandError['reason']) => {
          for (const t of timers) clearTimeout(t);
          options.signal?.removeEventListener('abort', onAbort);
          resolveWait(why);
        };
        const onAbort = () => finish('aborted');
        timers.push(setTimeout(() => finish('exit'), reply.delayMs));
        if (options.timeoutMs) timers.push(setTimeout(() => finish('timeout'), options.timeoutMs));
        options.signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    call.finishedAt = Date.now();
    const stdout = reply.stdout ?? '';
    const stderr = reply.stderr ?? '';
    options.onOutput?.(stdout + stderr);
    const exitCode = reply.exitCode ?? 0;
    if (reason !== 'exit' || exitCode !== 0) {
      const tail = `${stdout}${stderr}`.trimEnd().split('\n').slice(-20).join('\n');
      throw new CommandError(call.line, reason === 'exit' ? exitCode : null, null, tail, reason);
    }
    return { stdout, stderr };
  }

  async start(command: string, args: readonly string[], options: BackgroundOptions) {
    const call: FakeCall = {
      command,
      args: [...args],
      line: commandLine(command, args),
      ...(options.env ? { env: options.env } : {}),
      background: true,
      startedAt: Date.now(),
    };
    this.calls.push(call);
    const reply = await this.#reply(call);
    if (reply.exitCode) throw new CommandError(call.line, null, null, reply.stderr ?? '', 'spawn');
    return { pid: this.#nextPid++ };
  }
}
