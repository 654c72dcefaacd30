import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificateRequest } from '../test-support/csr.js';
import {
  type CertificateSigningRequest,
  isPending,
  kubeletServingVerdict,
  type NodeAddresses,
  requestedNames,
} from './kubelet-serving.js';

const NODE: NodeAddresses = {
  name: 'app1-worker-0',
  addresses: [
    { type: 'InternalIP', address: '192.168.64.12' },
    { type: 'InternalIP', address: '2001:db8::12' },
    { type: 'Hostname', address: 'app1-worker-0' },
  ],
};
const SPEC = new Set(['app1-cp-0', 'app1-worker-0']);
const REGISTERED = new Map([[NODE.name, NODE]]);

async function kubeletRequest(
  overrides: Partial<CertificateSigningRequest['spec']> = {},
  subject: Parameters<typeof certificateRequest>[0] = {
    commonName: 'system:node:app1-worker-0',
    organization: 'system:nodes',
    dnsNames: ['app1-worker-0'],
    ipAddresses: ['192.168.64.12', '2001:db8::12'],
  },
): Promise<CertificateSigningRequest> {
  return {
    metadata: { name: 'csr-abcde' },
    spec: {
      request: await certificateRequest(subject),
      signerName: 'kubernetes.io/kubelet-serving',
      username: 'system:node:app1-worker-0',
      groups: ['system:nodes', 'system:authenticated'],
      usages: ['digital signature', 'server auth'],
      ...overrides,
    },
  };
}

describe('kubelet serving certificate requests', () => {
  it("reads the subject and the SANs of a real PKCS#10 request, openssl's ECDSA as well", async () => {
    const names = requestedNames(
      await certificateRequest({
        commonName: 'system:node:n1',
        organization: 'system:nodes',
        dnsNames: ['n1', 'n1.local'],
        ipAddresses: ['10.1.2.3', '2001:db8:0:0:0:0:0:12'],
      }),
    );
    expect(names).toEqual({
      commonName: 'system:node:n1',
      organizations: ['system:nodes'],
      dnsNames: ['n1', 'n1.local'],
      ipAddresses: ['10.1.2.3', '2001:db8::12'],
    });
    // A kubelet's own key is ECDSA P-256: the same reader, whatever the key.
    const dir = mkdtempSync(join(tmpdir(), 'csr-'));
    let pem: string | undefined;
    try {
      execFileSync('openssl', [
        'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'csr.pem'),
        '-subj', '/O=system:nodes/CN=system:node:n2', '-addext', 'subjectAltName=DNS:n2,IP:192.168.64.7',
      ], { stdio: 'ignore' }); // prettier-ignore
      pem = readFileSync(join(dir, 'csr.pem'), 'utf8');
    } catch {
      pem = undefined; // no openssl on this machine: the RSA case above stands
    }
    if (pem)
      expect(requestedNames(Buffer.from(pem).toString('base64'))).toEqual({
        commonName: 'system:node:n2',
        organizations: ['system:nodes'],
        dnsNames: ['n2'],
        ipAddresses: ['192.168.64.7'],
      });
    expect(() => requestedNames(Buffer.from('not a request').toString('base64'))).toThrow(/not a PEM/);
  });

  it("approves the request a node's kubelet makes for its own names and addresses", async () => {
    expect(kubeletServingVerdict(await kubeletRequest(), SPEC, REGISTERED)).toEqual({
      approve: true,
      node: 'app1-worker-0',
    });
    expect(
      kubeletServingVerdict(
        await kubeletRequest({ usages: ['digital signature', 'key encipherment', 'server auth'] }),
        SPEC,
        REGISTERED,
      ).approve,
    ).toBe(true);
  });

  it.each([
    ['another signer', { signerName: 'kubernetes.io/kube-apiserver-client' }, undefined, /signer/],
    ['a user that is not a node', { username: 'alice' }, undefined, /asked by alice, not a node/],
    [
      'a node outside the group',
      { groups: ['system:authenticated'] },
      undefined,
      /not in group system:nodes/,
    ],
    [
      'a node not in the spec',
      { username: 'system:node:intruder' },
      undefined,
      /intruder is not a node of the spec/,
    ],
    [
      'a node of the spec not registered',
      { username: 'system:node:app1-cp-0' },
      undefined,
      /Node app1-cp-0 is not registered/,
    ],
    [
      'client auth usage',
      { usages: ['digital signature', 'server auth', 'client auth'] },
      undefined,
      /usages/,
    ],
    ['no server auth', { usages: ['digital signature'] }, undefined, /missing server auth/],
    [
      'another CN',
      {},
      { commonName: 'system:node:other', organization: 'system:nodes', dnsNames: ['app1-worker-0'] },
      /subject CN system:node:other/,
    ],
    [
      'no organisation',
      {},
      { commonName: 'system:node:app1-worker-0', dnsNames: ['app1-worker-0'] },
      /subject O \(none\)/,
    ],
    [
      'no SAN',
      {},
      { commonName: 'system:node:app1-worker-0', organization: 'system:nodes' },
      /no subject alternative name/,
    ],
    [
      'a name that is not the node',
      {},
      {
        commonName: 'system:node:app1-worker-0',
        organization: 'system:nodes',
        dnsNames: ['kubernetes.default'],
      },
      /DNS name kubernetes.default is not Node/,
    ],
    [
      'an address of another machine',
      {},
      {
        commonName: 'system:node:app1-worker-0',
        organization: 'system:nodes',
        ipAddresses: ['192.168.64.202'],
      },
      /IP 192.168.64.202 is not an address of Node/,
    ],
  ] as const)('leaves pending %s', async (_what, overrides, subject, why) => {
    const verdict = kubeletServingVerdict(await kubeletRequest(overrides, subject), SPEC, REGISTERED);
    expect(verdict.approve).toBe(false);
    expect(verdict.approve === false && verdict.why).toMatch(why);
  });

  it('is pending until approved, denied or failed', () => {
    const csr = (conditions: Array<{ type: string; status?: string }>) =>
      ({
        metadata: { name: 'x' },
        spec: { request: '', signerName: '' },
        status: { conditions },
      }) as CertificateSigningRequest;
    expect(isPending(csr([]))).toBe(true);
    expect(isPending(csr([{ type: 'Approved', status: 'True' }]))).toBe(false);
    expect(isPending(csr([{ type: 'Denied', status: 'True' }]))).toBe(false);
    expect(isPending(csr([{ type: 'Failed', status: 'True' }]))).toBe(false);
    expect(isPending(csr([{ type: 'Approved', status: 'False' }]))).toBe(true);
  });
});
