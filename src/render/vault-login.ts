/**
 * The identity a Vault client presents (a ServiceAccount whose short-lived tokens Vault's
 * Kubernetes auth verifies), and the one permission its controller needs for it: creating tokens
 * for that single ServiceAccount. cert-manager and External Secrets log in the same way.
 */

import { Role, RoleBinding, ServiceAccount } from '../kube/kinds.js';
import type { KubeObject } from '../kube/objects.js';
import { MANAGED_BY, plain } from '../kube/objects.js';
import { TOKEN_REVIEWER, type VaultClient } from './pki.js';
import { longLivedServiceAccount } from './service-account-token.js';

export function vaultLoginIdentity(client: VaultClient, controllerServiceAccount: string): KubeObject[] {
  const name = `${client.serviceAccount}-token`;
  const metadata = { namespace: client.namespace, labels: { ...MANAGED_BY } };
  return [
    plain(ServiceAccount({ metadata: { name: client.serviceAccount, ...metadata } })),
    plain(
      Role({
        metadata: { name, ...metadata },
        rules: [
          {
            apiGroups: [''],
            resources: ['serviceaccounts/token'],
            resourceNames: [client.serviceAccount],
            verbs: ['create'],
          },
        ],
      }),
    ),
    plain(
      RoleBinding({
        metadata: { name, ...metadata },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name: controllerServiceAccount, namespace: client.namespace }],
      }),
    ),
  ];
}

/**
 * What Vault's Kubernetes auth mount for a cluster calls that cluster's TokenReview API with
 * (correction 18: one mount per cluster): a ServiceAccount allowed to review tokens
 * (system:auth-delegator) and a long-lived token Secret for it, whose `token` and `ca.crt` the
 * engine copies into the mount's config. Long-lived on purpose: Vault keeps it.
 */
export function tokenReviewerObjects(): KubeObject[] {
  return longLivedServiceAccount(TOKEN_REVIEWER);
}
