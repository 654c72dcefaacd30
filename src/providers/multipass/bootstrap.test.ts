/**
 * kubeadm bootstrap on Multipass VMs against a FakeRunner that REPLAYS RECORDED kubeadm, kubectl
 * and Multipass output (recordings/, sources in recordings/SOURCES.md): Multipass cannot run on
 * this machine. Every command line is asserted, and no join token or certificate key may appear
 * in any argv, step-log line, result or file of the project.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { projectLayout } from '../../project/layout.js';
import { DISCOVERY_KUBECONFIG } from '../../render/kubeadm.js';
import { renderPlatform } from '../../render/index.js';
import type { Platform } from '../../spec/model.js';
import { tempDir } from '../../test-support/cli.js';
import { type FakeCall, FakeRunner } from '../../test-support/fake-runner.js';
import { testPlatform } from '../../test-support/render.js';
import {
  bootstrapCluster,
  INIT_CONFIG,
  JOIN_CONFIG,
  kubeVipSwitched,
  parseCertificateKey,
  parseToken,
} from './bootstrap.js';
import { MultipassClient } from './client.js';

const recording = (name: string) => readFileSync(new URL(`./recordings/${name}`, import.meta.url), 'utf8');
const TOKEN = recording('kubeadm-token-create.stdout').trim();
const CERT_KEY = recording('kubeadm-upload-certs.stdout').trim().split('\n').at(-1)!;
const ADMIN = recording('admin.conf.yaml');
const HA = readFileSync(new URL('../../spec/fixtures/valid/ha.yaml', import.meta.url), 'utf8');
const GET_NODES = 'sudo kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes -o json';

/** Every file below dir, recursively. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesBelow(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** A cluster where nothing is initialised yet: the API refuses until kubeadm init has run. */
function freshRunner(nodesAfterInit: string) {
  let initialised = false;
  return new FakeRunner()
    .on(/ -- sudo test -f \/etc\/kubernetes\/admin.conf$/, () => (initialised ? {} : { exitCode: 1 }))
    .on(/ -- sudo install -D -m 0600 \/dev\/stdin /, {})
    .on(/ -- sudo kubeadm init --config /, () => {
      initialised = true;
      return { stdout: recording('kubeadm-init.stdout'), delayMs: 5 };
    })
    .on(
      (c) => c.line.endsWith(GET_NODES),
      () =>
        initialised
          ? { stdout: nodesAfterInit }
          : { stderr: recording('kubectl-refused.stderr'), exitCode: 1 },
    )
    .on(/ -- sudo cat \/etc\/kubernetes\/admin.conf$/, { stdout: ADMIN })
    .on(/ -- sudo kubeadm token create /, { stdout: recording('kubeadm-token-create.stdout') })
    .on(/ -- sudo kubeadm init phase upload-certs /, { stdout: recording('kubeadm-upload-certs.stdout') })
    .on(/-cp-\d -- sudo kubeadm join /, {
      stdout: recording('kubeadm-join-control-plane.stdout'),
      delayMs: 20,
    })
    .on(/-worker-\d -- sudo kubeadm join /, { stdout: recording('kubeadm-join-worker.stdout'), delayMs: 20 })
    .on(/ -- sudo rm -f /, {})
    .on(/ -- sudo kubeadm token delete /, { stdout: 'bootstrap token "5didvk" deleted\n' })
    .on(/ -- sudo grep -q \/etc\/kubernetes\/super-admin.conf /, {})
    .on(/ -- sudo sed -i /, {})
    .on(/ -- sudo kubectl --kubeconfig \/etc\/kubernetes\/admin.conf -n kube-system get pod kube-vip-/, {
      stdout: recording('kubectl-kube-vip-pod.json'),
    });
}

function bootstrap(
  runner: FakeRunner,
  platform: Platform = testPlatform(),
  layout = projectLayout(tempDir()),
) {
  const mgmt = platform.clusters.find((c) => c.name === 'mgmt')!;
  const artifacts = new Map(renderPlatform(platform).map((a) => [a.path, a.content]));
  const log: string[] = [];
  const addresses = { 'mgmt-cp-0': '192.168.64.24', 'mgmt-worker-0': '192.168.64.25' };
  return bootstrapCluster({
    client: new MultipassClient(runner, 'multipass', { log: (line) => log.push(line) }),
    platform,
    cluster: mgmt,
    artifacts,
    addresses,
    layout,
    log: (e) => log.push(e.message),
    pollMs: 1,
  }).then((result) => ({ result, log, layout, artifacts }));
}

