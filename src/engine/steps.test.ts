import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/objects.js';
import type { PlanStep } from '../plan/plan.js';
import { ChartSourceError, resolveBundle, resolveChart } from './chart-source.js';
import { installOrder, settled } from './steps.js';

const object = (kind: string, name: string): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name } });

describe('installOrder', () => {
  it('puts namespaces, CRDs and RBAC before what uses them, keeping file order within a kind', () => {
    const ordered = installOrder([
      object('Deployment', 'd'),
      object('ClusterIssuer', 'custom'),
      object('RoleBinding', 'rb'),
      object('CustomResourceDefinition', 'crd'),
      object('Namespace', 'b'),
      object('Namespace', 'a'),
    ]);
    expect(ordered.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/b',
      'Namespace/a',
      'CustomResourceDefinition/crd',
      'RoleBinding/rb',
      'Deployment/d',
      'ClusterIssuer/custom',
    ]);
  });
});

describe('settled', () => {
  const step = { id: 'mgmt/provision', inputsHash: 'h1' } as PlanStep;
  it('holds only for a success with the same inputs', () => {
    expect(settled(step, undefined)).toBe(false);
    expect(settled(step, { inputsHash: 'h1', outcome: 'succeeded', runId: 'r', attempts: 1 })).toBe(true);
    expect(settled(step, { inputsHash: 'h1', outcome: 'unchanged', runId: 'r', attempts: 1 })).toBe(true);
    expect(settled(step, { inputsHash: 'h0', outcome: 'succeeded', runId: 'r', attempts: 1 })).toBe(false);
    expect(settled(step, { inputsHash: 'h1', outcome: 'failed', runId: 'r', attempts: 3 })).toBe(false);
    expect(settled(step, { inputsHash: 'h1', outcome: 'cancelled', runId: 'r', attempts: 1 })).toBe(false);
  });
});

describe('chart sources', () => {
  const ref = { repository: 'https://charts.jetstack.io', chart: 'cert-manager', version: 'v1.21.1' };
  it('uses the repository and the pinned version without a mirror', () => {
    expect(resolveChart(ref)).toEqual({
      chart: 'cert-manager',
      version: 'v1.21.1',
      repo: 'https://charts.jetstack.io',
      from: 'repository',
    });
    expect(resolveChart({ ...ref, repository: 'oci://quay.io/jetstack/charts/' })).toEqual({
      chart: 'oci://quay.io/jetstack/charts/cert-manager',
      version: 'v1.21.1',
      from: 'repository',
    });
  });

  it('finds a pulled .tgz or an unpacked directory in the mirror, and says how to fill a gap', () => {
    const mirror = mkdtempSync(join(tmpdir(), 'platformctl-mirror-'));
    expect(() => resolveChart(ref, mirror)).toThrow(ChartSourceError);
    expect(() => resolveChart(ref, mirror)).toThrow(
      /helm pull cert-manager --repo https:\/\/charts.jetstack.io --version v1.21.1/,
    );
    writeFileSync(join(mirror, 'cert-manager-v1.21.1.tgz'), '');
    expect(resolveChart(ref, mirror)).toEqual({
      chart: join(mirror, 'cert-manager-v1.21.1.tgz'),
      from: 'mirror',
    });
    const other = { ...ref, chart: 'vault', version: '0.34.1' };
    mkdirSync(join(mirror, 'vault', '0.34.1'), { recursive: true });
    expect(resolveChart(other, mirror).chart).toBe(join(mirror, 'vault', '0.34.1'));
  });

  it('reads bundles from the mirror or their URL', () => {
    const bundle = {
      name: 'gateway-api',
      version: 'v1.6.1',
      url: 'https://example.invalid/v1.6.1/standard-install.yaml',
    };
    expect(resolveBundle(bundle)).toEqual({ url: bundle.url });
    const mirror = mkdtempSync(join(tmpdir(), 'platformctl-mirror-'));
    expect(() => resolveBundle(bundle, mirror)).toThrow(/download https:\/\/example.invalid/);
    mkdirSync(join(mirror, 'gateway-api', 'v1.6.1'), { recursive: true });
    writeFileSync(join(mirror, 'gateway-api', 'v1.6.1', 'standard-install.yaml'), '');
    expect(resolveBundle(bundle, mirror)).toEqual({
      path: join(mirror, 'gateway-api', 'v1.6.1', 'standard-install.yaml'),
    });
  });
});
