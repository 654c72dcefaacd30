import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chartFor } from '../addons/charts.js';
import { addonLive, type AddonLiveClient } from './addon-live.js';
import { ALL_GATES, simulationGates } from '../engine/readiness.js';

const ref = chartFor('cert-manager')!;
const NS = 'cert-manager';

const manifest = [
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cert-manager\nspec:\n  replicas: 1',
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings',
  'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: serving',
].join('\n---\n');

/** helm's release Secret: the release JSON gzipped and base64'd by helm, base64'd again by the API. */
function releaseSecret(revision: number, status: string, chart = `${ref.chart}-${ref.version}`) {
  const [name, version] = [chart.slice(0, chart.lastIndexOf('-')), chart.slice(chart.lastIndexOf('-') + 1)];
  const json = JSON.stringify({
    name: 'cert-manager',
    namespace: NS,
    version: revision,
    info: { status },
    chart: { metadata: { name, version } },
    manifest,
  });
  const helm = gzipSync(Buffer.from(json)).toString('base64');
  return {
    metadata: { labels: { owner: 'helm', name: 'cert-manager', version: String(revision) } },
    data: { release: Buffer.from(helm).toString('base64') },
  };
}

function cluster(secrets: unknown[], live: Record<string, unknown>) {
  const asked: string[] = [];
  const client: AddonLiveClient = {
    list: (async (
      apiVersion: string,
      kind: string,
      namespace?: string,
      options?: { labelSelector?: string },
    ) => {
      asked.push(`list ${apiVersion} ${kind} ${namespace} ${options?.labelSelector}`);
      return kind === 'Secret' ? secrets : [];
    }) as AddonLiveClient['list'],
    pathFor: async (apiVersion, kind, namespace, name) => `${apiVersion}/${kind}/${namespace}/${name}`,
    getOptional: (async (path: string) => {
      asked.push(`get ${path}`);
      return live[path];
    }) as AddonLiveClient['getOptional'],
  };
  return { client, asked };
}

const deployment = (available: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'cert-manager', namespace: NS, generation: 1 },
  spec: { replicas: 1 },
  status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: available },
});
const live = (available: number) => ({
  [`apps/v1/Deployment/${NS}/cert-manager`]: deployment(available),
  [`v1/ConfigMap/${NS}/settings`]: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } },
  [`cert-manager.io/v1/Certificate/${NS}/serving`]: {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'serving', generation: 1 },
    status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Issuing', observedGeneration: 1 }] },
  },
});

describe("an add-on's live status", () => {
  it("reads the newest revision's status from helm's release Secret, and its objects' readiness by the gates", async () => {
    const { client, asked } = cluster(
      [releaseSecret(1, 'superseded'), releaseSecret(2, 'deployed')],
      live(0),
    );
    const view = await addonLive(client, 'cert-manager', NS, { gates: ALL_GATES });
    expect(asked[0]).toBe(`list v1 Secret ${NS} owner=helm,name=cert-manager`);
    expect(view).toEqual({
      name: 'cert-manager',
      release: { installed: true, status: 'deployed', revision: 2, chart: `${ref.chart}-${ref.version}` },
      objects: {
        total: 3,
        judged: 3,
        ready: 1,
        notReady: [
          { object: `Deployment ${NS}/cert-manager`, reason: '0 of 1 replicas available' },
          {
            object: `Certificate ${NS}/serving`,
            reason: expect.stringContaining('Ready is False') as string,
          },
        ],
      },
    });
  });

  it('on a simulation judges only what the API server or kwok settles, as the gates do', async () => {
    const { client } = cluster([releaseSecret(3, 'pending-upgrade')], live(1));
    const view = await addonLive(client, 'cert-manager', NS, { gates: simulationGates() });
    expect(view.release).toMatchObject({ status: 'pending-upgrade', revision: 3 });
    expect(view.objects).toEqual({ total: 3, judged: 2, ready: 2, notReady: [] });
  });

  it('says when the release is missing or runs another chart, and why it could not look', async () => {
    expect(await addonLive(cluster([], {}).client, 'cert-manager', NS, { gates: ALL_GATES })).toEqual({
      name: 'cert-manager',
      release: { installed: false },
    });
    const other = await addonLive(
      cluster([releaseSecret(1, 'failed', 'cert-manager-v0.1.0')], live(1)).client,
      'cert-manager',
      NS,
      { gates: ALL_GATES },
    );
    expect(other.release).toEqual({
      installed: true,
      status: 'failed',
      revision: 1,
      chart: 'cert-manager-v0.1.0',
      expectedChart: `${ref.chart}-${ref.version}`,
    });
    const refused: AddonLiveClient = {
      ...cluster([], {}).client,
      list: (async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6443\nmore');
      }) as AddonLiveClient['list'],
    };
    expect(await addonLive(refused, 'cert-manager', NS, { gates: ALL_GATES })).toEqual({
      name: 'cert-manager',
      error: 'connect ECONNREFUSED 127.0.0.1:6443',
    });
  });

  it('has no release to show for an add-on without a chart', async () => {
    const { client, asked } = cluster([], {});
    expect(await addonLive(client, 'gateway-api', 'gateway-system', { gates: ALL_GATES })).toEqual({
      name: 'gateway-api',
    });
    expect(asked).toEqual([]);
  });
});
