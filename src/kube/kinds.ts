/**
 * Typed constructors for the objects platformctl renders. Each sets apiVersion and kind and
 * checks the rest against the type of the upstream model package (kubernetes-models and the
 * @kubernetes-models CRD packages) at compile time, without loading those packages at run time:
 * they cost hundreds of milliseconds to import, and render validates the finished objects
 * against the same models (render/kube-schemas.ts) anyway.
 */
import type { IStatefulSet } from 'kubernetes-models/apps/v1';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type {
  IClusterRoleBinding,
  IRole,
  IRoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import type { ILimitRange, IResourceQuota, ISecret, IService, IServiceAccount } from 'kubernetes-models/v1';
import type {
  ICertificate,
  IClusterIssuer,
  IIssuer,
} from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import type { IExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1';
import type {
  IGateway,
  IGatewayClass,
  IHTTPRoute,
} from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import type { IClusterPolicy } from '@kubernetes-models/kyverno/kyverno.io/v1';

type TypeMeta = { apiVersion: string; kind: string };

function kind<T extends TypeMeta>(apiVersion: T['apiVersion'], kindName: T['kind']) {
  return (data: Omit<T, 'apiVersion' | 'kind'>): T => ({ apiVersion, kind: kindName, ...data }) as T;
}

export const Service = kind<IService>('v1', 'Service');
export const ServiceAccount = kind<IServiceAccount>('v1', 'ServiceAccount');
export const Secret = kind<ISecret>('v1', 'Secret');
export const LimitRange = kind<ILimitRange>('v1', 'LimitRange');
export const ResourceQuota = kind<IResourceQuota>('v1', 'ResourceQuota');
export const StatefulSet = kind<IStatefulSet>('apps/v1', 'StatefulSet');
export const NetworkPolicy = kind<INetworkPolicy>('networking.k8s.io/v1', 'NetworkPolicy');
export const Role = kind<IRole>('rbac.authorization.k8s.io/v1', 'Role');
export const RoleBinding = kind<IRoleBinding>('rbac.authorization.k8s.io/v1', 'RoleBinding');
export const ClusterRoleBinding = kind<IClusterRoleBinding>(
  'rbac.authorization.k8s.io/v1',
  'ClusterRoleBinding',
);
export const Certificate = kind<ICertificate>('cert-manager.io/v1', 'Certificate');
export const ClusterIssuer = kind<IClusterIssuer>('cert-manager.io/v1', 'ClusterIssuer');
export const Issuer = kind<IIssuer>('cert-manager.io/v1', 'Issuer');
export const ExternalSecret = kind<IExternalSecret>('external-secrets.io/v1', 'ExternalSecret');
export const GatewayClass = kind<IGatewayClass>('gateway.networking.k8s.io/v1', 'GatewayClass');
export const Gateway = kind<IGateway>('gateway.networking.k8s.io/v1', 'Gateway');
export const HTTPRoute = kind<IHTTPRoute>('gateway.networking.k8s.io/v1', 'HTTPRoute');
export const ClusterPolicy = kind<IClusterPolicy>('kyverno.io/v1', 'ClusterPolicy');
