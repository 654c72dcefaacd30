/**
 * charts pull against a chart repository served on 127.0.0.1 from ../shared/chart-mirror (its
 * index made by the harness's `helm repo index`, so the digests are real): every request the
 * puller makes for a repository on the internet is answered by that local server instead.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_API_CRDS } from '../addons/catalog/gateway-api.js';
import type { ChartRef } from '../addons/charts.js';
import { buildPlan } from '../plan/plan.js';
import { renderPlatform } from '../render/index.js';
import { SHARED_CHART_MIRROR } from '../test-support/chart-values.js';
import { tempDir } from '../test-support/cli.js';
import { harnessHelm } from '../test-support/helm-template.js';
import { testPlatform } from '../test-support/render.js';
import { httpGet, pinnedCharts, pullCharts, type PullDeps } from './charts-pull.js';
import { preflight } from './preflight.js';

const served = tempDir();
let server: Server;
let base = '';

beforeAll(async () => {
  cpSync(SHARED_CHART_MIRROR, served, { recursive: true });
  server = createServer((request, response) => {
    try {
      response.end(
        readFileSync(join(served, decodeURIComponent(new URL(request.url!, 'http://x').pathname))),
      );
    } catch {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  execFileSync(harnessHelm(), ['repo', 'index', served, '--url', base], {
    env: { ...process.env, HELM_CACHE_HOME: served, HELM_CONFIG_HOME: served },
  });
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The internet, as the local server: any repository's index is the served one, the bundle its copy. */
function deps(options: { unreachable?: string } = {}): PullDeps & { oci: ChartRef[] } {
  const oci: ChartRef[] = [];
  return {
    oci,
    get: async (url) => {
      const u = new URL(url);
      if (options.unreachable && u.hostname === options.unreachable) throw new Error(`GET ${url}: ENOTFOUND`);
      if (u.hostname === '127.0.0.1') return httpGet(url);
      if (u.pathname.endsWith('/index.yaml')) return httpGet(`${base}/index.yaml`);
      if (url === GATEWAY_API_CRDS.url)
        return httpGet(`${base}/gateway-api/${GATEWAY_API_CRDS.version}/standard-install.yaml`);
      throw new Error(`unexpected request for ${url}`);
    },
    // OCI registries cannot be served here: the pull copies the package helm would write.
    helmPull: async (ref, dir) => {
      oci.push(ref);
      copyFileSync(
        join(SHARED_CHART_MIRROR, `${ref.chart}-${ref.version}.tgz`),
        join(dir, `${ref.chart}-${ref.version}.tgz`),
      );
    },
  };
}

describe('charts pull (a chart repository served on 127.0.0.1 from the shared mirror)', () => {
  it('writes a complete mirror, byte for byte the packages the index names, which preflight accepts; a second run keeps it', async () => {
    const out = tempDir();
    const first = await pullCharts(out, deps());
    expect(first.failed).toEqual([]);
    expect(first.pulled.length).toBe(pinnedCharts().length + 1);
    for (const name of readdirSync(SHARED_CHART_MIRROR).filter((n) => n.endsWith('.tgz')))
      expect(sha(join(out, name)), name).toBe(sha(join(SHARED_CHART_MIRROR, name)));
    const platform = testPlatform();
    const report = await preflight({
      plan: buildPlan(platform, renderPlatform(platform), 'kwok'),
      charts: { dir: out, from: 'PLATFORMCTL_CHARTS_DIR' },
      probe: async () => ({ reachable: false, detail: 'not asked' }),
      env: {},
      projectDir: tempDir(),
      providerChecks: [],
    });
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    const second = await pullCharts(out, deps());
    expect(second.pulled).toEqual([]);
    expect(second.kept.length).toBe(first.pulled.length);
  });

  it("fails on a package whose digest is not the index's, naming the chart and the repository, and writes nothing for it", async () => {
    const cilium = join(served, 'cilium-1.20.0.tgz');
    const original = readFileSync(cilium);
    writeFileSync(cilium, Buffer.concat([original, Buffer.from('tampered')]));
    try {
      const out = tempDir();
      const report = await pullCharts(out, deps());
      expect(report.failed).toEqual([
        expect.objectContaining({
          item: 'cilium 1.20.0',
          repository: 'https://helm.cilium.io',
          error: expect.stringContaining('digest mismatch'),
        }),
      ]);
      expect(readdirSync(out)).not.toContain('cilium-1.20.0.tgz');
    } finally {
      writeFileSync(cilium, original);
    }
  });

  it('names the chart and the repository it could not reach, and fetches the rest', async () => {
    const report = await pullCharts(tempDir(), deps({ unreachable: 'helm.cilium.io' }));
    expect(report.failed).toEqual([
      {
        item: 'cilium 1.20.0',
        repository: 'https://helm.cilium.io',
        error: expect.stringContaining('ENOTFOUND'),
      },
    ]);
    expect(report.pulled.length).toBe(pinnedCharts().length);
  });
});
