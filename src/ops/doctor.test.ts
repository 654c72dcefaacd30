import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectLayout } from '../project/layout.js';
import { computeBudget } from '../spec/budget.js';
import { SHARED_CHART_MIRROR } from '../test-support/chart-values.js';
import { runCli, tempDir } from '../test-support/cli.js';
import { FakeRunner } from '../test-support/fake-runner.js';
import { testPlatform } from '../test-support/render.js';
import { hostChecks, stateDirCheck, toolChecks } from './doctor.js';

const budget = computeBudget(testPlatform().document.spec);

describe('doctor: the host against the budget', () => {
  it('passes a 64 GiB, 10-CPU Mac with room on disk (the reference machine)', () => {
    const checks = hostChecks(budget, { cpus: 10, memoryGiB: 64, freeDiskGiB: 600 });
    expect(checks.map((c) => `${c.id} ${c.status}`)).toEqual([
      'host.cpus pass',
      'host.memory pass',
      'host.disk pass',
    ]);
  });

  it('fails on too little memory and warns on CPU overcommit and a small disk, each with the numbers', () => {
    const checks = Object.fromEntries(
      hostChecks(budget, { cpus: 2, memoryGiB: 16, freeDiskGiB: 50 }).map((c) => [c.id, c]),
    );
    expect(checks['host.memory']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('16.0 GiB'),
    });
    expect(checks['host.memory']?.fix).toContain('validate --budget');
    expect(checks['host.cpus']?.status).toBe('warn');
    expect(checks['host.disk']).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('50.0 GiB free'),
    });
  });
});

describe('doctor: the state directory and the tools', () => {
  it('passes where it can write, and leaves nothing behind', async () => {
    const root = tempDir();
    expect(await stateDirCheck(projectLayout(root))).toMatchObject({ id: 'state.writable', status: 'pass' });
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(root)).toEqual([]);
  });

  it('fails where it cannot write', async () => {
    const file = join(tempDir(), 'not-a-directory');
    writeFileSync(file, '');
    expect(await stateDirCheck(projectLayout(file))).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('ENOTDIR'),
    });
  });

  const stubHelm = () => {
    const dir = join(tempDir(), 'bin');
    mkdirSync(dir);
    writeFileSync(join(dir, 'helm'), '#!/bin/sh\nexit 99\n');
    chmodSync(join(dir, 'helm'), 0o755);
    return dir;
  };

  it('passes helm 3.20 and fails helm 3.12 (older than 3.14), reporting kubectl and cilium as optional', async () => {
    const path = stubHelm();
    const recent = await toolChecks(
      new FakeRunner().on('version --template', { stdout: 'v3.20.2' }),
      { PATH: path },
      tempDir(),
    );
    expect(recent.find((c) => c.id === 'helm.version')).toMatchObject({ status: 'pass', detail: 'v3.20.2' });
    const old = await toolChecks(
      new FakeRunner().on('version --template', { stdout: 'v3.12.3' }),
      { PATH: path },
      tempDir(),
    );
    expect(old.find((c) => c.id === 'helm.version')).toMatchObject({
      status: 'fail',
      detail: 'helm v3.12.3 is older than 3.14.0',
    });
    const cilium = recent.find((c) => c.id === 'optional.cilium');
    expect(cilium?.status).toBe('warn');
    expect(cilium?.fix).toContain('brew install cilium-cli');
  });
});

describe('platformctl doctor', () => {
  it('is ready on kwok with the harness and the chart mirror (exit 0), one object per check with -o json', async () => {
    const r = await runCli(['doctor', '--provider', 'kwok', '-o', 'json'], {
      cwd: tempDir(),
      env: { PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR },
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ id: string; status: string }> };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'binary.helm',
        'binary.kwokctl',
        'mirror',
        'state.writable',
        'helm.version',
        'optional.kubectl',
      ]),
    );
    // kwok runs no VMs on this host: no host budget checks.
    expect(report.checks.some((c) => c.id.startsWith('host.'))).toBe(false);
  });

  it('fails (exit 1) with one line per check and the fix under a failed one', async () => {
    const cwd = tempDir();
    const r = await runCli(['doctor', '--provider', 'kwok'], {
      cwd,
      env: { PLATFORMCTL_CHARTS_DIR: join(cwd, 'nowhere') },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}mirror: .*nowhere \(PLATFORMCTL_CHARTS_DIR\) does not exist$/m);
    expect(r.stdout).toMatch(/^ {6}fix: check the path in PLATFORMCTL_CHARTS_DIR$/m);
    expect(r.stdout).toMatch(/not ready: 1 check\(s\) failed/);
  });

  it('checks Multipass for the default spec, and says how to install it when it is missing', async () => {
    const r = await runCli(['doctor', '-o', 'json'], {
      cwd: tempDir(),
      env: { PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR, PATH: '' },
    });
    const report = JSON.parse(r.stdout) as {
      provider: string;
      checks: Array<{ id: string; status: string; fix?: string }>;
    };
    expect(report.provider).toBe('multipass');
    expect(report.checks.find((c) => c.id === 'multipass.installed')).toMatchObject({ status: 'fail' });
    expect(report.checks.some((c) => c.id === 'host.memory')).toBe(true);
    expect(r.code).toBe(1);
  });
});
