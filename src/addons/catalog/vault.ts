/**
 * HashiCorp Vault on the management cluster (001 §11.3, §10.2 2.3, ADR-004, correction 18):
 * one server with integrated (raft) storage on a `local-path-retain` volume, TLS from
 * cert-manager (PKI phase 1), the UI on, and its API on a LoadBalancer Service pinned to the
 * address every cluster uses (correction 8). The Agent injector is off: secrets reach workloads
 * through External Secrets.
 *
 * Nothing secret is rendered: the engine initialises and unseals Vault and keeps the unseal keys
 * and root token in `.platformctl/secrets/` (mode 0600), then applies `pki/plan.json`.
 *
 * Phase 1 TLS: `selfsigned-bootstrap` signs a small bootstrap CA, and that CA's Issuer signs
 * Vault's serving certificate. Clients (cert-manager and External Secrets on every cluster) trust
 * the CA, not the leaf, so renewing the serving certificate does not invalidate the copies of the
 * trust anchor on other clusters. Vault reads its certificate files at start and on SIGHUP only:
 * after a renewal the server must be reloaded before the previous certificate expires (the leaf
 * lives a year and is renewed 30 days ahead).
 */

import { Certificate, Issuer } from '../../kube/kinds.js';
import type { RenderContext } from '../../render/context.js';
import { MANAGED_BY, pinnedAddress, plain } from '../../kube/objects.js';
import { VAULT_NAMESPACE, VAULT_PORT, VAULT_TLS_SECRET } from '../../render/pki.js';
import { RESOURCES } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import type { KubeObject } from '../../kube/objects.js';
import { BOOTSTRAP_ISSUER } from './cert-manager.js';
import { reachableAddress } from '../../render/endpoints.js';

/** The bootstrap CA (Certificate, its Secret and the namespaced CA Issuer share the name). */
export const VAULT_BOOTSTRAP_CA = 'vault-bootstrap-ca';
/** Where the chart mounts `server.extraVolumes` entries: /vault/userconfig/<name>/. */
const TLS_DIR = `/vault/userconfig/${VAULT_TLS_SECRET}`;
/** The release is named after the add-on, so the chart's Services are `vault`, `vault-internal`, `vault-ui`. */
const FULLNAME = 'vault';

/** Vault's server configuration (HCL); the chart writes it to a ConfigMap. */
export function vaultConfig(): string {
  return [
    'ui = true',
    // Integrated storage recommends leaving mlock off (the pages it would lock are mmapped raft data).
    'disable_mlock = true',
    '',
    'listener "tcp" {',
    `  address = "[::]:${VAULT_PORT}"`,
    '  cluster_address = "[::]:8201"',
    `  tls_cert_file = "${TLS_DIR}/tls.crt"`,
    `  tls_key_file = "${TLS_DIR}/tls.key"`,
    '  tls_min_version = "tls12"',
    '}',
    '',
    // Raft rather than the file backend: `vault operator raft snapshot save` gives consistent
    // backups, which a local-path volume cannot (no CSI snapshots, correction 25).
    'storage "raft" {',
    '  path = "/vault/data"',
    `  node_id = "${FULLNAME}-0"`,
    '}',
    '',
  ].join('\n');
}

/** The DNS names and addresses on Vault's serving certificate. */
export function vaultServerNames(ctx: RenderContext): { dnsNames: string[]; ipAddresses: string[] } {
  const address = ctx.addresses().services.vault;
  if (!address) throw new Error(`vault has no pinned address on cluster ${ctx.cluster.name}`);
  return {
    // Within the PKI role's allowed domains too, so that phase 2 can reissue it from Vault.
    dnsNames: [ctx.hostname('vault'), `${FULLNAME}.${VAULT_NAMESPACE}.svc.cluster.local`],
    // The pinned address every cluster uses, and the loopback the in-pod CLI uses (VAULT_ADDR);
    // on kwok also the pinned address's loopback twin, where the simulated Vault listens.
    ipAddresses: [...new Set([address, reachableAddress(ctx.platform, address), '127.0.0.1'])],
  };
}

function tlsObjects(ctx: RenderContext): KubeObject[] {
  const metadata = { namespace: VAULT_NAMESPACE, labels: { ...MANAGED_BY } };
  const bootstrapCa = Certificate({
    metadata: { name: VAULT_BOOTSTRAP_CA, ...metadata },
    spec: {
      isCA: true,
      commonName: `${ctx.platform.name} Vault bootstrap CA`,
      secretName: VAULT_BOOTSTRAP_CA,
      issuerRef: { name: BOOTSTRAP_ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' },
      duration: '87600h',
      renewBefore: '720h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Never' },
    },
  });
  const caIssuer = Issuer({
    metadata: { name: VAULT_BOOTSTRAP_CA, ...metadata },
    spec: { ca: { secretName: VAULT_BOOTSTRAP_CA } },
  });
  const serving = Certificate({
    metadata: { name: VAULT_TLS_SECRET, ...metadata },
    spec: {
      secretName: VAULT_TLS_SECRET,
      issuerRef: { name: VAULT_BOOTSTRAP_CA, kind: 'Issuer', group: 'cert-manager.io' },
      ...vaultServerNames(ctx),
      duration: '8760h',
      renewBefore: '720h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      usages: ['server auth', 'digital signature'],
    },
  });
  return [plain(bootstrapCa), plain(caIssuer), plain(serving)];
}

