import { describe, expect, it } from 'vitest';
import { apiVersionFor, redactObject } from './resources.js';

describe('objects as they may leave the machine', () => {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'db',
      namespace: 'shop',
      managedFields: [{ manager: 'kubectl' }],
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"aHVudGVyMg=="}}',
        team: 'payments',
      },
    },
    type: 'Opaque',
    data: { password: Buffer.from('hunter2').toString('base64') },
    stringData: { user: 'admin' },
  };

  it("replaces a Secret's values by their sizes and drops the annotation that repeats them", () => {
    const redacted = redactObject(secret, 'Secret');
    const text = JSON.stringify(redacted);
    expect(text).not.toContain('aHVudGVyMg');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('admin');
    expect(redacted).toMatchObject({
      data: { password: '(redacted, 7 bytes)' },
      stringData: { user: '(redacted, 5 bytes)' },
      metadata: { name: 'db', annotations: { team: 'payments' } },
      type: 'Opaque',
    });
    expect(redacted.metadata).not.toHaveProperty('managedFields');
  });

  it('keeps other kinds whole apart from managed fields', () => {
    const config = { kind: 'ConfigMap', metadata: { name: 'c', managedFields: [] }, data: { a: 'b' } };
    expect(redactObject(config, 'ConfigMap')).toEqual({
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { a: 'b' },
    });
  });

  it('knows the group version of core kinds and asks for it for the others', () => {
    expect(apiVersionFor('Deployment')).toBe('apps/v1');
    expect(apiVersionFor('Certificate', 'cert-manager.io/v1')).toBe('cert-manager.io/v1');
    expect(() => apiVersionFor('Certificate')).toThrow(/say which apiVersion serves Certificate/);
  });
});
