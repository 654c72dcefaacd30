/**
 * Vault's custom steps (ADR-004, correction 18): initialise and unseal Vault, keep its keys in
 * `.platformctl/secrets/vault.json` (0600), apply the PKI plan, and configure one Kubernetes auth
 * mount per cluster. Every action first reads what is there, so a re-run (or a run after a crash)
 * does only what is missing.
 */
import type { KubernetesAuth, PkiPlan } from '../render/pki.js';
import { VaultApiError, type VaultClient } from '../clients/vault.js';
import type { ProjectLayout } from '../project/layout.js';
import { readSecret, writeSecret } from './secrets.js';

/** Vault's own default for `vault operator init`: any three of five keys unseal it. */
export const UNSEAL_SHARES = 5;
export const UNSEAL_THRESHOLD = 3;
export const VAULT_SECRET = 'vault';

interface VaultSecret {
  readonly unsealKeys: readonly string[];
  readonly rootToken: string;
}

type Log = (line: string) => void;

/** Initialised (keys saved before anything else) and unsealed; returns a client with the root token. */
export async function openVault(client: VaultClient, layout: ProjectLayout, log: Log): Promise<VaultClient> {
  let status = await client.sealStatus();
  let secret = await readSecret<VaultSecret>(layout, VAULT_SECRET);
  if (!status.initialized) {
    const init = await client.init(UNSEAL_SHARES, UNSEAL_THRESHOLD);
    secret = { unsealKeys: init.keys_base64, rootToken: init.root_token };
    const path = await writeSecret(layout, VAULT_SECRET, secret);
    log(
      `initialised Vault (${UNSEAL_THRESHOLD} of ${UNSEAL_SHARES} keys unseal it); keys and root token in ${path}`,
    );
  }
  if (!secret)
    throw new Error(
      `Vault is initialised but ${layout.secretFile(VAULT_SECRET)} is missing: ` +
        'restore it from your backup; without its keys Vault cannot be unsealed',
    );
  for (const key of secret.unsealKeys) {
    if (!status.sealed) break;
    status = await client.unseal(key);
  }
  if (status.sealed) throw new Error(`Vault is still sealed after ${secret.unsealKeys.length} keys`);
  await waitForLeader(client, log);
  log('Vault is unsealed');
  return client.withToken(secret.rootToken);
}

/**
 * With HA storage (raft), an unsealed Vault serves requests only once a leader is elected; a
 * single raft node elects itself within seconds. Storage without HA (file) has nothing to wait for.
 */
export async function waitForLeader(
  client: VaultClient,
  log: Log,
  timeoutMs = 30_000,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    const leader = await client.leader();
    if (!leader.ha_enabled || leader.leader_address !== '') return;
    if (Date.now() > deadline)
      throw new Error(`Vault is unsealed but elected no leader within ${Math.round(timeoutMs / 1000)}s`);
    if (!told) log('waiting for Vault to elect its raft leader');
    told = true;
    await sleep(250);
  }
}

/** What is missing of the plan's mounts, CAs, role and policies; empty when Vault is configured. */
export async function pkiDrift(vault: VaultClient, plan: PkiPlan): Promise<string[]> {
  const missing: string[] = [];
  const status = await vault.sealStatus();
  if (status.sealed) return ['Vault is sealed'];
  const mounts = await vault.mounts();
  for (const engine of plan.secretsEngines)
    if (mounts[`${engine.path}/`]?.type !== engine.type) missing.push(`secrets engine ${engine.path}/`);
  if (missing.length > 0) return missing;
  if (!(await issuerNamed(vault, plan.rootCa.mount, plan.rootCa.params.issuer_name))) missing.push('root CA');
  if (!(await issuerNamed(vault, plan.intermediateCa.mount, plan.intermediateCa.issuerName)))
    missing.push('intermediate CA');
  for (const role of plan.pkiRoles)
    if (!(await vault.read(role.endpoint))) missing.push(`role ${role.endpoint}`);
  for (const policy of plan.policies)
    if (!(await vault.read(`sys/policies/acl/${policy.name}`))) missing.push(`policy ${policy.name}`);
  return missing;
}

/** Vault answers 500, not 404, for an unknown issuer reference: list the mount's issuers instead. */
async function issuerNamed(vault: VaultClient, mount: string, name: string): Promise<boolean> {
  const list = await vault.read<{ data: { key_info?: Record<string, { issuer_name?: string }> } }>(
    `${mount}/issuers?list=true`,
  );
  return Object.values(list?.data.key_info ?? {}).some((issuer) => issuer.issuer_name === name);
}

