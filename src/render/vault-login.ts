/**
 * The identity a Vault client presents (a ServiceAccount whose short-lived tokens Vault's
 * Kubernetes auth verifies), and the one permission its controller needs for it: creating tokens
 * for that single ServiceAccount. cert-manager and External Secrets log in the same way.
 */
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ServiceAccount } from 'kubernetes-models/v1';
import type { KubeObject } from '../addons/types.js';
import { MANAGED_BY, plain } from './objects.js';
import type { VaultClient } from './pki.js';

export function vaultLoginIdentity(client: VaultClient, controllerServiceAccount: string): KubeObject[] {
  const name = `${client.serviceAccount}-token`;
  const metadata = { namespace: client.namespace, labels: { ...MANAGED_BY } };
  return [
    plain(new ServiceAccount({ metadata: { name: client.serviceAccount, ...metadata } })),
    plain(
      new Role({
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
      new RoleBinding({
        metadata: { name, ...metadata },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name: controllerServiceAccount, namespace: client.namespace }],
      }),
    ),
  ];
}
