/**
 * Checks rendered Kubernetes objects against upstream schemas: the core API (kubernetes-models)
 * and the CRD model packages published for the components. MetalLB and Velero publish none, so
 * their kinds are checked by strict typed models of our own (./models/).
 *
 * The model packages check types, required fields and enums but accept unknown fields; renderers
 * build objects through their typed constructors so that the compiler rejects unknown fields,
 * and the e2e tests apply them with strict field validation against a real API server.
 */
import { createRequire } from 'node:module';
import type { KubeObject } from '../addons/types.js';
import { validateOwnModel } from './models/index.js';

const require = createRequire(import.meta.url);

const CORE_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'policy',
  'networking.k8s.io',
  'storage.k8s.io',
  'rbac.authorization.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'autoscaling',
  'apiregistration.k8s.io',
]);

const CRD_PACKAGES: Record<string, string> = {
  'cert-manager.io': '@kubernetes-models/cert-manager',
  'acme.cert-manager.io': '@kubernetes-models/cert-manager',
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
  'kyverno.io': '@kubernetes-models/kyverno',
  'external-secrets.io': '@kubernetes-models/external-secrets',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'keda.sh': '@kubernetes-models/keda',
  'autoscaling.k8s.io': '@kubernetes-models/autoscaler',
  'argoproj.io': '@kubernetes-models/argo-cd',
};

/**
 * The newest model package that supports Node 20 describes External Secrets only up to v1beta1;
 * ESO 2.x serves the same ClusterSecretStore and ExternalSecret schema as v1.
 */
const VERSION_STAND_INS: Record<string, string> = { 'external-secrets.io/v1': 'external-secrets.io/v1beta1' };

export class ObjectSchemaError extends Error {
  override readonly name = 'ObjectSchemaError';
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
  const effective = VERSION_STAND_INS[apiVersion] ?? apiVersion;
  const slash = effective.lastIndexOf('/');
  const group = slash < 0 ? '' : effective.slice(0, slash);
  const version = effective.slice(slash + 1);
  const base = CORE_GROUPS.has(group) ? 'kubernetes-models' : CRD_PACKAGES[group];
  if (!base) return undefined;
  const modulePath = group === '' ? `${base}/${version}` : `${base}/${group}/${version}`;
  try {
    return (require(modulePath) as Record<string, ModelClass | undefined>)[kind];
  } catch {
    return undefined;
  }
}

/** Throws ObjectSchemaError naming the object and the schema violation; unknown kinds are errors too. */
export function validateObject(object: KubeObject): void {
  const label = `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name} (${object.apiVersion})`;
  const own = validateOwnModel(object);
  if (own !== 'not-mine') {
    if (own.length > 0) throw new ObjectSchemaError(`${label}: ${own.join('; ')}`);
    return;
  }
  const Model = modelFor(object.apiVersion, object.kind);
  if (!Model)
    throw new ObjectSchemaError(
      `${label}: no schema known for this kind; add its model package or a model in render/models`,
    );
  try {
    new Model(
      VERSION_STAND_INS[object.apiVersion]
        ? { ...object, apiVersion: VERSION_STAND_INS[object.apiVersion] }
        : object,
    ).validate();
  } catch (error) {
    throw new ObjectSchemaError(`${label}: ${(error as Error).message}`);
  }
}
