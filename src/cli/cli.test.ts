import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SHARED_CHART_MIRROR } from '../test-support/chart-values.js';
import { runCli, tempDir } from '../test-support/cli.js';

const MIRROR_ENV = { PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR };

const FIXTURES = fileURLToPath(new URL('../spec/fixtures/', import.meta.url));

describe('platformctl validate', () => {
  it('uses the built-in default when there is no platform.yaml, and exits 0', async () => {
    const r = await runCli(['validate'], { cwd: tempDir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✓ the built-in default is valid (0 errors, 0 warnings)');
  });

  it('exits 1 with every problem, its position, a snippet and a fix', async () => {
    const r = await runCli(['validate', '-f', join(FIXTURES, 'rules/network.host-bits.yaml')], {
      cwd: FIXTURES,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'rules/network.host-bits.yaml:13:20: error network.host-bits at spec.clusters[1].serviceCIDR',
    );
    expect(r.stdout).toContain('serviceCIDR: 10.97.0.0/12');
    expect(r.stdout).toMatch(/\|\s+\^/);
    expect(r.stdout).toContain('fix: write 10.96.0.0/12');
    expect(r.stdout).toContain('is invalid: 1 error, 0 warnings');
  });

  it('prints machine-readable results with --output json', async () => {
    const r = await runCli(
      ['validate', '-o', 'json', '-f', join(FIXTURES, 'rules/dependency.missing.yaml')],
      { cwd: FIXTURES },
    );
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ source: 'file', valid: false });
    expect(out.errors).toBeGreaterThan(0);
    expect(out.diagnostics[0]).toMatchObject({
      code: 'dependency.missing',
      severity: 'error',
      path: 'spec.addons.vault',
      line: 9,
      column: 12,
    });
    expect(out.diagnostics[0].message).toContain(
      'external-secrets on mgmt, app1, app2 requires vault on the management cluster (mgmt)',
    );
  });

  it('reads ./platform.yaml when present, and the spec from stdin with -f -', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'platform.yaml'),
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec: { host: { memoryGiB: 12 } }\n',
    );
    const fromCwd = await runCli(['validate', '-o', 'json'], { cwd });
    expect(JSON.parse(fromCwd.stdout)).toMatchObject({
      file: 'platform.yaml',
      valid: false,
      diagnostics: [{ code: 'resources.memory-over-budget' }],
    });
    const fromStdin = await runCli(['validate', '-f', '-'], {
      cwd,
      stdin: 'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: y }\n',
    });
    expect(fromStdin.code).toBe(0);
  });

  it('prints the budget table with --budget', async () => {
    const r = await runCli(['validate', '--budget'], { cwd: tempDir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/mgmt-worker-0\s+worker\s+3\s+8 GiB\s+50 GiB/);
    expect(r.stdout).toMatch(/total\s+16\s+36 GiB\s+400 GiB/);
    expect(r.stdout).toMatch(/usage\s+2\.00x\s+64%\s+74%/);
    const json = JSON.parse(
      (await runCli(['validate', '--budget', '-o', 'json'], { cwd: tempDir() })).stdout,
    );
    expect(json.budget.total).toEqual({ cpus: 16, memoryGiB: 36, diskGiB: 400 });
  });

  it('exits 2 for a missing file and for bad usage', async () => {
    const missing = await runCli(['validate', '-f', 'nope.yaml'], { cwd: tempDir() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('spec file not found: nope.yaml');
    expect((await runCli(['validate', '-o', 'xml'], { cwd: tempDir() })).code).toBe(2);
    expect((await runCli(['frobnicate'], { cwd: tempDir() })).code).toBe(2);
  });
});

describe('platformctl init', () => {
  it('writes a valid commented spec and its schema, then refuses to overwrite them', async () => {
    const cwd = tempDir();
    const r = await runCli(['init'], { cwd });
    expect(r.code).toBe(0);
    const spec = readFileSync(join(cwd, 'platform.yaml'), 'utf8');
    expect(spec.startsWith('# yaml-language-server: $schema=./platform.schema.json\n')).toBe(true);
    expect(JSON.parse(readFileSync(join(cwd, 'platform.schema.json'), 'utf8')).$id).toContain(
      'platform-v1alpha1',
    );
    expect((await runCli(['validate'], { cwd })).code).toBe(0);

    const again = await runCli(['init'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists; use --force');
    expect(readFileSync(join(cwd, 'platform.yaml'), 'utf8')).toBe(spec);
    expect((await runCli(['init', '--force'], { cwd })).code).toBe(0);
  });

  it('prints to stdout with -f - and skips the schema with --no-schema', async () => {
    const cwd = tempDir();
    const printed = await runCli(['init', '-f', '-'], { cwd });
    expect(printed.stdout).toContain('kind: Platform');
    expect(existsSync(join(cwd, 'platform.yaml'))).toBe(false);
    await runCli(['init', '--no-schema', '-f', 'lab.yaml'], { cwd });
    expect(existsSync(join(cwd, 'lab.yaml'))).toBe(true);
    expect(existsSync(join(cwd, 'platform.schema.json'))).toBe(false);
    expect(statSync(join(cwd, 'lab.yaml')).size).toBeGreaterThan(1000);
  });
});

describe('platformctl schema and addons', () => {
  it('schema prints the JSON Schema', async () => {
    const r = await runCli(['schema'], { cwd: tempDir() });
    expect(JSON.parse(r.stdout).title).toContain('Platform');
  });

  it('addons lists the catalog with the placement of the current spec', async () => {
    const r = await runCli(['addons'], { cwd: tempDir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kyverno\s+backup-security\s+kyverno\s+workload only\s+app1,app2/);
    expect(r.stdout).toMatch(/external-secrets .*vault@management/);
    const json = JSON.parse((await runCli(['addons', '-o', 'json'], { cwd: tempDir() })).stdout);
    expect(json.addons.find((a: { name: string }) => a.name === 'vault').clusters).toEqual(['mgmt']);
  });

  it('--help and --version exit 0', async () => {
    const help = await runCli(['--help'], { cwd: tempDir() });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('validate');
    expect((await runCli(['validate', '--help'], { cwd: tempDir() })).stdout).toContain(
      'Exit status: 0 valid',
    );
    expect((await runCli(['--version'], { cwd: tempDir() })).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('the installed binary', () => {
  const bin = fileURLToPath(new URL('../../bin/platformctl.js', import.meta.url));
  const built = existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)));

  it.skipIf(!built)('runs as a process and sets its exit code', () => {
    const out = execFileSync(process.execPath, [bin, 'validate', '-o', 'json'], {
      cwd: tempDir(),
      encoding: 'utf8',
    });
    expect(JSON.parse(out).valid).toBe(true);
    let status = 0;
    try {
      execFileSync(process.execPath, [bin, 'validate', '-f', join(FIXTURES, 'rules/schema.kind.yaml')], {
        encoding: 'utf8',
      });
    } catch (error) {
      status = (error as { status: number }).status;
    }
    expect(status).toBe(1);
  });

  it.skipIf(!built)(
    'reports the same shape diagnostics with the precompiled validator as from the sources',
    async () => {
      const { readdirSync } = await import('node:fs');
      const schemaFixtures = readdirSync(join(FIXTURES, 'rules')).filter((f) => f.startsWith('schema.'));
      expect(schemaFixtures.length).toBeGreaterThan(5);
      for (const fixture of schemaFixtures) {
        const file = join(FIXTURES, 'rules', fixture);
        let out = '';
        try {
          out = execFileSync(process.execPath, [bin, 'validate', '-o', 'json', '-f', file], {
            encoding: 'utf8',
          });
        } catch (error) {
          out = (error as { stdout: string }).stdout;
        }
        const inProcess = await runCli(['validate', '-o', 'json', '-f', file], { cwd: tempDir() });
        // The file name differs (relative to each working directory); everything else must not.
        const codes = (text: string) =>
          (JSON.parse(text) as { diagnostics: Array<{ file?: string }> }).diagnostics.map((d) => ({
            ...d,
            file: undefined,
          }));
        expect(codes(out), fixture).toEqual(codes(inProcess.stdout));
      }
    },
  );

  it.skipIf(!built)('stops quietly when its output is closed early (a pipe into head)', () => {
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" schema | head -c 10`], {
      encoding: 'utf8',
    });
    expect(result.stderr).not.toContain('EPIPE');
    expect(result.stdout).toHaveLength(10);
  });
});

describe('platformctl render', () => {
  it('writes the tree, reports no changes against itself, shows a diff after an edit, and removes stale files', async () => {
    const cwd = tempDir();
    const first = await runCli(['render', '--out', 'out'], { cwd });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^wrote \d+ files to out\n$/);
    expect(existsSync(join(cwd, 'out/clusters/app2/nodes/app2-worker-0/cloud-init.yaml'))).toBe(true);
    expect((await runCli(['render', '--diff', 'out'], { cwd })).code).toBe(0);

    const init = join(cwd, 'out/clusters/mgmt/kubeadm/init.yaml');
    writeFileSync(init, readFileSync(init, 'utf8').replace('clusterName: mgmt', 'clusterName: other'));
    const diff = await runCli(['render', '--diff', 'out', '-o', 'json'], { cwd });
    expect(diff.code).toBe(1);
    const { changes } = JSON.parse(diff.stdout);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ path: 'clusters/mgmt/kubeadm/init.yaml', change: 'changed' });
    expect(changes[0].diff).toContain('-clusterName: other\n+clusterName: mgmt');

    // One worker fewer: its files go away on the next render.
    writeFileSync(
      join(cwd, 'platform.yaml'),
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec:\n  clusters:\n    - { name: mgmt, role: management }\n    - { name: app1, role: workload }\n',
    );
    const again = await runCli(['render', '--out', 'out'], { cwd });
    expect(again.stdout).toMatch(/removed \d+ stale/);
    expect(existsSync(join(cwd, 'out/clusters/app2/nodes/app2-worker-0/cloud-init.yaml'))).toBe(false);
  });

  it('refuses an index that lists a path outside --out, deleting nothing (exit 1, no stack)', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'victim.txt'), 'precious\n');
    mkdirSync(join(cwd, 'out'));
    writeFileSync(
      join(cwd, 'out/index.json'),
      JSON.stringify({ artifacts: [{ path: '../victim.txt', sha256: 'a'.repeat(64), bytes: 9 }] }),
    );
    const result = await runCli(['render', '--out', 'out'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not an index platformctl wrote');
    expect(result.stderr).not.toContain('internal error');
    expect(readFileSync(join(cwd, 'victim.txt'), 'utf8')).toBe('precious\n');
  });

  it('refuses an invalid spec with its diagnostics and needs --out or --diff', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'platform.yaml'),
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec: { host: { memoryGiB: 8 } }\n',
    );
    const bad = await runCli(['render', '--out', 'out'], { cwd });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('resources.memory-over-budget');
    expect(existsSync(join(cwd, 'out'))).toBe(false);
    expect((await runCli(['render'], { cwd })).code).toBe(2);
  });
});

