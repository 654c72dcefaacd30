/**
 * What the e2e files share: where the CLI and the harness binaries are, a project directory with
 * a small kwok spec, and the CLI run in it against the shared chart mirror.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeClient } from '../../src/clients/kube.js';
import { VaultClient } from '../../src/clients/vault.js';
import { SHARED_CHART_MIRROR } from '../../src/test-support/chart-values.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, '.harness/bin');
export const CLI = join(ROOT, 'bin/platformctl.js');

/** Throws, naming the fix, unless the harness built every binary named. */
export function requireHarness(...binaries: readonly string[]): void {
  if (binaries.some((name) => !existsSync(join(BIN, name))))
    throw new Error('the e2e tests need the harness binaries: run `npm run harness` first');
}

/** A new project directory whose platform.yaml is the built-in topology on kwok without `disabled`. */
export function kwokProject(name: string, disabled: readonly string[]): string {
  const project = mkdtempSync(join(tmpdir(), `platformctl-${name}-`));
  writeFileSync(
    join(project, 'platform.yaml'),
    [
      'apiVersion: platformctl.dev/v1alpha1',
      'kind: Platform',
      'metadata:',
      `  name: ${name}`,
      'spec:',
      '  provider: kwok',
      '  addons:',
      ...disabled.flatMap((addon) => [`    ${addon}:`, '      enabled: false']),
      '',
    ].join('\n'),
  );
  return project;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI, run to its end in `project`, with the shared chart mirror and no colour. */
export function cliIn(project: string): (...args: string[]) => CliResult {
  return (...args) => {
    const result = spawnSync(process.execPath, [CLI, ...args], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
}

/** The project's Vault (kwok: on loopback) with the root token `up` saved. */
export function rootVault(project: string): VaultClient {
  const { address } = JSON.parse(
    readFileSync(join(project, '.platformctl/kwok/vault/server.json'), 'utf8'),
  ) as { address: string };
  const ca = readFileSync(join(project, '.platformctl/kwok/vault/ca.crt'), 'utf8');
  const { rootToken } = JSON.parse(
    readFileSync(join(project, '.platformctl/secrets/vault.json'), 'utf8'),
  ) as {
    rootToken: string;
  };
  return new VaultClient({ address, ca }, rootToken);
}

/** The data of a Secret, decoded; undefined while it does not exist or has none. */
export async function secretData(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  const secret = await client.getOptional<{ data?: Record<string, string> }>(
    `/api/v1/namespaces/${namespace}/secrets/${name}`,
  );
  if (!secret?.data) return undefined;
  return Object.fromEntries(
    Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
  );
}

/** Polls `read` every second until it returns a value; fails naming `what` and the last error. */
export async function eventually<T>(
  what: string,
  read: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await read();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs / 1000}s${last ? ` (last error: ${String(last)})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 1000));
  }
}
