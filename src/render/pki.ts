/**
 * The Vault PKI plan (001 §11.3, corrections 17-20): what the engine writes into the management
 * cluster's Vault after initialising and unsealing it, rendered to `pki/plan.json`.
 *
 * - a root CA (`pki/`, 10 years) signs an intermediate (`pki_int/`, 5 years); the role
 *   `k8s-certs` on the intermediate signs the certificates cert-manager asks for (ADR-004 phase 2);
 * - the KV v2 engine `secret/`, which the seed never creates (correction 18), holds the platform's
 *   secrets under `secret/platform/...`; External Secrets reads them;
 * - one Kubernetes auth mount per cluster, `kubernetes-<cluster>`, with that cluster's API server,
 *   because one `auth/kubernetes` mount can only review the tokens of one cluster (correction 18).
 *
 * Plain data, no secrets: the engine adds what only exists at install time (the token reviewer's
 * JWT and each cluster's CA certificate) from the objects named here. The parameter names inside
 * `params` are Vault's own API parameters, so each entry is one `vault write <endpoint> <params>`.
 *
 * The names shared with the renderers of cert-manager, Vault and External Secrets live here, so the
 * issuer, the secret store and the auth roles cannot drift apart.
 */
import { ARGOCD_CREDENTIALS_PREFIX, managesWithArgocd } from './argocd-credentials.js';
import type { AddonName } from '../addons/names.js';
import type { Platform, PlatformCluster } from '../spec/model.js';
import { reachableAddress } from './endpoints.js';

export const VAULT_NAMESPACE = 'vault';
export const VAULT_PORT = 8200;
/** The cert-manager Certificate/Secret with Vault's serving certificate (PKI phase 1). */
export const VAULT_TLS_SECRET = 'vault-server-tls';
/**
 * The Secret the engine creates on every cluster, in each Vault client's namespace, holding the
 * CA that Vault's serving certificate chains to (`ca.crt` of {@link VAULT_TLS_SECRET}).
 * It is not secret, but it is install-time material, so it is never rendered.
 */
export const VAULT_CA_SECRET = 'vault-ca';
export const VAULT_CA_KEY = 'ca.crt';

export const PKI_ROOT_MOUNT = 'pki';
export const PKI_INTERMEDIATE_MOUNT = 'pki_int';
export const PKI_ROLE = 'k8s-certs';
/** cert-manager's Vault issuer signs CSRs: the path must use the role's `sign` endpoint. */
export const PKI_SIGN_PATH = `${PKI_INTERMEDIATE_MOUNT}/sign/${PKI_ROLE}`;
export const KV_MOUNT = 'secret';
/** Every platform secret lives under `secret/platform/<addon>...` (KV v2: `secret/data/platform/...`). */
export const KV_PLATFORM_PREFIX = 'platform';

/** The one Kubernetes auth mount of a cluster (correction 18). */
export function kubernetesAuthMount(cluster: string): string {
  return `kubernetes-${cluster}`;
}

/** The identity a Vault client logs in with: a ServiceAccount bound by one role of each cluster's mount. */
export interface VaultClient {
  /** The add-on that logs in; its role exists on a cluster's mount only where it is enabled. */
  readonly addon: AddonName;
  /** The Vault role on every cluster's Kubernetes auth mount. */
  readonly role: string;
  readonly namespace: string;
  /** A dedicated ServiceAccount whose short-lived tokens (TokenRequest API) are presented to Vault. */
  readonly serviceAccount: string;
  /** The audience the client requests for its tokens; the Vault role only accepts this one. */
  readonly audience: string;
}

