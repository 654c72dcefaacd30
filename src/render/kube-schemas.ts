/**
 * Checks rendered Kubernetes objects against upstream schemas: the core API (kubernetes-models)
 * and the CRD model packages published for the components. MetalLB and Velero publish none, so
 * their kinds are checked by strict typed models of our own (./models/).
 *
 * The model packages check types, required fields and enums but accept unknown fields; renderers
 * build objects through their typed constructors so that the compiler rejects unknown fields,
 * and the e2e tests apply them with strict field validation against a real API server.
 */
import { PlatformctlError } from '../errors.js';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../kube/objects.js';
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

export class ObjectSchemaError extends PlatformctlError {
  override readonly name = 'ObjectSchemaError';
  constructor(message: string) {
    super('render.invalid-object', 'input', message);
  }
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const base = CORE_GROUPS.has(group) ? 'kubernetes-models' : CRD_PACKAGES[group];
  if (!base) return undefined;
  const modulePath = group === '' ? `${base}/${version}` : `${base}/${group}/${version}`;
  // The model packages are ES modules exported for `import` only; rendering is synchronous, so
  // the module is resolved as `import` would and loaded with require (Node >= 22.12 loads ES
  // modules that way). The kind's own module first: a group's index loads every kind in it.
  for (const path of [`${modulePath}/${kind}`, modulePath]) {
    try {
      const model = (
        require(fileURLToPath(import.meta.resolve(path))) as Record<string, ModelClass | undefined>
      )[kind];
      if (model) return model;
    } catch {
      // not this path; the next one, or no schema known
    }
  }
  return undefined;
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
    new Model(object).validate();
  } catch (error) {
    throw new ObjectSchemaError(`${label}: ${(error as Error).message}`);
  }
}
