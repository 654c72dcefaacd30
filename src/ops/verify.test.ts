import { describe, expect, it } from 'vitest';
import { statusChecks } from './verify.js';

const cluster = (name: string, serving: boolean, ready = [true, true]) => ({
  name,
  exists: true,
  serving,
  ...(serving ? {} : { detail: 'connection refused' }),
  nodes: ready.map((r) => ({ ready: r })),
  connect: { server: 'https://127.0.0.1:32000' },
});

describe('verify: what status saw, as checks', () => {
  it('passes a serving cluster with every node Ready and every step in sync', () => {
    const checks = statusChecks({
      clusters: [cluster('app1', true)],
      steps: [{ id: 'app1/namespaces', cluster: 'app1', state: 'in sync' }],
    });
    expect(checks.map((c) => `${c.id} ${c.status}`)).toEqual([
      'cluster.app1.api pass',
      'cluster.app1.nodes pass',
      'cluster.app1.steps pass',
    ]);
  });

  it('fails a cluster that does not serve (its nodes skipped, with the reason), a node not Ready and a drifted step', () => {
    const checks = statusChecks({
      clusters: [cluster('app1', false), cluster('app2', true, [true, false])],
      steps: [
        {
          id: 'app2/kyverno/release',
          cluster: 'app2',
          state: 'drifted',
          drift: 'Deployment kyverno/x is missing',
        },
      ],
    });
    const by = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(by['cluster.app1.api']).toMatchObject({
      status: 'fail',
      evidence: 'does not serve: connection refused',
    });
    expect(by['cluster.app1.nodes']).toMatchObject({
      status: 'skipped',
      evidence: 'the API does not answer',
    });
    expect(by['cluster.app2.nodes']).toMatchObject({ status: 'fail', evidence: '1/2 Ready' });
    expect(by['cluster.app2.steps']).toMatchObject({
      status: 'fail',
      evidence: 'app2/kyverno/release: Deployment kyverno/x is missing',
    });
  });
});
