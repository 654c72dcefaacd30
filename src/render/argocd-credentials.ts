/**
 * What Argo CD manages each cluster with, as `argocd cluster add` sets it up: a ServiceAccount
 * `argocd-manager` in kube-system bound to cluster-admin and a long-lived token Secret for it
 * (Argo CD keeps a bearer token; it cannot refresh a short-lived one). The engine copies that
 * token and the cluster's CA into Vault at `secret/argocd/clusters/<cluster>` from a step on the
 * cluster itself (so mgmt never waits for a workload cluster), and the ExternalSecrets of
 * external/argocd/clusters.yaml turn them into Argo CD's cluster Secrets on mgmt.
 *
 * Outside `secret/platform/`, which every cluster's External Secrets may read: only the
 * management cluster's may read these (pki.ts), since each is a cluster-admin credential.
 */
import type { KvDemand } from '../kube/generated-secrets.js';
import type { KubeObject } from '../kube/objects.js';
import type { Platform } from '../spec/model.js';
import { longLivedServiceAccount } from './service-account-token.js';

export const ARGOCD_MANAGER = {
  namespace: 'kube-system',
  serviceAccount: 'argocd-manager',
  clusterRoleBinding: 'argocd-manager',
  clusterRole: 'cluster-admin',
  tokenSecret: 'argocd-manager-token',
} as const;

/** Below the KV mount: `secret/data/argocd/clusters/<cluster>`. */
export const ARGOCD_CREDENTIALS_PREFIX = 'argocd/clusters';
export const argocdCredentialsPath = (cluster: string) => `${ARGOCD_CREDENTIALS_PREFIX}/${cluster}`;

/** Whether the platform hands its clusters to Argo CD through Vault (Argo CD and Vault both on). */
export function managesWithArgocd(platform: Platform): boolean {
  const management = platform.clusters.find((c) => c.name === platform.managementCluster);
  return (
    platform.externalServices.argocd?.enabled === true &&
    management !== undefined &&
    management.addons.includes('vault') &&
    management.addons.includes('external-secrets')
  );
}

export function argocdManagerObjects(): KubeObject[] {
  return longLivedServiceAccount(ARGOCD_MANAGER);
}

/** The Vault KV entry of one cluster's Argo CD credentials: copied from its token Secret. */
export function argocdCredentialsDemand(cluster: string): KvDemand {
  const { namespace, tokenSecret } = ARGOCD_MANAGER;
  const copy = (key: string) => ({
    copy: { cluster, namespace, secret: tokenSecret, key, producer: `Secret ${namespace}/${tokenSecret}` },
  });
  return {
    path: argocdCredentialsPath(cluster),
    data: { bearerToken: copy('token'), caData: copy('ca.crt') },
  };
}
