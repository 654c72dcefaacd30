/**
 * Generated secrets (Vault's unseal keys and root token, ...) live in `.platformctl/secrets/`:
 * the directory 0700, each file 0600, written atomically, never logged, never rendered.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import type { ProjectLayout } from '../project/layout.js';

export async function writeSecret(layout: ProjectLayout, name: string, value: unknown): Promise<string> {
  await mkdir(layout.secretsDir, { recursive: true, mode: 0o700 });
  await chmod(layout.secretsDir, 0o700);
  const path = layout.secretFile(name);
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    // On disk before anything relies on it: losing Vault's keys loses Vault.
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  return path;
}

export async function readSecret<T>(layout: ProjectLayout, name: string): Promise<T | undefined> {
  const text = await readFile(layout.secretFile(name), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

export async function removeSecret(layout: ProjectLayout, name: string): Promise<void> {
  await rm(layout.secretFile(name), { force: true });
}