/** The error a bootstrap fails with (a test failure when it succeeds). */
async function failure(run: Promise<unknown>): Promise<Error & { code: string; hint?: string }> {
  try {
    await run;
  } catch (error) {
    return error as Error & { code: string; hint?: string };
  }
  throw new Error('bootstrap succeeded; a failure was expected');
}

const stdinOf = (runner: FakeRunner, node: string, path: string): FakeCall[] =>
  runner.calls.filter(
    (c) => c.line === `multipass exec ${node} -- sudo install -D -m 0600 /dev/stdin ${path}`,
  );

/** No secret in any argv, log line, result or file the project holds. */
function expectNoSecrets(
  runner: FakeRunner,
  log: string[],
  result: unknown,
  root: string,
  secrets: string[],
) {
  for (const secret of secrets) {
    for (const call of runner.calls) expect(call.args.join(' ')).not.toContain(secret);
    for (const line of log) expect(line).not.toContain(secret);
    expect(JSON.stringify(result)).not.toContain(secret);
    for (const file of filesBelow(root)) expect(readFileSync(file, 'utf8')).not.toContain(secret);
  }
}

describe('Multipass bootstrap (replays recorded kubeadm and multipass output)', () => {
  it('replays recorded output: kubeadm init on the first control plane with the rendered config, the worker joined with a token passed on stdin only', async () => {
    const runner = freshRunner(recording('kubectl-nodes-first.json'));
    const { result, log, layout, artifacts } = await bootstrap(runner);
    expect(runner.lines).toEqual([
      `multipass exec mgmt-cp-0 -- ${GET_NODES}`,
      'multipass exec mgmt-cp-0 -- sudo test -f /etc/kubernetes/admin.conf',
      `multipass exec mgmt-cp-0 -- sudo install -D -m 0600 /dev/stdin ${INIT_CONFIG}`,
      `multipass exec mgmt-cp-0 -- sudo kubeadm init --config ${INIT_CONFIG} --skip-token-print --skip-certificate-key-print`,
      `multipass exec mgmt-cp-0 -- ${GET_NODES}`,
      'multipass exec mgmt-cp-0 -- sudo cat /etc/kubernetes/admin.conf',
      'multipass exec mgmt-cp-0 -- sudo kubeadm token create --ttl 30m --kubeconfig /etc/kubernetes/admin.conf',
      `multipass exec mgmt-worker-0 -- sudo install -D -m 0600 /dev/stdin ${DISCOVERY_KUBECONFIG}`,
      `multipass exec mgmt-worker-0 -- sudo install -D -m 0600 /dev/stdin ${JOIN_CONFIG}`,
      `multipass exec mgmt-worker-0 -- sudo kubeadm join --config ${JOIN_CONFIG}`,
      `multipass exec mgmt-worker-0 -- sudo rm -f ${DISCOVERY_KUBECONFIG} ${JOIN_CONFIG}`,
      'multipass exec mgmt-cp-0 -- sudo kubeadm token delete 5didvk --kubeconfig /etc/kubernetes/admin.conf',
      'multipass exec mgmt-cp-0 -- sudo grep -q /etc/kubernetes/super-admin.conf /etc/kubernetes/manifests/kube-vip.yaml',
      "multipass exec mgmt-cp-0 -- sudo sed -i 's#/etc/kubernetes/super-admin.conf#/etc/kubernetes/admin.conf#' /etc/kubernetes/manifests/kube-vip.yaml",
      'multipass exec mgmt-cp-0 -- sudo kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system get pod kube-vip-mgmt-cp-0 -o json',
    ]);
    // The rendered InitConfiguration, as rendered, on stdin.
    expect(stdinOf(runner, 'mgmt-cp-0', INIT_CONFIG)[0]!.input).toBe(
      artifacts.get('clusters/mgmt/kubeadm/init.yaml'),
    );
    // The token went in on stdin, inside the discovery kubeconfig, with the CA of admin.conf and the VIP.
    const discovery = parse(stdinOf(runner, 'mgmt-worker-0', DISCOVERY_KUBECONFIG)[0]!.input!) as {
      clusters: Array<{ cluster: Record<string, string> }>;
      users: Array<{ user: { token: string } }>;
    };
    expect(discovery.users[0]!.user.token).toBe(TOKEN);
    expect(discovery.clusters[0]!.cluster.server).toBe('https://192.168.64.210:6443');
    const admin = parse(ADMIN) as { clusters: Array<{ cluster: Record<string, string> }> };
    expect(discovery.clusters[0]!.cluster['certificate-authority-data']).toBe(
      admin.clusters[0]!.cluster['certificate-authority-data'],
    );
    const joinConfig = parse(stdinOf(runner, 'mgmt-worker-0', JOIN_CONFIG)[0]!.input!) as Record<string, any>;
    expect(joinConfig.kind).toBe('JoinConfiguration');
    expect(joinConfig.discovery).toEqual({ file: { kubeConfigPath: DISCOVERY_KUBECONFIG } });
    expect(joinConfig.nodeRegistration.name).toBe('mgmt-worker-0');
    expect(joinConfig.controlPlane).toBeUndefined();

    // Every command in the step log before it ran.
    for (const line of runner.lines) expect(log).toContain(`$ ${line}`);
    expectNoSecrets(runner, log, result, layout.root, [TOKEN]);

    // The kubeconfigs: 0600, the cluster's name, the server at the VIP; platform.conf merges them.
    expect(result).toEqual({
      access: { cluster: 'mgmt', kubeconfig: layout.kubeconfig('mgmt'), context: 'mgmt' },
      changed: true,
      addresses: { 'mgmt-cp-0': '192.168.64.24', 'mgmt-worker-0': '192.168.64.25' },
      // What the step reports: nodes registered, not Ready, since no CNI runs yet.
      detail: 'kubeadm init on mgmt-cp-0, 1 node(s) joined, 2 node(s) registered (Ready once the CNI runs)',
    });
    expect(log).toContain('all 2 node(s) registered (Ready once the CNI runs)');
    for (const file of [layout.kubeconfig('mgmt'), layout.mergedKubeconfig])
      expect(statSync(file).mode & 0o777).toBe(0o600);
    const own = parse(readFileSync(layout.kubeconfig('mgmt'), 'utf8')) as Record<string, any>;
    expect(own['current-context']).toBe('mgmt');
    expect(own.clusters).toEqual([
      { name: 'mgmt', cluster: { ...admin.clusters[0]!.cluster, server: 'https://192.168.64.210:6443' } },
    ]);
    expect(own.contexts).toEqual([{ name: 'mgmt', context: { cluster: 'mgmt', user: 'mgmt' } }]);
    const merged = parse(readFileSync(layout.mergedKubeconfig, 'utf8')) as Record<string, any>;
    expect(merged.contexts.map((c: { name: string }) => c.name)).toEqual(['mgmt']);
    expect(merged['current-context']).toBe('mgmt');
  });

  it('replays recorded output: an HA cluster joins its control planes one after another with the uploaded certificates, then the workers at once', async () => {
    const platform = testPlatform(HA);
    const runner = freshRunner(recording('kubectl-nodes-first.json'));
    const { log, layout, result } = await bootstrap(runner, platform);
    const joins = runner.calls.filter((c) => c.line.includes('sudo kubeadm join'));
    expect(joins.map((c) => c.args[1])).toEqual(['mgmt-cp-1', 'mgmt-cp-2', 'mgmt-worker-0', 'mgmt-worker-1']);
    // Control planes strictly in turn, the workers only after them and in parallel.
    expect(joins[1]!.startedAt).toBeGreaterThanOrEqual(joins[0]!.finishedAt!);
    expect(joins[2]!.startedAt).toBeGreaterThanOrEqual(joins[1]!.finishedAt!);
    expect(joins[3]!.startedAt).toBeLessThan(joins[2]!.finishedAt!);
    expect(runner.lines.filter((l) => l.includes('upload-certs'))).toEqual([
      `multipass exec mgmt-cp-0 -- sudo kubeadm init phase upload-certs --upload-certs --config ${INIT_CONFIG}`,
    ]);
    // The certificate key goes into the control planes' JoinConfiguration on stdin, never the workers'.
    for (const node of ['mgmt-cp-1', 'mgmt-cp-2']) {
      const config = parse(stdinOf(runner, node, JOIN_CONFIG)[0]!.input!) as Record<string, any>;
      expect(config.controlPlane.certificateKey).toBe(CERT_KEY);
      expect(config.nodeRegistration.name).toBe(node);
    }
    for (const node of ['mgmt-worker-0', 'mgmt-worker-1'])
      expect(stdinOf(runner, node, JOIN_CONFIG)[0]!.input).not.toContain(CERT_KEY);
    expectNoSecrets(runner, log, result, layout.root, [TOKEN, CERT_KEY]);
  });

  it('replays recorded output: a re-run with every node registered initialises and joins nothing, and changes nothing', async () => {
    const layout = projectLayout(tempDir());
    const runner = () =>
      freshRunner(recording('kubectl-nodes-joined.json'))
        .on(/ -- sudo test -f /, {})
        .on((c) => c.line.endsWith(GET_NODES), { stdout: recording('kubectl-nodes-joined.json') })
        .on(/ -- sudo grep -q /, { exitCode: 1 });
    await bootstrap(runner(), undefined, layout);
    const again = runner();
    const { result } = await bootstrap(again, undefined, layout);
    expect(again.lines).toEqual([
      `multipass exec mgmt-cp-0 -- ${GET_NODES}`,
      'multipass exec mgmt-cp-0 -- sudo cat /etc/kubernetes/admin.conf',
      'multipass exec mgmt-cp-0 -- sudo grep -q /etc/kubernetes/super-admin.conf /etc/kubernetes/manifests/kube-vip.yaml',
    ]);
    expect(result.changed).toBe(false);
    expect(result.detail).toBe('2 node(s) registered (Ready once the CNI runs)');
  });

  it('replays recorded output: a re-run once the CNI runs reports every node Ready', async () => {
    const runner = freshRunner(recording('kubectl-nodes-ready.json'))
      .on(/ -- sudo test -f /, {})
      .on((c) => c.line.endsWith(GET_NODES), { stdout: recording('kubectl-nodes-ready.json') })
      .on(/ -- sudo grep -q /, { exitCode: 1 });
    const { result, log } = await bootstrap(runner);
    expect(runner.lines.some((l) => l.includes('kubeadm join') || l.includes('kubeadm init'))).toBe(false);
    expect(result.detail).toBe('2 node(s) Ready');
    expect(log).toContain('2 node(s) Ready');
  });

  it('replays recorded output: an initialised control plane whose API is not up yet is waited for, never initialised again', async () => {
    let asked = 0;
    const runner = freshRunner(recording('kubectl-nodes-joined.json'))
      .on(/ -- sudo test -f /, {})
      .on(
        (c) => c.line.endsWith(GET_NODES),
        () =>
          ++asked < 3
            ? { stderr: recording('kubectl-refused.stderr'), exitCode: 1 }
            : { stdout: recording('kubectl-nodes-joined.json') },
      )
      .on(/ -- sudo grep -q /, { exitCode: 1 });
    const { log } = await bootstrap(runner);
    expect(runner.lines.some((l) => l.includes('kubeadm init'))).toBe(false);
    expect(asked).toBe(3);
    expect(log).toContain('waiting for the API server initialised on mgmt-cp-0');
  });

  it('replays recorded output: a failed kubeadm init fails the step with its output tail and how to look further; nothing joins', async () => {
    const runner = freshRunner(recording('kubectl-nodes-first.json')).on(/ -- sudo kubeadm init --config /, {
      stdout: recording('kubeadm-init-failed.txt'),
      exitCode: 1,
    });
    const error = await failure(bootstrap(runner));
    expect(error.code).toBe('provider.kubeadm-init-failed');
    expect(error.message).toContain('kubeadm init failed on mgmt-cp-0 (exit 1)');
    expect(error.message).toContain(
      'error execution phase wait-control-plane: failed while waiting for the control plane to start',
    );
    expect(error.hint).toContain('multipass exec mgmt-cp-0 -- sudo journalctl -u kubelet');
    expect(error.hint).toContain('multipass exec mgmt-cp-0 -- sudo kubeadm reset -f');
    expect(runner.lines.some((l) => l.includes('kubeadm join') || l.includes('token create'))).toBe(false);
  });

  it('replays recorded output: a failed join names the node, redacts the token from its message, and still removes the join files and the token', async () => {
    // Constructed: a join whose output repeats the token, to show it cannot leak through an error.
    const runner = freshRunner(recording('kubectl-nodes-first.json')).on(/-worker-0 -- sudo kubeadm join /, {
      stdout: `[preflight] Running pre-flight checks\nerror: couldn't validate the identity of the API Server: token ${TOKEN} was rejected\n`,
      exitCode: 1,
    });
    const error = await failure(bootstrap(runner));
    expect(error.code).toBe('provider.kubeadm-join-failed');
    expect(error.message).toContain('kubeadm join failed on mgmt-worker-0 (exit 1)');
    expect(error.message).toContain('token [REDACTED] was rejected');
    expect(error.message + (error.hint ?? '')).not.toContain(TOKEN);
    expect(runner.lines).toContain(
      `multipass exec mgmt-worker-0 -- sudo rm -f ${DISCOVERY_KUBECONFIG} ${JOIN_CONFIG}`,
    );
    expect(runner.lines).toContain(
      'multipass exec mgmt-cp-0 -- sudo kubeadm token delete 5didvk --kubeconfig /etc/kubernetes/admin.conf',
    );
  });

  it('replays recorded output: when one worker fails to join, the others finish before the token is deleted', async () => {
    const platform = testPlatform(HA);
    const runner = freshRunner(recording('kubectl-nodes-first.json')).on(
      /mgmt-worker-0 -- sudo kubeadm join /,
      {
        stdout: recording('kubeadm-init-failed.txt'),
        exitCode: 1,
      },
    );
    const error = await failure(bootstrap(runner, platform));
    expect(error.code).toBe('provider.kubeadm-join-failed');
    const slowJoin = runner.calls.find((c) =>
      c.line.endsWith('mgmt-worker-1 -- sudo kubeadm join --config ' + JOIN_CONFIG),
    )!;
    const tokenDelete = runner.calls.find((c) => c.line.includes('kubeadm token delete'))!;
    expect(tokenDelete.startedAt).toBeGreaterThanOrEqual(slowJoin.finishedAt!);
  });

  it('reads the token and the certificate key from their recorded output, and refuses output without them', () => {
    expect(parseToken(recording('kubeadm-token-create.stdout'))).toBe('5didvk.d09sbcov8ph2amjw');
    expect(parseCertificateKey(recording('kubeadm-upload-certs.stdout'))).toBe(
      '1a44b14b3856a07a96e65b9b60a61cd921dbda575d0c322958167b6461faaace',
    );
    expect(() => parseToken('')).toThrow(/printed no bootstrap token/);
    expect(() => parseCertificateKey('[upload-certs] Skipping phase. Please see --upload-certs\n')).toThrow(
      /printed no certificate key/,
    );
  });

  it('takes kube-vip as switched only when its recorded mirror pod mounts admin.conf and is Ready', () => {
    const pod = JSON.parse(recording('kubectl-kube-vip-pod.json')) as Parameters<typeof kubeVipSwitched>[0];
    expect(kubeVipSwitched(pod)).toBe(true);
    const old = structuredClone(pod) as { spec: { volumes: Array<{ hostPath: { path: string } }> } };
    old.spec.volumes[0]!.hostPath.path = '/etc/kubernetes/super-admin.conf';
    expect(kubeVipSwitched(old as Parameters<typeof kubeVipSwitched>[0])).toBe(false);
    expect(kubeVipSwitched({ ...pod, status: { conditions: [{ type: 'Ready', status: 'False' }] } })).toBe(
      false,
    );
  });
});
