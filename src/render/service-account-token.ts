/**
 * A ServiceAccount bound to one ClusterRole with a long-lived token Secret, filled by the token
 * controller: for clients outside the cluster that keep a token and cannot refresh it (Vault's
 * token reviewer, Argo CD).
 */
import { ClusterRoleBinding, Secret, ServiceAccount } from '../kube/kinds.js';
import { MANAGED_BY, plain, type KubeObject } from '../kube/objects.js';

export interface LongLivedIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly clusterRoleBinding: string;
  readonly clusterRole: string;
  /** A `kubernetes.io/service-account-token` Secret: the controller puts `token` and `ca.crt` in it. */
  readonly tokenSecret: string;
}

export function longLivedServiceAccount(identity: LongLivedIdentity): KubeObject[] {
  const { namespace, serviceAccount, clusterRoleBinding, clusterRole, tokenSecret } = identity;
  const labels = { ...MANAGED_BY };
  return [
    plain(ServiceAccount({ metadata: { name: serviceAccount, namespace, labels } })),
    plain(
      ClusterRoleBinding({
        metadata: { name: clusterRoleBinding, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
        subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
      }),
    ),
    plain(
      Secret({
        metadata: {
          name: tokenSecret,
          namespace,
          labels,
          annotations: { 'kubernetes.io/service-account.name': serviceAccount },
        },
        type: 'kubernetes.io/service-account-token',
      }),
    ),
  ];
}
