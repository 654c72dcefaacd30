import { describe, expect, it } from 'vitest';
import { selectorMatches, selectorText } from './selectors.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front' };
  it('matchLabels and every operator of matchExpressions, as the API server evaluates them', () => {
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'api' } }, labels)).toBe(false);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'x'] }] },
        labels,
      ),
    ).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels),
    ).toBe(false);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels),
    ).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(
      false,
    );
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { app: 'web' } }, undefined)).toBe(false);
  });
  it('reads as kubectl writes it', () => {
    expect(
      selectorText({
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
      }),
    ).toBe('app=web,tier in (a,b)');
    expect(selectorText({})).toBe('(everything)');
  });
});
