import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/objects.js';
import { KubeApiError } from '../clients/kube.js';
import { isTransient, TransientError } from './errors.js';
import {
  notReady,
  type ReadinessClient,
  waitReady,
  waitReleaseReady,
  webhookNotServing,
} from './readiness.js';

const meta = (generation = 1) => ({ name: 'x', namespace: 'ns', generation });

function deployment(spec: object, status: object, generation = 1) {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(generation), spec, status };
}

describe('notReady', () => {
  it('reports a missing object as not found yet', () => {
    expect(notReady(undefined)).toBe('not found yet');
    expect(notReady(null)).toBe('not found yet');
  });

  it('holds a Node until its kubelet reports Ready (NotReady until the CNI runs)', () => {
    const node = (conditions?: object[]) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'mgmt-worker-0' },
      status: conditions ? { conditions } : {},
    });
    expect(notReady(node())).toBe('no Ready condition yet');
    expect(
      notReady(
        node([
          {
            type: 'Ready',
            status: 'False',
            reason: 'KubeletNotReady',
            message: 'container runtime network not ready: cni plugin not initialized',
          },
        ]),
      ),
    ).toBe(
      'Ready is False (KubeletNotReady: container runtime network not ready: cni plugin not initialized)',
    );
    expect(notReady(node([{ type: 'Ready', status: 'True', reason: 'KubeletReady' }]))).toBeUndefined();
  });

  describe('Deployment', () => {
    const done = { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 };

    it('is ready when every replica is updated and available', () => {
      expect(notReady(deployment({ replicas: 3 }, done))).toBeUndefined();
    });

    it('defaults spec.replicas to 1', () => {
      const one = { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 };
      expect(notReady(deployment({}, one))).toBeUndefined();
      expect(notReady(deployment({}, { observedGeneration: 1 }))).toBe('0 of 1 replicas updated');
    });

    it('waits for the controller to observe the latest generation', () => {
      expect(notReady(deployment({ replicas: 3 }, done, 2))).toMatch(/observed generation 1 of 2/);
      expect(notReady(deployment({ replicas: 3 }, {}))).toMatch(/not reported a status/);
    });

    it('waits for updated, then old replicas gone, then available', () => {
      expect(notReady(deployment({ replicas: 3 }, { ...done, updatedReplicas: 1 }))).toBe(
        '1 of 3 replicas updated',
      );
      expect(notReady(deployment({ replicas: 3 }, { ...done, replicas: 4 }))).toBe(
        '1 old replicas pending termination',
      );
      expect(notReady(deployment({ replicas: 3 }, { ...done, availableReplicas: 2 }))).toBe(
        '2 of 3 replicas available',
      );
    });

    it('names an exceeded progress deadline', () => {
      const status = {
        ...done,
        availableReplicas: 0,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "x-1" has timed out progressing.',
          },
        ],
      };
      expect(notReady(deployment({ replicas: 3 }, status))).toMatch(/ProgressDeadlineExceeded.*timed out/);
    });

    it('ignores a Progressing condition that is still progressing', () => {
      const status = {
        ...done,
        conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
      };
      expect(notReady(deployment({ replicas: 3 }, status))).toBeUndefined();
    });
  });

  describe('StatefulSet', () => {
    const sts = (spec: object, status: object, generation = 1) => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: meta(generation),
      spec,
      status,
    });
    const done = {
      observedGeneration: 1,
      replicas: 3,
      readyReplicas: 3,
      updatedReplicas: 3,
      currentRevision: 'x-1',
      updateRevision: 'x-1',
    };

    it('is ready when all replicas are ready on the current revision', () => {
      expect(notReady(sts({ replicas: 3 }, done))).toBeUndefined();
    });

    it('waits for the generation and for ready replicas (default 1)', () => {
      expect(notReady(sts({ replicas: 3 }, done, 2))).toMatch(/observed generation 1 of 2/);
      expect(notReady(sts({}, { observedGeneration: 1 }))).toBe('0 of 1 replicas ready');
      expect(notReady(sts({ replicas: 3 }, { ...done, readyReplicas: 2 }))).toBe('2 of 3 replicas ready');
    });

    it('waits for a rolling update to reach every pod', () => {
      const rolling = { ...done, updateRevision: 'x-2', updatedReplicas: 1 };
      expect(notReady(sts({ replicas: 3 }, rolling))).toMatch(/revision x-2 in progress \(1 of 3/);
      expect(
        notReady(sts({ replicas: 3, updateStrategy: { type: 'RollingUpdate' } }, rolling)),
      ).toBeDefined();
    });

    it('does not wait for revisions with OnDelete', () => {
      const rolling = { ...done, updateRevision: 'x-2', updatedReplicas: 0 };
      expect(notReady(sts({ replicas: 3, updateStrategy: { type: 'OnDelete' } }, rolling))).toBeUndefined();
    });

    it('with a partition, waits only for the pods above it', () => {
      const spec = {
        replicas: 3,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
      };
      expect(notReady(sts(spec, { ...done, updateRevision: 'x-2', updatedReplicas: 1 }))).toBeUndefined();
      expect(notReady(sts(spec, { ...done, updateRevision: 'x-2', updatedReplicas: 0 }))).toBe(
        '0 of 1 pods above the partition updated',
      );
    });
  });

  describe('DaemonSet', () => {
    const ds = (status: object, generation = 1, spec: object = {}) => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta(generation),
      spec,
      status,
    });
    const done = {
      observedGeneration: 1,
      desiredNumberScheduled: 4,
      numberReady: 4,
      updatedNumberScheduled: 4,
    };

    it('is ready when every scheduled pod is updated and ready', () => {
      expect(notReady(ds(done))).toBeUndefined();
      expect(notReady(ds({ observedGeneration: 1, desiredNumberScheduled: 0 }))).toBeUndefined();
    });

    it('waits for the generation, updated pods and ready pods', () => {
      expect(notReady(ds(done, 3))).toMatch(/observed generation 1 of 3/);
      expect(notReady(ds({ ...done, updatedNumberScheduled: 2 }))).toBe('2 of 4 scheduled pods updated');
      expect(notReady(ds({ ...done, numberReady: 3 }))).toBe('3 of 4 scheduled pods ready');
    });

    it('with OnDelete, waits for ready pods only', () => {
      const spec = { updateStrategy: { type: 'OnDelete' } };
      expect(notReady(ds({ ...done, updatedNumberScheduled: 0 }, 1, spec))).toBeUndefined();
      expect(notReady(ds({ ...done, numberReady: 0 }, 1, spec))).toBe('0 of 4 scheduled pods ready');
    });
  });

  it('CustomResourceDefinition: Established=True', () => {
    const crd = (conditions: object[]) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      status: { conditions },
    });
    expect(notReady(crd([{ type: 'NamesAccepted', status: 'True' }]))).toBe('no Established condition yet');
    expect(notReady(crd([{ type: 'Established', status: 'False', reason: 'Installing' }]))).toBe(
      'Established is False (Installing)',
    );
    expect(notReady(crd([{ type: 'Established', status: 'True' }]))).toBeUndefined();
  });

  it('APIService: Available=True', () => {
    const api = (conditions: object[]) => ({
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.metrics.k8s.io' },
      status: { conditions },
    });
    expect(notReady(api([]))).toBe('no Available condition yet');
    expect(
      notReady(api([{ type: 'Available', status: 'False', reason: 'MissingEndpoints', message: 'no pods' }])),
    ).toBe('Available is False (MissingEndpoints: no pods)');
    expect(notReady(api([{ type: 'Available', status: 'True' }]))).toBeUndefined();
  });

  it('Service: only LoadBalancers wait, for an ingress address', () => {
    const svc = (type: string | undefined, status: object = {}) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'x', namespace: 'ns' },
      spec: type ? { type } : {},
      status,
    });
    expect(notReady(svc(undefined))).toBeUndefined();
    expect(notReady(svc('ClusterIP'))).toBeUndefined();
    expect(notReady(svc('LoadBalancer'))).toBe('no load-balancer address yet');
    expect(notReady(svc('LoadBalancer', { loadBalancer: { ingress: [] } }))).toBe(
      'no load-balancer address yet',
    );
    expect(
      notReady(svc('LoadBalancer', { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } })),
    ).toBeUndefined();
  });

  it('PersistentVolumeClaim: phase Bound', () => {
    const pvc = (status: object) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'x', namespace: 'ns' },
      status,
    });
    expect(notReady(pvc({}))).toBe('phase Pending, not Bound');
    expect(notReady(pvc({ phase: 'Lost' }))).toBe('phase Lost, not Bound');
    expect(notReady(pvc({ phase: 'Bound' }))).toBeUndefined();
  });

  it('Job: Complete=True; a failed Job says why', () => {
    const job = (conditions: object[]) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'x', namespace: 'ns' },
      status: { conditions },
    });
    expect(notReady(job([]))).toBe('not complete yet');
    expect(notReady(job([{ type: 'Complete', status: 'False' }]))).toBe('not complete yet');
    expect(notReady(job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }]))).toBe(
      'failed (BackoffLimitExceeded)',
    );
    expect(notReady(job([{ type: 'Complete', status: 'True' }]))).toBeUndefined();
  });

  it('Pod: Ready=True', () => {
    const pod = (status: object) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'x', namespace: 'ns' },
      status,
    });
    expect(notReady(pod({ phase: 'Pending' }))).toBe('no Ready condition yet, phase Pending');
    expect(
      notReady(
        pod({
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
        }),
      ),
    ).toBe('Ready is False (ContainersNotReady), phase Running');
    expect(
      notReady(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })),
    ).toBeUndefined();
  });

  describe('objects with a Ready condition', () => {
    const certificate = (conditions?: object[], generation = 1) => ({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'x', namespace: 'ns', generation },
      status: conditions ? { conditions } : {},
    });

    it('waits for Ready=True', () => {
      expect(notReady(certificate([{ type: 'Ready', status: 'True' }]))).toBeUndefined();
      expect(
        notReady(certificate([{ type: 'Ready', status: 'False', reason: 'Pending', message: 'Issuing' }])),
      ).toBe('Ready is False (Pending: Issuing)');
    });

    it('does not count a known kind without a Ready condition yet as ready', () => {
      expect(notReady(certificate())).toBe('no Ready condition yet');
      expect(
        notReady({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'x' } }),
      ).toBe('no Ready condition yet');
      expect(
        notReady({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'x' } }),
      ).toBe('no Ready condition yet');
    });

    it('ignores a Ready condition about an older generation', () => {
      expect(notReady(certificate([{ type: 'Ready', status: 'True', observedGeneration: 1 }], 2))).toBe(
        'Ready condition is for generation 1 of 2',
      );
      expect(
        notReady(certificate([{ type: 'Ready', status: 'True', observedGeneration: 2 }], 2)),
      ).toBeUndefined();
    });

    it('applies to unknown kinds that report Ready', () => {
      const custom = {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'x' },
        status: { conditions: [{ type: 'Ready', status: 'Unknown' }] },
      };
      expect(notReady(custom)).toBe('Ready is Unknown');
    });
  });

  it('any other kind is ready once it exists', () => {
    expect(
      notReady({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: {} }),
    ).toBeUndefined();
    expect(
      notReady({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } }),
    ).toBeUndefined();
  });

  it('matches kinds by API group, not by kind alone', () => {
    const lookalike = {
      apiVersion: 'example.com/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      status: {},
    };
    expect(notReady(lookalike)).toBeUndefined();
  });
});