/** cert-manager's ClusterIssuer `vault-issuer` (001 §11.4). */
export const VAULT_ISSUER = 'vault-issuer';
export const CERT_MANAGER_CLIENT: VaultClient = {
  addon: 'cert-manager',
  role: 'cert-manager',
  namespace: 'cert-manager',
  serviceAccount: 'vault-issuer',
  // cert-manager always requests `vault://<cluster-issuer-name>` for a ClusterIssuer's token
  // (cert-manager docs, Vault issuer, "Secretless Authentication with a Service Account").
  audience: `vault://${VAULT_ISSUER}`,
};

/** External Secrets' ClusterSecretStore `vault-backend` (correction 18). */
export const SECRET_STORE = 'vault-backend';
export const EXTERNAL_SECRETS_CLIENT: VaultClient = {
  addon: 'external-secrets',
  role: 'external-secrets',
  namespace: 'external-secrets',
  serviceAccount: 'external-secrets-vault',
  audience: 'vault',
};

/** Every Vault client, in a fixed order (the plan lists roles and CA copies in this order). */
export const VAULT_CLIENTS: readonly VaultClient[] = [CERT_MANAGER_CLIENT, EXTERNAL_SECRETS_CLIENT];

/** What the engine creates on each cluster so that Vault can call its TokenReview API. */
export const TOKEN_REVIEWER = {
  namespace: 'kube-system',
  serviceAccount: 'vault-token-reviewer',
  clusterRoleBinding: 'vault-token-reviewer',
  clusterRole: 'system:auth-delegator',
  /** A `kubernetes.io/service-account-token` Secret: its `token` and `ca.crt` go into the mount's config. */
  tokenSecret: 'vault-token-reviewer-token',
} as const;

/** The management cluster's Vault, as every cluster reaches it: its pinned LoadBalancer IP (correction 8; on kwok its loopback twin). */
export function vaultAddress(platform: Platform): string {
  const management = platform.clusters.find((c) => c.name === platform.managementCluster);
  const ip = management?.addresses.services.vault;
  if (!ip) throw new Error(`vault is not enabled on the management cluster ${platform.managementCluster}`);
  return `https://${reachableAddress(platform, ip)}:${VAULT_PORT}`;
}

// ---------------------------------------------------------------------------------------------
// The plan

export interface SecretsEngine {
  readonly path: string;
  readonly type: 'pki' | 'kv';
  readonly description: string;
  /** `vault secrets enable -options=...` */
  readonly options?: Readonly<Record<string, string>>;
  /** `vault secrets tune` */
  readonly config?: { readonly max_lease_ttl: string };
}

export interface PkiUrls {
  readonly endpoint: string;
  readonly params: { readonly issuing_certificates: string; readonly crl_distribution_points: string };
}

export interface RootCa {
  readonly mount: string;
  readonly endpoint: string;
  readonly params: {
    readonly common_name: string;
    readonly issuer_name: string;
    readonly key_type: 'ec';
    readonly key_bits: number;
    readonly ttl: string;
  };
  readonly urls: PkiUrls;
}

export interface IntermediateCa {
  readonly mount: string;
  /** Generates the key inside Vault and returns a CSR. */
  readonly csr: {
    readonly endpoint: string;
    readonly params: { readonly common_name: string; readonly key_type: 'ec'; readonly key_bits: number };
  };
  /** The root signs the CSR. */
  readonly sign: {
    readonly endpoint: string;
    readonly params: { readonly issuer_ref: string; readonly format: 'pem_bundle'; readonly ttl: string };
  };
  /** The signed certificate goes back into the intermediate mount... */
  readonly setSigned: { readonly endpoint: string };
  /** ...and the imported issuer is named (`<mount>/issuer/<id>`, issuer_name) and made the default. */
  readonly issuerName: string;
  readonly urls: PkiUrls;
}

