/**
 * The rendered tree: one artifact per file, in path order, with an index of SHA-256 sums.
 */
import { createHash } from 'node:crypto';

export interface Artifact {
  /** Relative, '/'-separated. */
  readonly path: string;
  readonly content: string;
}

export const INDEX_FILE = 'index.json';

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Collects artifacts; refuses two with one path, since the second would silently win. */
export class ArtifactSet {
  readonly #artifacts = new Map<string, string>();

  add(path: string, content: string): void {
    if (path.startsWith('/') || path.split('/').includes('..'))
      throw new Error(`artifact path must be relative: ${path}`);
    if (this.#artifacts.has(path)) throw new Error(`two artifacts at ${path}`);
    this.#artifacts.set(path, content.endsWith('\n') ? content : `${content}\n`);
  }

  /** The artifacts in path order, followed by index.json. */
  finish(): Artifact[] {
    const sorted = [...this.#artifacts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([path, content]) => ({ path, content }));
    const index = {
      artifacts: sorted.map(({ path, content }) => ({
        path,
        sha256: sha256(content),
        bytes: Buffer.byteLength(content),
      })),
    };
    return [...sorted, { path: INDEX_FILE, content: `${JSON.stringify(index, null, 2)}\n` }];
  }
}
