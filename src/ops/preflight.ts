/**
 * Preflight: what a run needs, checked before anything is created. Every chart and bundle the
 * plan installs is in the mirror (when one is given, and the directory exists) or its repository
 * answers; helm and the provider's tools are there. `up` stops on a failed check with every
 * failure and its fix at once; `up --dry-run` prints the same checks.
 */
import { stat } from 'node:fs/promises';
import { chartFor } from '../addons/charts.js';
import { findBinaries } from '../clients/binaries.js';
import { ChartSourceError, resolveBundle, resolveChart } from '../engine/chart-source.js';
import { PlatformctlError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import type { PreflightCheck } from '../providers/types.js';

/** Whether a URL answers (any HTTP status but 404 and 5xx); `detail` says what it got. */
export type Probe = (url: string) => Promise<{ readonly reachable: boolean; readonly detail: string }>;

export interface ChartsSource {
  readonly dir: string;
  /** Where platformctl learnt it: the environment of this run, or the project's record of an earlier one. */
  readonly from: 'PLATFORMCTL_CHARTS_DIR' | 'recorded';
}

export interface PreflightInput {
  readonly plan: Plan;
  readonly charts?: ChartsSource;
  readonly probe: Probe;
  /** Where helm and the like are looked up (PLATFORMCTL_BIN_DIR, the harness, PATH). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly projectDir: string;
  readonly providerChecks: readonly PreflightCheck[];
}

export interface PreflightReport {
  readonly ok: boolean;
  readonly checks: readonly PreflightCheck[];
}

const MIRROR_HINT =
  'without the internet, set PLATFORMCTL_CHARTS_DIR to a chart mirror: `<chart>-<version>.tgz` ' +
  'files as `helm pull` writes them, and gateway-api/<version>/standard-install.yaml';

/** A chart repository's answer to "are you there": its index, or an OCI registry's API root. */
function repositoryProbeUrl(repository: string): string {
  if (repository.startsWith('oci://')) {
    const host = repository.slice('oci://'.length).split('/')[0]!;
    return `https://${host}/v2/`;
  }
  return `${repository.replace(/\/$/, '')}/index.yaml`;
}

async function mirrorChecks(plan: Plan, charts: ChartsSource): Promise<PreflightCheck[]> {
  const info = await stat(charts.dir).catch(() => undefined);
  if (!info?.isDirectory())
    return [
      {
        id: 'mirror',
        status: 'fail',
        detail: `the chart mirror ${charts.dir} (${charts.from}) ${info ? 'is not a directory' : 'does not exist'}`,
        fix:
          charts.from === 'recorded'
            ? 'set PLATFORMCTL_CHARTS_DIR to where the mirror is now (it is recorded again), or remove .platformctl/mirror.json to use the repositories'
            : 'check the path in PLATFORMCTL_CHARTS_DIR',
      },
    ];
  const checks: PreflightCheck[] = [
    { id: 'mirror', status: 'pass', detail: `${charts.dir} (${charts.from})` },
  ];
  for (const step of plan.steps) {
    try {
      if (step.kind === 'helm' && step.addon) {
        const ref = chartFor(step.addon)!;
        const found = resolveChart(ref, charts.dir);
        checks.push({ id: `chart.${step.cluster}.${step.addon}`, status: 'pass', detail: found.chart });
      } else if (step.kind === 'bundle' && step.bundle) {
        const found = resolveBundle(step.bundle, charts.dir);
        checks.push({
          id: `bundle.${step.cluster}.${step.bundle.name}`,
          status: 'pass',
          detail: found.path!,
        });
      }
    } catch (error) {
      if (!(error instanceof ChartSourceError)) throw error;
      checks.push({
        id:
          step.kind === 'helm'
            ? `chart.${step.cluster}.${step.addon}`
            : `bundle.${step.cluster}.${step.bundle!.name}`,
        status: 'fail',
        detail: error.message.split(': put it there')[0]!.split(': download')[0]!,
        fix: error.message,
      });
    }
  }
  return dedupe(checks);
}

/** One check per chart or bundle, not one per cluster that installs it. */
function dedupe(checks: PreflightCheck[]): PreflightCheck[] {
  const byDetail = new Map<string, PreflightCheck>();
  for (const check of checks) {
    const id = check.id.replace(/^(chart|bundle)\.[^.]+\./, '$1.');
    if (!byDetail.has(id)) byDetail.set(id, { ...check, id });
  }
  return [...byDetail.values()];
}

async function repositoryChecks(plan: Plan, probe: Probe): Promise<PreflightCheck[]> {
  const urls = new Map<string, string>();
  for (const step of plan.steps) {
    if (step.kind === 'helm' && step.addon) {
      const repository = chartFor(step.addon)!.repository;
      urls.set(`repository ${repository}`, repositoryProbeUrl(repository));
    } else if (step.kind === 'bundle' && step.bundle) urls.set(`bundle ${step.bundle.name}`, step.bundle.url);
  }
  return Promise.all(
    [...urls].map(async ([what, url]): Promise<PreflightCheck> => {
      const answer = await probe(url);
      return answer.reachable
        ? { id: what.replace(' ', '.'), status: 'pass', detail: `${url}: ${answer.detail}` }
        : {
            id: what.replace(' ', '.'),
            status: 'fail',
            detail: `${url}: ${answer.detail}`,
            fix: MIRROR_HINT,
          };
    }),
  );
}

function helmCheck(input: PreflightInput): PreflightCheck[] {
  if (!input.plan.steps.some((s) => s.kind === 'helm')) return [];
  try {
    const { helm } = findBinaries(['helm'] as const, { env: input.env, projectDir: input.projectDir });
    return [{ id: 'binary.helm', status: 'pass', detail: helm }];
  } catch (error) {
    return [
      {
        id: 'binary.helm',
        status: 'fail',
        detail: 'helm not found',
        fix: `${(error as PlatformctlError).hint ?? ''} (macOS: brew install helm; Linux: snap install helm --classic)`.trim(),
      },
    ];
  }
}

export async function preflight(input: PreflightInput): Promise<PreflightReport> {
  const checks = [
    ...helmCheck(input),
    ...input.providerChecks,
    ...(input.charts
      ? await mirrorChecks(input.plan, input.charts)
      : await repositoryChecks(input.plan, input.probe)),
  ];
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

/** `up` stops before it creates anything; every failed check is in the message. */
export class PreflightError extends PlatformctlError {
  override readonly name = 'PreflightError';
  constructor(readonly report: PreflightReport) {
    const failed = report.checks.filter((c) => c.status === 'fail');
    super(
      'preflight.failed',
      'environment',
      `preflight: ${failed.length} check(s) failed, nothing was created:\n` +
        failed
          .map((c, i) => {
            // Checks with the same fix (every unreachable repository) print it once, at the last.
            const last = failed[i + 1]?.fix !== c.fix;
            return `  ${c.id}: ${c.detail}${c.fix && last ? `\n    fix: ${c.fix}` : ''}`;
          })
          .join('\n'),
    );
  }
}
