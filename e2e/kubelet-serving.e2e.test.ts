/**
 * The kubelets' serving certificates approved for real: a kwok cluster made with the harness's
 * kwokctl (real kube-apiserver and kube-controller-manager, its csrsigning controller signing with
 * the cluster CA), CertificateSigningRequests made as each node's kubelet makes them (real PKCS#10,
 * created by impersonating `system:node:<name>` in `system:nodes`), then the engine's approver:
 * what qualifies is approved and signed by kube-controller-manager, the rest stays pending with
 * its reason, and the step's live check sees a new request as drift.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/clients/kube.js';
import {
  approveKubeletServing,
  kubeletServingRunner,
  lookAtKubeletServing,
} from '../src/engine/kubelet-serving.js';
import type { StepEnvironment } from '../src/engine/step-environment.js';
import type { CertificateSigningRequest } from '../src/kube/kubelet-serving.js';
import type { PlanStep } from '../src/plan/plan.js';
import { certificateRequest } from '../src/test-support/csr.js';
import { createOutsideKwokCluster, type OutsideKwokCluster } from '../src/test-support/outside-kwok.js';
import { requireHarness } from './support/project.js';

requireHarness('kwokctl', 'kwok', 'kube-apiserver', 'kube-controller-manager', 'etcd');

const work = mkdtempSync(join(tmpdir(), 'platformctl-kubelet-serving-'));
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
let cluster: OutsideKwokCluster;
let admin: KubeClient;
let nodes: Array<{ name: string; addresses: Array<{ type: string; address: string }> }>;

/** A client that acts as `user` (in `group`), as that node's kubelet would. */
function as(user: string, group?: string): KubeClient {
  const config = admin.config;
  return new KubeClient({
    server: config.server,
    context: config.context,
    invalidate: () => config.invalidate(),
    authenticate: async () => {
      const auth = await config.authenticate();
      return {
        ...auth,
        headers: {
          ...auth.headers,
          'Impersonate-User': user,
          ...(group ? { 'Impersonate-Group': group } : {}),
        },
      };
    },
  });
}

async function ask(
  name: string,
  user: string,
  group: string | undefined,
  subject: Parameters<typeof certificateRequest>[0],
) {
  await as(user, group).request('POST', CSRS, {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: await certificateRequest(subject),
      signerName: 'kubernetes.io/kubelet-serving',
      usages: ['digital signature', 'server auth'],
    },
  });
}

const csr = (name: string) => admin.get<CertificateSigningRequest>(`${CSRS}/${name}`);

beforeAll(async () => {
  cluster = await createOutsideKwokCluster({
    name: 'kubelets',
    workdir: work,
    nodes: 2,
    signCertificates: true,
  });
  admin = await KubeClient.fromFile(cluster.kubeconfig);
  const listed = await admin.get<{
    items: Array<{
      metadata: { name: string };
      status: { addresses: Array<{ type: string; address: string }> };
    }>;
  }>('/api/v1/nodes');
  nodes = listed.items
    .map((n) => ({ name: n.metadata.name, addresses: n.status.addresses }))
    .sort((a, b) => a.name.localeCompare(b.name));
}, 180_000);

afterAll(() => cluster?.delete());

