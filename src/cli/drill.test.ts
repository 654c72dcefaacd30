/** `platformctl drill` refusals that happen before anything is touched (no cluster needed). */
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../test-support/cli.js';

const drill = (...args: string[]) => runCli(['drill', ...args, '--yes', '-o', 'json'], { cwd: tempDir() });
const error = (stdout: string) => (JSON.parse(stdout) as { error: { code: string; hint?: string } }).error;

describe('platformctl drill etcd-loss / node-loss refusals (exit 2)', () => {
  it('wants the target of etcd-loss and node-loss, and none for the others', async () => {
    const none = await drill('etcd-loss');
    expect(none.code).toBe(2);
    expect(error(none.stdout).code).toBe('drill.target-required');
    const extra = await drill('vault-sealed', 'app1');
    expect(extra.code).toBe(2);
    expect(error(extra.stdout).code).toBe('drill.unexpected-target');
  });

  it('refuses a node not in the spec, listing the nodes there are', async () => {
    const r = await drill('node-loss', 'app1-worker-7', '--provider', 'kwok');
    expect(r.code).toBe(2);
    expect(error(r.stdout)).toMatchObject({ code: 'drill.unknown-node' });
    expect(error(r.stdout).hint).toContain('app1-cp-0, app1-worker-0');
  });

  it('refuses a cluster not in the spec, and etcd-loss on Multipass (its restore needs etcd running)', async () => {
    const unknown = await drill('etcd-loss', 'nope', '--provider', 'kwok');
    expect(unknown.code).toBe(2);
    expect(error(unknown.stdout)).toMatchObject({ code: 'drill.unknown-cluster' });
    const multipass = await drill('etcd-loss', 'app1', '--provider', 'multipass');
    expect(multipass.code).toBe(2);
    expect(error(multipass.stdout).code).toBe('drill.not-available');
  });

  it('refuses etcd-loss without a snapshot that verifies, with the backup command as hint (exit 1)', async () => {
    const r = await drill('etcd-loss', 'app1', '--provider', 'kwok');
    expect(r.code).toBe(1);
    expect(error(r.stdout)).toMatchObject({
      code: 'drill.no-backup',
      hint: 'platformctl backup --cluster app1',
    });
  });
});