describe('platformctl up (without clusters)', () => {
  it('--dry-run lists every step as would-run on a fresh project and changes nothing', async () => {
    const cwd = tempDir();
    const r = await runCli(['up', '--provider', 'kwok', '--dry-run', '-o', 'json'], { cwd, env: MIRROR_ENV });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.dryRun).toBe(true);
    expect(out.preflight.ok).toBe(true);
    expect(out.preflight.checks.map((c: { id: string }) => c.id)).toEqual(
      expect.arrayContaining([
        'binary.helm',
        'binary.kwokctl',
        'mirror',
        'chart.cilium',
        'bundle.gateway-api',
      ]),
    );
    expect(out.steps.length).toBeGreaterThan(50);
    expect(out.steps.every((s: any) => s.action === 'run' && s.status === 'new')).toBe(true);
    expect(existsSync(join(cwd, '.platformctl'))).toBe(false);
  });

  it('--dry-run with --only and --skip shows the selection in text', async () => {
    const r = await runCli(['up', '--provider', 'kwok', '--dry-run', '--only', 'app1', '--skip', 'falco'], {
      cwd: tempDir(),
      env: MIRROR_ENV,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^run {3}app1\/provision \(new\)$/m);
    expect(r.stdout).toMatch(/^skip {2}app1\/falco\/release \(new\)$/m);
    expect(r.stdout).toMatch(/^skip {2}app2\/provision \(new\)$/m);
    expect(r.stdout).toMatch(/^run {3}mgmt\/vault\/release \(new\)$/m);
  });

  it('stops before creating anything when the mirror it is given does not exist (exit 5), naming it', async () => {
    const cwd = tempDir();
    for (const args of [['--dry-run'], []]) {
      const r = await runCli(['up', '--provider', 'kwok', ...args], {
        cwd,
        env: { PLATFORMCTL_CHARTS_DIR: join(cwd, 'no-such-mirror') },
      });
      expect(r.code).toBe(5);
      expect(r.stdout + r.stderr).toContain(
        `${join(cwd, 'no-such-mirror')} (PLATFORMCTL_CHARTS_DIR) does not exist`,
      );
    }
    expect(existsSync(join(cwd, '.platformctl'))).toBe(false);
  });

  it("checks spec.addons.<name>.values against the chart's own schema (helm, the mirrored chart), changing nothing", async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'platform.yaml'),
      [
        'apiVersion: platformctl.dev/v1alpha1',
        'kind: Platform',
        'metadata: { name: demo }',
        'spec:',
        '  addons:',
        '    cilium: { values: { hubble: { enabled: "yes" } } }',
        '    grafana: { values: { replicas: 2 } }',
        '',
      ].join('\n'),
    );
    const r = await runCli(['up', '--provider', 'kwok', '--dry-run', '-o', 'json'], { cwd, env: MIRROR_ENV });
    expect(r.code).toBe(5);
    const checks = JSON.parse(r.stdout).preflight.checks as Array<{
      id: string;
      status: string;
      detail: string;
    }>;
    const cilium = checks.filter((c) => c.id.endsWith('.cilium') && c.id.startsWith('values.'));
    expect(cilium.map((c) => c.id)).toEqual([
      'values.mgmt.cilium',
      'values.app1.cilium',
      'values.app2.cilium',
    ]);
    for (const check of cilium) {
      expect(check.status).toBe('fail');
      expect(check.detail).toContain("at '/hubble/enabled': got string, want boolean");
    }
    expect(checks.find((c) => c.id === 'values.mgmt.grafana')?.status).toBe('pass');
    expect(existsSync(join(cwd, '.platformctl'))).toBe(false);
  });

  it('remembers the mirror of an earlier run, and says so', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, '.platformctl'), { recursive: true });
    writeFileSync(join(cwd, '.platformctl/mirror.json'), JSON.stringify({ dir: SHARED_CHART_MIRROR }));
    const r = await runCli(['up', '--provider', 'kwok', '--dry-run'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`mirror: ${SHARED_CHART_MIRROR} (recorded)`);
  });

  it('rejects an unknown selector and a bad --concurrency with exit 2', async () => {
    const bad = await runCli(['up', '--provider', 'kwok', '--only', 'app9'], { cwd: tempDir() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"app9" matches no step');
    const concurrency = await runCli(['up', '--provider', 'kwok', '--concurrency', 'lots'], {
      cwd: tempDir(),
    });
    expect(concurrency.code).toBe(2);
    expect(concurrency.stderr).toContain('--concurrency takes a whole number');
  });
});
