import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './diff.js';

/** Applies a unified diff's hunks to `before`, the way patch would. */
function apply(before: string, diff: string): string {
  const lines = before.split('\n');
  const out: string[] = [];
  let cursor = 0;
  for (const line of diff.split('\n')) {
    const hunk = /^@@ -(\d+),\d+ \+\d+,\d+ @@$/.exec(line);
    if (hunk) {
      const start = Number(hunk[1]) - 1;
      while (cursor < start) out.push(lines[cursor++]!);
    } else if (line.startsWith(' ')) {
      out.push(line.slice(1));
      cursor++;
    } else if (line.startsWith('-') && !line.startsWith('---')) cursor++;
    else if (line.startsWith('+') && !line.startsWith('+++')) out.push(line.slice(1));
  }
  while (cursor < lines.length) out.push(lines[cursor++]!);
  return out.join('\n');
}

describe('unifiedDiff', () => {
  it('is empty for equal texts and shows removals before additions', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', 'x', 'y')).toBe('');
    expect(unifiedDiff('a\nb\nc', 'a\nB\nc', 'x', 'y')).toBe(
      '--- x\n+++ y\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n',
    );
  });

  it('patches the old text into the new one, for any edit', () => {
    const text = fc
      .array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 30 })
      .map((l) => l.join('\n'));
    fc.assert(
      fc.property(text, text, (before, after) => {
        expect(apply(before, unifiedDiff(before, after, 'x', 'y'))).toBe(after);
      }),
    );
  });
});
