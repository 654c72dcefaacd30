import { CATALOG } from '../addons/catalog.js';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../test-support/clock.js';
import { loadSpecText } from './load.js';

const load = (text: string) => loadSpecText(text, { file: 'p.yaml', now: TEST_NOW, catalog: CATALOG });

describe('loadSpecText', () => {
  it('reports every problem at once: shape and rule findings together, in source order', () => {
    const result = load(`apiVersion: platformctl.dev/v1alpha1
kind: Platform
metadata: { name: lab }
spec:
  provder: kwok
  kubernetes: { version: v1.30.1 }
  clusters:
    - { name: mgmt, role: management }
    - { name: app1, role: workload, serviceCIDR: 10.97.0.0/12, id: 1 }
  addons:
    vault: { enabled: no }
    kyverno: { clusters: [mgmt, app3] }
`);
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => [d.line, d.code, d.path])).toEqual([
      [5, 'schema.unknown-field', 'spec.provder'],
      [6, 'version.unsupported', 'spec.kubernetes.version'],
      [9, 'network.host-bits', 'spec.clusters[1].serviceCIDR'],
      [9, 'cluster.id-duplicate', 'spec.clusters[1].id'],
      [11, 'schema.type', 'spec.addons.vault.enabled'],
      [12, 'placement.workload-only', 'spec.addons.kyverno.clusters[0]'],
      [12, 'addon.unknown-cluster', 'spec.addons.kyverno.clusters[1]'],
    ]);
  });

  it('points unknown fields at the key and suggests the field meant', () => {
    const [d] = load(
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata:\n  name: x\n  nmae: y\n',
    ).diagnostics;
    expect(d).toMatchObject({
      code: 'schema.unknown-field',
      line: 5,
      column: 3,
      hint: 'did you mean "name"?',
    });
  });

  it('explains YAML 1.1 booleans', () => {
    const result = load(
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec:\n  externalServices:\n    nexus: { enabled: off }\n',
    );
    expect(result.diagnostics[0]).toMatchObject({
      code: 'schema.type',
      hint: expect.stringContaining('write true or false'),
    });
  });

  it('rejects duplicate keys as a syntax error with its line', () => {
    const result = load(
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nkind: Platform\nmetadata: { name: x }\n',
    );
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({
      code: 'yaml.syntax',
      line: 3,
      hint: 'remove one of the two keys',
    });
  });

  it('marks findings about values the file leaves to defaults', () => {
    const result = load(`apiVersion: platformctl.dev/v1alpha1
kind: Platform
metadata: { name: x }
spec:
  network:
    nodeSubnet: 10.0.0.0/24
    gateway: 10.0.0.1
    dhcpRange: 10.0.0.2-10.0.0.99
`);
    const pool = result.diagnostics.find((d) => d.path === 'spec.clusters[0].loadBalancerPool');
    expect(pool).toMatchObject({ code: 'network.pool-outside-subnet', defaulted: true });
    // No line of its own: the position of the nearest ancestor in the file, if any, is used.
    expect(result.diagnostics.every((d) => d.severity === 'error')).toBe(true);
  });

  it('builds the model only for a valid spec', () => {
    expect(
      load('apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\n').platform
        ?.clusters,
    ).toHaveLength(3);
    expect(
      load(
        'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec: { host: { memoryGiB: 8 } }\n',
      ).platform,
    ).toBeUndefined();
  });

  it('is pure: the same text and clock give equal results', () => {
    const text =
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec: { provider: kwok }\n';
    expect(JSON.stringify(load(text).document)).toBe(JSON.stringify(load(text).document));
  });
});
