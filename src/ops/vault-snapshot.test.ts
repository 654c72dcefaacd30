import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/cli.js';
import { raftSnapshotBytes, tar } from '../test-support/raft-snapshot.js';
import { inspectRaftSnapshot } from './vault-snapshot.js';

const dir = tempDir();
const file = (name: string, bytes: Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

describe('inspectRaftSnapshot (the layout of Vault 1.21 raft snapshots)', () => {
  it('reads the raft index and term of a good snapshot and checks its SHA256SUMS', async () => {
    const state = Buffer.alloc(200_000, 7); // more than one gzip chunk and tar block
    const info = await inspectRaftSnapshot(
      file('good.snap', raftSnapshotBytes({ index: 37, term: 4, state })),
    );
    expect(info).toEqual({
      index: 37,
      term: 4,
      version: 1,
      stateSize: 200_000,
      files: ['meta.json', 'state.bin', 'SHA256SUMS', 'SHA256SUMS.sealed'],
    });
  });

  it.each([
    ['not gzip', Buffer.from('etcd snapshot bytes'), 'not a gzip file'],
    ['gzip, not tar', gzipSync(Buffer.alloc(1024, 1)), 'a tar header has a wrong checksum'],
    ['cut short', raftSnapshotBytes({ index: 5 }).subarray(0, 120), "not a complete gzip'd tar"],
    ['no state', raftSnapshotBytes({ index: 5, without: 'state.bin' }), 'no state.bin'],
    [
      'state changed',
      raftSnapshotBytes({ index: 5, sums: `${'0'.repeat(64)}  state.bin\n` }),
      'meta.json does not match its SHA-256',
    ],
    ["an etcd file gzip'd in a tar", gzipSync(tar([['etcd.db', Buffer.from('bbolt')]])), 'no meta.json'],
  ])('refuses %s', async (name, bytes, message) => {
    await expect(inspectRaftSnapshot(file(`${name}.snap`, bytes))).rejects.toMatchObject({
      code: 'backup.vault-snapshot-invalid',
      message: expect.stringContaining(message),
    });
  });

  it('names a state.bin that differs from its checksum', async () => {
    const good = raftSnapshotBytes({ index: 9 });
    const sums = /[0-9a-f]{64} {2}meta\.json/.exec(gunzipSync(good).toString('latin1'))![0];
    const bad = raftSnapshotBytes({ index: 9, sums: `${sums}\n${'f'.repeat(64)}  state.bin\n` });
    await expect(inspectRaftSnapshot(file('bad-state.snap', bad))).rejects.toThrow(
      'state.bin does not match its SHA-256 in SHA256SUMS',
    );
  });
});
