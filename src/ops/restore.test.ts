/**
 * The restore verb against a scripted procedure: preconditions before anything, the journal
 * after each step, the rollback in reverse order when a step fails, resuming a killed run.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectLayout } from '../project/layout.js';
import type { EtcdRestoreProcedure } from '../providers/types.js';
import { tempDir } from '../test-support/cli.js';
import { testPlatform } from '../test-support/render.js';
import { journalPath, restore, revisionBump, type RestoreDeps, type RestoreJournal } from './restore.js';

const platform = testPlatform();
const ID = '20261203T142248Z';

function fixture(
  options: { failAt?: string; failUndo?: string; damage?: boolean; abortAt?: AbortController } = {},
) {
  const root = tempDir();
  const layout = projectLayout(root);
  const dir = join(layout.clusterBackups('mgmt'), ID);
  mkdirSync(dir, { recursive: true });
  const bytes = Buffer.from('snapshot bytes');
  writeFileSync(join(dir, 'etcd.db'), options.damage ? Buffer.from('snapshot bytez') : bytes);
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      format: 1,
      what: 'etcd',
      platform: platform.name,
      cluster: 'mgmt',
      provider: 'kwok',
      createdAt: '2026-12-03T14:22:48.000Z',
      file: 'etcd.db',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      revision: 280,
      totalKeys: 200,
      etcdHash: 42,
      etcdVersion: '3.6.16',
      storageVersion: '3.6.0',
      kubernetesVersion: 'v1.35.8',
      node: 'localhost',
      endpoint: 'http://127.0.0.1:2379',
    }),
  );
  const calls: string[] = [];
  const step = (id: string) => ({
    id,
    title: `${id} title`,
    run: async () => {
      calls.push(`run ${id}`);
      if (options.abortAt && id === 'restore') options.abortAt.abort();
      if (options.failAt === id) throw new Error(`${id} broke`);
    },
    undo: async (context: { signal?: AbortSignal }) => {
      calls.push(`undo ${id}${context.signal?.aborted ? ' (cancelled!)' : ''}`);
      if (options.failUndo === id) throw new Error(`undo ${id} broke`);
    },
  });
  const requests: Array<{ restoreId: string; bumpRevision: number }> = [];
  const procedure = (restoreId: string): EtcdRestoreProcedure => ({
    dataDir: '/data/etcd',
    keptDir: `/data/etcd.before-restore-${restoreId}`,
    liveRevision: async () => 300,
    steps: ['stop', 'restore', 'swap', 'start'].map(step),
  });
  let locked = 0;
  const deps: RestoreDeps = {
    platform,
    layout,
    providerName: 'kwok',
    provider: {
      etcdRestore: (request) => {
        requests.push(request);
        return procedure(request.restoreId);
      },
    },
    inspect: async () => ({ hash: 42, revision: 280, totalKeys: 200, totalSize: 1, storageVersion: '3.6.0' }),
    verify: async () => {
      calls.push('verify');
      return { ok: true, checks: [] };
    },
    lock: async () => {
      locked++;
      return { release: async () => void locked-- };
    },
    now: () => new Date('2026-12-03T15:22:48.000Z'),
  };
  return { root, layout, deps, calls, requests, locked: () => locked };
}

describe('restore', () => {
  it('checks the preconditions, runs the steps in order, verifies, and reports the RTO', async () => {
    const { deps, calls, requests, layout, locked } = fixture();
    const shown: unknown[] = [];
    const report = await restore(deps, {
      cluster: 'mgmt',
      from: ID,
      yes: true,
      onPreconditions: (p) => shown.push(p),
    });
    expect(calls).toEqual(['run stop', 'run restore', 'run swap', 'run start', 'verify']);
    expect(report).toMatchObject({ outcome: 'restored', ok: true });
    expect(report.rtoMs).toBeGreaterThanOrEqual(0);
    expect(shown[0]).toMatchObject({ ok: true, snapshotRevision: 280, liveRevision: 300, ageSeconds: 3600 });
    expect(requests.at(-1)!.bumpRevision).toBe(1_000_000_020);
    expect(existsSync(journalPath(layout, 'mgmt'))).toBe(false);
    expect(locked()).toBe(0);
  });

  it('a failing step has everything done undone in reverse, itself included; the journal goes', async () => {
    const { deps, calls, layout } = fixture({ failAt: 'swap' });
    const report = await restore(deps, { cluster: 'mgmt', from: ID, yes: true });
    expect(calls).toEqual(['run stop', 'run restore', 'run swap', 'undo swap', 'undo restore', 'undo stop']);
    expect(report).toMatchObject({ outcome: 'rolled-back', ok: false, error: { message: 'swap broke' } });
    expect(existsSync(journalPath(layout, 'mgmt'))).toBe(false);
  });

  it('interrupted: no further step starts, and what was done is undone without the cancelled signal', async () => {
    const abortAt = new AbortController();
    const { deps, calls } = fixture({ abortAt });
    const report = await restore(deps, { cluster: 'mgmt', from: ID, yes: true, signal: abortAt.signal });
    expect(calls).toEqual(['run stop', 'run restore', 'undo restore', 'undo stop']);
    expect(report).toMatchObject({ outcome: 'rolled-back', error: { code: 'restore.interrupted' } });
  });

  it('an undo that fails keeps the journal, rolling back, for the next run', async () => {
    const { deps, layout } = fixture({ failAt: 'start', failUndo: 'swap' });
    await expect(restore(deps, { cluster: 'mgmt', from: ID, yes: true })).rejects.toMatchObject({
      code: 'restore.rollback-failed',
    });
    const journal = JSON.parse(readFileSync(journalPath(layout, 'mgmt'), 'utf8')) as RestoreJournal;
    expect(journal).toMatchObject({ phase: 'rolling-back', done: ['stop', 'restore', 'swap'] });
    expect(statSync(journalPath(layout, 'mgmt')).mode & 0o777).toBe(0o600);
  });

  it('resumes a killed run from the step it was in, without asking again', async () => {
    const { deps, calls, layout } = fixture();
    mkdirSync(join(layout.stateDir, 'restore'), { recursive: true });
    writeFileSync(
      journalPath(layout, 'mgmt'),
      JSON.stringify({
        format: 1,
        restoreId: 'x',
        cluster: 'mgmt',
        backup: { id: ID, dir: join(layout.clusterBackups('mgmt'), ID), sha256: 'unused' },
        bumpRevision: 7,
        startedAt: '2026-12-03T15:00:00.000Z',
        phase: 'restoring',
        done: ['stop', 'restore'],
        current: 'swap',
      }),
    );
    const report = await restore(deps, { cluster: 'mgmt', from: ID });
    expect(calls).toEqual(['run swap', 'run start', 'verify']);
    expect(report).toMatchObject({ outcome: 'restored', resumed: { backupId: ID } });
    expect(report.steps.map((s) => s.outcome)).toEqual(['done earlier', 'done earlier', 'done', 'done']);
  });

  it('refuses a snapshot that does not match its manifest before any step, and without --yes or a terminal', async () => {
    const damaged = fixture({ damage: true });
    await expect(restore(damaged.deps, { cluster: 'mgmt', from: ID, yes: true })).rejects.toMatchObject({
      code: 'restore.precondition-failed',
      kind: 'input',
    });
    expect(damaged.calls).toEqual([]);
    const unasked = fixture();
    await expect(restore(unasked.deps, { cluster: 'mgmt', from: ID })).rejects.toMatchObject({
      code: 'restore.confirmation-required',
      kind: 'usage',
    });
    await expect(
      restore(unasked.deps, { cluster: 'mgmt', from: ID, confirm: async () => false }),
    ).rejects.toMatchObject({ code: 'restore.declined' });
    expect(unasked.calls).toEqual([]);
    expect(unasked.locked()).toBe(0);
  });

  it('bumps the revision past what was written since the snapshot', () => {
    expect(revisionBump(280, undefined)).toBe(1_000_000_000);
    expect(revisionBump(280, 1_000_000_280)).toBe(2_000_000_000);
  });
});
