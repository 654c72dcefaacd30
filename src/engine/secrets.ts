/**
 * Generated secrets (Vault's unseal keys and root token, ...) live in `.platformctl/secrets/`:
 * the directory 0700, each file 0600, written atomically, never logged, never rendered.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

export const secretsDir = (projectDir: string) => join(projectDir, '.platformctl', 'secrets');

export async function writeSecret(projectDir: string, name: string, value: unknown): Promise<string> {
  const dir = secretsDir(projectDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const path = join(dir, `${name}.json`);
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

export async function readSecret<T>(projectDir: string, name: string): Promise<T | undefined> {
  const text = await readFile(join(secretsDir(projectDir), `${name}.json`), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}
