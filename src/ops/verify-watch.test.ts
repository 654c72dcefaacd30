import { describe, expect, it } from 'vitest';
import type { VerifyCheck, VerifyReport } from './verify.js';
import { parseInterval, verifyChanges, watchVerify } from './verify-watch.js';

const report = (...checks: Array<[string, VerifyCheck['status']]>): VerifyReport => ({
  ok: checks.every(([, s]) => s !== 'fail'),
  checks: checks.map(([id, status]) => ({ id, status, evidence: `${id} is ${status}` })),
});

describe('verify --watch', () => {
  it('names what changed between two runs: old → new status, new checks, gone checks', () => {
    const before = report(['vault.unsealed', 'pass'], ['cluster.mgmt.api', 'pass'], ['mesh.ca', 'pass']);
    const after = report(
      ['vault.unsealed', 'fail'],
      ['cluster.mgmt.api', 'pass'],
      ['endpoints.app1.vault', 'fail'],
    );
    expect(verifyChanges(before, after)).toEqual([
      { id: 'vault.unsealed', from: 'pass', to: 'fail', evidence: 'vault.unsealed is fail' },
      { id: 'endpoints.app1.vault', to: 'fail', evidence: 'endpoints.app1.vault is fail' },
      { id: 'mesh.ca', from: 'pass' },
    ]);
    expect(verifyChanges(after, after)).toEqual([]);
  });

  it('runs until interrupted, passing each run what changed, and returns the last finished run', async () => {
    const runs = [
      report(['vault.unsealed', 'pass']),
      report(['vault.unsealed', 'fail']),
      report(['vault.unsealed', 'fail']),
    ];
    const controller = new AbortController();
    const seen: string[] = [];
    const slept: number[] = [];
    let n = 0;
    const last = await watchVerify(() => Promise.resolve(runs[n++]!), {
      intervalMs: 5000,
      signal: controller.signal,
      sleep: (ms) => {
        slept.push(ms);
        if (n === runs.length) controller.abort();
        return Promise.resolve();
      },
      onRun: (r, changes, run) =>
        seen.push(`${run}: ${r.ok} ${changes.map((c) => `${c.from}→${c.to}`).join(',')}`),
    });
    expect(seen).toEqual(['1: true ', '2: false pass→fail', '3: false ']);
    expect(slept).toEqual([5000, 5000, 5000]);
    expect(last).toBe(runs[2]);
  });

  it('drops a run cut short by the interrupt: the last finished one counts', async () => {
    const controller = new AbortController();
    let n = 0;
    const last = await watchVerify(
      () => {
        n++;
        if (n === 1) return Promise.resolve(report(['a', 'fail']));
        controller.abort();
        return new Promise<VerifyReport>(() => {}); // never finishes
      },
      { intervalMs: 1000, signal: controller.signal, sleep: () => Promise.resolve(), onRun: () => {} },
    );
    expect(last).toEqual(report(['a', 'fail']));
  });

  it('takes 10s, 2m, 1500ms or seconds, and refuses less than a second or nonsense', () => {
    expect(parseInterval('10s')).toBe(10_000);
    expect(parseInterval('2m')).toBe(120_000);
    expect(parseInterval('1500ms')).toBe(1500);
    expect(parseInterval('3')).toBe(3000);
    expect(() => parseInterval('100ms')).toThrow(/at least 1s/);
    expect(() => parseInterval('soon')).toThrow(/--interval soon/);
  });
});
