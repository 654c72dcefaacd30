/**
 * Strict models for the custom resources whose projects publish no schema package (MetalLB,
 * Velero, the k8sgpt operator).
 */
import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import type { KubeObject } from '../../kube/objects.js';
import { K8sGPT } from './k8sgpt.js';
import { IPAddressPool, L2Advertisement } from './metallb.js';
import { BackupStorageLocation, Schedule } from './velero.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const MODELS: Record<string, TSchema> = {
  'metallb.io/v1beta1 IPAddressPool': IPAddressPool,
  'metallb.io/v1beta1 L2Advertisement': L2Advertisement,
  'velero.io/v1 Schedule': Schedule,
  'velero.io/v1 BackupStorageLocation': BackupStorageLocation,
  'core.k8sgpt.ai/v1alpha1 K8sGPT': K8sGPT,
};
/** API groups modelled only here: any other kind of theirs is an error, not a pass. */
const OWN_GROUPS = new Set(['metallb.io', 'velero.io', 'core.k8sgpt.ai']);
const compiled = new Map<string, ValidateFunction>();

/** Errors for an object of a kind modelled here; 'not-mine' for other kinds. */
export function validateOwnModel(object: KubeObject): string[] | 'not-mine' {
  const key = `${object.apiVersion} ${object.kind}`;
  const schema = MODELS[key];
  if (!schema) {
    const group = object.apiVersion.split('/')[0];
    return group && OWN_GROUPS.has(group) ? [`no model for ${key}`] : 'not-mine';
  }
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  if (validate(object)) return [];
  return (validate.errors ?? []).map((e) =>
    e.keyword === 'additionalProperties'
      ? `${e.instancePath || '/'} has unknown field "${String((e.params as { additionalProperty: string }).additionalProperty)}"`
      : `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
  );
}
