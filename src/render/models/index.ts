/**
 * Strict models for the custom resources whose projects publish no schema package.
 */
import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import type { KubeObject } from '../../addons/types.js';
import { IPAddressPool, L2Advertisement } from './metallb.js';
import { BackupStorageLocation, Schedule } from './velero.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const MODELS: Record<string, TSchema> = {
  'metallb.io/v1beta1 IPAddressPool': IPAddressPool,
  'metallb.io/v1beta1 L2Advertisement': L2Advertisement,
  'velero.io/v1 Schedule': Schedule,
  'velero.io/v1 BackupStorageLocation': BackupStorageLocation,
};
const compiled = new Map<string, ValidateFunction>();

/** Errors for an object of a kind modelled here; 'not-mine' for other kinds. */
export function validateOwnModel(object: KubeObject): string[] | 'not-mine' {
  const key = `${object.apiVersion} ${object.kind}`;
  const schema = MODELS[key];
  if (!schema) {
    const group = object.apiVersion.split('/')[0];
    return group === 'metallb.io' || group === 'velero.io' ? [`no model for ${key}`] : 'not-mine';
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
