import { CATALOG } from '../addons/catalog.js';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { initDocument } from './write.js';
import { TEST_NOW } from '../test-support/clock.js';
import { platformJsonSchema } from './schema.js';
import { documentToYaml } from './write.js';

// A fresh validator, as an editor or another tool would use the printed schema.
const schema = platformJsonSchema();
const validate = new Ajv({ allErrors: true, strict: true, strictTypes: false }).compile(schema);

describe('the published JSON Schema', () => {
  it('is a draft-07 schema with an id, and strict-mode clean', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(typeof schema.$id).toBe('string');
  });

  it('accepts what init writes', () => {
    const text = documentToYaml(initDocument(TEST_NOW, CATALOG), { catalog: CATALOG });
    expect(validate(parse(text))).toBe(true);
  });

  it('rejects unknown fields and bad enums, so editors flag typos', () => {
    expect(
      validate({
        apiVersion: 'platformctl.dev/v1alpha1',
        kind: 'Platform',
        metadata: { name: 'x' },
        spec: { provder: 'kwok' },
      }),
    ).toBe(false);
    expect(
      validate({
        apiVersion: 'platformctl.dev/v1alpha1',
        kind: 'Platform',
        metadata: { name: 'x' },
        spec: { provider: 'vbox' },
      }),
    ).toBe(false);
    expect(
      validate({
        apiVersion: 'platformctl.dev/v1alpha1',
        kind: 'Platform',
        metadata: { name: 'x' },
        spec: { addons: { kyvern: {} } },
      }),
    ).toBe(false);
  });

  it('documents fields for editor hovers', () => {
    const spec = (
      schema.properties as Record<string, { properties: Record<string, { description?: string }> }>
    ).spec!;
    expect(spec.properties.provider!.description).toMatch(/multipass/);
  });
});
