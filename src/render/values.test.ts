import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PlatformctlError } from '../errors.js';
import { buildPlan } from '../plan/plan.js';
import { testPlatform } from '../test-support/render.js';
import { renderPlatform } from './index.js';
import { mergeValues } from './values.js';

const spec = (addons: string) =>
  `apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: values }\nspec:\n  addons:\n${addons}`;

const valuesOf = (tree: ReturnType<typeof renderPlatform>, path: string) =>
  parse(tree.find((a) => a.path === path)!.content) as Record<string, unknown>;

describe('mergeValues (Helm semantics)', () => {
  it('merges mappings key by key, replaces lists and scalars, and removes keys set to null', () => {
    const merged = mergeValues(
      { a: { b: 1, c: [1, 2], d: 'x' }, e: true, f: { g: 1 } },
      { a: { b: 2, c: [3] }, e: null, f: 'scalar' },
    );
    expect(merged).toEqual({ a: { b: 2, c: [3], d: 'x' }, f: 'scalar' });
  });
});

describe('spec.addons.<name>.values', () => {
  it('merges into the rendered values of every cluster the add-on runs on, and the plan sees the change', () => {
    const plain = testPlatform(spec('    grafana: { enabled: true }\n'));
    const tuned = testPlatform(
      spec('    grafana:\n      values: { replicas: 2, resources: { limits: { memory: 768Mi } } }\n'),
    );
    const before = renderPlatform(plain);
    const after = renderPlatform(tuned);
    const path = 'clusters/mgmt/addons/grafana/values.yaml';
    expect(valuesOf(before, path)['replicas']).toBeUndefined();
    expect(valuesOf(after, path)['replicas']).toBe(2);
    // The rest of the rendered limits stays.
    expect(valuesOf(after, path)['resources']).toMatchObject({
      limits: { memory: '768Mi', cpu: expect.any(String) },
    });
    const changed = buildPlan(tuned, after)
      .steps.filter(
        (s) => s.inputsHash !== buildPlan(plain, before).steps.find((p) => p.id === s.id)?.inputsHash,
      )
      .map((s) => s.id);
    expect(changed).toEqual(['mgmt/grafana/release']);
  });

  it('refuses values that would change a pinned address, naming the user path and the address', () => {
    const platform = testPlatform(
      spec(
        '    loki:\n      values: { singleBinary: { service: { annotations: { metallb.io/loadBalancerIPs: 192.168.64.99 } } } }\n',
      ),
    );
    let error: unknown;
    try {
      renderPlatform(platform);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlatformctlError);
    expect((error as PlatformctlError).code).toBe('values.owned');
    expect((error as PlatformctlError).message).toContain(
      'spec.addons.loki.values.singleBinary.service.annotations.metallb.io/loadBalancerIPs',
    );
    expect((error as PlatformctlError).message).toMatch(/the pinned address 192\.168\.64\.\d+/);
  });

  it('refuses values that would change a Secret reference or a CIDR', () => {
    const secret = testPlatform(spec('    minio:\n      values: { existingSecret: my-own }\n'));
    expect(() => renderPlatform(secret)).toThrow(
      /spec\.addons\.minio\.values\.existingSecret .*the Secret minio-root/,
    );
    // Falco's rules name the cluster's pod and service networks: replacing them is refused.
    const cidr = testPlatform(spec('    falco:\n      values: { customRules: null }\n'));
    expect(() => renderPlatform(cidr)).toThrow(
      /spec\.addons\.falco\.values\.customRules.*the network \d+\.\d+\.\d+\.\d+\/\d+/s,
    );
    // A setting that holds nothing platformctl owns is the user's.
    expect(() =>
      renderPlatform(testPlatform(spec('    falco:\n      values: { driver: { kind: ebpf } }\n'))),
    ).not.toThrow();
  });

  it('refuses values for an add-on that installs no chart', () => {
    const platform = testPlatform(spec('    gateway-api:\n      values: { a: 1 }\n'));
    expect(() => renderPlatform(platform)).toThrow(/gateway-api installs no Helm chart/);
  });
});