export interface PkiRole {
  readonly mount: string;
  readonly name: string;
  readonly endpoint: string;
  readonly params: {
    readonly allowed_domains: readonly string[];
    readonly allow_subdomains: boolean;
    readonly allow_bare_domains: boolean;
    readonly allow_wildcard_certificates: boolean;
    readonly allow_ip_sans: boolean;
    readonly allow_localhost: boolean;
    readonly enforce_hostnames: boolean;
    /** cert-manager sends CSRs without a common name; Vault's default (true) would refuse them. */
    readonly require_cn: boolean;
    /** cert-manager makes the key; Vault's default (`rsa`) would refuse ECDSA CSRs on `sign`. */
    readonly key_type: 'any';
    readonly server_flag: boolean;
    readonly client_flag: boolean;
    readonly ttl: string;
    readonly max_ttl: string;
  };
}

export interface PolicyRule {
  readonly path: string;
  readonly capabilities: readonly string[];
}

export interface VaultPolicy {
  readonly name: string;
  readonly rules: readonly PolicyRule[];
  /** The same rules as HCL, for `vault policy write <name> -`. */
  readonly hcl: string;
}

export interface KubernetesAuthRole {
  readonly name: string;
  readonly endpoint: string;
  readonly params: {
    readonly bound_service_account_names: readonly string[];
    readonly bound_service_account_namespaces: readonly string[];
    readonly audience: string;
    readonly token_policies: readonly string[];
    readonly token_ttl: string;
    readonly token_max_ttl: string;
  };
}

/**
 * One cluster's auth mount. Its config needs that cluster's reviewer token and CA, and the plan
 * has no edge from the management cluster to a workload cluster: the engine enables the mount
 * with the rest of the plan and writes its config and roles (and the CA copies of `caBundle`) once
 * the cluster is up, before that cluster's cert-manager and External Secrets manifests.
 */
export interface KubernetesAuth {
  readonly cluster: string;
  /** `vault auth enable -path=<path> kubernetes` */
  readonly path: string;
  readonly description: string;
  readonly config: {
    readonly endpoint: string;
    readonly params: {
      /** The cluster's API server through its VIP, reachable from the management cluster. */
      readonly kubernetes_host: string;
      /** Vault runs in the management cluster: never let it use its own pod's token or CA for a mount. */
      readonly disable_local_ca_jwt: true;
    };
    /** Added by the engine at install time, from objects on that cluster. */
    readonly fromCluster: {
      readonly token_reviewer_jwt: string;
      readonly kubernetes_ca_cert: string;
    };
  };
  readonly tokenReviewer: typeof TOKEN_REVIEWER;
  readonly roles: readonly KubernetesAuthRole[];
}

export interface SecretKeyRef {
  readonly cluster: string;
  readonly namespace: string;
  readonly secret: string;
  readonly key: string;
}

export interface PkiPlan {
  readonly schemaVersion: 1;
  readonly vault: {
    readonly cluster: string;
    readonly namespace: string;
    /** The address the engine and every cluster use. */
    readonly address: string;
  };
  readonly secretsEngines: readonly SecretsEngine[];
  readonly rootCa: RootCa;
  readonly intermediateCa: IntermediateCa;
  readonly pkiRoles: readonly PkiRole[];
  readonly policies: readonly VaultPolicy[];
  readonly kubernetesAuth: readonly KubernetesAuth[];
  /** The CA that Vault's serving certificate chains to, copied to every Vault client's namespace. */
  readonly caBundle: { readonly source: SecretKeyRef; readonly targets: readonly SecretKeyRef[] };
}

/** 001 §11.1: root 10 years, intermediate 5 years, leaf certificates at most 30 days (default 7). */
export const PKI_TTLS = {
  root: '87600h',
  intermediate: '43800h',
  roleMax: '720h',
  roleDefault: '168h',
} as const;

/**
 * Issuer names must be unique within a mount. The seed calls them root-2026/intermediate-2026;
 * a calendar year would tie the output to the clock, so they carry a generation that a CA
 * rotation increments instead.
 */
export const ROOT_ISSUER = 'root-1';
export const INTERMEDIATE_ISSUER = 'intermediate-1';

