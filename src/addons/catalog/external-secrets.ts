/**
 * External Secrets Operator (001 §5.3, §10.2 2.4, correction 18) on every cluster, with the
 * ClusterSecretStore `vault-backend` the seed references but never creates. Each cluster's store
 * logs in to the management cluster's Vault, through its pinned address (correction 8), on that
 * cluster's own Kubernetes auth mount `kubernetes-<cluster>`.
 *
 * Other add-ons make their ExternalSecrets with {@link externalSecret}: it reads
 * `secret/platform/<key>` through `vault-backend` and applies the degraded-mode rules of 001 §5.3
 * (`refreshInterval: 1h`, `target.deletionPolicy: Retain`), so a workload cluster keeps its Secrets
 * while the management cluster is down.
 */
import type {
  IClusterSecretStore,
  IExternalSecret,
} from '@kubernetes-models/external-secrets/external-secrets.io/v1';
import type { RenderContext } from '../../render/context.js';
import { MANAGED_BY, plain } from '../../kube/objects.js';
import {
  EXTERNAL_SECRETS_CLIENT,
  KV_MOUNT,
  KV_PLATFORM_PREFIX,
  kubernetesAuthMount,
  SECRET_STORE,
  VAULT_CA_KEY,
  VAULT_CA_SECRET,
  vaultAddress,
} from '../../render/pki.js';
import { RESOURCES } from '../../render/sizing.js';
import { vaultLoginIdentity } from '../../render/vault-login.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import type { KubeObject } from '../../kube/objects.js';

/** ESO 2.x serves v1 (and the model package describes it). */
export const ESO_API_VERSION = 'external-secrets.io/v1';
/** The controller's own ServiceAccount (chart value serviceAccount.name): it requests the login tokens. */
export const ESO_CONTROLLER_SERVICE_ACCOUNT = 'external-secrets';

/** 001 §5.3: a Secret stays valid for an hour without Vault, and is kept when Vault is unreachable. */
export const EXTERNAL_SECRET_DEFAULTS = { refreshInterval: '1h', deletionPolicy: 'Retain' } as const;

export interface ExternalSecretInput {
  /** The ExternalSecret and the Secret it creates (in the same namespace). */
  readonly name: string;
  readonly namespace: string;
  /** The Vault KV entry below `secret/platform/`, e.g. `keycloak` for `secret/platform/keycloak`. */
  readonly key: string;
  /** Secret key → property of the Vault entry, e.g. `{ password: 'db-password' }`. */
  readonly data: Readonly<Record<string, string>>;
  /** Labels for the created Secret, e.g. for a consumer that selects Secrets by label. */
  readonly secretLabels?: Readonly<Record<string, string>>;
}

/**
 * An ExternalSecret that copies properties of `secret/platform/<key>` into a Secret through the
 * `vault-backend` ClusterSecretStore, with the seed's degraded-mode settings. The Vault entry is
 * written by the engine (from generated material, never rendered). Use it for every ExternalSecret
 * of the platform, e.g. in an add-on's manifests:
 *
 *     externalSecret({ name: 'grafana-admin', namespace: 'monitoring', key: 'grafana',
 *                      data: { 'admin-user': 'admin-user', 'admin-password': 'admin-password' } })
 *
 * and list the entry and its properties (`secret/platform/grafana`: admin-user, admin-password)
 * where the engine's generated secrets are described.
 */
export function externalSecret(input: ExternalSecretInput): KubeObject {
  const entries = Object.entries(input.data).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) throw new Error(`ExternalSecret ${input.name}: no data`);
  const spec: IExternalSecret['spec'] = {
    refreshInterval: EXTERNAL_SECRET_DEFAULTS.refreshInterval,
    secretStoreRef: { name: SECRET_STORE, kind: 'ClusterSecretStore' },
    target: {
      name: input.name,
      creationPolicy: 'Owner',
      deletionPolicy: EXTERNAL_SECRET_DEFAULTS.deletionPolicy,
      ...(input.secretLabels ? { template: { metadata: { labels: { ...input.secretLabels } } } } : {}),
    },
    data: entries.map(([secretKey, property]) => ({
      secretKey,
      remoteRef: { key: `${KV_PLATFORM_PREFIX}/${input.key}`, property },
    })),
  };
  return plain({
    apiVersion: ESO_API_VERSION,
    kind: 'ExternalSecret',
    metadata: { name: input.name, namespace: input.namespace, labels: { ...MANAGED_BY } },
    spec,
  });
}

function clusterSecretStore(ctx: RenderContext): KubeObject {
  const client = EXTERNAL_SECRETS_CLIENT;
  const spec: IClusterSecretStore['spec'] = {
    provider: {
      vault: {
        server: vaultAddress(ctx.platform),
        path: KV_MOUNT,
        version: 'v2',
        // Vault's serving certificate chains to a CA the engine copies here (pki/plan.json caBundle).
        caProvider: { type: 'Secret', name: VAULT_CA_SECRET, key: VAULT_CA_KEY, namespace: client.namespace },
        auth: {
          kubernetes: {
            // ESO takes the mount's name, without /v1/auth/ (unlike cert-manager).
            mountPath: kubernetesAuthMount(ctx.cluster.name),
            role: client.role,
            serviceAccountRef: {
              name: client.serviceAccount,
              namespace: client.namespace,
              audiences: [client.audience],
            },
          },
        },
      },
    },
  };
  return plain({
    apiVersion: ESO_API_VERSION,
    kind: 'ClusterSecretStore',
    metadata: { name: SECRET_STORE, labels: { ...MANAGED_BY } },
    spec,
  });
}

/**
 * The login identity and the one permission ESO needs for it: creating tokens for that single
 * ServiceAccount (the chart's cluster-wide serviceaccounts/token grant is turned off).
 */
function loginIdentity(): KubeObject[] {
  return vaultLoginIdentity(EXTERNAL_SECRETS_CLIENT, ESO_CONTROLLER_SERVICE_ACCOUNT);
}

export function renderExternalSecrets(ctx: RenderContext): RenderedAddon {
  const values = {
    installCRDs: true,
    serviceAccount: { name: ESO_CONTROLLER_SERVICE_ACCOUNT },
    rbac: { serviceAccountTokenCreate: false },
    resources: structuredClone(RESOURCES.small),
    webhook: { resources: structuredClone(RESOURCES.small) },
    certController: { resources: structuredClone(RESOURCES.small) },
  };
  return { values, manifests: [...loginIdentity(), clusterSecretStore(ctx)] };
}

export const externalSecrets: AddonDefinition = {
  name: 'external-secrets',
  title: 'External Secrets Operator (ClusterSecretStore vault-backend)',
  phase: 'core-platform',
  namespace: EXTERNAL_SECRETS_CLIENT.namespace,
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'vault', on: 'management', why: 'its vault-backend store reads secrets from Vault' }],
  after: [],
  seed: '§5.3, §10.2 2.4 (correction 18)',
  plan: { releaseSeconds: 40 },
  render: renderExternalSecrets,
};
