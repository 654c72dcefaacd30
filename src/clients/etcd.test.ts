/**
 * The etcd chokepoint against a FakeRunner replaying output captured from the harness's etcdctl
 * and etcdutl 3.6.16 (e2e/backup.e2e.test.ts runs them for real).
 */
import { describe, expect, it } from 'vitest';
import { FakeRunner } from '../test-support/fake-runner.js';
import { EtcdClient, EtcdError, parseEndpointStatus, parseSnapshotStatus } from './etcd.js';

const STATUS = '{"hash":3152874185,"revision":241,"totalKey":205,"totalSize":335872,"version":"3.6.0"}\n';
const ENDPOINT =
  '[{"Endpoint":"http://127.0.0.1:32765","Status":{"header":{"cluster_id":16328842730843409339,"member_id":8282740195432113486,"revision":243,"raft_term":2},"version":"3.6.16","dbSize":335872,"leader":8282740195432113486,"raftIndex":251,"raftTerm":2,"raftAppliedIndex":251,"dbSizeInUse":331776,"storageVersion":"3.6.0","dbSizeQuota":8589934592,"downgradeInfo":{}}}]\n';
const TRUNCATED =
  'panic: assertion failed: Page expected to be: 76, but self identifies as 0\n\ngoroutine 110 [running]:\ngo.etcd.io/bbolt/internal/common.Assert(...)\n';

const client = (runner: FakeRunner) =>
  new EtcdClient(runner, { etcdctl: '/bin/etcdctl', etcdutl: '/bin/etcdutl' });

describe('etcd client (replays captured etcdctl/etcdutl 3.6.16 output)', () => {
  it('reads a snapshot with etcdutl (etcd 3.6 has no etcdctl snapshot status) and parses its JSON', async () => {
    const runner = new FakeRunner().on('/bin/etcdutl snapshot status', { stdout: STATUS });
    expect(await client(runner).snapshotStatus('/b/etcd.db')).toEqual({
      hash: 3152874185,
      revision: 241,
      totalKeys: 205,
      totalSize: 335872,
      storageVersion: '3.6.0',
    });
    expect(runner.lines).toEqual(['/bin/etcdutl snapshot status /b/etcd.db -w json']);
  });

  it('saves and asks for the status with short timeouts, TLS flags only when given', async () => {
    const runner = new FakeRunner()
      .on(/snapshot save/, { stdout: 'Snapshot saved at /b/etcd.db\nServer version 3.6.0\n' })
      .on(/endpoint status/, { stdout: ENDPOINT });
    const etcd = client(runner);
    expect(await etcd.endpointStatus({ url: 'http://127.0.0.1:32765' })).toEqual({
      version: '3.6.16',
      revision: 243,
      dbSize: 335872,
    });
    await etcd.snapshotSave(
      { url: 'https://127.0.0.1:2379', cacert: '/pki/ca.crt', cert: '/pki/c.crt', key: '/pki/c.key' },
      '/b/etcd.db',
    );
    expect(runner.lines).toEqual([
      '/bin/etcdctl --endpoints=http://127.0.0.1:32765 --dial-timeout=5s --command-timeout=10s endpoint status -w json',
      '/bin/etcdctl --endpoints=https://127.0.0.1:2379 --dial-timeout=5s --command-timeout=60s --cacert=/pki/ca.crt --cert=/pki/c.crt --key=/pki/c.key snapshot save /b/etcd.db',
    ]);
  });

  it('a damaged snapshot is an EtcdError with a stable code, the command line, exit code and output tail', async () => {
    const runner = new FakeRunner().on('snapshot status', { stderr: TRUNCATED, exitCode: 2 });
    const error = await client(runner)
      .snapshotStatus('/b/etcd.db')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(EtcdError);
    const etcd = error as EtcdError;
    expect(etcd.code).toBe('etcd.snapshot-invalid');
    expect(etcd.kind).toBe('failed');
    expect(etcd.message).toMatch(
      /^\/b\/etcd\.db is not a readable etcd snapshot: `\/bin\/etcdutl snapshot status \/b\/etcd\.db -w json` exited with code 2:\npanic: assertion failed/,
    );
    expect(etcd.details()).toEqual({
      commandLine: '/bin/etcdutl snapshot status /b/etcd.db -w json',
      exitCode: 2,
      outputTail: TRUNCATED.trimEnd(),
    });
  });

  it('a member that does not answer its status is etcd.status-failed, with what to do', async () => {
    const runner = new FakeRunner().on('endpoint status', {
      stdout: 'null\n',
      stderr: 'Failed to get the status of endpoint http://127.0.0.1:32729 (context deadline exceeded)\n',
      exitCode: 1,
    });
    await expect(client(runner).endpointStatus({ url: 'http://127.0.0.1:32729' })).rejects.toMatchObject({
      code: 'etcd.status-failed',
      message: expect.stringMatching(/^etcd at http:\/\/127\.0\.0\.1:32729 does not answer: /),
      hint: expect.stringContaining('platformctl up'),
    });
  });

  it('an unreachable member is etcd.snapshot-save-failed naming its URL', async () => {
    const runner = new FakeRunner().on('snapshot save', {
      stderr: 'Error: context deadline exceeded\n',
      exitCode: 1,
    });
    await expect(client(runner).snapshotSave({ url: 'http://127.0.0.1:1' }, '/b/x.db')).rejects.toMatchObject(
      {
        code: 'etcd.snapshot-save-failed',
        message: expect.stringContaining('cannot take a snapshot of etcd at http://127.0.0.1:1'),
        outputTail: 'Error: context deadline exceeded',
      },
    );
  });

  it('output it cannot read is etcd.unexpected-output, with the output', () => {
    expect(() => parseSnapshotStatus('Snapshot saved\n', 'etcdutl snapshot status x')).toThrow(
      expect.objectContaining({ code: 'etcd.unexpected-output', outputTail: 'Snapshot saved' }),
    );
    expect(() => parseEndpointStatus('[]', 'etcdctl endpoint status')).toThrow(
      expect.objectContaining({ code: 'etcd.unexpected-output' }),
    );
  });
});
