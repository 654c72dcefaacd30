import { describe, expect, it } from 'vitest';
import { CATALOG } from '../addons/catalog.js';
import { loadBuiltinSpec } from '../spec/load.js';
import { loopbackTwin } from '../render/endpoints.js';
import { TEST_NOW } from '../test-support/clock.js';
import { observabilityEndpoints, traceIdOf } from './observability.js';

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
    expect(endpoints.loki).toMatch(/^http:\/\/127\./);
  });
});