function policy(name: string, rules: PolicyRule[]): VaultPolicy {
  const hcl = rules
    .map(
      (rule) =>
        `path "${rule.path}" {\n  capabilities = [${rule.capabilities.map((c) => `"${c}"`).join(', ')}]\n}\n`,
    )
    .join('\n');
  return { name, rules, hcl };
}

/** The External Secrets policy of one cluster: read the platform's secrets (KV v2 data paths). */
export function externalSecretsPolicy(cluster: string): string {
  return `${EXTERNAL_SECRETS_CLIENT.role}-${cluster}`;
}
export const CERT_MANAGER_POLICY = CERT_MANAGER_CLIENT.role;

function clientPolicy(client: VaultClient, cluster: string): string {
  return client === CERT_MANAGER_CLIENT ? CERT_MANAGER_POLICY : externalSecretsPolicy(cluster);
}

function urls(address: string, mount: string): PkiUrls {
  return {
    endpoint: `${mount}/config/urls`,
    params: {
      issuing_certificates: `${address}/v1/${mount}/ca`,
      crl_distribution_points: `${address}/v1/${mount}/crl`,
    },
  };
}

function authRole(mount: string, client: VaultClient, policies: string[]): KubernetesAuthRole {
  return {
    name: client.role,
    endpoint: `auth/${mount}/role/${client.role}`,
    params: {
      bound_service_account_names: [client.serviceAccount],
      bound_service_account_namespaces: [client.namespace],
      audience: client.audience,
      token_policies: policies,
      // 001 §11.3: one hour; both clients log in again whenever they need a token.
      token_ttl: '1h',
      token_max_ttl: '1h',
    },
  };
}

function kubernetesAuth(cluster: PlatformCluster): KubernetesAuth {
  const path = kubernetesAuthMount(cluster.name);
  const roles = VAULT_CLIENTS.filter((client) => cluster.addons.includes(client.addon)).map((client) =>
    authRole(path, client, [clientPolicy(client, cluster.name)]),
  );
  const reviewer = `${TOKEN_REVIEWER.namespace}/${TOKEN_REVIEWER.tokenSecret}`;
  return {
    cluster: cluster.name,
    path,
    description: `Kubernetes auth for cluster ${cluster.name}`,
    config: {
      endpoint: `auth/${path}/config`,
      params: { kubernetes_host: `https://${cluster.addresses.api}:6443`, disable_local_ca_jwt: true },
      fromCluster: {
        token_reviewer_jwt: `key "token" of Secret ${reviewer} on cluster ${cluster.name}`,
        kubernetes_ca_cert: `key "ca.crt" of Secret ${reviewer} on cluster ${cluster.name}`,
      },
    },
    tokenReviewer: TOKEN_REVIEWER,
    roles,
  };
}

