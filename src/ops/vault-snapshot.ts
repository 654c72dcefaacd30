/**
 * What can be checked of a Vault raft snapshot without a Vault: it is a gzip'd tar of
 * `meta.json` (raft index, term, size of the state), `state.bin` (the storage), `SHA256SUMS`
 * (the checksums of those two) and `SHA256SUMS.sealed` (the same, sealed with Vault's keys; only
 * Vault can check that part). Read as a stream, hashed on the way: nothing is held in memory but
 * the small files.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { PlatformctlError } from '../errors.js';

export interface RaftSnapshotInfo {
  /** The raft index the snapshot holds: what a restore goes back to. */
  readonly index: number;
  readonly term: number;
  /** The snapshot format (meta.json's Version). */
  readonly version: number;
  /** Bytes of state.bin. */
  readonly stateSize: number;
  /** The files of the archive, in order. */
  readonly files: readonly string[];
}

const SMALL = new Set(['meta.json', 'SHA256SUMS', 'SHA256SUMS.sealed']);
const MAX_SMALL = 1_048_576;

function bad(path: string, why: string): PlatformctlError {
  return new PlatformctlError('backup.vault-snapshot-invalid', 'failed', `${path}: ${why}`, {
    hint: 'take a new one: platformctl backup --what vault',
  });
}

function octal(field: Buffer): number {
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/** Reads a raft snapshot, checks its structure and its SHA256SUMS; throws `backup.vault-snapshot-invalid`. */
export async function inspectRaftSnapshot(path: string, signal?: AbortSignal): Promise<RaftSnapshotInfo> {
  const head = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    createReadStream(path, { start: 0, end: 1 })
      .on('data', (c) => chunks.push(c as Buffer))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject);
  });
  if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) throw bad(path, 'not a gzip file');

  const files: string[] = [];
  const hashes = new Map<string, string>();
  const small = new Map<string, Buffer>();
  let pending: Buffer = Buffer.alloc(0);
  let current: { name: string; left: number; pad: number; hash: Hash; keep?: Buffer[] } | undefined;
  let ended = false;
  const sizes = new Map<string, number>();

  const consume = (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (ended) return;
      if (current) {
        if (current.left > 0) {
          const take = Math.min(current.left, pending.length);
          if (take === 0) return;
          const part = pending.subarray(0, take);
          current.hash.update(part);
          current.keep?.push(Buffer.from(part));
          current.left -= take;
          pending = pending.subarray(take);
          if (current.left > 0) return;
        }
        if (pending.length < current.pad) return;
        pending = pending.subarray(current.pad);
        hashes.set(current.name, current.hash.digest('hex'));
        if (current.keep) small.set(current.name, Buffer.concat(current.keep));
        current = undefined;
        continue;
      }
      if (pending.length < 512) return;
      const header = pending.subarray(0, 512);
      pending = pending.subarray(512);
      if (header.every((b) => b === 0)) {
        ended = true;
        return;
      }
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
      if (sum !== octal(header.subarray(148, 156))) throw bad(path, 'a tar header has a wrong checksum');
      const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
      const size = octal(header.subarray(124, 136));
      const type = String.fromCharCode(header[156]!);
      if (type !== '0' && type !== '\0') throw bad(path, `unexpected tar entry ${name} (type ${type})`);
      if (SMALL.has(name) && size > MAX_SMALL) throw bad(path, `${name} is ${size} bytes`);
      files.push(name);
      sizes.set(name, size);
      current = {
        name,
        left: size,
        pad: (512 - (size % 512)) % 512,
        hash: createHash('sha256'),
        ...(SMALL.has(name) ? { keep: [] } : {}),
      };
    }
  };

  try {
    const gunzip = createReadStream(path).pipe(createGunzip());
    signal?.addEventListener('abort', () => gunzip.destroy(new Error('aborted')), { once: true });
    for await (const chunk of gunzip) consume(chunk as Buffer);
  } catch (error) {
    if (error instanceof PlatformctlError) throw error;
    throw bad(path, `not a complete gzip'd tar (${(error as Error).message})`);
  }
  if (!ended || current) throw bad(path, 'the tar archive is cut short');
  for (const name of ['meta.json', 'state.bin', 'SHA256SUMS'])
    if (!hashes.has(name)) throw bad(path, `no ${name}: not a Vault raft snapshot`);

  const sums = small.get('SHA256SUMS')!.toString('utf8').trim().split('\n');
  const listed = new Map(
    sums.map((line) => {
      const match = /^([0-9a-f]{64}) +\*?(\S+)$/.exec(line.trim());
      if (!match) throw bad(path, `SHA256SUMS has an unreadable line: ${line.slice(0, 80)}`);
      return [match[2]!, match[1]!] as const;
    }),
  );
  for (const name of ['meta.json', 'state.bin'])
    if (listed.get(name) !== hashes.get(name))
      throw bad(path, `${name} does not match its SHA-256 in SHA256SUMS`);

  let meta: { Index?: unknown; Term?: unknown; Version?: unknown; Size?: unknown };
  try {
    meta = JSON.parse(small.get('meta.json')!.toString('utf8')) as typeof meta;
  } catch {
    throw bad(path, 'meta.json is not JSON');
  }
  if (typeof meta.Index !== 'number' || typeof meta.Term !== 'number')
    throw bad(path, 'meta.json has no raft index and term');
  const stateSize = sizes.get('state.bin')!;
  if (typeof meta.Size === 'number' && meta.Size !== stateSize)
    throw bad(path, `state.bin has ${stateSize} bytes, meta.json says ${meta.Size}`);
  return {
    index: meta.Index,
    term: meta.Term,
    version: typeof meta.Version === 'number' ? meta.Version : 0,
    stateSize,
    files,
  };
}
