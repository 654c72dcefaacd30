/**
 * Files that hold keys or tokens (kubeconfigs, CA keys, secrets) are readable by their owner only:
 * 0600 in 0700 directories, wherever a provider or a tool it runs writes them.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Writes a file holding keys or tokens: 0600, in a 0700 directory, replaced by a rename. */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await chmod(dirname(path), 0o700);
  // Unique per call: two writers of one file in this process must not share a temporary file.
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, text, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

/**
 * Takes group and other permissions off every file and directory below `dir` (kwokctl writes its
 * CA and admin keys 0644 and kubeconfigs 0640 under 0755 directories). Symbolic links are left
 * alone: they point at binaries outside.
 */
export async function tightenTree(dir: string): Promise<void> {
  const stat = await lstat(dir).catch(() => undefined);
  if (!stat || stat.isSymbolicLink()) return;
  await chmod(dir, stat.mode & 0o700);
  if (!stat.isDirectory()) return;
  for (const entry of await readdir(dir)) await tightenTree(join(dir, entry));
}