describe('kubelet serving certificates (real kube-apiserver and kube-controller-manager)', () => {
  it('approves what each kubelet asks for its own Node; kube-controller-manager signs it; the rest stays pending', async () => {
    const [first, second] = nodes;
    expect(first && second).toBeTruthy();
    const ipOf = (n: typeof first) => n!.addresses.find((a) => a.type === 'InternalIP')!.address;
    const hostnameOf = (n: typeof first) => n!.addresses.find((a) => a.type === 'Hostname')!.address;
    await ask('serving-first', `system:node:${first!.name}`, 'system:nodes', {
      commonName: `system:node:${first!.name}`,
      organization: 'system:nodes',
      dnsNames: [first!.name, hostnameOf(first)],
      ipAddresses: [ipOf(first)],
    });
    // The second node asks for an address that is not its own.
    await ask('serving-second', `system:node:${second!.name}`, 'system:nodes', {
      commonName: `system:node:${second!.name}`,
      organization: 'system:nodes',
      dnsNames: [second!.name],
      ipAddresses: ['192.0.2.250'],
    });
    // Someone who is not a node (and may create CSRs), for a node's name.
    await ask('serving-alice', 'alice', 'system:masters', {
      commonName: `system:node:${first!.name}`,
      organization: 'system:nodes',
      dnsNames: [first!.name],
    });

    const lines: string[] = [];
    const result = await approveKubeletServing(admin, {
      specNodes: new Set(nodes.map((n) => n.name)),
      waitForEveryNode: true,
      log: (line) => lines.push(line),
      timeoutMs: 60_000,
      pollMs: 200,
    });
    expect(result.approved).toEqual([{ name: 'serving-first', node: first!.name }]);
    expect(result.leftPending).toEqual(
      expect.arrayContaining([
        { name: 'serving-second', why: `IP 192.0.2.250 is not an address of Node ${second!.name}` },
        { name: 'serving-alice', why: 'asked by alice, not a node' },
      ]),
    );
    expect(result.silent).toEqual([]);
    expect(lines[0]).toBe(`approved serving-first: the serving certificate of ${first!.name}'s kubelet`);

    const signed = await csr('serving-first');
    expect(signed.status?.conditions?.find((c) => c.type === 'Approved')?.status).toBe('True');
    const certificate = new X509Certificate(Buffer.from(signed.status!.certificate!, 'base64'));
    expect(certificate.subject).toContain(`CN=system:node:${first!.name}`);
    expect(certificate.subjectAltName).toContain(`IP Address:${ipOf(first)}`);
    const ca = new X509Certificate(cluster.caCertificate());
    expect(certificate.verify(ca.publicKey)).toBe(true);
    for (const pending of ['serving-second', 'serving-alice']) {
      const left = await csr(pending);
      expect([pending, left.status?.conditions ?? []]).toEqual([pending, []]);
    }
  }, 120_000);

  it("the step's live check sees a new qualifying request as drift, and its work approves it", async () => {
    const first = nodes[0]!;
    const cluster = { name: 'kubelets', nodes: nodes.map((n) => ({ name: n.name })) };
    const step = { id: 'kubelets/kubelet-serving', cluster: 'kubelets', kind: 'kubelet-serving' } as PlanStep;
    const env = {
      platform: { clusters: [cluster] },
      kube: async () => admin,
      recorded: { [step.id]: { outcome: 'succeeded' } },
    } as unknown as StepEnvironment;
    const runner = kubeletServingRunner(env, step);
    expect(
      await runner.check({ signal: new AbortController().signal, attempt: 1, log: () => {} }),
    ).toBeUndefined();
    // A renewal: the kubelet asks again.
    await ask('serving-renewal', `system:node:${first.name}`, 'system:nodes', {
      commonName: `system:node:${first.name}`,
      organization: 'system:nodes',
      dnsNames: [first.name],
    });
    expect(await runner.check({ signal: new AbortController().signal, attempt: 1, log: () => {} })).toBe(
      `1 kubelet serving certificate request(s) to approve: serving-renewal (${first.name})`,
    );
    const result = await runner.work({ signal: new AbortController().signal, attempt: 1, log: () => {} });
    expect(result.detail).toMatch(
      new RegExp(
        `^approved 1 kubelet serving certificate request\\(s\\) \\(${first.name}\\); left pending: `,
      ),
    );
    expect((await lookAtKubeletServing(admin, new Set(nodes.map((n) => n.name)))).toApprove).toEqual([]);
    expect((await csr('serving-renewal')).status?.certificate).toBeTruthy();
  }, 120_000);

  it('a node of the spec whose kubelet never asks is named once the wait is over', async () => {
    const result = await approveKubeletServing(admin, {
      specNodes: new Set([...nodes.map((n) => n.name), 'node-that-never-asks']),
      waitForEveryNode: true,
      log: () => {},
      timeoutMs: 1_000,
      pollMs: 200,
    });
    expect(result.approved).toEqual([]);
    expect(result.silent).toEqual(['node-that-never-asks']);
  });
});
