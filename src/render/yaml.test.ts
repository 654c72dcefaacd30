import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toYaml, toYamlStream } from './yaml.js';

/** Strings that YAML 1.1 readers (Go's yaml.v2, PyYAML) take for booleans, numbers, dates or null. */
const TRICKY = [
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Yes',
  'NO',
  'True',
  'null',
  '~',
  '0755',
  '010',
  '1:30',
  '1_000',
  '0x1F',
  '0b101',
  '.5',
  '1e3',
  '2026-11-22',
  '.inf',
  '-.Inf',
  '.nan',
  '=',
  '<<',
  '',
];

const scalar = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
);
const value = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.constantFrom(...TRICKY), fc.string({ minLength: 1, maxLength: 8 })),
      tie('tree'),
      { maxKeys: 4 },
    ),
  ),
})).tree;

describe('toYaml', () => {
  it('round-trips any value through both YAML 1.1 and YAML 1.2 readers', () => {
    fc.assert(
      fc.property(value, (v) => {
        const text = toYaml(v);
        expect(parse(text, { version: '1.2' })).toEqual(v);
        expect(parse(text, { version: '1.1' })).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  it('quotes the strings a YAML 1.1 reader would misread', () => {
    for (const tricky of ['yes', 'no', 'on', 'off', '0755', '1:30']) {
      expect(toYaml({ k: tricky })).not.toBe(`k: ${tricky}\n`);
    }
  });

  it('joins documents with ---', () => {
    expect(toYamlStream([{ a: 1 }, { b: 2 }])).toBe('a: 1\n---\nb: 2\n');
  });
});
