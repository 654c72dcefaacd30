/**
 * A file in the layout of a Vault raft snapshot (gzip'd tar of meta.json, state.bin, SHA256SUMS,
 * SHA256SUMS.sealed), for tests of what reads one; the layout is that of the snapshots the
 * harness's Vault 1.21 writes (src/engine/vault.test.ts takes a real one).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

function header(name: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 'utf8');
  block.write('0000600\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  block.write(
    `${Math.floor(Date.UTC(2026, 11, 3) / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
    'latin1',
  );
  block.fill(0x20, 148, 156);
  block.write('0', 156, 'latin1');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

/** A tar of the given files, in order. */
export function tar(files: ReadonlyArray<readonly [string, Buffer]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of files) {
    parts.push(header(name, content.length), content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export interface FakeRaftSnapshotOptions {
  readonly index: number;
  readonly term?: number;
  readonly state?: Buffer;
  /** Overrides SHA256SUMS (to make a damaged one). */
  readonly sums?: string;
  /** Leave a file out. */
  readonly without?: string;
}

export function raftSnapshotBytes(options: FakeRaftSnapshotOptions): Buffer {
  const state = options.state ?? Buffer.from(`state of the storage at index ${options.index}\n`);
  const meta = Buffer.from(
    JSON.stringify({
      Version: 1,
      ID: 'bolt-snapshot',
      Index: options.index,
      Term: options.term ?? 3,
      Peers: null,
      Configuration: { Servers: [{ Suffrage: 0, ID: 'vault-0', Address: '127.0.0.1:8201' }] },
      ConfigurationIndex: 1,
      Size: state.length,
    }),
  );
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const sums = Buffer.from(options.sums ?? `${sha(meta)}  meta.json\n${sha(state)}  state.bin\n`);
  const files: Array<[string, Buffer]> = [
    ['meta.json', meta],
    ['state.bin', state],
    ['SHA256SUMS', sums],
    ['SHA256SUMS.sealed', Buffer.from('sealed sums (only Vault can open them)')],
  ];
  return gzipSync(tar(files.filter(([name]) => name !== options.without)));
}
