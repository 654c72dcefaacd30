/** k8sgpt's default analyzers beyond those of analyze.test.ts: each with its finding and a case without one. */
import { describe, expect, it } from 'vitest';
import { analyzeSnapshot, type Snapshot } from './analyze.js';
import { EMPTY_SNAPSHOT } from '../test-support/snapshot.js';

const empty = EMPTY_SNAPSHOT;
const meta = (name: string, extra: object = {}) => ({ name, namespace: 'demo', ...extra });
const run = (analyzer: string, snapshot: Partial<Snapshot>) =>
  analyzeSnapshot('app1', { ...empty, ...snapshot }, [analyzer]).map(
    (f) => `${f.object} ${f.severity}: ${f.evidence}`,
  );
const slice = (service: string, ready: boolean) => ({
  metadata: meta(`${service}-x`, { labels: { 'kubernetes.io/service-name': service } }),
  endpoints: [{ conditions: { ready } }],
});

describe('k8sgpt analyzers', () => {
  it('Workload: a ReplicaSet that cannot create its pods, a DaemonSet short of ready pods; a Deployment-owned ReplicaSet rolling out and a full DaemonSet are fine', () => {
    expect(
      run('Workload', {
        replicaSets: [
          {
            metadata: meta('quota-abc', { ownerReferences: [{ kind: 'Deployment', name: 'quota' }] }),
            spec: { replicas: 3 },
            status: {
              readyReplicas: 0,
              conditions: [
                {
                  type: 'ReplicaFailure',
                  status: 'True',
                  reason: 'FailedCreate',
                  message: 'pods "quota-abc-x" is forbidden: exceeded quota',
                },
              ],
            },
          },
          {
            metadata: meta('web-abc', { ownerReferences: [{ kind: 'Deployment', name: 'web' }] }),
            spec: { replicas: 2 },
            status: { readyReplicas: 1 },
          },
          { metadata: meta('bare'), spec: { replicas: 2 }, status: { readyReplicas: 0 } },
        ],
        daemonSets: [
          { metadata: meta('agent'), status: { desiredNumberScheduled: 3, numberReady: 1 } },
          { metadata: meta('fine'), status: { desiredNumberScheduled: 2, numberReady: 2 } },
        ],
      }),
    ).toEqual([
      'ReplicaSet demo/quota-abc error: 0/3 replicas ready, ReplicaFailure (FailedCreate: pods "quota-abc-x" is forbidden: exceeded quota)',
      'ReplicaSet demo/bare error: 0/2 replicas ready',
      'DaemonSet demo/agent error: 1/3 scheduled pods ready',
    ]);
  });

  it('CronJob: suspended, its last Job failed; one whose last Job completed is fine', () => {
    const job = (name: string, owner: string, at: string, failed: boolean) => ({
      metadata: meta(name, { creationTimestamp: at, ownerReferences: [{ kind: 'CronJob', name: owner }] }),
      status: {
        conditions: [
          failed
            ? {
                type: 'Failed',
                status: 'True',
                reason: 'BackoffLimitExceeded',
                message: 'Job has reached the specified backoff limit',
              }
            : { type: 'Complete', status: 'True' },
        ],
      },
    });
    expect(
      run('CronJob', {
        cronJobs: [
          { metadata: meta('paused'), spec: { schedule: '0 * * * *', suspend: true }, status: {} },
          {
            metadata: meta('backup'),
            spec: { schedule: '0 2 * * *' },
            status: { lastSuccessfulTime: '2026-12-05T02:00:00Z' },
          },
          { metadata: meta('report'), spec: { schedule: '0 3 * * *' }, status: {} },
        ],
        jobs: [
          job('backup-1', 'backup', '2026-12-05T02:00:00Z', false),
          job('backup-2', 'backup', '2026-12-06T02:00:00Z', true),
          job('report-1', 'report', '2026-12-05T03:00:00Z', true),
          job('report-2', 'report', '2026-12-06T03:00:00Z', false),
        ],
      }),
    ).toEqual([
      'CronJob demo/paused warning: suspended (spec.suspend true, schedule "0 * * * *"), never scheduled',
      'CronJob demo/backup error: its last Job backup-2 failed (BackoffLimitExceeded: Job has reached the specified backoff limit); last success 2026-12-05T02:00:00Z',
    ]);
  });

  it('Ingress: a missing IngressClass, no class and no default, a missing backend Service; a sound one is fine', () => {
    const ingress = (name: string, className: string | undefined, service: string) => ({
      metadata: meta(name),
      spec: {
        ...(className ? { ingressClassName: className } : {}),
        rules: [
          { http: { paths: [{ path: '/', backend: { service: { name: service, port: { number: 80 } } } }] } },
        ],
      },
    });
    const snapshot = {
      services: [{ metadata: meta('web'), spec: {} }],
      ingresses: [
        ingress('typo', 'ngnix', 'web'),
        ingress('nobackend', 'nginx', 'gone'),
        ingress('ok', 'nginx', 'web'),
      ],
      ingressClasses: [{ metadata: { name: 'nginx' } }],
    };
    expect(run('Ingress', snapshot)).toEqual([
      'Ingress demo/typo error: ingressClassName ngnix: no IngressClass of that name (there are nginx)',
      'Ingress demo/nobackend error: backend Service demo/gone does not exist',
    ]);
    expect(run('Ingress', { ...snapshot, ingresses: [ingress('classless', undefined, 'web')] })).toEqual([
      'Ingress demo/classless error: no ingressClassName and no default IngressClass: no controller serves it',
    ]);
    expect(
      run('Ingress', {
        ...snapshot,
        ingresses: [ingress('classless', undefined, 'web')],
        ingressClasses: [
          {
            metadata: {
              name: 'nginx',
              annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' },
            },
          },
        ],
      }),
    ).toEqual([]);
  });

  it('Gateway: a missing GatewayClass, a route to a missing Gateway and Service, an unresolved ref; a sound route is fine', () => {
    const route = (name: string, gateway: string, service: string, status?: object) => ({
      metadata: meta(name),
      spec: {
        parentRefs: [{ name: gateway, namespace: 'gateway-system' }],
        rules: [{ backendRefs: [{ name: service, port: 80 }] }],
      },
      ...(status ? { status } : {}),
    });
    expect(
      run('Gateway', {
        services: [{ metadata: meta('web'), spec: {} }],
        gatewayClasses: [
          { metadata: { name: 'cilium' }, spec: { controllerName: 'io.cilium/gateway-controller' } },
        ],
        gateways: [
          {
            metadata: { name: 'platform', namespace: 'gateway-system' },
            spec: { gatewayClassName: 'cilium' },
          },
          { metadata: { name: 'old', namespace: 'gateway-system' }, spec: { gatewayClassName: 'istio' } },
        ],
        httpRoutes: [
          route('lost', 'nope', 'gone'),
          route('denied', 'platform', 'web', {
            parents: [
              {
                conditions: [
                  {
                    type: 'ResolvedRefs',
                    status: 'False',
                    reason: 'RefNotPermitted',
                    message: 'no ReferenceGrant',
                  },
                ],
              },
            ],
          }),
          route('ok', 'platform', 'web'),
        ],
      }),
    ).toEqual([
      'Gateway gateway-system/old error: gatewayClassName istio: no GatewayClass of that name (there are cilium)',
      'HTTPRoute demo/lost error: parentRef Gateway gateway-system/nope does not exist',
      'HTTPRoute demo/lost error: backendRef Service demo/gone does not exist',
      'HTTPRoute demo/denied error: ResolvedRefs False (RefNotPermitted: no ReferenceGrant)',
    ]);
  });

  it('PodDisruptionBudget: maxUnavailable 0, minAvailable of every pod, no disruption allowed; one that allows one is fine', () => {
    const pdb = (name: string, spec: object, status: object) => ({ metadata: meta(name), spec, status });
    expect(
      run('PodDisruptionBudget', {
        pdbs: [
          pdb(
            'zero',
            { maxUnavailable: 0 },
            { expectedPods: 2, currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 },
          ),
          pdb(
            'all',
            { minAvailable: '100%' },
            { expectedPods: 3, currentHealthy: 3, desiredHealthy: 3, disruptionsAllowed: 0 },
          ),
          pdb(
            'unhealthy',
            { minAvailable: 1 },
            { expectedPods: 2, currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0 },
          ),
          pdb(
            'fine',
            { maxUnavailable: 1 },
            { expectedPods: 3, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 },
          ),
        ],
      }),
    ).toEqual([
      'PodDisruptionBudget demo/zero warning: maxUnavailable 0: no pod may ever be evicted (2 pod(s) covered)',
      'PodDisruptionBudget demo/all warning: minAvailable 100% of 3 pod(s): no pod may ever be evicted',
      'PodDisruptionBudget demo/unhealthy warning: disruptionsAllowed 0: 1 healthy of 2, 1 required',
    ]);
  });

  it('NetworkPolicy: a podSelector that selects no pod; one that selects a pod, or every pod, is fine', () => {
    const policy = (name: string, podSelector: object) => ({ metadata: meta(name), spec: { podSelector } });
    expect(
      run('NetworkPolicy', {
        pods: [{ metadata: meta('web-1', { labels: { app: 'web', tier: 'front' } }) }],
        networkPolicies: [
          policy('stale', { matchLabels: { app: 'old-web' } }),
          policy('expr', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }),
          policy('web', { matchLabels: { app: 'web' } }),
          policy('default-deny', {}),
        ],
      }),
    ).toEqual([
      'NetworkPolicy demo/stale warning: podSelector app=old-web selects no pod in demo',
      'NetworkPolicy demo/expr warning: podSelector tier in (back) selects no pod in demo',
    ]);
  });

  it('Webhook: a Service without a ready endpoint fails every call (Ignore only warns); one with a ready endpoint is fine', () => {
    const hook = (name: string, service: string, failurePolicy?: string) =>
      ({
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name },
        webhooks: [
          {
            name: `${name}.example.io`,
            ...(failurePolicy ? { failurePolicy } : {}),
            clientConfig: { service: { name: service, namespace: 'demo' } },
          },
        ],
      }) as never;
    expect(
      run('Webhook', {
        services: [
          { metadata: meta('down'), spec: { selector: { app: 'down' } } },
          { metadata: meta('up'), spec: { selector: { app: 'up' } } },
        ],
        endpointSlices: [slice('down', false), slice('up', true)],
        webhooks: [hook('strict', 'down'), hook('lenient', 'down', 'Ignore'), hook('fine', 'up')],
      }),
    ).toEqual([
      'ValidatingWebhookConfiguration strict error: webhook strict.example.io calls Service demo/down, which has no ready endpoint (failurePolicy Fail)',
      'ValidatingWebhookConfiguration lenient warning: webhook lenient.example.io calls Service demo/down, which has no ready endpoint (failurePolicy Ignore)',
    ]);
  });
});
