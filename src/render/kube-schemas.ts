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

/**
 * The newest model package that supports Node 20 describes External Secrets only up to v1beta1;
 * ESO 2.x serves the same ClusterSecretStore and ExternalSecret schema as v1.
 */
const VERSION_STAND_INS: Record<string, string> = { 'external-secrets.io/v1': 'external-secrets.io/v1beta1' };

/**
 * Where a model package's schema is older than the component we pin, the newer field is checked
 * by a strict model of our own and the package checks the rest.
 *
 * @kubernetes-models/cert-manager 4.x (the newest on Node 20 with kubernetes-models 4) predates
 * cert-manager 1.12's `vault.auth.kubernetes.serviceAccountRef` and still requires `secretRef`;
 * cert-manager v1.21's CRD requires only `role`, with `secretRef` or `serviceAccountRef`.
 */
function correctVaultKubernetesAuth(object: KubeObject): { errors: string[]; forPackage: KubeObject } {
  if (object.apiVersion !== 'cert-manager.io/v1' || !['Issuer', 'ClusterIssuer'].includes(object.kind))
    return { errors: [], forPackage: object };
  const spec = object['spec'] as { vault?: { auth?: { kubernetes?: Record<string, unknown> } } } | undefined;
  const auth = spec?.vault?.auth?.kubernetes;
  if (!auth || !('serviceAccountRef' in auth)) return { errors: [], forPackage: object };
  const errors: string[] = [];
  const allowed = new Set(['mountPath', 'role', 'secretRef', 'serviceAccountRef']);
  for (const key of Object.keys(auth))
    if (!allowed.has(key)) errors.push(`spec.vault.auth.kubernetes.${key} is not a field`);
  if (typeof auth['role'] !== 'string' || auth['role'] === '')
    errors.push('spec.vault.auth.kubernetes.role must be a non-empty string');
  if (auth['mountPath'] !== undefined && typeof auth['mountPath'] !== 'string')
    errors.push('spec.vault.auth.kubernetes.mountPath must be a string');
  const ref = auth['serviceAccountRef'] as Record<string, unknown> | null;
  if (typeof ref !== 'object' || ref === null || typeof ref['name'] !== 'string' || ref['name'] === '')
    errors.push('spec.vault.auth.kubernetes.serviceAccountRef.name must be a non-empty string');
  else
    for (const key of Object.keys(ref))
      if (key !== 'name' && key !== 'audiences')
        errors.push(`spec.vault.auth.kubernetes.serviceAccountRef.${key} is not a field`);
  // The package sees the block without the field it does not know, in the shape it requires.
  const forPackage = structuredClone(object);
  const block: Record<string, unknown> = { secretRef: { name: 'checked-above' }, ...auth };
  delete block.serviceAccountRef;
  (forPackage['spec'] as { vault: { auth: { kubernetes: unknown } } }).vault.auth.kubernetes = block;
  return { errors, forPackage };
}

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
  const corrected = correctVaultKubernetesAuth(object);
  if (corrected.errors.length > 0) throw new ObjectSchemaError(`${label}: ${corrected.errors.join('; ')}`);
  const checked = corrected.forPackage;
  try {
    new Model(
      VERSION_STAND_INS[checked.apiVersion]
        ? { ...checked, apiVersion: VERSION_STAND_INS[checked.apiVersion] }
        : checked,
    ).validate();
  } catch (error) {
    throw new ObjectSchemaError(`${label}: ${(error as Error).message}`);
  }
}
