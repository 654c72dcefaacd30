import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatAddress, parseAddress } from '../../net/ipv4.js';
import { renderContext } from '../../render/context.js';
import { validateObject } from '../../render/kube-schemas.js';
import { chartFile, unknownValueKeys } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';
import type { KubeObject } from '../../kube/objects.js';
import { renderMetallb } from './metallb.js';

const CLUSTERS = ['mgmt', 'app1', 'app2'] as const;
const platform = testPlatform();
const cluster = (name: string) => platform.clusters.find((c) => c.name === name)!;

interface Pool extends KubeObject {
  spec: { addresses: string[]; autoAssign?: boolean };
}
interface Advertisement extends KubeObject {
  spec: { ipAddressPools: string[] };
}
interface MetallbValues {
  controller: { resources: unknown };
  speaker: { resources: unknown; ignoreExcludeLB: boolean; frr: { enabled: boolean } };
  frrk8s: { enabled: boolean };
}

const rendered = (name: string) => renderAddon('metallb', name);
const pools = (name: string) => rendered(name).manifests!.filter((o) => o.kind === 'IPAddressPool') as Pool[];
const advertisements = (name: string) =>
  rendered(name).manifests!.filter((o) => o.kind === 'L2Advertisement') as Advertisement[];

function ip(text: string): number {
  const parsed = parseAddress(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

/** Every address of `a-b` ranges, as numbers. */
function expand(ranges: readonly string[]): number[] {
  return ranges.flatMap((range) => {
    const [first, last = first] = range.split('-') as [string, string?];
    const out: number[] = [];
    for (let a = ip(first); a <= ip(last); a++) out.push(a);
    return out;
  });
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const merge = (base: unknown, over: unknown): unknown =>
  !isMap(base) || !isMap(over)
    ? (over ?? base)
    : Object.fromEntries(
        [...new Set([...Object.keys(base), ...Object.keys(over)])].map((k) => [k, merge(base[k], over[k])]),
      );

/**
 * checkChartValues, except that the schema's `$schema` is dropped before compiling: MetalLB's
 * values.schema.json names draft-07 by an https URL, which Ajv does not know, so the shared helper
 * throws "no schema with key or ref" before validating anything.
 */
function checkMetallbValues(values: unknown): { unknownKeys: string[]; schemaErrors: string[] } {
  const defaults = parse(chartFile(chartFor('metallb')!, 'values.yaml')!) as unknown;
  const { $schema, ...schema } = JSON.parse(chartFile(chartFor('metallb')!, 'values.schema.json')!) as Record<
    string,
    unknown
  >;
  expect($schema).toBe('https://json-schema.org/draft-07/schema#');
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  validate(merge(defaults, values));
  return {
    unknownKeys: unknownValueKeys(values, defaults),
    schemaErrors: (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`),
  };
}

describe('metallb', () => {
  it.each(CLUSTERS)('uses only keys of the pinned chart and passes its schema (%s)', (name) => {
    const check = checkMetallbValues(rendered(name).values);
    expect(check.unknownKeys).toEqual([]);
    expect(check.schemaErrors).toEqual([]);
  });

  it('is checked against a schema that does reject wrong values', () => {
    expect(checkMetallbValues({ speaker: { logLevel: 'loud' } }).schemaErrors).not.toEqual([]);
    expect(checkMetallbValues({ speaker: { bogus: true } }).unknownKeys).toEqual(['speaker.bogus']);
  });

  it.each(CLUSTERS)('renders only objects that pass their schemas, in metallb-system (%s)', (name) => {
    for (const object of rendered(name).manifests!) {
      expect(() => validateObject(object)).not.toThrow();
      expect(object.metadata.namespace).toBe('metallb-system');
    }
  });

  it.each(CLUSTERS)('hands out exactly its own pool less the API VIP (%s)', (name) => {
    const { addresses, loadBalancerPool } = cluster(name);
    const handed = expand(pools(name).flatMap((p) => p.spec.addresses));
    expect(handed).toEqual(expand([addresses.metallbRange]));
    expect(handed).not.toContain(ip(addresses.api));
    expect(handed[0]).toBe(loadBalancerPool.first);
    expect(handed.at(-1)).toBe(loadBalancerPool.last - 1);
  });

  it('never hands out another cluster’s addresses (correction 6)', () => {
    const byCluster = CLUSTERS.map((name) => new Set(expand(pools(name).flatMap((p) => p.spec.addresses))));
    for (let i = 0; i < byCluster.length; i++)
      for (let j = i + 1; j < byCluster.length; j++)
        expect([...byCluster[i]!].filter((a) => byCluster[j]!.has(a))).toEqual([]);
    expect(pools('app1').flatMap((p) => p.spec.addresses)).toEqual([
      '192.168.64.211-192.168.64.212',
      '192.168.64.213-192.168.64.219',
    ]);
  });

  it.each(CLUSTERS)('keeps the pinned addresses for the Services that ask for them (%s)', (name) => {
    const { addresses } = cluster(name);
    const [pinned, dynamic] = pools(name);
    expect(pinned!.metadata.name).toBe(`${name}-pinned`);
    expect(pinned!.spec).toEqual({ addresses: [addresses.pinnedRange], autoAssign: false });
    expect(dynamic!.metadata.name).toBe(`${name}-dynamic`);
    expect(dynamic!.spec).toEqual({ addresses: [addresses.dynamicRange], autoAssign: true });
    const pinnedSet = new Set(expand(pinned!.spec.addresses));
    for (const address of Object.values(addresses.services))
      expect(pinnedSet.has(ip(address)), address).toBe(true);
  });

  it.each(CLUSTERS)('advertises only its own pools, in one L2Advertisement (%s)', (name) => {
    const list = advertisements(name);
    expect(list).toHaveLength(1);
    expect(list[0]!.metadata.name).toBe(`${name}-l2`);
    expect(list[0]!.spec).toEqual({ ipAddressPools: [`${name}-pinned`, `${name}-dynamic`] });
  });

  it('renders no dynamic pool when the pinned slots fill the pool', () => {
    const mgmt = cluster('mgmt');
    // A pool of exactly the pinned slots plus the VIP.
    const last = ip(mgmt.addresses.pinnedRange.split('-')[1]!) + 1;
    const tight = {
      ...mgmt,
      addresses: {
        ...mgmt.addresses,
        api: formatAddress(last),
        metallbRange: mgmt.addresses.pinnedRange,
        dynamicRange: undefined,
      },
    };
    const out = renderMetallb(renderContext(platform, tight));
    const kinds = out.manifests!.map((o) => `${o.kind} ${o.metadata.name}`);
    expect(kinds).toEqual(['IPAddressPool mgmt-pinned', 'L2Advertisement mgmt-l2']);
    expect((out.manifests![1] as Advertisement).spec.ipAddressPools).toEqual(['mgmt-pinned']);
  });

  it.each(CLUSTERS)('runs L2 only, with resources on controller and speaker (%s)', (name) => {
    const values = rendered(name).values as unknown as MetallbValues;
    expect(values.frrk8s.enabled).toBe(false);
    expect(values.speaker.frr.enabled).toBe(false);
    // Workers announce; control planes are excluded by kubeadm's label, which stays honoured.
    expect(values.speaker.ignoreExcludeLB).toBe(false);
    for (const resources of [values.controller.resources, values.speaker.resources]) {
      expect(resources).toMatchObject({
        requests: { cpu: expect.any(String), memory: expect.any(String) },
        limits: { cpu: expect.any(String), memory: expect.any(String) },
      });
    }
  });

  it('announces from the control plane when a cluster has no workers', () => {
    const app1 = cluster('app1');
    const controlPlaneOnly = { ...app1, nodes: app1.nodes.filter((n) => n.role === 'control-plane') };
    const values = renderMetallb(renderContext(platform, controlPlaneOnly))
      .values as unknown as MetallbValues;
    expect(values.speaker.ignoreExcludeLB).toBe(true);
  });

  it('renders the same output twice', () => {
    for (const name of CLUSTERS) expect(rendered(name)).toEqual(rendered(name));
  });
});
