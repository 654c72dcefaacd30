/**
 * External Secrets end to end on kwok with the real controller (issue #12 §1, §3): the kwok
 * provider runs harness/external-secrets' controller on the host, one per cluster, against the
 * cluster's API server; mgmt's real Vault serves the KV entries. On mgmt and app1, `up` leaves the
 * `vault-backend` ClusterSecretStore Ready (it logs in with the cluster's own Kubernetes auth
 * mount, whose TokenReview asks that cluster's API server), the platform's k8sgpt ExternalSecret
 * syncs the API keys `up` wrote into Vault, a new value in Vault reaches app1's Secret after a
 * forced refresh, and a killed controller is restarted by the next `up`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEYS_SECRET, VAULT_KEY } from '../src/addons/catalog/k8sgpt.js';
import { KubeClient } from '../src/clients/kube.js';
import { KV_MOUNT, KV_PLATFORM_PREFIX, kubernetesAuthMount, SECRET_STORE } from '../src/render/pki.js';
import { SHARED_CHART_MIRROR } from '../src/test-support/chart-values.js';
import { CLI, eventually, kwokProject, requireHarness, rootVault, secretData } from './support/project.js';

requireHarness('kwokctl', 'vault', 'cert-manager-controller', 'external-secrets-controller');

const project = kwokProject('eso-e2e', ['keycloak', 'robusta', 'grafana']);
const GEMINI_KEY = 'eso-e2e-gemini-key-not-a-real-one';
const OPENAI_KEY = 'eso-e2e-openai-key-not-a-real-one';

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: project,
    encoding: 'utf8',
    env: {
      ...process.env,
      NO_COLOR: '1',
      PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR,
      PLATFORMCTL_GEMINI_API_KEY: GEMINI_KEY,
      PLATFORMCTL_OPENAI_API_KEY: OPENAI_KEY,
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const kube = (cluster: string) => KubeClient.fromFile(join(project, `kubeconfigs/${cluster}.conf`));

const pidFile = (cluster: string) =>
  join(project, `.platformctl/kwok/${cluster}/controllers/external-secrets.json`);
const controllerPid = (cluster: string) =>
  (JSON.parse(readFileSync(pidFile(cluster), 'utf8')) as { pid: number }).pid;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

async function readyCondition(cluster: string, path: string): Promise<Condition | undefined> {
  const object = await (await kube(cluster)).getOptional<{ status?: { conditions?: Condition[] } }>(path);
  return object?.status?.conditions?.find((c) => c.type === 'Ready');
}

const secretIn = async (cluster: string, namespace: string, name: string) =>
  secretData(await kube(cluster), namespace, name);

const demoExternalSecret = (forceSync?: string) => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: {
    name: 'demo',
    namespace: 'eso-e2e',
    // A new value makes the controller sync now instead of at the next refresh.
    ...(forceSync ? { annotations: { 'force-sync': forceSync } } : {}),
  },
  spec: {
    refreshInterval: '1h',
    secretStoreRef: { name: SECRET_STORE, kind: 'ClusterSecretStore' },
    target: { name: 'demo', deletionPolicy: 'Retain' },
    data: [{ secretKey: 'token', remoteRef: { key: `${KV_PLATFORM_PREFIX}/eso-e2e`, property: 'token' } }],
  },
});

const STORE_PATH = `/apis/external-secrets.io/v1/clustersecretstores/${SECRET_STORE}`;

beforeAll(() => {
  const up = cli('up', '--only', 'mgmt/k8sgpt/external-secrets,app1/external-secrets/manifests');
  if (up.code !== 0) console.error(up.stdout.slice(-3000), up.stderr.slice(-3000));
  expect(up.code).toBe(0);
}, 1_500_000);

afterAll(() => {
  const pids = ['mgmt', 'app1'].flatMap((c) => {
    try {
      return [controllerPid(c)];
    } catch {
      return [];
    }
  });
  cli('down');
  // down stops the host controllers with their clusters.
  expect(pids.filter(alive)).toEqual([]);
}, 300_000);

describe('External Secrets on kwok, with the real controller', () => {
  it('runs one controller process per cluster, logging under .platformctl/', () => {
    for (const cluster of ['mgmt', 'app1']) {
      expect(alive(controllerPid(cluster))).toBe(true);
      const log = readFileSync(
        join(project, `.platformctl/kwok/${cluster}/controllers/external-secrets.log`),
        'utf8',
      );
      expect(log).toMatch(/Starting workers/);
    }
  });

  it('the vault-backend ClusterSecretStore becomes Ready on mgmt and app1 (each with its own auth mount)', async () => {
    for (const cluster of ['mgmt', 'app1']) {
      const ready = await eventually(`${cluster} ${SECRET_STORE} Ready`, async () => {
        const condition = await readyCondition(cluster, STORE_PATH);
        return condition?.status === 'True' ? condition : undefined;
      });
      expect(ready.reason).toBe('Valid');
      const store = await (
        await kube(cluster)
      ).get<{ spec: { provider: { vault: { auth: { kubernetes: { mountPath: string } } } } } }>(STORE_PATH);
      expect(store.spec.provider.vault.auth.kubernetes.mountPath).toBe(kubernetesAuthMount(cluster));
    }
  });

  it("syncs the platform's k8sgpt ExternalSecret on mgmt with the keys up wrote into Vault", async () => {
    const entry = await rootVault(project).read<{ data: { data: Record<string, string> } }>(
      `${KV_MOUNT}/data/${KV_PLATFORM_PREFIX}/${VAULT_KEY}`,
    );
    expect(entry?.data.data).toEqual({ 'google-api-key': GEMINI_KEY, 'openai-api-key': OPENAI_KEY });
    const synced = await eventually('k8sgpt API keys synced', () =>
      secretIn('mgmt', 'k8sgpt', API_KEYS_SECRET),
    );
    expect(synced).toEqual(entry!.data.data);
    const condition = await readyCondition(
      'mgmt',
      `/apis/external-secrets.io/v1/namespaces/k8sgpt/externalsecrets/${API_KEYS_SECRET}`,
    );
    expect(condition).toMatchObject({ status: 'True', reason: 'SecretSynced' });
  });

  it('delivers a value written into Vault to app1, and a new value after a forced refresh', async () => {
    const path = `${KV_MOUNT}/data/${KV_PLATFORM_PREFIX}/eso-e2e`;
    await rootVault(project).write(path, { data: { token: 'first-value' } });
    const app1 = await kube('app1');
    await app1.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'eso-e2e' } });
    await app1.apply(demoExternalSecret());
    expect(await eventually('first value', () => secretIn('app1', 'eso-e2e', 'demo'))).toEqual({
      token: 'first-value',
    });

    // Rotated in Vault: the hourly refresh would take it; force-sync makes it now.
    await rootVault(project).write(path, { data: { token: 'rotated-value' } });
    await app1.apply(demoExternalSecret(String(Date.now())));
    const rotated = await eventually('rotated value', async () => {
      const data = await secretIn('app1', 'eso-e2e', 'demo');
      return data?.['token'] === 'rotated-value' ? data : undefined;
    });
    expect(rotated).toEqual({ token: 'rotated-value' });
  });

  it('a killed controller is drift: up starts it again and it syncs', async () => {
    const before = controllerPid('app1');
    process.kill(before, 'SIGKILL');
    await eventually('the killed controller gone', async () => (alive(before) ? undefined : true), 10_000);
    const up = cli('up', '--only', 'app1/external-secrets/release', '-o', 'json');
    if (up.code !== 0) console.error(up.stderr.slice(-3000));
    expect(up.code).toBe(0);
    const release = up.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; id?: string; outputs?: { drift?: string } })
      .find((e) => e.type === 'step-finished' && e.id === 'app1/external-secrets/release');
    expect(release?.outputs?.drift).toContain('the external-secrets controller is not running on the host');
    const after = controllerPid('app1');
    expect(after).not.toBe(before);
    expect(alive(after)).toBe(true);

    // The restarted controller picks up a new value at once.
    await rootVault(project).write(`${KV_MOUNT}/data/${KV_PLATFORM_PREFIX}/eso-e2e`, {
      data: { token: 'after-restart' },
    });
    await (await kube('app1')).apply(demoExternalSecret(String(Date.now())));
    const data = await eventually('value after the restart', async () => {
      const d = await secretIn('app1', 'eso-e2e', 'demo');
      return d?.['token'] === 'after-restart' ? d : undefined;
    });
    expect(data).toEqual({ token: 'after-restart' });
  });
});
