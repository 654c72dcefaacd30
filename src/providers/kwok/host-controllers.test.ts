/**
 * The host-controller lifecycle with real processes: a stand-in executable under the harness
 * binary's name (the real controller needs an API server; e2e/pki.e2e.test.ts runs it), started
 * detached, found running, found dead, and stopped.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { systemRunner } from '../../clients/exec.js';
import { projectLayout } from '../../project/layout.js';
import { testPlatform } from '../../test-support/render.js';
import { runningProcess } from '../shared/processes.js';
import { hostedBinaries, KwokHostControllers } from './host-controllers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A project whose bin dir holds the binary (`cert-manager-controller`) as a shell script with this body. */
function setup(body: string, binary = 'cert-manager-controller') {
  const root = mkdtempSync(join(tmpdir(), 'platformctl-host-controllers-'));
  const bin = join(root, 'bin');
  const script = join(bin, binary);
  mkdirSync(bin, { recursive: true });
  writeFileSync(script, `#!/bin/sh\n${body}\n`);
  chmodSync(script, 0o755);
  const layout = projectLayout(root);
  const controllers = new KwokHostControllers({
    env: { PLATFORMCTL_BIN_DIR: bin, PATH: process.env['PATH'] },
    runner: systemRunner,
    workdirOf: (l, cluster) => join(l.stateDir, 'kwok', cluster),
  });
  cleanups.push(() => controllers.stopAll(layout, 'mgmt'));
  const cluster = testPlatform().clusters.find((c) => c.name === 'mgmt')!;
  const logs: string[] = [];
  const context = { layout, log: (e: { message: string }) => logs.push(e.message) };
  return { layout, controllers, cluster, context, logs, root };
}

describe('kwok host controllers', () => {
  it('names the harness binary of each hosted add-on', () => {
    expect(hostedBinaries(['cilium', 'cert-manager', 'vault'])).toEqual(['cert-manager-controller']);
    expect(hostedBinaries(['external-secrets', 'cert-manager'])).toEqual([
      'external-secrets-controller',
      'cert-manager-controller',
    ]);
  });

  it('runs External Secrets with the cluster kubeconfig in KUBECONFIG and no listener or leader election', async () => {
    const { controllers, cluster, context, layout } = setup(
      [
        'echo "args: $*"',
        'echo "KUBECONFIG=$KUBECONFIG"',
        // controller-runtime's line once the ClusterSecretStore controller reconciles.
        `echo '{"level":"info","msg":"Starting workers","controller":"clustersecretstore","controllerKind":"ClusterSecretStore","worker count":1}'`,
        'exec sleep 60',
      ].join('\n'),
      'external-secrets-controller',
    );
    const started = await controllers.ensure(cluster, 'external-secrets', context);
    expect(started.started).toBe(true);
    expect(started.logFile).toBe(
      join(layout.stateDir, 'kwok', 'mgmt', 'controllers', 'external-secrets.log'),
    );
    const log = readFileSync(started.logFile, 'utf8');
    expect(log).toContain(`KUBECONFIG=${layout.kubeconfig('mgmt')}`);
    expect(log).toMatch(/args: .*--metrics-addr=0 --enable-leader-election=false/);
    expect(await controllers.running(cluster, 'external-secrets', context)).toBe(true);
    await controllers.stopAll(layout, 'mgmt');
    expect(await controllers.running(cluster, 'external-secrets', context)).toBe(false);
  });

  it('starts the controller with the cluster kubeconfig, waits for its start line, and finds it running', async () => {
    const { controllers, cluster, context, layout, logs } = setup(
      'echo "args: $*"; sleep 0.3; echo "cert-manager controllers running"; exec sleep 60',
    );
    expect(await controllers.running(cluster, 'cert-manager', context)).toBe(false);
    const first = await controllers.ensure(cluster, 'cert-manager', context);
    expect(first.started).toBe(true);
    expect(await controllers.running(cluster, 'cert-manager', context)).toBe(true);
    const log = readFileSync(first.logFile, 'utf8');
    expect(log).toContain(`--kubeconfig=${layout.kubeconfig('mgmt')}`);
    expect(log).toContain('--cluster-resource-namespace=cert-manager');
    expect(logs.join('\n')).toMatch(/cert-manager controller started on the host \(pid \d+\)/);
    // A second ensure finds it and starts nothing.
    const second = await controllers.ensure(cluster, 'cert-manager', context);
    expect(second).toMatchObject({ started: false, pid: first.pid });
  });

  it('a dead controller is not running, and ensure starts it again', async () => {
    const { controllers, cluster, context } = setup('echo "cert-manager controllers running"; exec sleep 60');
    const first = await controllers.ensure(cluster, 'cert-manager', context);
    process.kill(first.pid, 'SIGKILL');
    for (let i = 0; i < 50 && (await controllers.running(cluster, 'cert-manager', context)); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await controllers.running(cluster, 'cert-manager', context)).toBe(false);
    const again = await controllers.ensure(cluster, 'cert-manager', context);
    expect(again.started).toBe(true);
    expect(again.pid).not.toBe(first.pid);
  });

  it('a controller that exits fails the start with the tail of its log', async () => {
    const { controllers, cluster, context } = setup(
      'echo "error building the controller context: no such host"; exit 1',
    );
    await expect(controllers.ensure(cluster, 'cert-manager', context)).rejects.toThrow(
      /cert-manager controller on mgmt exited:\n.*no such host/,
    );
  });

  it('stopAll stops it', async () => {
    const { controllers, cluster, context, layout } = setup(
      'echo "cert-manager controllers running"; exec sleep 60',
    );
    const { pid } = await controllers.ensure(cluster, 'cert-manager', context);
    await controllers.stopAll(layout, 'mgmt');
    expect(await controllers.running(cluster, 'cert-manager', context)).toBe(false);
    expect(
      await runningProcess(join(layout.stateDir, 'kwok', 'mgmt', 'controllers', 'cert-manager.json')),
    ).toBe(undefined);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
