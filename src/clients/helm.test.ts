import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_HARNESS_BIN } from '../clients/binaries.js';
import { CommandError } from './exec.js';
import {
  HelmClient,
  helmTimeout,
  isReleaseNotFound,
  parseLatestRevision,
  templateArgs,
  upgradeInstallArgs,
} from './helm.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HELM = join(ROOT, '.harness/bin/helm');
const CHART = join(ROOT, 'e2e/fixtures/charts/hello');
const haveHelm = existsSync(HELM);

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'platformctl-helm-test-'));
  scratchDirs.push(dir);
  return dir;
}

/** A client with helm's homes in a scratch directory, and a kubeconfig nothing listens behind. */
function client(secrets: string[] = []): HelmClient {
  const dir = scratch();
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: not-a-real-token}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  );
  return new HelmClient({
    helm: HELM,
    kubeconfig,
    env: {
      HELM_CACHE_HOME: join(dir, 'cache'),
      HELM_CONFIG_HOME: join(dir, 'config'),
      HELM_DATA_HOME: join(dir, 'data'),
    },
    secrets,
  });
}

describe('upgradeInstallArgs', () => {
  const release = { name: 'hello', namespace: 'apps', chart: '/charts/hello' };

  it('installs or upgrades into the namespace, creating it, and waits with a timeout in seconds', () => {
    expect(upgradeInstallArgs(release, 120_000)).toEqual([
      'upgrade',
      '--install',
      'hello',
      '/charts/hello',
      '--namespace',
      'apps',
      '--create-namespace',
      '--wait',
      '--timeout',
      '120s',
    ]);
  });

  it('pipes the manifests through a post-renderer with each of its arguments, when one is given', () => {
    const args = upgradeInstallArgs(
      { ...release, postRenderer: { command: '/usr/bin/node', args: ['/x/post-render.js', '/y/a b.json'] } },
      60_000,
    );
    expect(args.slice(args.indexOf('--post-renderer'), args.indexOf('--wait'))).toEqual([
      '--post-renderer',
      '/usr/bin/node',
      '--post-renderer-args',
      '/x/post-render.js',
      '--post-renderer-args',
      '/y/a b.json',
    ]);
    expect(upgradeInstallArgs(release, 60_000)).not.toContain('--post-renderer');
  });

  it('adds --version, --repo and -f only when set', () => {
    expect(
      upgradeInstallArgs(
        {
          ...release,
          chart: 'cert-manager',
          version: 'v1.17.2',
          repo: 'https://charts.jetstack.io',
          valuesFile: '/p/values.yaml',
        },
        60_000,
      ),
    ).toEqual([
      'upgrade',
      '--install',
      'hello',
      'cert-manager',
      '--namespace',
      'apps',
      '--create-namespace',
      '--version',
      'v1.17.2',
      '--repo',
      'https://charts.jetstack.io',
      '-f',
      '/p/values.yaml',
      '--wait',
      '--timeout',
      '60s',
    ]);
    expect(upgradeInstallArgs({ ...release, version: '1.0.0' }, 60_000)).toContain('--version');
    expect(upgradeInstallArgs({ ...release, version: '1.0.0' }, 60_000)).not.toContain('--repo');
    expect(upgradeInstallArgs({ ...release, valuesFile: 'v.yaml' }, 60_000)).not.toContain('--version');
  });

  it('leaves out --wait when asked not to wait', () => {
    expect(upgradeInstallArgs(release, 60_000, false)).not.toContain('--wait');
    expect(upgradeInstallArgs(release, 60_000, false).slice(-2)).toEqual(['--timeout', '60s']);
  });

  it('rounds the timeout up to whole seconds, at least one', () => {
    expect(helmTimeout(1_500)).toBe('2s');
    expect(helmTimeout(1_000)).toBe('1s');
    expect(helmTimeout(0)).toBe('1s');
    expect(upgradeInstallArgs(release, 90_001).at(-1)).toBe('91s');
  });
});

describe('templateArgs', () => {
  it('renders with the same chart source options', () => {
    expect(
      templateArgs({ name: 'r', namespace: 'n', chart: 'c', repo: 'https://x', valuesFile: 'v' }),
    ).toEqual(['template', 'r', 'c', '--namespace', 'n', '--repo', 'https://x', '-f', 'v']);
  });
});

