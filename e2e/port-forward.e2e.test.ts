/**
 * Port-forward through the API server, for real: a kwok cluster made with the harness's kwokctl
 * (real kube-apiserver; kwok's simulated kubelet, which forwards a pod's port where a kwok
 * `PortForward` object says, here to servers this test runs on 127.0.0.1). Every hop is
 * loopback: client → local listener → WebSocket → kube-apiserver → kwok (Node Hostname
 * localhost) → the target.
 *
 * Then Vault reached that way when its pinned load-balancer address does not answer: the real
 * Vault server of the harness (dev mode with its own TLS CA), its CA in the management cluster's
 * `vault/vault-server-tls` Secret as cert-manager would put it. The pinned address of the spec is
 * a private one this test must not dial: the probe says it does not answer without dialing it,
 * and dials only loopback addresses.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/clients/kube.js';
import { openPortForward, type PortForward } from '../src/clients/port-forward.js';
import { type VaultEndpoint, VaultClient } from '../src/clients/vault.js';
import { projectLayout } from '../src/project/layout.js';
import { vaultAnswers, vaultAtPinnedAddress } from '../src/providers/shared/pinned-vault.js';
import {
  createOutsideKwokCluster,
  HARNESS_BIN,
  type OutsideKwokCluster,
} from '../src/test-support/outside-kwok.js';
import { testPlatform } from '../src/test-support/render.js';
import { requireHarness } from './support/project.js';

requireHarness('kwokctl', 'kwok', 'kube-apiserver', 'etcd', 'vault');

const work = mkdtempSync(join(tmpdir(), 'platformctl-port-forward-'));
let cluster: OutsideKwokCluster;
let kube: KubeClient;
let echo: Server;
let echoPort: number;
let vault: ChildProcess | undefined;
const forwards: PortForward[] = [];

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );

const freePort = async () => {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((r) => probe.close(r));
  return port;
};

/** A pod kwok runs, and the PortForward that sends its `port` to 127.0.0.1:`target`. */
async function forwardedPod(namespace: string, name: string, port: number, target?: number, labels = {}) {
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }).catch(() => {});
  // The controller-manager makes each namespace's default ServiceAccount, which admission needs.
  const saDeadline = Date.now() + 30_000;
  while (!(await kube.getOptional(`/api/v1/namespaces/${namespace}/serviceaccounts/default`))) {
    if (Date.now() > saDeadline) throw new Error(`no default ServiceAccount in ${namespace} within 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await kube.apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      containers: [{ name: 'main', image: 'stand-in', ports: [{ containerPort: port }] }],
      tolerations: [{ operator: 'Exists' }],
    },
  });
  if (target !== undefined)
    await kube.apply({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'PortForward',
      metadata: { name, namespace },
      spec: { forwards: [{ ports: [port], target: { port: target, address: '127.0.0.1' } }] },
    });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const pod = await kube.get<{ status?: { phase?: string } }>(
      `/api/v1/namespaces/${namespace}/pods/${name}`,
    );
    if (pod.status?.phase === 'Running') break;
    if (Date.now() > deadline) throw new Error(`${namespace}/${name} not Running within 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  if (target === undefined) return;
  // kwok learns of a new PortForward through its informer: until then it answers "no forward found".
  for (;;) {
    const probe = await openPortForward(kube.config, { namespace, pod: name, port });
    await new Promise<void>((resolve) => {
      const socket = connect(probe.port, '127.0.0.1');
      socket.on('connect', () => setTimeout(() => socket.destroy(), 300));
      socket.on('close', () => resolve());
    });
    await probe.close();
    if (!/no forward found/.test(probe.lastError() ?? '')) return;
    if (Date.now() > deadline)
      throw new Error(`kwok does not forward ${namespace}/${name}:${port}: ${probe.lastError()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Sends `text` over a new connection to the local end and reads until the far end closes or `until` matches. */
function exchange(port: number, text: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, 10_000);
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (until.test(received)) {
        clearTimeout(timer);
        socket.end();
        resolve(received);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  echo = createServer((socket) =>
    socket.on('data', (chunk) => socket.write(`echo:${chunk.toString('utf8')}`)),
  );
  echoPort = await listen(echo);
  cluster = await createOutsideKwokCluster({
    name: 'pf',
    workdir: work,
    nodes: 1,
    enableCRDs: ['PortForward'],
  });
  kube = await KubeClient.fromFile(cluster.kubeconfig);
}, 180_000);

afterAll(async () => {
  for (const forward of forwards) await forward.close();
  vault?.kill('SIGTERM');
  cluster?.delete();
  echo?.close();
});

describe('port-forward through the API server (real kube-apiserver, kwok kubelet)', () => {
  it('carries each connection to the pod port and back, several at once', async () => {
    await forwardedPod('default', 'echo-0', 8080, echoPort);
    const forward = await openPortForward(kube.config, { namespace: 'default', pod: 'echo-0', port: 8080 });
    forwards.push(forward);
    expect(forward.host).toBe('127.0.0.1');
    const answers = await Promise.all(
      ['one', 'two', 'three'].map((word) => exchange(forward.port, word, new RegExp(`echo:${word}`))),
    );
    expect(answers).toEqual(['echo:one', 'echo:two', 'echo:three']);
    expect(forward.lastError()).toBeUndefined();
  });

  it("ends the connection and keeps the kubelet's reason when the pod's port forwards nowhere", async () => {
    await forwardedPod('default', 'silent-0', 9090);
    const forward = await openPortForward(kube.config, { namespace: 'default', pod: 'silent-0', port: 9090 });
    forwards.push(forward);
    expect(await exchange(forward.port, 'anyone?', /echo/)).toBe('');
    expect(forward.lastError()).toMatch(
      /port-forward to default\/silent-0:9090: .*no forward found for port 9090/,
    );
  });

  it('says what the API server answered for a pod that does not exist', async () => {
    const forward = await openPortForward(kube.config, { namespace: 'default', pod: 'nobody', port: 80 });
    forwards.push(forward);
    expect(await exchange(forward.port, 'x', /never/)).toBe('');
    expect(forward.lastError()).toMatch(/the API server answered 404: .*pods "nobody" not found/);
  });
});

describe('Vault through the API server when its pinned address does not answer', () => {
  it("reaches the real Vault through a port-forward to its server pod, TLS checked with its serving certificate's CA", async () => {
    const certs = join(work, 'vault-tls');
    mkdirSync(certs);
    const vaultPort = await freePort();
    vault = spawn(
      join(HARNESS_BIN, 'vault'),
      [
        'server',
        '-dev',
        '-dev-tls',
        `-dev-listen-address=127.0.0.1:${vaultPort}`,
        `-dev-tls-cert-dir=${certs}`,
        '-dev-no-store-token',
      ],
      { stdio: 'ignore', env: { PATH: process.env.PATH ?? '', HOME: work } },
    );
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(certs, 'vault-ca.pem'))) {
      if (Date.now() > deadline) throw new Error('the dev Vault wrote no CA within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const ca = readFileSync(join(certs, 'vault-ca.pem'), 'utf8');
    await forwardedPod('vault', 'vault-0', 8200, vaultPort, {
      'app.kubernetes.io/name': 'vault',
      component: 'server',
    });
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'vault-server-tls', namespace: 'vault' },
      type: 'kubernetes.io/tls',
      data: {
        'ca.crt': Buffer.from(ca).toString('base64'),
        'tls.crt': Buffer.from('stand-in').toString('base64'),
        'tls.key': Buffer.from('stand-in').toString('base64'),
      },
    });

    const platform = testPlatform();
    const pinned = new URL(
      `https://${platform.clusters.find((c) => c.name === 'mgmt')!.addresses.services.vault}:8200`,
    );
    const probed: string[] = [];
    // Only loopback is dialled; the pinned (private) address is said not to answer.
    const probe = async (endpoint: VaultEndpoint) => {
      probed.push(endpoint.address);
      return new URL(endpoint.address).hostname === '127.0.0.1' ? vaultAnswers(endpoint) : false;
    };
    const log: string[] = [];
    const endpoint = await vaultAtPinnedAddress(
      platform,
      kube,
      { layout: projectLayout(work), log: (e) => log.push(e.message) },
      probe,
    );

    expect(endpoint.address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(endpoint.address).port).not.toBe(String(vaultPort));
    expect(probed[0]).toBe(pinned.href.replace(/\/$/, ''));
    expect(log).toEqual([
      `Vault through the API server (a port-forward at ${endpoint.address}): its pinned load-balancer address ${probed[0]} does not answer from this machine`,
    ]);
    const status = await new VaultClient(endpoint).sealStatus();
    expect(status).toMatchObject({ initialized: true, sealed: false });
    // A CA that did not sign Vault's certificate is refused through the same forward.
    const other = readFileSync(join(work, 'clusters', 'pf', 'pki', 'ca.crt'), 'utf8');
    await expect(new VaultClient({ address: endpoint.address, ca: other }).sealStatus()).rejects.toThrow(
      /certificate|self.signed|issuer/i,
    );
  }, 90_000);
});
