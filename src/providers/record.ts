/**
 * Which provider created a project's clusters, so that `down` (and later commands) tear down
 * through the same one even when `up` was given --provider.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { projectLayout } from '../project/layout.js';
import type { Provider as ProviderName } from '../spec/types.js';

const recordFile = (projectDir: string) => projectLayout(projectDir).providerRecord;

export async function recordProvider(projectDir: string, provider: ProviderName): Promise<void> {
  // The project's state directory is its owner's only: it holds logs, keys and tokens.
  await mkdir(dirname(recordFile(projectDir)), { recursive: true, mode: 0o700 });
  await writeFile(recordFile(projectDir), `${JSON.stringify({ provider }, null, 2)}\n`);
}

export async function recordedProvider(projectDir: string): Promise<ProviderName | undefined> {
  const text = await readFile(recordFile(projectDir), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const provider = (JSON.parse(text) as { provider?: string }).provider;
  return provider === 'kwok' || provider === 'multipass' || provider === 'existing' ? provider : undefined;
}

export async function forgetProvider(projectDir: string): Promise<void> {
  await rm(recordFile(projectDir), { force: true });
}
