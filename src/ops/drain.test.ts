import { describe, expect, it } from 'vitest';
import { selects, stays } from './drain.js';

describe('selects', () => {
  it('matches labels and expressions as policy/v1 selectors do', () => {
    expect(selects({ matchLabels: { app: 'a' } }, { app: 'a', x: '1' })).toBe(true);
    expect(selects({ matchLabels: { app: 'a' } }, { app: 'b' })).toBe(false);
    expect(
      selects({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] }, { tier: 'web' }),
    ).toBe(true);
    expect(
      selects({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, { tier: 'web' }),
    ).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, {})).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, {})).toBe(true);
    expect(selects({}, { any: 'thing' })).toBe(true);
    expect(selects(undefined, { any: 'thing' })).toBe(false);
  });
});

describe('stays', () => {
  const pod = (extra: object) => ({ metadata: { name: 'p', namespace: 'n', ...extra } });
  it('keeps DaemonSet, static and finished pods; evicts the rest', () => {
    expect(stays(pod({ ownerReferences: [{ kind: 'DaemonSet', name: 'd', controller: true }] }))).toBe(
      'DaemonSet pod',
    );
    expect(stays(pod({ annotations: { 'kubernetes.io/config.mirror': 'x' } }))).toBe('static pod');
    expect(stays({ ...pod({}), status: { phase: 'Succeeded' } })).toBe('finished');
    expect(
      stays(pod({ ownerReferences: [{ kind: 'ReplicaSet', name: 'r', controller: true }] })),
    ).toBeUndefined();
  });
});