/** A fake API server: objects by path; each GET of a path can return a different state. */
function fakeClient(states: Record<string, unknown[]>, lists: Record<string, unknown[]> = {}) {
  const gets: string[] = [];
  const client: ReadinessClient = {
    async pathFor(apiVersion: string, kind: string, namespace?: string, name?: string) {
      if (apiVersion === 'missing.example.com/v1')
        throw new KubeApiError('GET', '/apis/missing.example.com/v1', 404, 'NotFound', 'not found');
      return `${apiVersion}/${kind}/${namespace ?? ''}/${name ?? ''}`;
    },
    async getOptional<T>(path: string) {
      gets.push(path);
      const sequence = states[path] ?? [];
      const value = sequence.length > 1 ? sequence.shift() : sequence[0];
      return value as T | undefined;
    },
    async list<T>(apiVersion: string, kind: string, namespace?: string) {
      return (lists[`${apiVersion}/${kind}/${namespace ?? ''}`] ?? []) as T[];
    },
  };
  return { client, gets };
}

const deploymentObject: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns' },
};
const configMap: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm', namespace: 'ns' },
};
const WEB = 'apps/v1/Deployment/ns/web';
const CM = 'v1/ConfigMap/ns/cm';
const available = deployment(
  { replicas: 1 },
  { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
);
const unavailable = deployment({ replicas: 1 }, { observedGeneration: 1, replicas: 1, updatedReplicas: 1 });

describe('waitReady', () => {
  it('polls until every object is ready, and stops fetching objects once ready', async () => {
    const { client, gets } = fakeClient({
      [WEB]: [undefined, unavailable, available],
      [CM]: [{ ...configMap }],
    });
    const lines: string[] = [];
    await waitReady(client, [deploymentObject, configMap], {
      timeoutMs: 5_000,
      pollMs: 1,
      log: (l) => lines.push(l),
    });
    expect(gets.filter((g) => g === CM)).toHaveLength(1);
    expect(gets.filter((g) => g === WEB)).toHaveLength(3);
    expect(lines[0]).toBe('waiting for 2 objects: Deployment ns/web: not found yet');
    expect(lines[1]).toBe('waiting for 2 objects: Deployment ns/web: 0 of 1 replicas available');
    expect(lines.at(-1)).toMatch(/^2 objects ready after/);
  });

  it('resolves at once for no objects', async () => {
    await waitReady(fakeClient({}).client, [], { timeoutMs: 0 });
  });

  it('throws a TransientError naming each object and its reason after the timeout', async () => {
    let clock = 0;
    const { client } = fakeClient({ [WEB]: [unavailable], [CM]: [undefined] });
    const error = await waitReady(client, [deploymentObject, configMap], {
      timeoutMs: 3_000,
      pollMs: 1,
      now: () => (clock += 500),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(isTransient(error)).toBe(true);
    expect((error as Error).message).toBe(
      '2 objects not ready after 3s: Deployment ns/web: 0 of 1 replicas available; ConfigMap ns/cm: not found yet',
    );
  });

  it('treats an API group that is not served yet as not found yet', async () => {
    let clock = 0;
    const widget: KubeObject = {
      apiVersion: 'missing.example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
    };
    await expect(
      waitReady(fakeClient({}).client, [widget], { timeoutMs: 1_000, pollMs: 1, now: () => (clock += 600) }),
    ).rejects.toThrow(
      '1 object not ready after 1s: Widget w: not found yet (missing.example.com/v1 is not served yet)',
    );
  });

  it('keeps waiting through transient API errors, and fails on permanent ones', async () => {
    const flaky: ReadinessClient = {
      ...fakeClient({ [WEB]: [available] }).client,
      getOptional: (() => {
        let calls = 0;
        return async <T>() => {
          calls++;
          if (calls === 1) throw new KubeApiError('GET', WEB, 503, 'ServiceUnavailable', 'starting');
          return available as T;
        };
      })(),
    };
    await waitReady(flaky, [deploymentObject], { timeoutMs: 5_000, pollMs: 1 });
    const forbidden: ReadinessClient = {
      ...flaky,
      getOptional: async () => {
        throw new KubeApiError('GET', WEB, 403, 'Forbidden', 'no');
      },
    };
    await expect(waitReady(forbidden, [deploymentObject], { timeoutMs: 5_000, pollMs: 1 })).rejects.toThrow(
      /403 Forbidden/,
    );
  });

  it('throws the abort reason when cancelled, before and while waiting', async () => {
    const { client } = fakeClient({ [WEB]: [unavailable] });
    const reason = new Error('cancelled by the user');
    await expect(
      waitReady(client, [deploymentObject], { timeoutMs: 60_000, signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    const controller = new AbortController();
    const waiting = waitReady(client, [deploymentObject], {
      timeoutMs: 60_000,
      pollMs: 30_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(reason), 10);
    const started = Date.now();
    await expect(waiting).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('waitReleaseReady', () => {
  const workload = (name: string, metadata: object, status: object, replicas = 1) => ({
    metadata: { name, namespace: 'ns', generation: 1, ...metadata },
    spec: { replicas },
    status: { observedGeneration: 1, ...status },
  });
  const ready = { replicas: 1, updatedReplicas: 1, availableReplicas: 1 };

  it('waits for the release workloads found by instance label or helm annotation, not others', async () => {
    let clock = 0;
    const { client } = fakeClient(
      {},
      {
        'apps/v1/Deployment/ns': [
          workload('by-label', { labels: { 'app.kubernetes.io/instance': 'hello' } }, ready),
          workload('other-release', { labels: { 'app.kubernetes.io/instance': 'other' } }, {}),
          workload('unrelated', {}, {}),
        ],
        'apps/v1/StatefulSet/ns': [
          {
            metadata: {
              name: 'by-annotation',
              generation: 1,
              annotations: { 'meta.helm.sh/release-name': 'hello', 'meta.helm.sh/release-namespace': 'ns' },
            },
            spec: { replicas: 2 },
            status: { observedGeneration: 1, readyReplicas: 1 },
          },
        ],
        'apps/v1/DaemonSet/ns': [
          {
            metadata: {
              name: 'same-name-elsewhere',
              annotations: {
                'meta.helm.sh/release-name': 'hello',
                'meta.helm.sh/release-namespace': 'other',
              },
            },
            status: {},
          },
        ],
      },
    );
    await expect(
      waitReleaseReady(client, 'hello', 'ns', { timeoutMs: 1_000, pollMs: 1, now: () => (clock += 600) }),
    ).rejects.toThrow(
      'workloads of release ns/hello not ready after 1s: StatefulSet ns/by-annotation: 1 of 2 replicas ready',
    );
  });

  it('resolves when every workload of the release is ready', async () => {
    const { client } = fakeClient(
      {},
      {
        'apps/v1/Deployment/ns': [
          workload('web', { labels: { 'app.kubernetes.io/instance': 'hello' } }, ready),
        ],
      },
    );
    const lines: string[] = [];
    await waitReleaseReady(client, 'hello', 'ns', { timeoutMs: 1_000, log: (l) => lines.push(l) });
    expect(lines).toEqual([expect.stringMatching(/^workloads of release ns\/hello ready after/)]);
  });

  it('resolves for a release without workloads', async () => {
    await waitReleaseReady(fakeClient({}).client, 'crds-only', 'ns', { timeoutMs: 0 });
  });
});

describe('webhookNotServing', () => {
  const config = {
    metadata: { name: 'cert-manager-webhook' },
    webhooks: [
      { name: 'url.example', clientConfig: {} },
      {
        name: 'webhook.cert-manager.io',
        clientConfig: { service: { namespace: 'cert-manager', name: 'cert-manager-webhook' } },
      },
    ],
  };
  const slice = (service: string, ready: boolean | undefined) => ({
    metadata: { labels: { 'kubernetes.io/service-name': service } },
    endpoints: [{ conditions: ready === undefined ? {} : { ready } }],
  });

  it('serves once the Service has a ready (or not unready) endpoint', () => {
    expect(webhookNotServing(config, () => [slice('cert-manager-webhook', true)])).toBeUndefined();
    expect(webhookNotServing(config, () => [slice('cert-manager-webhook', undefined)])).toBeUndefined();
  });

  it('names the webhook and its Service while no endpoint is ready', () => {
    expect(webhookNotServing(config, () => [])).toBe(
      'webhook webhook.cert-manager.io: Service cert-manager/cert-manager-webhook has no ready endpoint',
    );
    expect(webhookNotServing(config, () => [slice('cert-manager-webhook', false)])).toMatch(
      /no ready endpoint/,
    );
    expect(webhookNotServing(config, () => [slice('other', true)])).toMatch(/no ready endpoint/);
  });

  it('looks in the namespace of the Service', () => {
    const asked: string[] = [];
    webhookNotServing(config, (ns) => {
      asked.push(ns);
      return [];
    });
    expect(asked).toEqual(['cert-manager']);
  });
});
