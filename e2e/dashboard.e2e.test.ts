/**
 * `platformctl dashboard` in a real browser (Chromium from Debian packages, driven by
 * playwright-core) against a kwok platform: the topology lists the three clusters and their
 * nodes with the addresses kwok recorded, the run page follows an `up` started here step by step
 * without a reload, a cluster's detail shows a real release (Cilium on app1) with its status and
 * its objects' readiness, a step failed on purpose shows its error and log, the Health page shows
 * the verify and analyze reports run from a terminal, and requests without the token get 401.
 * Kept small: the clusters, their namespaces and one release.
 * Screenshots of each page go to .artifacts/dashboard/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestRelease } from '../src/clients/helm-releases.js';
import { KubeClient } from '../src/clients/kube.js';
import { SHARED_CHART_MIRROR } from '../src/test-support/chart-values.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin/platformctl.js');
const ARTIFACTS = join(ROOT, '.artifacts/dashboard');
const CHROMIUM = process.env.PLATFORMCTL_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(join(ROOT, '.harness/bin/kwokctl')))
  throw new Error('the e2e tests need the harness binaries: run `npm run harness` first');
if (!existsSync(CHROMIUM))
  throw new Error(
    `the dashboard e2e needs Chromium at ${CHROMIUM}: apt-get install chromium (or set PLATFORMCTL_CHROMIUM)`,
  );

const project = mkdtempSync(join(tmpdir(), 'platformctl-dashboard-'));
const env = { ...process.env, NO_COLOR: '1', PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR };
const CLUSTERS = ['mgmt', 'app1', 'app2'];

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: project, encoding: 'utf8', env });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `up` in the background, as another terminal would run it. */
function upInBackground(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'up', '--provider', 'kwok', '-o', 'json', ...args], {
    cwd: project,
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

let dashboard: ChildProcess;
let stopping = false;
let url: URL;
let browser: Browser;
let page: Page;
const consoleProblems: string[] = [];

async function startDashboard(): Promise<URL> {
  dashboard = spawn(process.execPath, [CLI, 'dashboard', '--provider', 'kwok'], { cwd: project, env });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL from the dashboard: ${out}`)), 30_000);
    dashboard.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(new URL(match[1]!));
      }
    });
    dashboard.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    dashboard.on('exit', (code, signal) => {
      // Before the URL: the start failed; after it, a crash the later tests would only see as refused connections.
      if (!stopping) console.error(`the dashboard exited (${code ?? signal}): ${out.slice(-4000)}`);
      reject(new Error(`the dashboard exited (${code ?? signal}): ${out}`));
    });
  });
}

/**
 * Runs in the page (a string: the tests' TypeScript has no DOM types): records every state each
 * step row takes, in order, and leaves a marker that a reload would lose.
 */
const RECORD_STATES = `(() => {
  window.__marker = 42;
  window.__states = {};
  const record = (row) => {
    const seen = (window.__states[row.getAttribute('data-step')] ??= []);
    const state = row.getAttribute('data-state');
    if (seen.at(-1) !== state) seen.push(state);
  };
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.type === 'attributes' && m.target.matches('tr[data-step]')) record(m.target);
      for (const node of m.addedNodes) if (node instanceof Element) node.querySelectorAll('tr[data-step]').forEach(record);
    }
  }).observe(document.getElementById('steps'), { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
})()`;

/** Runs in the page: the elements that reach past the window's right edge, outside scroll boxes. */
const WIDER_THAN_WINDOW = `(() => {
  if (document.documentElement.scrollWidth <= window.innerWidth) return [];
  return [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.scroll'))
    .slice(0, 10)
    .map((el) => el.tagName + (el.id ? '#' + el.id : '') + '.' + el.className + ': ' + (el.textContent || '').slice(0, 60));
})()`;

function watchConsole(on: Page) {
  on.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleProblems.push(`${m.type()}: ${m.text()}`);
  });
  on.on('pageerror', (e) => consoleProblems.push(`page error: ${e.message}`));
}

/** Node name → address, as the provision and bootstrap steps recorded them in the state. */
function recordedAddresses(): Record<string, string> {
  const state = JSON.parse(readFileSync(join(project, '.platformctl/state.json'), 'utf8')) as {
    steps: Record<string, { outputs?: { addresses?: Record<string, string> } }>;
  };
  const out: Record<string, string> = {};
  for (const kind of ['bootstrap', 'provision'])
    for (const cluster of CLUSTERS) Object.assign(out, state.steps[`${cluster}/${kind}`]?.outputs?.addresses);
  return out;
}

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const clusters = cli(
    'up',
    '--provider',
    'kwok',
    '--only',
    CLUSTERS.map((c) => `${c}/bootstrap`).join(','),
    '-o',
    'json',
  );
  if (clusters.code !== 0) console.error(clusters.stderr, clusters.stdout.slice(-3000));
  expect(clusters.code).toBe(0);
  url = await startDashboard();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  watchConsole(page);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  stopping = true;
  dashboard?.kill('SIGTERM');
  const down = cli('down', '--provider', 'kwok');
  if (down.code !== 0) console.error(`down failed in ${project}:`, down.stderr);
  else rmSync(project, { recursive: true, force: true });
}, 300_000);

describe('platformctl dashboard in Chromium', () => {
  it('answers 401 to requests without the token', async () => {
    const bare = `${url.origin}`;
    for (const path of ['/', '/api/topology', '/api/run', '/api/events', '/assets/app.js'])
      expect({ path, status: (await fetch(`${bare}${path}`)).status }).toEqual({ path, status: 401 });
    expect((await fetch(`${bare}/api/topology?token=not-the-token`)).status).toBe(401);
    expect((await fetch(`${bare}/api/topology?token=${url.searchParams.get('token')}`)).status).toBe(200);
  });

  it('shows the three clusters and their nodes with the addresses recorded or reported for them', async () => {
    await page.goto(url.href);
    // The token left the address bar for a cookie.
    expect(page.url()).toBe(`${url.origin}/`);
    await page.locator('[data-cluster]').first().waitFor();
    expect(
      await page
        .locator('[data-cluster]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-cluster'))),
    ).toEqual(CLUSTERS);
    // What the provider recorded: kwok registers its nodes at bootstrap and records the address
    // each Node object has (its InternalIP), which the page shows as recorded.
    const recorded = recordedAddresses();
    const status = JSON.parse(cli('status', '--provider', 'kwok', '--no-check', '-o', 'json').stdout) as {
      clusters: Array<{ name: string; nodes: Array<{ name: string; address?: string }> }>;
    };
    for (const cluster of status.clusters) {
      const rows = page.locator(`[data-cluster="${cluster.name}"] tr[data-node]`);
      const shown = await rows.evaluateAll((trs) =>
        trs.map((tr) => {
          const cell = tr.querySelector('[data-address]')!;
          return [
            tr.getAttribute('data-node'),
            cell.getAttribute('data-address'),
            cell.getAttribute('title'),
          ];
        }),
      );
      expect(shown.map(([name]) => name)).toEqual([`${cluster.name}-cp-0`, `${cluster.name}-worker-0`]);
      expect(cluster.nodes.map((n) => n.name).sort()).toEqual(shown.map(([name]) => name).sort());
      for (const [name, address, title] of shown) {
        const registered = cluster.nodes.find((n) => n.name === name)?.address;
        // kwok's controller simulates every kubelet, on loopback.
        expect(registered).toBe('127.0.0.1');
        expect({ name, recorded: recorded[name!] }).toEqual({ name, recorded: registered });
        expect({ name, address, title }).toEqual({
          name,
          address: registered,
          title: 'recorded by the provider',
        });
      }
      await expect(page.locator(`[data-cluster="${cluster.name}"]`).innerText()).resolves.toContain(
        'serving',
      );
    }
    await expect(page.locator('#mesh li').count()).resolves.toBe(3);
    await expect(page.locator('#links').innerText()).resolves.toContain('grafana.mgmt.local.dev');
    await shot('topology');
    // Each cluster of the diagram leads to its details.
    await page.locator('.diagram a[href="#topology/app2"]').click();
    await expect
      .poll(() => page.evaluate("document.activeElement?.closest('[data-cluster]')?.dataset.cluster"))
      .toBe('app2');
  });

  it('follows an up started elsewhere: steps turn from running to succeeded without a reload', async () => {
    await page.locator('a[data-nav="run"]').click();
    await page.locator('tr[data-step="app1/namespaces"]').waitFor();
    // Every state a step row takes, in order; and a marker a reload would lose.
    await page.evaluate(RECORD_STATES);
    const run = upInBackground('--only', 'app1/namespaces');
    await page
      .locator('tr[data-step="app1/namespaces"][data-state="succeeded"]')
      .waitFor({ timeout: 120_000 });
    await page.locator('#run-status[data-state="succeeded"]').waitFor({ timeout: 30_000 });
    const result = await run;
    expect(result.code).toBe(0);
    const { states, marker } = (await page.evaluate(
      '({ states: window.__states, marker: window.__marker })',
    )) as {
      states: Record<string, string[]>;
      marker: number;
    };
    expect(marker).toBe(42);
    const namespaces = states['app1/namespaces']!;
    expect(namespaces.indexOf('running')).toBeGreaterThanOrEqual(0);
    expect(namespaces.lastIndexOf('succeeded')).toBeGreaterThan(namespaces.indexOf('running'));
    // The settled steps it depends on only passed their live checks.
    expect(states['app1/bootstrap']).toContain('running');
    await expect(page.locator('#run-id').innerText()).resolves.toMatch(/^\d{8}T\d{6}-[0-9a-f]{6}$/);
    await expect(page.locator('[data-gantt-step="app1/namespaces"]').count()).resolves.toBe(1);
    await expect(page.locator('.graph .node.critical').count()).resolves.toBeGreaterThan(3);
    await shot('run');
  });

  it("shows each add-on's release status and its objects' readiness in the cluster's detail", async () => {
    // A real release on app1 (Cilium, and what it needs); the nodes' addresses outlive re-runs.
    const before = recordedAddresses();
    const run = await upInBackground('--only', 'app1/cilium/release');
    if (run.code !== 0) console.error(run.code, run.stderr, run.stdout.slice(-4000));
    expect(run.code).toBe(0);
    expect(recordedAddresses()).toEqual(before);
    const kube = await KubeClient.fromFile(join(project, 'kubeconfigs/app1.conf'));
    const topology = (await (
      await fetch(`${url.origin}/api/topology?token=${url.searchParams.get('token')}`)
    ).json()) as { clusters: Array<{ name: string; addons: Array<{ name: string; namespace: string }> }> };
    const namespace = topology.clusters
      .find((c) => c.name === 'app1')!
      .addons.find((a) => a.name === 'cilium')!.namespace;
    const release = await latestRelease(kube, 'cilium', namespace);
    expect(release?.status).toBe('deployed');
    await page.locator('a[data-nav="topology"]').click();
    const card = page.locator('[data-cluster="app1"]');
    await card.locator('details.addons summary').click();
    const cilium = card.locator('li[data-addon="cilium"]');
    await cilium.locator('[data-release-status]').waitFor({ timeout: 60_000 });
    // The topology was read again after the run: the release step's outcome is beside its live status.
    await expect(cilium.innerText()).resolves.toMatch(/release succeeded/);
    await expect(cilium.locator('[data-release-status]').getAttribute('data-release-status')).resolves.toBe(
      release!.status,
    );
    await expect(cilium.innerText()).resolves.toContain(`revision ${release!.revision}, ${release!.chart}`);
    // The release step waited for its workloads: every object the gates judge here is ready.
    const [ready, judged] = (await cilium.locator('[data-objects-ready]').getAttribute('data-objects-ready'))!
      .split('/')
      .map(Number);
    expect(judged).toBeGreaterThan(0);
    expect(ready).toBe(judged);
    // An add-on not installed yet says so.
    await expect(
      card.locator('li[data-addon="kyverno"] [data-release-status]').getAttribute('data-release-status'),
    ).resolves.toBe('not installed');
    await cilium.scrollIntoViewIfNeeded();
    await shot('topology-addons');
  });

  it('shows the error and the log of a step that failed', async () => {
    // A policy on app2 refuses every new Namespace, so its namespaces step fails (not transient).
    const kube = await KubeClient.fromFile(join(project, 'kubeconfigs/app2.conf'));
    for (const object of [
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name: 'dashboard-e2e-deny-namespaces' },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [
              {
                apiGroups: [''],
                apiVersions: ['v1'],
                operations: ['CREATE', 'UPDATE'],
                resources: ['namespaces'],
              },
            ],
          },
          validations: [{ expression: 'false', message: 'denied on purpose by the dashboard e2e' }],
        },
      },
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicyBinding',
        metadata: { name: 'dashboard-e2e-deny-namespaces' },
        spec: { policyName: 'dashboard-e2e-deny-namespaces', validationActions: ['Deny'] },
      },
    ])
      await kube.apply(object);
    // The policy takes effect once the API server has loaded it.
    for (let i = 0; ; i++) {
      const denied = await kube
        .apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dashboard-e2e-probe' } })
        .then(
          () => false,
          (e: Error) => e.message.includes('denied on purpose'),
        );
      if (denied) break;
      if (i > 60) throw new Error('the admission policy never took effect');
      await new Promise((r) => setTimeout(r, 500));
    }
    await page.locator('a[data-nav="run"]').click();
    const run = await upInBackground('--only', 'app2/namespaces');
    if (run.code !== 3) console.error(run.code, run.stderr, run.stdout.slice(-4000));
    expect(run.code).toBe(3);
    const row = page.locator('tr[data-step="app2/namespaces"][data-state="failed"]');
    await row.waitFor({ timeout: 60_000 });
    await expect(row.locator('.step-error').innerText()).resolves.toContain(
      'denied on purpose by the dashboard e2e',
    );
    await page.locator('#run-status[data-state="failed"]').waitFor({ timeout: 30_000 });
    await row.locator('button.step').click();
    await expect(page.locator('#detail-error').innerText()).resolves.toContain(
      'denied on purpose by the dashboard e2e',
    );
    await expect
      .poll(() => page.locator('#log-tail').innerText(), { timeout: 10_000 })
      .not.toMatch(/^loading/);
    await expect(page.locator('#log-tail').innerText()).resolves.toContain('denied on purpose');
    await shot('run-failed');
  });

  it('shows the latest verify and analyze run from a terminal, with when they ran', async () => {
    cli('verify', '--provider', 'kwok', '-o', 'json');
    cli('analyze', '--provider', 'kwok', '--cluster', 'app1', '-o', 'json');
    const saved = (kind: string) =>
      JSON.parse(readFileSync(join(project, `.platformctl/reports/${kind}.json`), 'utf8')) as {
        at: string;
        report?: { checks: unknown[] };
        findings?: unknown[];
      };
    const verify = saved('verify');
    const analyze = saved('analyze');
    await page.locator('a[data-nav="health"]').click();
    await page.locator('#health-overall').waitFor({ timeout: 120_000 });
    await expect(page.locator('#saved-verify').getAttribute('data-at')).resolves.toBe(verify.at);
    await expect(page.locator('#saved-verify time').getAttribute('datetime')).resolves.toBe(verify.at);
    await expect(page.locator('#saved-verify').innerText()).resolves.toContain(
      `${verify.report!.checks.length} checks`,
    );
    await expect(page.locator('#saved-analyze').getAttribute('data-at')).resolves.toBe(analyze.at);
    await expect(page.locator('#saved-analyze').innerText()).resolves.toContain(
      `on clusters app1: ${analyze.findings!.length} findings`,
    );
    // The dashboard's own checks are not saved: it changes nothing.
    expect(saved('verify').at).toBe(verify.at);
    await page.locator('#saved-verify').scrollIntoViewIfNeeded();
    await shot('health');
  });

  it('is usable in a narrow window and by keyboard, with no console errors', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const view of ['topology', 'run', 'health']) {
      await page.locator(`a[data-nav="${view}"]`).click();
      if (view === 'health') await page.locator('#health-overall').waitFor({ timeout: 120_000 });
      // Anything wider than the window, named (the page itself must not scroll sideways).
      const wider = (await page.evaluate(WIDER_THAN_WINDOW)) as string[];
      expect({ view, wider }).toEqual({ view, wider: [] });
      await shot(`${view}-narrow`);
    }
    await expect(page.locator('#verify tr[data-check]').count()).resolves.toBeGreaterThan(0);
    // From the top of the page, the skip link and every view are a Tab away.
    const fresh = await page.context().newPage();
    watchConsole(fresh);
    await fresh.setViewportSize({ width: 390, height: 844 });
    await fresh.goto(`${url.origin}/`);
    await fresh.locator('[data-cluster]').first().waitFor();
    const focused: string[] = [];
    for (let i = 0; i < 4; i++) {
      await fresh.keyboard.press('Tab');
      focused.push((await fresh.evaluate("document.activeElement?.textContent?.trim() ?? ''")) as string);
    }
    expect(focused).toEqual(['Skip to content', 'Topology', 'Run', 'Health']);
    await fresh.keyboard.press('Enter');
    await fresh.locator('#view-health:not([hidden])').waitFor();
    expect(await fresh.evaluate('document.activeElement.id')).toBe('h-health');
    await fresh.close();
    expect(consoleProblems).toEqual([]);
  });
});
