/**
 * Where a YAML path sits in the source text, so every diagnostic can name a line and column.
 */
import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { SpecPath } from './diagnostics.js';

export interface SourcePosition {
  line: number;
  column: number;
  /** False when the path is not in the file and the position is that of its nearest ancestor. */
  exact: boolean;
}

export interface SourceMap {
  readonly file?: string;
  /** Position of the value at `path` (or of its key, for unknown-field reports). */
  locate(path: SpecPath, target?: 'value' | 'key'): SourcePosition | undefined;
  /** True when the file itself holds a value at `path`. */
  has(path: SpecPath): boolean;
}

function position(lineCounter: LineCounter, offset: number, exact: boolean): SourcePosition {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col, exact };
}

export function sourceMapOf(document: Document, lineCounter: LineCounter, file?: string): SourceMap {
  function walk(path: SpecPath): { node: Node | null; keyNode?: Node; depth: number } {
    let node = document.contents as Node | null;
    let keyNode: Node | undefined;
    for (let depth = 0; depth < path.length; depth++) {
      const segment = path[depth]!;
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (!pair) return { node, depth };
        keyNode = pair.key as Node;
        node = (pair.value as Node | null) ?? keyNode;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        keyNode = undefined;
        node = node.items[segment] as Node;
      } else {
        return { node, depth };
      }
    }
    return keyNode === undefined ? { node, depth: path.length } : { node, keyNode, depth: path.length };
  }

  return {
    ...(file === undefined ? {} : { file }),
    locate(path, target = 'value') {
      const { node, keyNode, depth } = walk(path);
      const exact = depth === path.length;
      const chosen = exact && target === 'key' && keyNode ? keyNode : node;
      const offset = chosen?.range?.[0];
      return offset === undefined ? undefined : position(lineCounter, offset, exact);
    },
    has(path) {
      return walk(path).depth === path.length;
    },
  };
}
