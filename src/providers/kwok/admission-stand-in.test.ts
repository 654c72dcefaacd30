import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../util/certificates.js';
import { admissionResponse, startAdmissionStandIn } from './admission-stand-in.js';
import type { Server } from 'node:https';

describe('admissionResponse', () => {
  it('allows the request it answers, by its uid, in the version asked', () => {
    expect(admissionResponse({ apiVersion: 'admission.k8s.io/v1', request: { uid: 'u-1' } })).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'u-1', allowed: true },
    });
    expect(admissionResponse({})).toBeUndefined();
  });
});

describe('the admission stand-in over TLS on loopback', () => {
  let server: Server;
  let ca: string;
  const lines: string[] = [];
  beforeAll(async () => {
    const pair = await selfSignedCertificate({
      commonName: 'test stand-in',
      organization: 'test',
      years: 1,
      servesIps: ['127.0.0.1'],
    });
    ca = pair.certificate;
    server = await startAdmissionStandIn({ port: 0, ...pair, log: (line) => lines.push(line) });
  });
  afterAll(() => server.close());

  function post(body: string): Promise<{ status: number; body: string }> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      // ca: the certificate is its own CA and must verify for 127.0.0.1, as the API server checks it.
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/validate/cfg/hook', ca },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('answers an AdmissionReview with allowed, and logs what it admitted', async () => {
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'abc', operation: 'CREATE', kind: { kind: 'Certificate' }, namespace: 'ns', name: 'c' },
    };
    const answer = await post(JSON.stringify(review));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ response: { uid: 'abc', allowed: true } });
    expect(lines.at(-1)).toBe('admitted CREATE Certificate ns/c via /validate/cfg/hook');
  });

  it('refuses what is not an AdmissionReview', async () => {
    expect((await post('nonsense')).status).toBe(400);
  });
});
