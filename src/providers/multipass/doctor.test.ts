/**
 * doctor's Multipass checks against a FakeRunner that REPLAYS RECORDED Multipass output
 * (recordings/, sources in recordings/SOURCES.md): Multipass cannot run on this machine.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/cli.js';
import { FakeRunner } from '../../test-support/fake-runner.js';
import { testPlatform } from '../../test-support/render.js';
import { multipassChecks } from './doctor.js';

const recording = (name: string) => readFileSync(new URL(`./recordings/${name}`, import.meta.url), 'utf8');
const platform = testPlatform();

/** A directory on PATH with an executable named multipass (the FakeRunner answers its calls). */
function pathWithMultipass(): string {
  const dir = join(tempDir(), 'bin');
  mkdirSync(dir);
  writeFileSync(join(dir, 'multipass'), '#!/bin/sh\nexit 99\n');
  chmodSync(join(dir, 'multipass'), 0o755);
  return dir;
}

function replay(version: string, list: { stdout?: string; stderr?: string; exitCode?: number }) {
  return new FakeRunner()
    .on(/multipass version --format json$/, { stdout: recording(version) })
    .on(/multipass list --format json$/, list);
}

async function checks(runner: FakeRunner, options: { path?: string; recordedNodes?: string[] } = {}) {
  const result = await multipassChecks({
    platform,
    runner,
    env: { PATH: options.path ?? pathWithMultipass() },
    projectDir: tempDir(),
    recordedNodes: options.recordedNodes ?? [],
  });
  return Object.fromEntries(result.map((c) => [c.id, c]));
}

describe('doctor: Multipass (replays recorded multipass output)', () => {
  it('passes on Multipass 1.15.1 whose VMs are in the spec node subnet, and asks exactly version and list', async () => {
    const runner = replay('version.json', { stdout: recording('list-other-project.json') });
    const result = await checks(runner);
    expect(result['multipass.installed']?.status).toBe('pass');
    expect(result['multipass.daemon']).toMatchObject({ status: 'pass', detail: 'multipassd 1.15.1+mac' });
    expect(result['multipass.version']?.status).toBe('pass');
    expect(result['multipass.network']).toMatchObject({ status: 'pass' });
    expect(result['multipass.vm-names']?.status).toBe('pass');
    expect(runner.lines.map((l) => l.replace(/^\S*\//, ''))).toEqual([
      'multipass version --format json',
      'multipass list --format json',
    ]);
  });

  it('fails when multipass is not installed, with the brew and snap commands', async () => {
    const result = await checks(new FakeRunner(), { path: tempDir() });
    expect(result['multipass.installed']).toMatchObject({ status: 'fail' });
    expect(result['multipass.installed']?.fix).toContain('brew install --cask multipass');
    expect(result['multipass.installed']?.fix).toContain('snap install multipass');
    expect(result['multipass.daemon']).toBeUndefined();
  });

  it('fails when the daemon does not answer (recorded "cannot connect to the multipass socket"), saying how to restart it', async () => {
    const runner = new FakeRunner()
      .on(/version --format json$/, { stdout: '{\n    "multipass": "1.15.1+mac"\n}\n' })
      .on(/list --format json$/, { stderr: recording('daemon-down.stderr'), exitCode: 1 });
    const result = await checks(runner);
    expect(result['multipass.daemon']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('does not answer'),
    });
    expect(result['multipass.daemon']?.fix).toContain('launchctl kickstart');
    expect(result['multipass.network']).toBeUndefined();
  });

  it('fails on a Multipass older than 1.15.1, with the upgrade command', async () => {
    const result = await checks(replay('version-old.json', { stdout: recording('list-empty.json') }));
    expect(result['multipass.version']).toMatchObject({
      status: 'fail',
      detail: '1.13.1 is older than 1.15.1',
    });
    expect(result['multipass.version']?.fix).toContain('brew upgrade --cask multipass');
  });

  it('fails when the VMs get addresses outside spec.network.nodeSubnet, naming the VM, its address and a subnet to use', async () => {
    const result = await checks(replay('version.json', { stdout: recording('list-lxd-linux.json') }));
    expect(result['multipass.network']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('noteworthy-alewife: 10.130.108.191'),
    });
    expect(result['multipass.network']?.fix).toContain('spec.network.nodeSubnet to 10.130.108.0/24');
  });

  it('warns when no VM exists to read the subnet from', async () => {
    const result = await checks(replay('version.json', { stdout: recording('list-empty.json') }));
    expect(result['multipass.network']?.status).toBe('warn');
  });

  it("fails on a VM with a platform node's name that the project's state does not record, and passes when it does", async () => {
    const list = { stdout: recording('list-platform-names.json') };
    const foreign = await checks(replay('version.json', list));
    expect(foreign['multipass.vm-names']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('mgmt-cp-0'),
    });
    expect(foreign['multipass.vm-names']?.fix).toContain('multipass delete --purge mgmt-cp-0');
    const own = await checks(replay('version.json', list), { recordedNodes: ['mgmt-cp-0', 'mgmt-worker-0'] });
    expect(own['multipass.vm-names']?.status).toBe('pass');
  });
});
