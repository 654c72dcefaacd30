/**
 * SIMULATION: kwok nodes run no containers, so the Vault the chart would run in the management
 * cluster runs on the host instead: a real Vault server from the harness build, with integrated
 * storage (raft, one node) under .platformctl/kwok/vault. It serves what the pod would: TLS with
 * the certificate cert-manager issued into the management cluster's `vault-server-tls` Secret
 * (PKI phase 1, by the host-run cert-manager), at the loopback twin of Vault's pinned address
 * and its port (render/endpoints.ts), which is where every rendered client (the Vault issuer,
 * the secret stores) points on kwok. The engine then initialises, unseals and configures it
 * exactly as it would the in-cluster one.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { findBinaries } from '../../clients/binaries.js';
import type { CommandRunner } from '../../clients/exec.js';
import { KubeClient } from '../../clients/kube.js';
import { type VaultEndpoint, VaultClient } from '../../clients/vault.js';
import type { ProjectLayout } from '../../project/layout.js';
import { VAULT_NAMESPACE, VAULT_TLS_SECRET, vaultAddress } from '../../render/pki.js';
import type { Platform } from '../../spec/model.js';
import { VAULT_SECRET_PATH } from '../shared/pinned-vault.js';
import { writePrivateFile } from '../shared/private-files.js';
import { runningProcess, startRecorded, stopRecorded } from '../shared/processes.js';
import { ProviderError, type ProviderContext } from '../types.js';

const TLS_WAIT_MS = 3 * 60_000;
const ANSWER_WAIT_MS = 30_000;

interface TlsSecret {
  readonly data?: Readonly<Record<string, string>>;
}

async function answers(endpoint: VaultEndpoint): Promise<boolean> {
  return new VaultClient(endpoint)
    .sealStatus()
    .then(() => true)
    .catch(() => false);
}

const decoded = (secret: TlsSecret | undefined, key: string) => {
  const value = secret?.data?.[key];
  return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
};

export class SimulatedVault {
  constructor(
    private readonly deps: {
      readonly env: Readonly<Record<string, string | undefined>>;
      readonly runner: CommandRunner;
    },
    private readonly dirOf: (layout: ProjectLayout) => string,
  ) {}

  private files(layout: ProjectLayout) {
    const dir = this.dirOf(layout);
    return {
      dir,
      pidFile: join(dir, 'server.json'),
      logFile: join(dir, 'server.log'),
      config: join(dir, 'server.hcl'),
      certificate: join(dir, 'tls.crt'),
      key: join(dir, 'tls.key'),
      ca: join(dir, 'ca.crt'),
    };
  }

  /** Where it answers now, if it runs (one look; starts nothing). */
  async running(layout: ProjectLayout): Promise<VaultEndpoint | undefined> {
    const files = this.files(layout);
    const known = await runningProcess(files.pidFile);
    if (!known) return undefined;
    // An earlier version ran it on plain HTTP at a random port.
    const endpoint: VaultEndpoint =
      typeof known['address'] === 'string'
        ? { address: known['address'], ca: await readFile(files.ca, 'utf8').catch(() => '') }
        : { address: `http://127.0.0.1:${String(known['port'])}` };
    return (await answers(endpoint)) ? endpoint : undefined;
  }

  /**
   * Vault at its address for this platform, started unless it runs there. One that runs
   * elsewhere (plain HTTP from an earlier version) is stopped first: the storage and the keys
   * stay, so the restarted Vault opens with the same keys.
   */
  async ensure(platform: Platform, context: ProviderContext): Promise<VaultEndpoint> {
    const files = this.files(context.layout);
    const address = vaultAddress(platform);
    const running = await this.running(context.layout);
    if (running?.address === address) return running;
    if (await runningProcess(files.pidFile)) {
      context.log({ message: `restarting the simulated Vault on ${address} with its TLS certificate` });
      await stopRecorded(files.pidFile);
    }
    const tls = await this.waitForCertificate(platform, context);
    await writePrivateFile(files.certificate, tls.certificate);
    await writePrivateFile(files.key, tls.key);
    await writePrivateFile(files.ca, tls.ca);

    const { vault } = findBinaries(['vault'] as const, {
      env: this.deps.env,
      projectDir: context.layout.root,
    });
    // Integrated storage (raft), one node, so that `backup --what vault` takes a real raft
    // snapshot. A Vault an earlier version started with file storage keeps it: its data and the
    // keys in secrets/vault.json belong together (its backup then says raft is needed).
    const legacyFile = (await readdir(join(files.dir, 'data')).catch(() => [])).length > 0;
    const storage = legacyFile ? 'file' : 'raft';
    const dataDir = join(files.dir, legacyFile ? 'data' : 'raft');
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const { hostname, port } = new URL(address);
    const clusterAddress = `${hostname}:${Number(port) + 1}`;
    await writeFile(
      files.config,
      [
        legacyFile
          ? `storage "file" { path = "${dataDir}" }`
          : `storage "raft" {\n  path = "${dataDir}"\n  node_id = "vault-0"\n}`,
        `listener "tcp" {\n  address = "${hostname}:${port}"\n  cluster_address = "${clusterAddress}"\n` +
          `  tls_cert_file = "${files.certificate}"\n  tls_key_file = "${files.key}"\n}`,
        // Vault's docs: raft wants mlock off (and swap off); cluster_addr is required with raft.
        'disable_mlock = true',
        `api_addr = "${address}"`,
        `cluster_addr = "https://${clusterAddress}"`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const started = await startRecorded(
      this.deps.runner,
      files.pidFile,
      vault,
      ['server', `-config=${files.config}`],
      {
        cwd: files.dir,
        logFile: files.logFile,
        record: { address, storage },
      },
    );
    const endpoint = { address, ca: tls.ca };
    const deadline = Date.now() + ANSWER_WAIT_MS;
    while (!(await answers(endpoint))) {
      if (!(await runningProcess(files.pidFile)) || Date.now() > deadline) {
        const log = (await readFile(files.logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-10);
        throw new ProviderError(
          `the simulated Vault did not answer on ${address} within ${ANSWER_WAIT_MS / 1000}s:\n${log.join('\n')}`,
          { code: 'provider.vault-not-answering', hint: `the whole log: ${files.logFile}` },
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    context.log({ message: `simulated Vault started (pid ${started.pid}) on ${address}` });
    return endpoint;
  }

  /**
   * The serving certificate cert-manager issues into the management cluster (phase 1), read when
   * Vault starts. TODO(#12): a renewed Secret reaches Vault only when it next starts.
   */
  private async waitForCertificate(
    platform: Platform,
    context: ProviderContext,
  ): Promise<{ certificate: string; key: string; ca: string }> {
    const kube = await KubeClient.fromFile(context.layout.kubeconfig(platform.managementCluster));
    const deadline = Date.now() + TLS_WAIT_MS;
    let logged = 0;
    for (;;) {
      const secret = await kube.getOptional<TlsSecret>(VAULT_SECRET_PATH);
      const certificate = decoded(secret, 'tls.crt');
      const key = decoded(secret, 'tls.key');
      const ca = decoded(secret, 'ca.crt');
      if (certificate && key && ca) return { certificate, key, ca };
      if (Date.now() > deadline)
        throw new ProviderError(
          `cert-manager has not issued Secret ${VAULT_NAMESPACE}/${VAULT_TLS_SECRET} on ${platform.managementCluster} within ${TLS_WAIT_MS / 1000}s`,
          {
            code: 'provider.vault-certificate-missing',
            hint: `kubectl --context ${platform.managementCluster} -n ${VAULT_NAMESPACE} describe certificate ${VAULT_TLS_SECRET}; the controller's log is under .platformctl/kwok/${platform.managementCluster}/controllers/`,
          },
        );
      if (context.signal?.aborted) throw new ProviderError('cancelled', { kind: 'interrupted' });
      if (Date.now() - logged > 15_000) {
        context.log({
          cluster: platform.managementCluster,
          message: `waiting for cert-manager to issue ${VAULT_NAMESPACE}/${VAULT_TLS_SECRET}`,
        });
        logged = Date.now();
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  /** Stops the server; its storage and keys stay (it starts again sealed, `ensure`). */
  async stop(layout: ProjectLayout): Promise<void> {
    await stopRecorded(this.files(layout).pidFile);
  }

  /** It belongs to the management cluster: it goes when that cluster goes, with its storage. */
  async remove(layout: ProjectLayout): Promise<void> {
    const files = this.files(layout);
    await stopRecorded(files.pidFile);
    await rm(files.dir, { recursive: true, force: true });
  }
}