/** The Vault PKI plan for a platform whose management cluster runs Vault. Deterministic; no secrets. */
export function pkiPlan(platform: Platform): PkiPlan {
  const address = vaultAddress(platform);
  const domain = platform.network.domain;
  const clusters = platform.clusters;

  const policies: VaultPolicy[] = [
    policy(CERT_MANAGER_POLICY, [
      { path: `${PKI_INTERMEDIATE_MOUNT}/sign/${PKI_ROLE}`, capabilities: ['create', 'update'] },
      { path: `${PKI_INTERMEDIATE_MOUNT}/issue/${PKI_ROLE}`, capabilities: ['create'] },
    ]),
    ...clusters
      .filter((c) => c.addons.includes('external-secrets'))
      .map((c) =>
        policy(externalSecretsPolicy(c.name), [
          { path: `${KV_MOUNT}/data/${KV_PLATFORM_PREFIX}/*`, capabilities: ['read'] },
          // Argo CD's cluster credentials (cluster-admin tokens) only for the cluster Argo CD is on.
          ...(c.name === platform.managementCluster && managesWithArgocd(platform)
            ? [{ path: `${KV_MOUNT}/data/${ARGOCD_CREDENTIALS_PREFIX}/*`, capabilities: ['read'] }]
            : []),
        ]),
      ),
  ];

  const caTargets: SecretKeyRef[] = clusters.flatMap((c) =>
    VAULT_CLIENTS.filter((client) => c.addons.includes(client.addon)).map((client) => ({
      cluster: c.name,
      namespace: client.namespace,
      secret: VAULT_CA_SECRET,
      key: VAULT_CA_KEY,
    })),
  );

  return {
    schemaVersion: 1,
    vault: { cluster: platform.managementCluster, namespace: VAULT_NAMESPACE, address },
    secretsEngines: [
      {
        path: PKI_ROOT_MOUNT,
        type: 'pki',
        description: 'Platform root CA',
        config: { max_lease_ttl: PKI_TTLS.root },
      },
      {
        path: PKI_INTERMEDIATE_MOUNT,
        type: 'pki',
        description: 'Platform intermediate CA',
        config: { max_lease_ttl: PKI_TTLS.intermediate },
      },
      {
        path: KV_MOUNT,
        type: 'kv',
        description: 'Platform secrets (External Secrets reads secret/platform/...)',
        options: { version: '2' },
      },
    ],
    rootCa: {
      mount: PKI_ROOT_MOUNT,
      endpoint: `${PKI_ROOT_MOUNT}/root/generate/internal`,
      params: {
        common_name: `${platform.name} Platform Root CA`,
        issuer_name: ROOT_ISSUER,
        key_type: 'ec',
        key_bits: 384,
        ttl: PKI_TTLS.root,
      },
      urls: urls(address, PKI_ROOT_MOUNT),
    },
    intermediateCa: {
      mount: PKI_INTERMEDIATE_MOUNT,
      csr: {
        endpoint: `${PKI_INTERMEDIATE_MOUNT}/intermediate/generate/internal`,
        params: {
          common_name: `${platform.name} Platform Intermediate CA`,
          key_type: 'ec',
          key_bits: 384,
        },
      },
      sign: {
        endpoint: `${PKI_ROOT_MOUNT}/root/sign-intermediate`,
        params: { issuer_ref: ROOT_ISSUER, format: 'pem_bundle', ttl: PKI_TTLS.intermediate },
      },
      setSigned: { endpoint: `${PKI_INTERMEDIATE_MOUNT}/intermediate/set-signed` },
      issuerName: INTERMEDIATE_ISSUER,
      urls: urls(address, PKI_INTERMEDIATE_MOUNT),
    },
    pkiRoles: [
      {
        mount: PKI_INTERMEDIATE_MOUNT,
        name: PKI_ROLE,
        endpoint: `${PKI_INTERMEDIATE_MOUNT}/roles/${PKI_ROLE}`,
        params: {
          // The seed's local.dev, mgmt.local, app.local were three unrelated zones; the platform's
          // names are <service>.<cluster>.<domain> (correction 19), plus in-cluster service names.
          allowed_domains: [domain, ...clusters.map((c) => `${c.name}.${domain}`), 'svc.cluster.local'],
          allow_subdomains: true,
          allow_bare_domains: true,
          allow_wildcard_certificates: true,
          allow_ip_sans: true,
          allow_localhost: true,
          enforce_hostnames: true,
          require_cn: false,
          key_type: 'any',
          server_flag: true,
          client_flag: true,
          ttl: PKI_TTLS.roleDefault,
          max_ttl: PKI_TTLS.roleMax,
        },
      },
    ],
    policies,
    kubernetesAuth: clusters.map(kubernetesAuth),
    caBundle: {
      source: {
        cluster: platform.managementCluster,
        namespace: VAULT_NAMESPACE,
        secret: VAULT_TLS_SECRET,
        key: VAULT_CA_KEY,
      },
      targets: caTargets,
    },
  };
}
