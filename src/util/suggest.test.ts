import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closest, editDistance } from './suggest.js';

describe('editDistance', () => {
  it.each([
    ['name', 'name', 0],
    ['nmae', 'name', 1],
    ['podCidr', 'podCIDR', 0],
    ['kyvern', 'kyverno', 1],
    ['', 'abc', 3],
    ['provder', 'provider', 1],
  ])('%s -> %s is %i', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
  });

  it('is symmetric, zero only for equal (case-folded) strings, and bounded by the longer length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(editDistance(b, a)).toBe(d);
        expect(d === 0).toBe(a.toLowerCase() === b.toLowerCase());
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});

describe('closest', () => {
  it('suggests near misses and nothing for unrelated words', () => {
    expect(closest('metalb', ['metallb', 'minio', 'vault'])).toBe('metallb');
    expect(closest('banana', ['metallb', 'minio', 'vault'])).toBeUndefined();
  });
});