describe('parseLatestRevision and isReleaseNotFound', () => {
  it('reads status, chart name-version and revision of the newest entry of `helm history -o json`', () => {
    const json = JSON.stringify([
      {
        revision: 1,
        status: 'superseded',
        chart: 'hello-0.1.0',
        app_version: '1.0',
        description: 'Install complete',
      },
      {
        revision: 2,
        status: 'deployed',
        chart: 'hello-0.2.0',
        app_version: '1.0',
        description: 'Upgrade complete',
      },
    ]);
    expect(parseLatestRevision(json)).toEqual({ status: 'deployed', chart: 'hello-0.2.0', revision: 2 });
    expect(() => parseLatestRevision('[]')).toThrow(/unexpected `helm history -o json` output/);
    expect(() => parseLatestRevision('{"info":{}}')).toThrow(/unexpected/);
  });

  it('recognises helm\'s "release: not found", and nothing else', () => {
    const failed = (tail: string) => new CommandError('helm status x', 1, null, tail, 'exit');
    expect(isReleaseNotFound(failed('Error: release: not found'))).toBe(true);
    expect(isReleaseNotFound(failed('Error: uninstall: Release not loaded: x: release: not found'))).toBe(
      true,
    );
    expect(isReleaseNotFound(failed('Error: Kubernetes cluster unreachable'))).toBe(false);
    expect(isReleaseNotFound(new Error('release: not found'))).toBe(false);
  });
});

describe('HelmClient.find', () => {
  it.skipIf(!existsSync(join(PACKAGE_HARNESS_BIN, 'helm')))(
    'finds the harness helm and keeps helm state under the project',
    () => {
      const project = scratch();
      const helm = HelmClient.find({ env: { PATH: '' }, projectDir: project, kubeconfig: '/k.conf' });
      expect(helm.helm).toBe(join(PACKAGE_HARNESS_BIN, 'helm'));
      expect(helm.kubeconfig).toBe('/k.conf');
      expect(helm.env).toEqual({
        HELM_CACHE_HOME: join(project, '.platformctl/helm/cache'),
        HELM_CONFIG_HOME: join(project, '.platformctl/helm/config'),
        HELM_DATA_HOME: join(project, '.platformctl/helm/data'),
      });
    },
  );
});

describe.skipIf(!haveHelm)('HelmClient with the harness helm', () => {
  it('renders the fixture chart with a values file', async () => {
    const values = join(scratch(), 'values.yaml');
    writeFileSync(values, 'replicas: 3\nimage: registry.example.invalid/hello:2\nstorage: 5Gi\n');
    const text = await client().template({
      name: 'demo',
      namespace: 'apps',
      chart: CHART,
      valuesFile: values,
    });
    const objects = parseAllDocuments(text).map((d) => d.toJS());
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'PersistentVolumeClaim/demo-data',
      'Service/demo',
      'Deployment/demo',
    ]);
    const deployment = objects.find((o) => o.kind === 'Deployment');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.spec.containers[0].image).toBe('registry.example.invalid/hello:2');
    expect(deployment.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe('demo-data');
    expect(objects[0].spec.resources.requests.storage).toBe('5Gi');
    expect(objects.find((o) => o.kind === 'Service').spec.type).toBe('LoadBalancer');
  });

  it("fails on a bad chart path with a CommandError carrying the command line and helm's error", async () => {
    const error = await client()
      .template({ name: 'demo', namespace: 'apps', chart: '/nonexistent/chart' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    const failure = error as CommandError;
    expect(failure.exitCode).toBe(1);
    expect(failure.commandLine).toBe(`${HELM} template demo /nonexistent/chart --namespace apps`);
    expect(failure.message).toContain(failure.commandLine);
    expect(failure.message).toContain('Error: path "/nonexistent/chart" not found');
  });

  it("redacts secrets from the command line and helm's output", async () => {
    const secret = 's3cr3t-token-4711';
    const error = await client([secret])
      .template({
        name: 'demo',
        namespace: 'apps',
        chart: 'hello',
        repo: `http://user:${secret}@127.0.0.1:1/charts`,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    const failure = error as CommandError;
    expect(failure.message).not.toContain(secret);
    expect(failure.commandLine).toContain('http://user:[REDACTED]@127.0.0.1:1/charts');
    expect(failure.outputTail).toMatch(/Error/);
    expect(failure.outputTail).not.toContain(secret);
  });

  it('status, manifest and uninstall fail (not "not found") when the cluster is unreachable', async () => {
    const helm = client();
    await expect(helm.status('hello', 'apps')).rejects.toThrow(/--kubeconfig .*cluster unreachable/s);
    await expect(helm.manifest('hello', 'apps')).rejects.toBeInstanceOf(CommandError);
    await expect(helm.uninstall('hello', 'apps')).rejects.toThrow(/cluster unreachable/);
  });
});
