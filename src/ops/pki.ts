/**
 * `pki check`: the seed's phase-2 checklist (001 §11.0, ADR-004) done right (correction 20):
 * each cluster's `vault-issuer` Ready by its condition of type Ready (not `conditions[0]`), the
 * bootstrap issuer gone and no Certificate referencing it, every Certificate Ready and outside its
 * renew window, and a test certificate really issued through the Vault issuer (waited for by its
 * Ready condition, not slept for), checked to be signed by Vault's intermediate CA, and removed
 * with its Secret. Expiry of every certificate and of Vault's CAs is reported. Passes only when
 * phase 2 is complete.
 */
import { randomBytes, X509Certificate } from 'node:crypto';

import { BOOTSTRAP_ISSUER } from '../addons/catalog/cert-manager.js';
import type { KubeClient } from '../clients/kube.js';
import { VaultClient, type VaultEndpoint } from '../clients/vault.js';
import { KubeApiError } from '../clients/kube.js';
import { CERT_MANAGER_CLIENT, PKI_INTERMEDIATE_MOUNT, PKI_ROOT_MOUNT, VAULT_ISSUER } from '../render/pki.js';
import { notReady } from '../engine/readiness.js';
import type { VerifyCheck } from './verify.js';

const CM = 'cert-manager.io/v1';

interface Condition {
  readonly type: string;
  readonly status: string;
}

interface CertificateObject {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly generation?: number };
  readonly spec: {
    readonly secretName: string;
    readonly issuerRef: { readonly name: string; readonly kind?: string };
  };
  readonly status?: {
    readonly conditions?: readonly Condition[];
    readonly notAfter?: string;
    readonly renewalTime?: string;
  };
}

interface IssuerObject {
  readonly metadata: { readonly name: string; readonly generation?: number };
  readonly status?: { readonly conditions?: readonly Condition[] };
}

interface SecretObject {
  readonly data?: Readonly<Record<string, string>>;
}

export interface CertificateView {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  /** `ClusterIssuer/vault-issuer`, `Issuer/vault-bootstrap-ca`, ... */
  readonly issuerRef: string;
  readonly ready: boolean;
  readonly notAfter?: string;
  readonly renewalTime?: string;
  /** The subject of the CA that signed the stored certificate (from its Secret). */
  readonly signedBy?: string;
}

export interface AuthorityView {
  readonly name: string;
  readonly subject: string;
  readonly notAfter: string;
}

export interface PkiReport {
  readonly ok: boolean;
  /** 2 when every check passes; 1 while the bootstrap issuer or its certificates remain. */
  readonly phase: 1 | 2;
  readonly checks: readonly VerifyCheck[];
  readonly certificates: readonly CertificateView[];
  readonly authorities: readonly AuthorityView[];
}

/**
 * Ready by the condition of type Ready (correction 20: not `conditions[0]`), for the current
 * generation: the engine's readiness gate, not a second copy of it. `analyze` judges them so too.
 */
export function readiness(
  kind: 'Certificate' | 'Issuer' | 'ClusterIssuer',
  object: object,
): { ready: boolean; why: string } {
  // List items come without apiVersion and kind, which the gate reads.
  const why = notReady({ ...object, apiVersion: CM, kind });
  return why === undefined ? { ready: true, why: 'Ready' } : { ready: false, why };
}

/** When a Ready certificate's renewal was due and cert-manager has not renewed it: it is inside its renew window. */
export function renewalOverdue(
  status: { readonly renewalTime?: string } | undefined,
  now: Date,
): string | undefined {
  return status?.renewalTime && new Date(status.renewalTime) <= now ? status.renewalTime : undefined;
}

// Node gives no subject (undefined) for an empty one: a self-signed certificate with only DNS names.
const subjectCN = (subject: string | undefined) =>
  subject ? (/CN=([^\n,]+)/.exec(subject)?.[1] ?? subject.replaceAll('\n', ', ')) : '(empty subject)';

function storedCertificate(secret: SecretObject | undefined): X509Certificate | undefined {
  const pem = secret?.data?.['tls.crt'];
  if (!pem) return undefined;
  try {
    return new X509Certificate(Buffer.from(pem, 'base64'));
  } catch {
    return undefined;
  }
}

export interface PkiCheckInput {
  /** The clusters that run cert-manager, with a client each. */
  readonly clusters: ReadonlyArray<{
    readonly name: string;
    readonly client: KubeClient;
    readonly domain: string;
  }>;
  /** Vault's CAs (PEM) when Vault answers: the test certificate must chain to the intermediate. */
  readonly authorities?: { readonly root?: string; readonly intermediate?: string };
  /** Issue and remove a test certificate on each cluster (default true). */
  readonly testCertificate?: boolean;
  readonly timeoutMs?: number;
  readonly now?: Date;
  readonly log?: (line: string) => void;
}

