/**
 * cert-manager on every cluster (correction 19) with the two-phase PKI of ADR-004 / 001 §11:
 * - phase 1: the ClusterIssuer `selfsigned-bootstrap` (one name, correction 17), from which the
 *   management cluster's Vault takes its first serving certificate;
 * - phase 2: the ClusterIssuer `vault-issuer`, signing through the management cluster's Vault at
 *   its pinned address (correction 8) with this cluster's own Kubernetes auth mount (correction 18),
 *   and the Gateway's wildcard certificate `wildcard-tls`, issued per cluster into the Gateway's
 *   namespace (correction 19).
 */
import { Certificate, ClusterIssuer } from '../../kube/kinds.js';
import type { IClusterIssuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1';

import type { RenderContext } from '../../render/context.js';
import { MANAGED_BY, plain } from '../../kube/objects.js';
import {
  CERT_MANAGER_CLIENT,
  kubernetesAuthMount,
  PKI_SIGN_PATH,
  VAULT_CA_KEY,
  VAULT_CA_SECRET,
  VAULT_ISSUER,
  vaultAddress,
} from '../../render/pki.js';
import { RESOURCES } from '../../render/sizing.js';
import { vaultLoginIdentity } from '../../render/vault-login.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import type { KubeObject } from '../../kube/objects.js';
import { GATEWAY_NAMESPACE, GATEWAY_TLS_SECRET } from './gateway-api.js';

/** Phase 1 of the PKI (ADR-004); the planner applies it before Vault is installed. */
export const BOOTSTRAP_ISSUER = 'selfsigned-bootstrap';
/** The controller's ServiceAccount (chart value serviceAccount.name); it requests the Vault login tokens. */
export const CERT_MANAGER_CONTROLLER_SERVICE_ACCOUNT = 'cert-manager';
export const WILDCARD_CERTIFICATE = 'wildcard';

type VaultIssuerSpec = NonNullable<IClusterIssuer['spec']['vault']>;

function bootstrapIssuer(): KubeObject {
  return plain(
    ClusterIssuer({
      metadata: { name: BOOTSTRAP_ISSUER, labels: { ...MANAGED_BY } },
      spec: { selfSigned: {} },
    }),
  );
}

function vaultIssuer(ctx: RenderContext): KubeObject {
  const client = CERT_MANAGER_CLIENT;
  const vault: VaultIssuerSpec = {
    server: vaultAddress(ctx.platform),
    path: PKI_SIGN_PATH,
    // The CA that Vault's serving certificate chains to, copied by the engine into the cluster
    // resource namespace (the release namespace); see pki/plan.json caBundle.
    caBundleSecretRef: { name: VAULT_CA_SECRET, key: VAULT_CA_KEY },
    auth: {
      kubernetes: {
        mountPath: `/v1/auth/${kubernetesAuthMount(ctx.cluster.name)}`,
        role: client.role,
        // For a ClusterIssuer the ServiceAccount lives in the cluster resource namespace; the
        // token's audience is always vault://vault-issuer, which the Vault role requires.
        serviceAccountRef: { name: client.serviceAccount },
      },
    },
  };
  return plain({
    apiVersion: 'cert-manager.io/v1',
    kind: 'ClusterIssuer',
    metadata: { name: VAULT_ISSUER, labels: { ...MANAGED_BY } },
    spec: { vault },
  });
}

/**
 * The ServiceAccount cert-manager presents to Vault, and the one permission the controller needs
 * for it: creating its tokens (cert-manager docs, Vault issuer, serviceAccountRef).
 */
function loginIdentity(): KubeObject[] {
  return vaultLoginIdentity(CERT_MANAGER_CLIENT, CERT_MANAGER_CONTROLLER_SERVICE_ACCOUNT);
}

/** The names on the Gateway's certificate: `*.<cluster>.<domain>`, on the management cluster also `*.<domain>` and `<domain>`. */
export function wildcardDnsNames(ctx: RenderContext): string[] {
  const { domain } = ctx.platform.network;
  const names = [`*.${ctx.cluster.name}.${domain}`];
  if (ctx.cluster.name === ctx.management.name) names.push(`*.${domain}`, domain);
  return names;
}

/**
 * 001 §11.4 with correction 19: per cluster, in the Gateway's namespace, under the name the
 * Gateway expects. Issued first by the bootstrap issuer (phase 1), then by the Vault issuer
 * (phase 2), which cert-manager does by itself once the issuerRef changes.
 */
function wildcardCertificate(ctx: RenderContext, issuer: string): KubeObject {
  return plain(
    Certificate({
      metadata: { name: WILDCARD_CERTIFICATE, namespace: GATEWAY_NAMESPACE, labels: { ...MANAGED_BY } },
      spec: {
        secretName: GATEWAY_TLS_SECRET,
        issuerRef: { name: issuer, kind: 'ClusterIssuer', group: 'cert-manager.io' },
        dnsNames: wildcardDnsNames(ctx),
        duration: '720h',
        renewBefore: '360h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['server auth', 'digital signature'],
      },
    }),
  );
}

export function renderCertManager(ctx: RenderContext): RenderedAddon {
  const values = {
    // The CRDs come with the release and stay when it is uninstalled (helm.sh/resource-policy: keep).
    crds: { enabled: true, keep: true },
    serviceAccount: { name: CERT_MANAGER_CONTROLLER_SERVICE_ACCOUNT },
    resources: structuredClone(RESOURCES.small),
    webhook: { resources: structuredClone(RESOURCES.small) },
    cainjector: { resources: structuredClone(RESOURCES.small) },
    startupapicheck: { resources: structuredClone(RESOURCES.small) },
  };
  const bootstrap: KubeObject[] = [bootstrapIssuer()];
  const manifests: KubeObject[] = [];
  // Phase 2 needs the management cluster's Vault; without it only the bootstrap issuer exists.
  if (ctx.enabled('vault', ctx.management.name)) {
    manifests.push(...loginIdentity(), vaultIssuer(ctx));
    if (ctx.enabled('gateway-api')) {
      bootstrap.push(wildcardCertificate(ctx, BOOTSTRAP_ISSUER));
      manifests.push(wildcardCertificate(ctx, VAULT_ISSUER));
    }
  }
  return { values, manifests, bootstrap };
}

export const certManager: AddonDefinition = {
  name: 'cert-manager',
  title: 'cert-manager (selfsigned-bootstrap, then vault-issuer)',
  phase: 'core-platform',
  namespace: CERT_MANAGER_CLIENT.namespace,
  // Every cluster issues its own Gateway certificate into gateway-system (correction 19),
  // so cert-manager runs everywhere, not only on the management cluster as the seed's matrix has it.
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'cilium', on: 'same', why: 'pods need the CNI' }],
  after: [],
  seed: '§11, §10.2 2.2 (corrections 17, 19)',
  render: renderCertManager,
  plan: {
    steps: [
      { name: 'release', kind: 'helm', seconds: 45 },
      {
        name: 'bootstrap-issuer',
        kind: 'manifests',
        file: 'bootstrap.yaml',
        description: `apply the ${BOOTSTRAP_ISSUER} ClusterIssuer and the first certificates it issues (PKI phase 1, ADR-004)`,
        seconds: 5,
        // Phase 1 stands until phase 2's issuer exists, and is never re-applied over it.
        supersededBy: { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', name: VAULT_ISSUER },
      },
      {
        name: 'manifests',
        kind: 'manifests',
        description: 'the Vault issuer and the certificates it issues (PKI phase 2, ADR-004)',
        seconds: 10,
        after: [
          {
            addon: 'vault',
            on: 'management',
            step: 'configure',
            why: 'the Vault issuer needs Vault initialised and its PKI configured',
          },
        ],
      },
      {
        name: 'handover',
        kind: 'pki-handover',
        file: 'manifests.yaml',
        description: `once every certificate is re-issued through Vault, remove ${BOOTSTRAP_ISSUER} (end of PKI phase 1, ADR-004)`,
        seconds: 15,
      },
    ],
    // Usable once its bootstrap issuer exists: Vault takes its own certificate from it, and the
    // Vault issuer (phase 2) in turn waits for Vault.
    usableAfter: 'bootstrap-issuer',
  },
};
