import { cpSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartFor } from '../addons/charts.js';
import { buildPlan } from '../plan/plan.js';
import { renderPlatform } from '../render/index.js';
import { SHARED_CHART_MIRROR } from '../test-support/chart-values.js';
import { tempDir } from '../test-support/cli.js';
import { testPlatform } from '../test-support/render.js';
import { preflight, PreflightError, type Probe } from './preflight.js';

const platform = testPlatform();
const plan = buildPlan(platform, renderPlatform(platform), 'kwok');

/** A scripted probe: records what it was asked, answers from a table, never opens a socket. */
function scriptedProbe(unreachable: readonly string[] = []): Probe & { asked: string[] } {
  const asked: string[] = [];
  const probe = async (url: string) => {
    asked.push(url);
    return unreachable.some((u) => url.startsWith(u))
      ? { reachable: false, detail: 'ENOTFOUND' }
      : { reachable: true, detail: 'HTTP 200' };
  };
  return Object.assign(probe, { asked });
}

const base = { plan, env: {}, projectDir: tempDir(), providerChecks: [] };

describe('preflight', () => {
  it('passes with the shared mirror, one check per chart and bundle, and probes nothing', async () => {
    const probe = scriptedProbe();
    const report = await preflight({
      ...base,
      probe,
      charts: { dir: SHARED_CHART_MIRROR, from: 'PLATFORMCTL_CHARTS_DIR' },
    });
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.ok).toBe(true);
    const charts = new Set(plan.steps.filter((s) => s.kind === 'helm').map((s) => s.addon));
    expect(report.checks.filter((c) => c.id.startsWith('chart.')).length).toBe(charts.size);
    expect(report.checks.map((c) => c.id)).toContain('bundle.gateway-api');
    expect(probe.asked).toEqual([]);
  });

  it('names a mirror directory that does not exist, instead of failing later on the first chart', async () => {
    const report = await preflight({
      ...base,
      probe: scriptedProbe(),
      charts: { dir: '/nonexistent/mirror', from: 'PLATFORMCTL_CHARTS_DIR' },
    });
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => c.id !== 'binary.helm')).toEqual([
      expect.objectContaining({
        id: 'mirror',
        status: 'fail',
        detail: expect.stringContaining('/nonexistent/mirror'),
      }),
    ]);
  });

  it('lists every chart an incomplete mirror lacks, each with the helm pull that fetches it', async () => {
    const dir = tempDir();
    for (const name of readdirSync(SHARED_CHART_MIRROR).filter((n) => !/^(cilium|vault)-/.test(n)))
      cpSync(join(SHARED_CHART_MIRROR, name), join(dir, name), { recursive: true });
    const report = await preflight({ ...base, probe: scriptedProbe(), charts: { dir, from: 'recorded' } });
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.id).sort()).toEqual(['chart.cilium', 'chart.vault']);
    expect(failed[0]!.fix).toContain(`helm pull ${chartFor('cilium')!.chart}`);
    const error = new PreflightError(report);
    expect(error.code).toBe('preflight.failed');
    expect(error.kind).toBe('environment');
    expect(error.message).toContain('chart.cilium');
    expect(error.message).toContain('chart.vault');
  });

  it('without a mirror asks each chart repository and bundle once, and says how to work offline', async () => {
    const probe = scriptedProbe(['https://helm.cilium.io']);
    const report = await preflight({ ...base, probe });
    const repositories = new Set(
      plan.steps.filter((s) => s.kind === 'helm').map((s) => chartFor(s.addon!)!.repository),
    );
    expect(probe.asked.length).toBe(repositories.size + 1);
    expect(new Set(probe.asked).size).toBe(probe.asked.length);
    expect(probe.asked).toContain('https://helm.cilium.io/index.yaml');
    expect(probe.asked.every((url) => url.startsWith('https://'))).toBe(true);
    expect(report.ok).toBe(false);
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.id)).toEqual(['repository.https://helm.cilium.io']);
    expect(failed[0]!.fix).toContain('PLATFORMCTL_CHARTS_DIR');
  });

  it('fails on a missing provider tool and passes its passing checks through', async () => {
    const report = await preflight({
      ...base,
      probe: scriptedProbe(),
      charts: { dir: SHARED_CHART_MIRROR, from: 'recorded' },
      providerChecks: [
        { id: 'binary.kwokctl', status: 'fail', detail: 'kwokctl not found', fix: 'npm run harness' },
        { id: 'binary.etcd', status: 'pass', detail: '/bin/etcd' },
      ],
    });
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['binary.kwokctl', 'binary.etcd']));
  });

  it('refuses a mirror that is a file', async () => {
    const file = join(tempDir(), 'mirror');
    writeFileSync(file, '');
    const report = await preflight({
      ...base,
      probe: scriptedProbe(),
      charts: { dir: file, from: 'PLATFORMCTL_CHARTS_DIR' },
    });
    expect(report.checks.find((c) => c.id === 'mirror')).toMatchObject({
      id: 'mirror',
      status: 'fail',
      detail: expect.stringContaining('not a directory'),
    });
  });
});