async function listCertificates(client: KubeClient): Promise<CertificateObject[]> {
  const list = await client.get<{ items: CertificateObject[] }>('/apis/cert-manager.io/v1/certificates');
  return list.items;
}

export async function pkiCheck(input: PkiCheckInput): Promise<PkiReport> {
  const now = input.now ?? new Date();
  const checks: VerifyCheck[] = [];
  const certificates: CertificateView[] = [];
  const intermediate = input.authorities?.intermediate
    ? new X509Certificate(input.authorities.intermediate)
    : undefined;
  let bootstrapLeft = false;

  /** The checks of one cluster; true when its bootstrap issuer or a certificate referencing it remains. */
  const clusterChecks = async (cluster: string, client: KubeClient, domain: string): Promise<boolean> => {
    let left = false;
    const issuer = await client.getOptional<IssuerObject>(
      `/apis/cert-manager.io/v1/clusterissuers/${VAULT_ISSUER}`,
    );
    const issuerReady = issuer
      ? readiness('ClusterIssuer', issuer)
      : { ready: false, why: 'it does not exist' };
    checks.push({
      id: `pki.${cluster}.vault-issuer`,
      status: issuerReady.ready ? 'pass' : 'fail',
      evidence: `ClusterIssuer ${VAULT_ISSUER}: ${issuerReady.why}`,
    });

    const bootstrap = await client.getOptional(`/apis/cert-manager.io/v1/clusterissuers/${BOOTSTRAP_ISSUER}`);
    if (bootstrap) left = true;
    checks.push({
      id: `pki.${cluster}.bootstrap-issuer-removed`,
      status: bootstrap ? 'fail' : 'pass',
      evidence: bootstrap
        ? `ClusterIssuer ${BOOTSTRAP_ISSUER} still exists (phase 1)`
        : `ClusterIssuer ${BOOTSTRAP_ISSUER} is gone`,
    });

    const list = await listCertificates(client);
    const referencing = list.filter((c) => c.spec.issuerRef.name === BOOTSTRAP_ISSUER);
    if (referencing.length > 0) left = true;
    checks.push({
      id: `pki.${cluster}.no-bootstrap-certificates`,
      status: referencing.length === 0 ? 'pass' : 'fail',
      evidence:
        referencing.length === 0
          ? `none of ${list.length} Certificate(s) references ${BOOTSTRAP_ISSUER}`
          : `${referencing.map((c) => `${c.metadata.namespace}/${c.metadata.name}`).join(', ')} ${referencing.length === 1 ? 'references' : 'reference'} ${BOOTSTRAP_ISSUER}`,
    });

    const notReady: string[] = [];
    const renewing: string[] = [];
    for (const c of list) {
      const ready = readiness('Certificate', c);
      const secret = await client.getOptional<SecretObject>(
        `/api/v1/namespaces/${c.metadata.namespace}/secrets/${c.spec.secretName}`,
      );
      const stored = storedCertificate(secret);
      const view: CertificateView = {
        cluster,
        namespace: c.metadata.namespace,
        name: c.metadata.name,
        issuerRef: `${c.spec.issuerRef.kind ?? 'Issuer'}/${c.spec.issuerRef.name}`,
        ready: ready.ready,
        ...(c.status?.notAfter ? { notAfter: c.status.notAfter } : {}),
        ...(c.status?.renewalTime ? { renewalTime: c.status.renewalTime } : {}),
        ...(stored ? { signedBy: subjectCN(stored.issuer) } : {}),
      };
      certificates.push(view);
      if (!ready.ready) notReady.push(`${c.metadata.namespace}/${c.metadata.name} (${ready.why})`);
      else if (renewalOverdue(c.status, now))
        renewing.push(
          `${c.metadata.namespace}/${c.metadata.name} (renewal was due ${c.status!.renewalTime})`,
        );
    }
    checks.push({
      id: `pki.${cluster}.certificates-ready`,
      status: notReady.length > 0 ? 'fail' : renewing.length > 0 ? 'warn' : 'pass',
      evidence:
        notReady.length > 0
          ? `not Ready: ${notReady.join('; ')}`
          : renewing.length > 0
            ? `inside their renew window: ${renewing.join('; ')}`
            : `${list.length} Certificate(s) Ready, none inside its renew window`,
    });

    if (input.testCertificate !== false)
      checks.push(
        issuerReady.ready
          ? await testCertificateCheck(cluster, client, domain, intermediate, input)
          : {
              id: `pki.${cluster}.test-certificate`,
              status: 'skipped',
              evidence: `${VAULT_ISSUER} is not Ready`,
            },
      );
    return left;
  };

  for (const { name: cluster, client, domain } of input.clusters) {
    try {
      bootstrapLeft = (await clusterChecks(cluster, client, domain)) || bootstrapLeft;
    } catch (error) {
      // One cluster that cannot answer (cert-manager's API not served: its release is not in yet)
      // is a failed check of that cluster, not the end of the report.
      const unserved = error instanceof KubeApiError && error.status === 404;
      checks.push({
        id: `pki.${cluster}.api`,
        status: 'fail',
        evidence: unserved
          ? "cert-manager's API is not served on this cluster (is its release installed?)"
          : (error as Error).message.split('\n')[0]!,
      });
    }
  }

  const authorities: AuthorityView[] = [];
  for (const [name, pem] of Object.entries(input.authorities ?? {}))
    if (pem) {
      const ca = new X509Certificate(pem);
      authorities.push({
        name,
        subject: subjectCN(ca.subject),
        notAfter: new Date(ca.validTo).toISOString(),
      });
    }
  const ok = checks.every((c) => c.status !== 'fail');
  return { ok, phase: ok && !bootstrapLeft ? 2 : 1, checks, certificates, authorities };
}

