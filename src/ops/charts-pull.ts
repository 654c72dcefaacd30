/**
 * `charts pull --out DIR`: an air-gap mirror of every chart pinned in charts.json and every
 * manifest bundle the add-ons apply, in the layout PLATFORMCTL_CHARTS_DIR reads
 * (`<chart>-<version>.tgz`, `<bundle>/<version>/<file>`). Helm repositories' packages are
 * checked against the digest in the repository's index; files already there with the right
 * digest are kept, so a second run only fetches what is missing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { ADDON_CATALOG } from '../addons/catalog.js';
import { chartFor, type ChartRef } from '../addons/charts.js';
import type { AddonDefinition } from '../addons/definition.js';
import type { BundleRef } from '../addons/types.js';
import { findBinaries } from '../clients/binaries.js';
import type { CommandRunner } from '../clients/exec.js';
import { projectLayout } from '../project/layout.js';

export interface PullDeps {
  /** GET a URL, following redirects; rejects on a network error or a status other than 2xx. */
  readonly get: (url: string) => Promise<Buffer>;
  /** `helm pull <oci ref> --version V -d DIR`: OCI registries have no index to read. */
  readonly helmPull: (ref: ChartRef, dir: string) => Promise<void>;
  readonly log?: (line: string) => void;
}

export interface PullReport {
  readonly pulled: readonly string[];
  /** Already in the mirror with the right digest (or, for OCI charts and bundles, present). */
  readonly kept: readonly string[];
  readonly failed: ReadonlyArray<{
    readonly item: string;
    readonly repository: string;
    readonly error: string;
  }>;
}

interface IndexEntry {
  readonly version: string;
  readonly urls?: readonly string[];
  readonly digest?: string;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function writeAtomically(path: string, data: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomBytes(4).toString('hex')}.part`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}

/** The pinned charts, one per chart (two add-ons never pin the same one today, but a mirror would hold it once). */
export function pinnedCharts(): ChartRef[] {
  const seen = new Map<string, ChartRef>();
  for (const definition of Object.values(ADDON_CATALOG) as AddonDefinition[]) {
    const ref = chartFor(definition.name);
    if (ref) seen.set(`${ref.chart}-${ref.version}`, ref);
  }
  return [...seen.values()];
}

export function pinnedBundles(): BundleRef[] {
  return (Object.values(ADDON_CATALOG) as AddonDefinition[]).flatMap((d) =>
    (d.plan?.steps ?? []).flatMap((s) => (s.bundle ? [s.bundle] : [])),
  );
}

export async function pullCharts(out: string, deps: PullDeps): Promise<PullReport> {
  const pulled: string[] = [];
  const kept: string[] = [];
  const failed: Array<{ item: string; repository: string; error: string }> = [];
  const indexes = new Map<string, Promise<Record<string, IndexEntry[]>>>();
  const indexOf = (repository: string) => {
    let index = indexes.get(repository);
    if (!index) {
      index = deps
        .get(`${repository.replace(/\/$/, '')}/index.yaml`)
        .then(
          (body) =>
            (parse(body.toString('utf8')) as { entries?: Record<string, IndexEntry[]> }).entries ?? {},
        );
      indexes.set(repository, index);
    }
    return index;
  };

  await Promise.all(
    pinnedCharts().map(async (ref) => {
      const name = `${ref.chart}-${ref.version}.tgz`;
      const target = join(out, name);
      try {
        if (ref.repository.startsWith('oci://')) {
          if (
            await readFile(target).then(
              () => true,
              () => false,
            )
          )
            kept.push(name);
          else {
            await deps.helmPull(ref, out);
            pulled.push(name);
          }
          return;
        }
        const entry = (await indexOf(ref.repository))[ref.chart]?.find((e) => e.version === ref.version);
        if (!entry?.urls?.[0]) throw new Error(`the index has no ${ref.chart} ${ref.version}`);
        const existing = await readFile(target).catch(() => undefined);
        if (existing && (!entry.digest || sha256(existing) === entry.digest)) {
          kept.push(name);
          return;
        }
        const url = new URL(entry.urls[0], `${ref.repository.replace(/\/$/, '')}/`).toString();
        const data = await deps.get(url);
        if (entry.digest && sha256(data) !== entry.digest)
          throw new Error(
            `digest mismatch for ${url}: the index says ${entry.digest}, the download is ${sha256(data)}`,
          );
        await writeAtomically(target, data);
        deps.log?.(`pulled ${name} from ${ref.repository}`);
        pulled.push(name);
      } catch (error) {
        failed.push({
          item: `${ref.chart} ${ref.version}`,
          repository: ref.repository,
          error: (error as Error).message,
        });
      }
    }),
  );

  for (const bundle of pinnedBundles()) {
    const name = `${bundle.name}/${bundle.version}/${bundle.url.split('/').pop()!}`;
    const target = join(out, name);
    try {
      if (
        await readFile(target).then(
          () => true,
          () => false,
        )
      ) {
        kept.push(name);
        continue;
      }
      await writeAtomically(target, await deps.get(bundle.url));
      pulled.push(name);
    } catch (error) {
      failed.push({
        item: `${bundle.name} ${bundle.version}`,
        repository: bundle.url,
        error: (error as Error).message,
      });
    }
  }
  return { pulled: pulled.sort(), kept: kept.sort(), failed };
}

/** The real network: fetch with a timeout, redirects followed (release downloads redirect). */
export async function httpGet(url: string): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(120_000), redirect: 'follow' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`GET ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** `helm pull` of an OCI chart into the mirror, with helm's cache kept in the project. */
export function helmPuller(
  runner: CommandRunner,
  env: Readonly<Record<string, string | undefined>>,
  projectDir: string,
): PullDeps['helmPull'] {
  return async (ref, dir) => {
    const { helm } = findBinaries(['helm'] as const, { env, projectDir });
    const home = projectLayout(projectDir).helmHome;
    await runner.run(
      helm,
      [
        'pull',
        `${ref.repository.replace(/\/$/, '')}/${ref.chart}`,
        '--version',
        ref.version,
        '--destination',
        dir,
      ],
      {
        timeoutMs: 300_000,
        env: {
          HELM_CACHE_HOME: join(home, 'cache'),
          HELM_CONFIG_HOME: join(home, 'config'),
          HELM_DATA_HOME: join(home, 'data'),
        },
      },
    );
  };
}
