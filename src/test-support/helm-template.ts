/**
 * `helm template` of the real packaged charts (../shared/chart-mirror) with the rendered values,
 * by the harness's helm: what a user's `up` would install, as objects, for tests to assert on.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ADDON_CATALOG } from '../addons/catalog.js';
import { chartFor } from '../addons/charts.js';
import type { AddonName } from '../addons/names.js';
import { findBinaries } from '../clients/binaries.js';
import { resolveChart } from '../engine/chart-source.js';
import type { KubeObject } from '../kube/objects.js';
import type { Artifact } from '../render/artifacts.js';
import type { Platform, PlatformCluster } from '../spec/model.js';
import { SHARED_CHART_MIRROR } from './chart-values.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The API groups of CRDs the platform installs with an add-on, which charts test for (Capabilities). */
const API_VERSIONS_BY_ADDON: Partial<Record<AddonName, readonly string[]>> = {
  prometheus: [
    'monitoring.coreos.com/v1',
    'monitoring.coreos.com/v1/ServiceMonitor',
    'monitoring.coreos.com/v1/PodMonitor',
    'monitoring.coreos.com/v1/PrometheusRule',
    'monitoring.coreos.com/v1alpha1',
  ],
  'cert-manager': ['cert-manager.io/v1'],
  'gateway-api': ['gateway.networking.k8s.io/v1'],
  'external-secrets': ['external-secrets.io/v1'],
  vpa: ['autoscaling.k8s.io/v1'],
  keda: ['keda.sh/v1alpha1'],
  kyverno: ['kyverno.io/v1'],
};

export interface TemplateResult {
  readonly cluster: string;
  readonly addon: AddonName;
  readonly objects: readonly KubeObject[];
  /** helm's stderr lines (coalesce warnings and the like). */
  readonly warnings: readonly string[];
  /** Set when helm failed: its message. */
  readonly error?: string;
}

export function harnessHelm(): string {
  return findBinaries(['helm'] as const, { env: process.env, projectDir: ROOT }).helm;
}

/** Every cluster × add-on with a chart, templated (a few helm processes at a time). */
export async function templateAll(platform: Platform, tree: readonly Artifact[]): Promise<TemplateResult[]> {
  const helm = harnessHelm();
  const contents = new Map(tree.map((a) => [a.path, a.content]));
  const home = mkdtempSync(join(tmpdir(), 'platformctl-helm-template-'));
  const jobs = platform.clusters.flatMap((cluster) =>
    cluster.addons.filter((addon) => chartFor(addon)).map((addon) => ({ cluster, addon })),
  );
  const results: TemplateResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      results.push(await templateOne(helm, home, platform, job.cluster, job.addon, contents));
    }
  };
  try {
    await Promise.all([worker(), worker(), worker(), worker()]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return results.sort((a, b) => `${a.cluster}/${a.addon}`.localeCompare(`${b.cluster}/${b.addon}`));
}

/** One cluster's add-on, templated. */
export async function templateAddon(
  platform: Platform,
  tree: readonly Artifact[],
  clusterName: string,
  addon: AddonName,
): Promise<TemplateResult> {
  const cluster = platform.clusters.find((c) => c.name === clusterName);
  if (!cluster) throw new Error(`no cluster ${clusterName}`);
  const home = mkdtempSync(join(tmpdir(), 'platformctl-helm-template-'));
  try {
    return await templateOne(
      harnessHelm(),
      home,
      platform,
      cluster,
      addon,
      new Map(tree.map((a) => [a.path, a.content])),
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function templateOne(
  helm: string,
  home: string,
  platform: Platform,
  cluster: PlatformCluster,
  addon: AddonName,
  contents: ReadonlyMap<string, string>,
): Promise<TemplateResult> {
  const chart = resolveChart(chartFor(addon)!, SHARED_CHART_MIRROR).chart;
  const values = contents.get(`clusters/${cluster.name}/addons/${addon}/values.yaml`);
  const valuesFile = join(home, `${cluster.name}-${addon}.yaml`);
  writeFileSync(valuesFile, values ?? '{}\n');
  const apiVersions = cluster.addons.flatMap((a) => API_VERSIONS_BY_ADDON[a] ?? []);
  const args = [
    'template',
    addon,
    chart,
    '--namespace',
    ADDON_CATALOG[addon].namespace,
    '--values',
    valuesFile,
    '--kube-version',
    platform.kubernetes.version.replace(/^v/, ''),
    ...apiVersions.flatMap((v) => ['--api-versions', v]),
  ];
  try {
    const { stdout, stderr } = await run(helm, args, {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
    });
    const documents = parseAllDocuments(stdout);
    // A duplicate key (a label the chart sets and the values set again) is refused when applied.
    const invalid = documents.flatMap((d) => d.errors.map((e) => e.message));
    if (invalid.length > 0)
      return {
        cluster: cluster.name,
        addon,
        objects: [],
        warnings: [],
        error: `invalid YAML rendered: ${invalid[0]}`,
      };
    const objects = documents
      .map((d) => d.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => o !== null && typeof o === 'object' && 'kind' in o);
    return { cluster: cluster.name, addon, objects, warnings: lines(stderr) };
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    return { cluster: cluster.name, addon, objects: [], warnings: [], error: (stderr || message).trim() };
  }
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