export function renderVault(ctx: RenderContext): RenderedAddon {
  const address = ctx.addresses().services.vault;
  if (!address) throw new Error(`vault has no pinned address on cluster ${ctx.cluster.name}`);
  const values = {
    global: { tlsDisable: false },
    injector: { enabled: false },
    server: {
      resources: structuredClone(RESOURCES.vault),
      standalone: { enabled: true, config: vaultConfig() },
      dataStorage: { enabled: true, size: ctx.volumeSize('vault'), storageClass: 'local-path-retain' },
      // Mounted read-only at /vault/userconfig/vault-server-tls/ (tls.crt, tls.key, ca.crt).
      extraVolumes: [{ type: 'secret', name: VAULT_TLS_SECRET }],
      // The in-pod CLI (VAULT_ADDR=https://127.0.0.1:8200, used to initialise and unseal) trusts the CA.
      extraEnvironmentVars: { VAULT_CACERT: `${TLS_DIR}/ca.crt` },
      // Every Kubernetes auth mount reviews tokens with that cluster's own reviewer (pki/plan.json,
      // disable_local_ca_jwt), so Vault's ServiceAccount needs no system:auth-delegator binding.
      authDelegator: { enabled: false },
    },
    // The UI Service serves the whole API on 8200: it is the LoadBalancer every cluster reaches
    // Vault through; the chart's `vault` Service stays ClusterIP for in-cluster use.
    ui: {
      enabled: true,
      serviceType: 'LoadBalancer',
      externalPort: VAULT_PORT,
      annotations: pinnedAddress(address),
    },
  };
  return { values, manifests: tlsObjects(ctx) };
}

export const vault: AddonDefinition = {
  name: 'vault',
  title: 'HashiCorp Vault (KV, PKI, one Kubernetes auth mount per cluster)',
  phase: 'core-platform',
  namespace: VAULT_NAMESPACE,
  scope: 'management',
  scopeReason: 'platform services run only on the management cluster (ADR-001)',
  defaultPlacement: 'management',
  requires: [
    { addon: 'local-path', on: 'same', why: 'its storage is a local-path-retain volume' },
    {
      addon: 'cert-manager',
      on: 'same',
      why: 'its TLS certificate comes from selfsigned-bootstrap (ADR-004 phase 1)',
    },
  ],
  after: [],
  seed: '§11.3, §10.2 2.3 (correction 18)',
  render: renderVault,
  plan: {
    steps: [
      // The listener's certificate first: the server mounts its Secret and cannot start without it.
      {
        name: 'manifests',
        kind: 'manifests',
        description: 'the TLS certificate of its listener (from selfsigned-bootstrap)',
        seconds: 10,
      },
      // Vault's pods are Ready only once it is initialised and unsealed, which the next step does.
      { name: 'release', kind: 'helm', seconds: 60, wait: false },
      {
        name: 'configure',
        kind: 'vault-configure',
        description: 'initialise and unseal Vault, apply the PKI plan',
        seconds: 30,
      },
    ],
    perCluster: [
      {
        name: 'vault-token-reviewer',
        kind: 'manifests',
        phase: 'identity',
        description:
          "the ServiceAccount and token Vault's Kubernetes auth mount for this cluster reviews tokens with",
        seconds: 3,
        file: 'vault-token-reviewer.yaml',
      },
      {
        // On the cluster it serves, so the management cluster never waits for a workload cluster.
        name: 'vault-auth',
        kind: 'vault-auth',
        phase: 'identity',
        description:
          "configure Vault's auth mount for {cluster} (its API, CA and token reviewer) and its roles",
        seconds: 5,
        file: 'vault-token-reviewer.yaml',
        afterOwn: ['vault-token-reviewer'],
        afterManagement: ['configure'],
        // A cluster's Vault clients log in through its own auth mount (correction 18).
        gatesClientsOf: 'configure',
      },
      {
        name: 'argocd-manager',
        kind: 'manifests',
        phase: 'identity',
        description: 'the ServiceAccount and token Argo CD manages this cluster with (as argocd cluster add)',
        seconds: 3,
        file: 'argocd-manager.yaml',
      },
      {
        // On the cluster it describes, like vault-auth: mgmt never waits for a workload cluster.
        name: 'argocd-credentials',
        kind: 'vault-kv',
        phase: 'identity',
        description:
          "write this cluster's Argo CD credentials (argocd-manager's token, the cluster CA) to Vault",
        seconds: 3,
        file: 'argocd-credentials.json',
        afterOwn: ['argocd-manager'],
        afterManagement: ['configure'],
      },
      {
        name: 'vault-ca',
        kind: 'secrets',
        phase: 'identity',
        description: "copy the CA of Vault's serving certificate to this cluster's Vault clients",
        seconds: 3,
        file: 'vault-ca.json',
        afterOwn: ['namespaces'],
        afterManagement: ['manifests'],
        // cert-manager's Vault issuer and External Secrets' store verify Vault with it.
        gatesClientsOf: 'configure',
      },
    ],
  },
};
