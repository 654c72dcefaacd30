/** Each analyzer with a case that produces its finding and one that does not (objects as the API returns them). */
import { describe, expect, it } from 'vitest';
import { analyzeSnapshot, ANALYZERS, type Snapshot } from './analyze.js';
import { EMPTY_SNAPSHOT } from '../test-support/snapshot.js';
import { ANALYZER_NAMES } from './analyzer-names.js';

const empty = EMPTY_SNAPSHOT;
const meta = (name: string, namespace = 'demo') => ({ name, namespace });
const run = (snapshot: Partial<Snapshot>, filter?: string[]) =>
  analyzeSnapshot('app1', { ...empty, ...snapshot }, filter);
const lines = (findings: ReturnType<typeof run>) =>
  findings.map((f) => `${f.object} ${f.severity}: ${f.evidence}`);

describe('analyze', () => {
  it("Pod: a pending pod with the scheduler's reason, a crash-looping container; a running pod is fine", () => {
    const findings = run({
      pods: [
        {
          metadata: meta('big'),
          status: {
            phase: 'Pending',
            conditions: [
              {
                type: 'PodScheduled',
                status: 'False',
                reason: 'Unschedulable',
                message: '0/2 nodes are available: 2 Insufficient cpu.',
              },
            ],
          },
        },
        {
          metadata: meta('crash'),
          status: {
            phase: 'Running',
            containerStatuses: [
              { name: 'app', state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } } },
            ],
          },
        },
        {
          metadata: meta('ok'),
          status: { phase: 'Running', containerStatuses: [{ name: 'app', state: { running: {} } }] },
        },
      ],
    });
    expect(findings.map((f) => `${f.object} ${f.severity}: ${f.evidence}`)).toEqual([
      'Pod demo/big error: Pending: Unschedulable: 0/2 nodes are available: 2 Insufficient cpu.',
      'Pod demo/crash error: container app: CrashLoopBackOff (back-off 5m0s)',
    ]);
  });

  it('Workload: a Deployment short of replicas; one at its replicas is fine', () => {
    const findings = run({
      deployments: [
        { metadata: meta('short'), spec: { replicas: 3 }, status: { readyReplicas: 1 } },
        { metadata: meta('full'), spec: { replicas: 2 }, status: { readyReplicas: 2 } },
      ],
    });
    expect(findings.map((f) => `${f.object}: ${f.evidence}`)).toEqual([
      'Deployment demo/short: 1/3 replicas ready',
    ]);
  });

  it('Service: no ready endpoint for its selector; one with a ready endpoint, or without a selector, is fine', () => {
    const slice = (service: string, ready: boolean) => ({
      metadata: {
        name: `${service}-x`,
        namespace: 'demo',
        labels: { 'kubernetes.io/service-name': service },
      },
      endpoints: [{ conditions: { ready } }],
    });
    const findings = run({
      services: [
        { metadata: meta('lonely'), spec: { selector: { app: 'gone' } } },
        { metadata: meta('served'), spec: { selector: { app: 'web' } } },
        { metadata: meta('headless-manual'), spec: {} },
      ],
      endpointSlices: [slice('lonely', false), slice('served', true)],
    });
    expect(findings.map((f) => `${f.object}: ${f.evidence}`)).toEqual([
      'Service demo/lonely: no ready endpoint for selector app=gone',
    ]);
  });

  it('PersistentVolumeClaim: pending; bound is fine', () => {
    const findings = run({
      pvcs: [
        { metadata: meta('data'), spec: { storageClassName: 'nope' }, status: { phase: 'Pending' } },
        { metadata: meta('bound'), status: { phase: 'Bound' } },
      ],
    });
    expect(findings.map((f) => f.evidence)).toEqual(['Pending (storageClassName nope)']);
  });

  it('Node: not Ready is an error, pressure a warning; a healthy node is fine', () => {
    const node = (name: string, conditions: Array<{ type: string; status: string }>) => ({
      metadata: { name },
      status: { conditions },
    });
    const findings = run({
      nodes: [
        node('down', [{ type: 'Ready', status: 'Unknown' }]),
        node('full', [
          { type: 'Ready', status: 'True' },
          { type: 'DiskPressure', status: 'True' },
        ]),
        node('fine', [
          { type: 'Ready', status: 'True' },
          { type: 'MemoryPressure', status: 'False' },
        ]),
      ],
    });
    expect(findings.map((f) => `${f.object} ${f.severity} ${f.evidence}`)).toEqual([
      'Node down error Ready=Unknown',
      'Node full warning DiskPressure=True',
    ]);
  });

  it('Webhook: calls a Service that does not exist; one whose Service exists is fine', () => {
    const findings = run({
      services: [{ metadata: meta('kyverno-svc', 'kyverno'), spec: {} }],
      webhooks: [
        {
          kind: 'ValidatingWebhookConfiguration',
          metadata: { name: 'stale' },
          webhooks: [{ name: 'v.example.io', clientConfig: { service: { name: 'gone', namespace: 'x' } } }],
        } as never,
        {
          kind: 'ValidatingWebhookConfiguration',
          metadata: { name: 'kyverno' },
          webhooks: [
            {
              name: 'k.kyverno.io',
              clientConfig: { service: { name: 'kyverno-svc', namespace: 'kyverno' } },
            },
          ],
        } as never,
      ],
    });
    expect(findings.map((f) => `${f.object}: ${f.evidence}`)).toEqual([
      'ValidatingWebhookConfiguration stale: webhook v.example.io calls Service x/gone, which does not exist',
    ]);
  });

  it('HorizontalPodAutoscaler: a missing target, scaling inactive; a sound one is fine', () => {
    const hpa = (name: string, target: string, extra: object = {}) => ({
      metadata: meta(name),
      spec: { scaleTargetRef: { kind: 'Deployment', name: target }, minReplicas: 1, maxReplicas: 5 },
      ...extra,
    });
    const findings = run(
      {
        deployments: [{ metadata: meta('web'), spec: { replicas: 1 }, status: { readyReplicas: 1 } }],
        hpas: [
          hpa('orphan', 'gone'),
          hpa('blind', 'web', {
            status: {
              conditions: [
                {
                  type: 'ScalingActive',
                  status: 'False',
                  reason: 'FailedGetResourceMetric',
                  message: 'unable to get metrics for resource cpu',
                },
              ],
            },
          }),
          hpa('good', 'web'),
        ],
      },
      ['HorizontalPodAutoscaler'],
    );
    expect(lines(findings)).toEqual([
      'HorizontalPodAutoscaler demo/orphan error: scaleTargetRef Deployment demo/gone does not exist',
      'HorizontalPodAutoscaler demo/blind warning: ScalingActive False (FailedGetResourceMetric: unable to get metrics for resource cpu)',
    ]);
  });

  it('runs only the analyzers of --filter', () => {
    const snapshot = {
      pvcs: [{ metadata: meta('data'), status: { phase: 'Pending' } }],
      deployments: [{ metadata: meta('short'), spec: { replicas: 2 }, status: {} }],
    };
    expect(
      analyzeSnapshot('app1', { ...empty, ...snapshot }, ['PersistentVolumeClaim']).map((f) => f.analyzer),
    ).toEqual(['PersistentVolumeClaim']);
  });
});

describe('analyze registry', () => {
  it('--filter names every analyzer of the registry, and only those', () => {
    expect([...ANALYZER_NAMES].sort()).toEqual(Object.keys(ANALYZERS).sort());
  });

  it('every finding is named by the analyzer that made it (what --filter takes)', () => {
    const findings = run({
      deployments: [{ metadata: meta('short'), spec: { replicas: 2 }, status: {} }],
      webhooks: [
        {
          kind: 'MutatingWebhookConfiguration',
          metadata: { name: 'stale' },
          webhooks: [{ name: 'm.example.io', clientConfig: { service: { name: 'gone', namespace: 'x' } } }],
        } as never,
      ],
    });
    expect(findings.map((f) => f.analyzer)).toEqual(['Workload', 'Webhook']);
  });

  it('a kind the cluster serves but that could not be listed is a warning naming it', () => {
    expect(
      lines(run({ unlisted: [{ kind: 'Certificate', error: 'certificates is forbidden' }] }, ['Pod'])),
    ).toEqual(['Cluster app1 warning: could not list Certificate: certificates is forbidden']);
  });
});