/**
 * A Certificate through the Vault issuer in cert-manager's namespace: waited for by its Ready
 * condition, its stored certificate checked against Vault's intermediate CA, then removed with
 * its Secret whatever happened.
 */
async function testCertificateCheck(
  cluster: string,
  client: KubeClient,
  domain: string,
  intermediate: X509Certificate | undefined,
  input: PkiCheckInput,
): Promise<VerifyCheck> {
  const id = `pki.${cluster}.test-certificate`;
  const name = `platformctl-pki-check-${randomBytes(3).toString('hex')}`;
  const namespace = CERT_MANAGER_CLIENT.namespace;
  const dnsName = `pki-check.${cluster}.${domain}`;
  const started = Date.now();
  const deadline = started + (input.timeoutMs ?? 60_000);
  try {
    await client.create({
      apiVersion: CM,
      kind: 'Certificate',
      metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'platformctl-pki-check' } },
      spec: {
        secretName: name,
        issuerRef: { name: VAULT_ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' },
        dnsNames: [dnsName],
        duration: '1h',
        privateKey: { algorithm: 'ECDSA', size: 256 },
      },
    });
    input.log?.(`${cluster}: waiting for the test Certificate ${namespace}/${name} to be Ready`);
    let why = '';
    for (;;) {
      const live = await client.getOptional<CertificateObject>(
        `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/${name}`,
      );
      const ready = live ? readiness('Certificate', live) : { ready: false, why: 'gone' };
      if (ready.ready) break;
      why = ready.why;
      if (Date.now() > deadline)
        return {
          id,
          status: 'fail',
          evidence: `not Ready within ${Math.round((deadline - started) / 1000)}s: ${why}`,
        };
      await new Promise((r) => setTimeout(r, 500));
    }
    const stored = storedCertificate(
      await client.getOptional<SecretObject>(`/api/v1/namespaces/${namespace}/secrets/${name}`),
    );
    if (!stored)
      return { id, status: 'fail', evidence: `Ready, but Secret ${namespace}/${name} holds no certificate` };
    if (intermediate && !stored.checkIssued(intermediate))
      return {
        id,
        status: 'fail',
        evidence: `issued by ${subjectCN(stored.issuer)}, not by Vault's intermediate CA ${subjectCN(intermediate.subject)}`,
      };
    return {
      id,
      status: 'pass',
      evidence: `${dnsName} issued in ${((Date.now() - started) / 1000).toFixed(1)}s by ${subjectCN(stored.issuer)}${intermediate ? " (Vault's intermediate CA)" : ''}, then removed with its Secret`,
    };
  } finally {
    await client.delete(CM, 'Certificate', name, namespace).catch(ignoreGone);
    await client.delete('v1', 'Secret', name, namespace).catch(ignoreGone);
  }
}

/** Vault's root and intermediate CAs (`<mount>/cert/ca` needs no token), when Vault answers. */
export async function vaultAuthorities(
  endpoint: VaultEndpoint,
): Promise<{ root?: string; intermediate?: string } | undefined> {
  const vault = new VaultClient(endpoint);
  const read = async (mount: string) =>
    (await vault.read<{ data: { certificate: string } }>(`${mount}/cert/ca`).catch(() => undefined))?.data
      .certificate || undefined;
  const [root, intermediate] = await Promise.all([read(PKI_ROOT_MOUNT), read(PKI_INTERMEDIATE_MOUNT)]);
  if (!root && !intermediate) return undefined;
  return { ...(root ? { root } : {}), ...(intermediate ? { intermediate } : {}) };
}

function ignoreGone(error: unknown): void {
  if (error instanceof KubeApiError && error.status === 404) return;
  throw error;
}
