/**
 * Writes a rendered tree into a directory and compares one against it. The directory may come
 * from anywhere (a cloned repository, say), so nothing in it is trusted:
 * - every path written or removed is a plain relative path that stays inside the directory,
 *   with no symbolic link on the way (a link could lead anywhere);
 * - an earlier render's files are removed only when its index.json says platformctl wrote them
 *   and their content is still what it wrote (the SHA-256 in the index); an edited file is kept;
 * - an index.json that is not one platformctl writes makes it refuse to touch the directory.
 */
import { lstat, mkdir, readFile, rename, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { type Artifact, INDEX_FILE, sha256 } from '../render/artifacts.js';
import { fileSystemError, PlatformctlError } from '../errors.js';
import { unifiedDiff } from '../util/diff.js';

export interface TreeChange {
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly diff?: string;
}

export interface WriteResult {
  readonly written: number;
  readonly removed: readonly string[];
  /** Files of an earlier render that are no longer produced but were edited since: left alone. */
  readonly kept: readonly string[];
}

interface IndexEntry {
  readonly path: string;
  readonly sha256: string;
}

/** A relative, '/'-separated path of plain names: no `..`, `.`, empty part, backslash or NUL. */
export function isSafeRelativePath(path: string): boolean {
  if (path.length === 0 || path.length > 1024 || path.startsWith('/')) return false;
  if (/[\\\0]/.test(path)) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

function unsafe(dir: string, path: string, why: string): PlatformctlError {
  return new PlatformctlError('render.unsafe-path', 'input', `refusing to touch ${join(dir, path)}: ${why}`, {
    hint: `remove ${dir} or choose another --out directory`,
  });
}

async function lstatOrUndefined(path: string) {
  return lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/**
 * Checks that `path` (relative to `dir`) is safe and that no existing part of it below `dir` is a
 * symbolic link. Returns the absolute path.
 */
async function confined(dir: string, path: string): Promise<string> {
  if (!isSafeRelativePath(path)) throw unsafe(dir, path, 'not a plain relative path inside the directory');
  const parts = path.split('/');
  let current = dir;
  for (const part of parts) {
    current = join(current, part);
    const stat = await lstatOrUndefined(current);
    if (!stat) break;
    if (stat.isSymbolicLink()) throw unsafe(dir, path, `${current} is a symbolic link`);
  }
  return join(dir, ...parts);
}

/**
 * The artifacts an earlier render wrote into `dir`, from its index; an empty list without one.
 * Refuses a directory whose index.json is not platformctl's.
 */
export async function previousIndex(dir: string): Promise<IndexEntry[]> {
  const path = join(dir, INDEX_FILE);
  const stat = await lstatOrUndefined(path);
  if (!stat) return [];
  const notOurs = (why: string) =>
    new PlatformctlError(
      'render.foreign-index',
      'input',
      `${path} is not an index platformctl wrote (${why}); refusing to touch ${dir}`,
      { hint: 'render into an empty or new directory, or remove that index.json' },
    );
  if (!stat.isFile()) throw notOurs('not a regular file');
  let index: unknown;
  try {
    index = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw notOurs('not JSON');
  }
  const artifacts = (index as { artifacts?: unknown } | null)?.artifacts;
  if (!Array.isArray(artifacts)) throw notOurs('no artifacts list');
  const entries: IndexEntry[] = [];
  for (const entry of artifacts as unknown[]) {
    const { path: file, sha256: sum } = (entry ?? {}) as { path?: unknown; sha256?: unknown };
    if (typeof file !== 'string' || typeof sum !== 'string' || !/^[0-9a-f]{64}$/.test(sum))
      throw notOurs('an entry without a path and a SHA-256');
    if (!isSafeRelativePath(file) || file === INDEX_FILE)
      throw notOurs(`it lists ${JSON.stringify(file)}, which is not a path inside the directory`);
    entries.push({ path: file, sha256: sum });
  }
  return entries;
}

async function readIfFile(dir: string, path: string): Promise<string | undefined> {
  const absolute = await confined(dir, path);
  const stat = await lstatOrUndefined(absolute);
  if (!stat) return undefined;
  if (!stat.isFile()) throw unsafe(dir, path, 'not a regular file');
  return readFile(absolute, 'utf8');
}

/** What `render --out` would change in `dir`; writes nothing. */
export async function compareTree(dir: string, artifacts: readonly Artifact[]): Promise<TreeChange[]> {
  try {
    const changes: TreeChange[] = [];
    const rendered = new Set(artifacts.map((a) => a.path));
    for (const artifact of artifacts) {
      if (artifact.path === INDEX_FILE) continue;
      const existing = await readIfFile(dir, artifact.path);
      if (existing === undefined) changes.push({ path: artifact.path, change: 'added' });
      else if (existing !== artifact.content)
        changes.push({
          path: artifact.path,
          change: 'changed',
          diff: unifiedDiff(existing, artifact.content, `a/${artifact.path}`, `b/${artifact.path}`),
        });
    }
    for (const { path } of await previousIndex(dir))
      if (!rendered.has(path)) changes.push({ path, change: 'removed' });
    return changes.sort((a, b) => (a.path < b.path ? -1 : 1));
  } catch (error) {
    throw fileSystemError(error, 'read the rendered tree in', dir);
  }
}

/** Removes the directories below `dir` that the removal of `file` left empty. */
async function pruneEmptyParents(dir: string, file: string): Promise<void> {
  for (let parent = dirname(file); parent.startsWith(dir + sep); parent = dirname(parent)) {
    const removed = await rmdir(parent).then(
      () => true,
      () => false,
    );
    if (!removed) return;
  }
}

/**
 * Writes every artifact (each by a rename, so a file is never half-written), removes what an
 * earlier render wrote and this one no longer produces (as far as it is unchanged), and writes
 * the index last: until then the old one still lists every file of the old tree, so a render
 * cut short is finished by the next one.
 */
export async function writeTree(dir: string, artifacts: readonly Artifact[]): Promise<WriteResult> {
  try {
    const dirStat = await lstatOrUndefined(dir);
    if (dirStat && !dirStat.isDirectory() && !dirStat.isSymbolicLink())
      throw new PlatformctlError('render.out-not-directory', 'input', `${dir} exists and is not a directory`);
    await mkdir(dir, { recursive: true });
    const previous = await previousIndex(dir);
    const rendered = new Set(artifacts.map((a) => a.path));
    const write = async (artifact: Artifact) => {
      const target = await confined(dir, artifact.path);
      const existing = await lstatOrUndefined(target);
      if (existing?.isDirectory()) throw unsafe(dir, artifact.path, 'a directory stands where the file goes');
      await mkdir(dirname(target), { recursive: true });
      const temporary = `${target}.${process.pid}.tmp`;
      await writeFile(temporary, artifact.content, 'utf8');
      await rename(temporary, target);
    };
    for (const artifact of artifacts) if (artifact.path !== INDEX_FILE) await write(artifact);
    const removed: string[] = [];
    const kept: string[] = [];
    for (const entry of previous) {
      if (rendered.has(entry.path)) continue;
      const absolute = await confined(dir, entry.path);
      const stat = await lstatOrUndefined(absolute);
      if (!stat) continue;
      if (!stat.isFile() || sha256(await readFile(absolute, 'utf8')) !== entry.sha256) {
        kept.push(entry.path);
        continue;
      }
      await unlink(absolute);
      await pruneEmptyParents(dir, absolute);
      removed.push(entry.path);
    }
    for (const artifact of artifacts) if (artifact.path === INDEX_FILE) await write(artifact);
    return { written: artifacts.length, removed, kept };
  } catch (error) {
    throw fileSystemError(error, 'write the rendered tree to', dir);
  }
}