/** Mounts, root CA, intermediate CA signed by it, the role and the policies of the PKI plan. */
export async function applyPkiPlan(vault: VaultClient, plan: PkiPlan, log: Log): Promise<void> {
  const mounts = await vault.mounts();
  for (const engine of plan.secretsEngines) {
    if (!mounts[`${engine.path}/`]) {
      await vault.write(`sys/mounts/${engine.path}`, {
        type: engine.type,
        description: engine.description,
        ...(engine.options ? { options: engine.options } : {}),
      });
      log(`enabled the ${engine.type} secrets engine at ${engine.path}/`);
    }
    if (engine.config) await vault.write(`sys/mounts/${engine.path}/tune`, engine.config);
  }

  const root = plan.rootCa;
  if (!(await issuerNamed(vault, root.mount, root.params.issuer_name))) {
    await vault.write(root.endpoint, root.params);
    log(`generated the root CA ${root.params.common_name}`);
  }
  await vault.write(root.urls.endpoint, root.urls.params);

  const intermediate = plan.intermediateCa;
  if (!(await issuerNamed(vault, intermediate.mount, intermediate.issuerName))) {
    const csr = await vault.write<{ data: { csr: string } }>(
      intermediate.csr.endpoint,
      intermediate.csr.params,
    );
    const signed = await vault.write<{ data: { certificate: string; ca_chain?: string[] } }>(
      intermediate.sign.endpoint,
      { ...intermediate.sign.params, csr: csr.data.csr, common_name: intermediate.csr.params.common_name },
    );
    const imported = await vault.write<{ data: { imported_issuers?: string[] } }>(
      intermediate.setSigned.endpoint,
      { certificate: signed.data.certificate },
    );
    const issuerId = imported.data.imported_issuers?.[0];
    if (!issuerId) throw new Error('Vault imported no issuer from the signed intermediate certificate');
    await vault.write(`${intermediate.mount}/issuer/${issuerId}`, { issuer_name: intermediate.issuerName });
    await vault.write(`${intermediate.mount}/config/issuers`, { default: intermediate.issuerName });
    log(`signed the intermediate CA ${intermediate.csr.params.common_name} with the root`);
  }
  await vault.write(intermediate.urls.endpoint, intermediate.urls.params);

  for (const role of plan.pkiRoles) await vault.write(role.endpoint, role.params);
  for (const policy of plan.policies)
    await vault.call('PUT', `sys/policies/acl/${policy.name}`, { policy: policy.hcl });
  log(`${plan.pkiRoles.length} PKI role(s) and ${plan.policies.length} policies written`);
}

export interface ClusterForAuth {
  /** The cluster's API as Vault reaches it. */
  readonly host: string;
  readonly caCert: string;
  readonly reviewerJwt: string;
}

/** The cluster's auth mount, its config (host, CA, reviewer token) and its roles. */
export async function configureAuthMount(
  vault: VaultClient,
  mount: KubernetesAuth,
  cluster: ClusterForAuth,
  log: Log,
): Promise<void> {
  const auths = await vault.authMounts();
  if (!auths[`${mount.path}/`]) {
    await vault.write(`sys/auth/${mount.path}`, { type: 'kubernetes', description: mount.description });
    log(`enabled Kubernetes auth at ${mount.path}/`);
  }
  await vault.write(mount.config.endpoint, {
    ...mount.config.params,
    kubernetes_host: cluster.host,
    kubernetes_ca_cert: cluster.caCert,
    token_reviewer_jwt: cluster.reviewerJwt,
  });
  for (const role of mount.roles) await vault.write(role.endpoint, role.params);
  log(`configured ${mount.path} for ${cluster.host} with ${mount.roles.length} role(s)`);
}

/** What differs from the mount as configured; undefined when it is in place. */
export async function authMountDrift(
  vault: VaultClient,
  mount: KubernetesAuth,
  host: string,
): Promise<string | undefined> {
  if ((await vault.sealStatus()).sealed) return 'Vault is sealed';
  const config = await vault
    .read<{ data: { kubernetes_host?: string } }>(mount.config.endpoint)
    .catch((error: unknown) => {
      if (error instanceof VaultApiError && error.status === 400) return undefined;
      throw error;
    });
  if (!config) return `auth mount ${mount.path}/ is not configured`;
  if (config.data.kubernetes_host !== host)
    return `auth mount ${mount.path}/ points at ${config.data.kubernetes_host}`;
  for (const role of mount.roles)
    if (!(await vault.read(role.endpoint))) return `role ${role.endpoint} is missing`;
  return undefined;
}
