import { describe, expect, it } from 'vitest';
import { CATALOG } from '../addons/catalog.js';
import { unauthenticatedKubeClient } from '../test-support/kube.js';
import { promQuery } from '../clients/observability.js';
import { fixture, startReplay } from '../test-support/observability-replay.js';
import { loadBuiltinSpec } from '../spec/load.js';
import { loopbackTwin } from '../render/endpoints.js';
import { TEST_NOW } from '../test-support/clock.js';
import { explainFailure, observabilityEndpoints, traceIdOf } from './observability.js';

describe('observability', () => {
  it('finds the trace id of a log line in the usual spellings', () => {
    const id = '5b8efff798038103d269b633813fc60c';
    expect(traceIdOf(`level=error trace_id=${id} msg=x`)).toBe(id);
    expect(traceIdOf(`{"traceID":"${id.toUpperCase()}","msg":"x"}`)).toBe(id);
    expect(traceIdOf(`traceparent: 00-${id}-eee19b7ec3c1b173-01`)).toBe(id);
    expect(traceIdOf('level=error msg="no id here"')).toBeUndefined();
  });

  it("reaches Loki and Tempo at the management cluster's pinned addresses, their loopback twins on kwok; Thanos Query only when given", () => {
    const platform = loadBuiltinSpec({ now: TEST_NOW, catalog: CATALOG }).platform!;
    const mgmt = platform.clusters.find((c) => c.name === platform.managementCluster)!;
    const loki = mgmt.addresses.services.loki!;
    const tempo = mgmt.addresses.services.tempo!;
    expect(observabilityEndpoints(platform)).toEqual({
      loki: `http://${loki}:3100`,
      tempo: `http://${tempo}:3200`,
    });
    const kwok = { ...platform, provider: 'kwok' as const };
    const endpoints = observabilityEndpoints(kwok, { thanosQuery: 'http://127.0.0.1:9090' });
    expect(endpoints).toEqual({
      thanosQuery: 'http://127.0.0.1:9090',
      loki: `http://${loopbackTwin(platform.name, loki)}:3100`,
      tempo: `http://${loopbackTwin(platform.name, tempo)}:3200`,
    });
    const kube = () => Promise.reject(new Error('not called while describing'));
    expect(observabilityEndpoints(kwok, {}, kube).thanosQuery).toMatchObject({
      cluster: 'mgmt',
      namespace: 'monitoring',
      service: 'thanos-query',
      port: 9090,
    });
    expect(endpoints.loki).toMatch(/^http:\/\/127\./);
  });
});

describe('a Service behind the API server', () => {
  it('asks Thanos Query through the service proxy path, with the query, and reads its answer (replayed documented response, not a live Thanos)', async () => {
    const proxy = '/api/v1/namespaces/monitoring/services/http:thanos-query:9090/proxy/api/v1/query';
    const apiServer = await startReplay({ [proxy]: { body: fixture('prometheus-query-vector.json') } });
    try {
      const platform = {
        ...loadBuiltinSpec({ now: TEST_NOW, catalog: CATALOG }).platform!,
        provider: 'kwok' as const,
      };
      const endpoints = observabilityEndpoints(platform, {}, async () =>
        unauthenticatedKubeClient(apiServer.url),
      );
      const answer = await promQuery(endpoints, { query: 'sum(up)' });
      expect(answer.data?.resultType).toBe('vector');
      expect(apiServer.requests).toEqual([{ path: proxy, query: { query: 'sum(up)' } }]);
      await expect(promQuery(endpoints, { query: 'up', time: '1' }).then(() => 'ok')).resolves.toBe('ok');
    } finally {
      await apiServer.close();
    }
  });

  it("reports the API server's Status message when it cannot proxy", async () => {
    const apiServer = await startReplay({
      '/api/v1/namespaces/monitoring/services/http:thanos-query:9090/proxy/api/v1/query': {
        status: 503,
        body: JSON.stringify({
          kind: 'Status',
          status: 'Failure',
          message: 'no endpoints available for service "thanos-query"',
          code: 503,
        }),
      },
    });
    try {
      const platform = loadBuiltinSpec({ now: TEST_NOW, catalog: CATALOG }).platform!;
      const endpoints = observabilityEndpoints(platform, {}, async () =>
        unauthenticatedKubeClient(apiServer.url),
      );
      await expect(promQuery(endpoints, { query: 'up' })).rejects.toThrow(
        /Service monitoring\/thanos-query:9090 through the mgmt API server .*: 503: no endpoints available for service "thanos-query"/,
      );
    } finally {
      await apiServer.close();
    }
  });
});

describe('explain_failure', () => {
  it("takes the trace id from the stream's labels when the line has none (replayed documented Loki format)", async () => {
    const loki = await startReplay({
      '/loki/api/v1/query_range': {
        body: JSON.stringify({
          status: 'success',
          data: {
            resultType: 'streams',
            result: [
              {
                stream: { namespace: 'shop', trace_id: '5B8EFFF798038103D269B633813FC60C' },
                values: [['1746259200150000000', 'level=error msg="payment declined"']],
              },
            ],
          },
        }),
      },
      '/api/traces/5b8efff798038103d269b633813fc60c': { body: fixture('tempo-trace.json') },
    });
    try {
      const explained = await explainFailure(
        { loki: loki.url, tempo: loki.url },
        { logql: '{namespace="shop"}' },
      );
      expect(explained.traceId).toBe('5b8efff798038103d269b633813fc60c');
      expect(explained.failingSpans).toHaveLength(2);
      expect(explained.gap).toBeUndefined();
    } finally {
      await loki.close();
    }
  });
});
