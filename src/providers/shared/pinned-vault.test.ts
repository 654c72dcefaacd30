/**
 * Where the engine finds Vault on Multipass: the pinned load-balancer address of the spec and the
 * CA of Vault's serving certificate. Vault in a VM cannot run here, and the tests dial nothing:
 * whether it answers is the caller's probe, scripted.
 */
import { describe, expect, it } from 'vitest';
import { testPlatform } from '../../test-support/render.js';
import { findVault, pinnedVaultEndpoint, runningVault, vaultServerPod } from './pinned-vault.js';

const platform = testPlatform();
const address = platform.clusters.find((c) => c.name === 'mgmt')!.addresses.services.vault!;
const CA = '-----BEGIN CERTIFICATE-----\nMIIBfixture\n-----END CERTIFICATE-----\n';
const secret = {
  data: { 'ca.crt': Buffer.from(CA).toString('base64'), 'tls.crt': 'eA==', 'tls.key': 'eA==' },
};

describe('Vault on Multipass', () => {
  it('is reached at the pinned address of the spec over TLS with the CA of its serving certificate', () => {
    expect(pinnedVaultEndpoint(platform, secret)).toEqual({
      endpoint: { address: `https://${address}:8200`, ca: CA },
    });
    expect(address).toBe('192.168.64.202');
    expect(pinnedVaultEndpoint(platform, undefined)).toEqual({
      waiting: 'Secret vault/vault-server-tls on mgmt has no ca.crt yet (cert-manager issues it)',
    });
  });

  it('waits for the certificate and for Vault to answer, then says where it reaches it', async () => {
    const log: string[] = [];
    let reads = 0;
    let probes = 0;
    const endpoint = await findVault({
      platform,
      readTlsSecret: async () => (++reads < 2 ? undefined : secret),
      answers: async () => ++probes >= 2,
      log: (e) => log.push(e.message),
      pollMs: 1,
    });
    expect(endpoint.address).toBe('https://192.168.64.202:8200');
    expect([reads, probes]).toEqual([3, 2]);
    expect(log).toEqual(['Vault at its pinned load-balancer address https://192.168.64.202:8200']);
  });

  it('fails naming the address when Vault never answers from this machine', async () => {
    await expect(
      findVault({
        platform,
        readTlsSecret: async () => secret,
        answers: async () => false,
        log: () => {},
        timeoutMs: 5,
        pollMs: 1,
      }),
    ).rejects.toMatchObject({
      code: 'provider.vault-unreachable',
      message:
        'Vault does not answer at its pinned load-balancer address https://192.168.64.202:8200 from this machine',
    });
  });

  it('status and verify look once at the pinned address: the endpoint when Vault answers there, nothing otherwise', async () => {
    const probed: string[] = [];
    const answers = (answer: boolean) => async (endpoint: { address: string }) => {
      probed.push(endpoint.address);
      return answer;
    };
    expect(
      await runningVault({ platform, readTlsSecret: async () => secret, answers: answers(true) }),
    ).toEqual({
      address: 'https://192.168.64.202:8200',
      ca: CA,
    });
    expect(await runningVault({ platform, readTlsSecret: async () => secret, answers: answers(false) })).toBe(
      undefined,
    );
    // No certificate yet: nothing to ask, and nothing is waited for.
    expect(
      await runningVault({ platform, readTlsSecret: async () => undefined, answers: answers(true) }),
    ).toBe(undefined);
    // The cluster's API refusing counts as no Vault, not a failure of status.
    const refused = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    expect(await runningVault({ platform, readTlsSecret: refused, answers: answers(true) })).toBe(undefined);
    expect(probed).toEqual(['https://192.168.64.202:8200', 'https://192.168.64.202:8200']);
  });

  it('status and verify never wait past the bound for an address that does not answer', async () => {
    const never = () => new Promise<boolean>(() => {});
    const found = await runningVault({
      platform,
      readTlsSecret: async () => secret,
      answers: never,
      timeoutMs: 20,
    });
    expect(found).toBe(undefined);
  });

  it('goes through the API server when the pinned address does not answer, with the same CA', async () => {
    const log: string[] = [];
    const cas: string[] = [];
    const endpoint = await findVault({
      platform,
      readTlsSecret: async () => secret,
      answers: async () => false,
      forward: async (ca) => {
        cas.push(ca);
        return { address: 'https://127.0.0.1:40001', ca };
      },
      log: (e) => log.push(e.message),
      pollMs: 1,
    });
    expect(endpoint).toEqual({ address: 'https://127.0.0.1:40001', ca: CA });
    expect(cas).toEqual([CA]);
    expect(log).toEqual([
      'Vault through the API server (a port-forward at https://127.0.0.1:40001): its pinned load-balancer address https://192.168.64.202:8200 does not answer from this machine',
    ]);
  });

  it('prefers the pinned address when it answers, never opening a forward', async () => {
    let forwards = 0;
    const endpoint = await findVault({
      platform,
      readTlsSecret: async () => secret,
      answers: async () => true,
      forward: async () => {
        forwards++;
        return 'unused';
      },
      log: () => {},
    });
    expect([endpoint.address, forwards]).toEqual(['https://192.168.64.202:8200', 0]);
  });

  it('fails with both reasons when neither the pinned address nor the API server reaches Vault', async () => {
    await expect(
      findVault({
        platform,
        readTlsSecret: async () => secret,
        answers: async () => false,
        forward: async () => 'no running Vault server pod in namespace vault',
        log: () => {},
        timeoutMs: 5,
        pollMs: 1,
      }),
    ).rejects.toMatchObject({
      code: 'provider.vault-unreachable',
      message:
        'Vault does not answer at its pinned load-balancer address https://192.168.64.202:8200 from this machine, nor through the API server: no running Vault server pod in namespace vault',
    });
    // A forward that throws (the API server refusing) is a reason too, not a crash.
    await expect(
      findVault({
        platform,
        readTlsSecret: async () => secret,
        answers: async () => false,
        forward: async () => {
          throw new Error('GET /api/v1/namespaces/vault/pods: 403 Forbidden');
        },
        log: () => {},
        timeoutMs: 5,
        pollMs: 1,
      }),
    ).rejects.toThrow(/nor through the API server: GET \/api\/v1\/namespaces\/vault\/pods: 403 Forbidden/);
  });

  it('status and verify look through the API server too when the pinned address does not answer', async () => {
    expect(
      await runningVault({
        platform,
        readTlsSecret: async () => secret,
        answers: async () => false,
        forward: async (ca) => ({ address: 'https://127.0.0.1:40002', ca }),
      }),
    ).toEqual({ address: 'https://127.0.0.1:40002', ca: CA });
    expect(
      await runningVault({
        platform,
        readTlsSecret: async () => secret,
        answers: async () => false,
        forward: async () => 'no running Vault server pod',
      }),
    ).toBe(undefined);
  });

  it('forwards to a running server pod, a Ready one first (a sealed Vault runs but is not Ready)', () => {
    const pod = (name: string, phase: string, ready: boolean) => ({
      metadata: { name },
      status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    });
    expect(vaultServerPod([pod('vault-1', 'Running', true), pod('vault-0', 'Running', false)])).toBe(
      'vault-1',
    );
    expect(vaultServerPod([pod('vault-1', 'Running', false), pod('vault-0', 'Running', false)])).toBe(
      'vault-0',
    );
    expect(vaultServerPod([pod('vault-0', 'Pending', false)])).toBe(undefined);
    expect(vaultServerPod([])).toBe(undefined);
  });
});
