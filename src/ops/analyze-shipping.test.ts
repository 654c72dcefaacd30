/** Where each cluster ships metrics, logs and traces, read from the rendered tree of the built-in platform. */
import { describe, expect, it } from 'vitest';
import { renderPlatform } from '../render/index.js';
import { loopbackTwin } from '../render/endpoints.js';
import { testPlatform } from '../test-support/render.js';
import { classifyHost, hostOf, shippingSources } from './analyze-shipping.js';

const platform = testPlatform();
const kwok = { ...platform, provider: 'kwok' as const };
const tree = (p: typeof platform) => new Map(renderPlatform(p).map((a) => [a.path, a.content]));

describe('analyze shipping targets', () => {
  it("app1 ships metrics to mgmt's Thanos receive, logs to Loki and traces to Tempo on their pinned addresses", () => {
    const mgmt = platform.clusters.find((c) => c.name === 'mgmt')!;
    const sources = shippingSources('app1', tree(platform), () => true);
    expect(sources.map((s) => s.source).sort()).toEqual([
      'otel-collector exporter',
      'prometheus remote-write',
      'promtail client',
    ]);
    const pinned = sources.map((s) => classifyHost(platform, s.host));
    for (const names of pinned) expect(names).toMatchObject({ kind: 'pinned', cluster: 'mgmt' });
    expect(pinned.map((n) => (n.kind === 'pinned' ? n.pinned : '')).sort()).toEqual(
      pinned
        .map((n) => (n.kind === 'pinned' ? n.service : ''))
        .map((service) => mgmt.addresses.services[service as keyof typeof mgmt.addresses.services]!)
        .sort(),
    );
  });

  it('on kwok the hosts are the loopback twins, and still name the pinned addresses', () => {
    const sources = shippingSources('app1', tree(kwok), () => true);
    const remoteWrite = sources.find((s) => s.source === 'prometheus remote-write')!;
    expect(remoteWrite.host).toMatch(/^127\./);
    const names = classifyHost(kwok, remoteWrite.host);
    expect(names.kind).toBe('pinned');
    if (names.kind === 'pinned') expect(loopbackTwin(kwok.name, names.pinned)).toBe(remoteWrite.host);
  });

  it("mgmt's promtail ships to the in-cluster Loki Service; an add-on the last up did not install ships nothing", () => {
    const sources = shippingSources('mgmt', tree(platform), (addon) => addon === 'promtail');
    expect(sources).toEqual([
      expect.objectContaining({ source: 'promtail client', host: 'loki.logging.svc.cluster.local' }),
    ]);
    expect(classifyHost(platform, sources[0]!.host)).toEqual({
      kind: 'in-cluster',
      namespace: 'logging',
      name: 'loki',
    });
    expect(shippingSources('mgmt', tree(platform), () => false)).toEqual([]);
  });

  it('classifies other addresses and DNS names; hosts of URLs and bare OTLP endpoints', () => {
    expect(classifyHost(platform, '10.9.8.7')).toEqual({ kind: 'address' });
    expect(classifyHost(platform, 'logs.example.com')).toEqual({ kind: 'dns' });
    expect(hostOf('http://loki.logging.svc:3100/push')).toBe('loki.logging.svc');
    expect(hostOf('127.0.0.9:4317')).toBe('127.0.0.9');
    expect(hostOf('::nonsense')).toBeUndefined();
  });
});
