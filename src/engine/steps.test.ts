import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartFor } from '../addons/charts.js';
import type { HelmClient } from '../clients/helm.js';
import type { KubeClient } from '../clients/kube.js';
import type { KubeObject } from '../kube/objects.js';
import { buildPlan, type PlanStep } from '../plan/plan.js';
import { projectLayout } from '../project/layout.js';
import { PROVIDER_TRAITS } from '../providers/traits.js';
import type { ClusterProvider } from '../providers/types.js';
import { renderPlatform } from '../render/index.js';
import type { Provider } from '../spec/types.js';
import { tempDir } from '../test-support/cli.js';
import { testPlatform } from '../test-support/render.js';
import { ChartSourceError, resolveBundle, resolveChart } from './chart-source.js';
import type { CredentialStore } from './credentials.js';
import type { StepEnvironment } from './step-environment.js';
import { executableSteps, installOrder, interruptedReleaseRepair, settled } from './steps.js';

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

describe('the CNI release', () => {
  /**
   * The Cilium release step of the default test platform's mgmt cluster, with a helm that only
   * records and an API whose Nodes turn Ready after `readyAfter` looks at each.
   */
  function cniStep(provider: Provider, readyAfter: number) {
    const platform = testPlatform();
    const tree = renderPlatform(platform);
    const mirror = tempDir('platformctl-mirror-');
    const ref = chartFor('cilium')!;
    writeFileSync(join(mirror, `${ref.chart}-${ref.version}.tgz`), '');
    const installs: string[] = [];
    const looks = new Map<string, number>();
    const helm = {
      status: async () => undefined,
      upgradeInstall: async (release: { name: string }) => {
        installs.push(release.name);
      },
    } as unknown as HelmClient;
    const kube = {
      // No workload or webhook of the release to wait for: the gate under test is the nodes'.
      list: async () => [],
      pathFor: async (_v: string, kind: string, _ns: string | undefined, name: string) =>
        `/api/v1/${kind.toLowerCase()}s/${name}`,
      getOptional: async (path: string) => {
        const name = path.split('/').at(-1)!;
        const seen = (looks.get(name) ?? 0) + 1;
        looks.set(name, seen);
        return {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name },
          status: {
            conditions: [
              seen > readyAfter
                ? { type: 'Ready', status: 'True', reason: 'KubeletReady' }
                : { type: 'Ready', status: 'False', reason: 'KubeletNotReady' },
            ],
          },
        };
      },
    } as unknown as KubeClient;
    const env: StepEnvironment = {
      platform,
      plan: buildPlan(platform, tree, provider),
      contents: new Map(tree.map((a) => [a.path, a.content])),
      provider: { traits: PROVIDER_TRAITS[provider] } as ClusterProvider,
      layout: projectLayout(tempDir()),
      recorded: {},
      addresses: new Map(),
      kube: async () => kube,
      helm: () => helm,
      chartsDir: mirror,
      credentials: {} as CredentialStore,
      environment: {},
    };
    const step = executableSteps(env).find((s) => s.id === 'mgmt/cilium/release')!;
    const nodes = platform.clusters.find((c) => c.name === 'mgmt')!.nodes.map((n) => n.name);
    return { step, installs, looks, nodes };
  }

  it('waits for every node of the spec Ready on a provider that runs workloads (Multipass: NotReady until the CNI runs)', async () => {
    const { step, installs, looks, nodes } = cniStep('multipass', 1);
    const log: string[] = [];
    const result = await step.run({
      signal: new AbortController().signal,
      attempt: 1,
      log: (line) => log.push(line),
    });
    expect(installs).toEqual(['cilium']);
    // Asked about every node until each was Ready: once NotReady, then Ready.
    expect(Object.fromEntries(looks)).toEqual(Object.fromEntries(nodes.map((n) => [n, 2])));
    expect(
      log.some((l) => l.startsWith('waiting for') && l.includes('Ready is False (KubeletNotReady)')),
    ).toBe(true);
    expect(result.detail).toMatch(new RegExp(`deployed, ${nodes.length} node\\(s\\) Ready$`));
  });

  it('does not gate on nodes on kwok, whose simulated nodes are Ready from the start', async () => {
    const { step, installs, looks } = cniStep('kwok', 1);
    const result = await step.run({ signal: new AbortController().signal, attempt: 1, log: () => {} });
    expect(installs).toEqual(['cilium']);
    expect(looks.size).toBe(0);
    expect(result.detail).not.toMatch(/node\(s\) Ready/);
  });
});

describe('a settled step without drift', () => {
  it('keeps what its work recorded (the nodes’ addresses) in the record of the run that only checked it', async () => {
    const platform = testPlatform();
    const tree = renderPlatform(platform);
    const plan = buildPlan(platform, tree, 'kwok');
    const provision = plan.steps.find((s) => s.id === 'mgmt/provision')!;
    const outputs = { addresses: { 'mgmt-cp-0': '196.168.0.1' } };
    const observed: string[] = [];
    const env: StepEnvironment = {
      platform,
      plan,
      contents: new Map(tree.map((a) => [a.path, a.content])),
      provider: {
        traits: PROVIDER_TRAITS.kwok,
        observe: async (request: { cluster: { name: string } }) => {
          observed.push(request.cluster.name);
          return { exists: true, serving: true, ready: true };
        },
      } as unknown as ClusterProvider,
      layout: projectLayout(tempDir()),
      recorded: {
        'mgmt/provision': {
          inputsHash: provision.inputsHash,
          outcome: 'succeeded',
          runId: 'r1',
          attempts: 1,
          outputs,
        },
      },
      addresses: new Map(),
      kube: async () => ({}) as KubeClient,
      helm: () => ({}) as HelmClient,
      credentials: {} as CredentialStore,
      environment: {},
    };
    const step = executableSteps(env).find((s) => s.id === 'mgmt/provision')!;
    const result = await step.run({ signal: new AbortController().signal, attempt: 1, log: () => {} });
    expect(observed).toEqual(['mgmt']);
    expect(result).toEqual({ outcome: 'unchanged', detail: 'no drift', outputs });
  });
});

describe('a phase-1 step (supersededBy)', () => {
  /** cert-manager's bootstrap-issuer step on kwok's app1, against an API that holds `live` paths. */
  function bootstrapStep(live: ReadonlySet<string>) {
    const platform = testPlatform();
    const tree = renderPlatform({ ...platform, provider: 'kwok' });
    const applied: string[] = [];
    const kube = {
      pathFor: async (_v: string, kind: string, _ns: string | undefined, name: string) =>
        `/${kind.toLowerCase()}s/${name}`,
      getOptional: async (path: string) => (live.has(path) ? { metadata: {} } : undefined),
      apply: async (object: KubeObject) => {
        applied.push(`${object.kind}/${object.metadata.name}`);
        return object;
      },
    } as unknown as KubeClient;
    const env: StepEnvironment = {
      platform,
      plan: buildPlan(platform, tree, 'kwok'),
      contents: new Map(tree.map((a) => [a.path, a.content])),
      provider: { traits: PROVIDER_TRAITS.kwok } as ClusterProvider,
      layout: projectLayout(tempDir()),
      recorded: {},
      addresses: new Map(),
      kube: async () => kube,
      helm: () => ({}) as HelmClient,
      chartsDir: undefined,
      credentials: {} as CredentialStore,
      environment: {},
    };
    const step = executableSteps(env).find((s) => s.id === 'app1/cert-manager/bootstrap-issuer')!;
    return { step, applied };
  }
  const context = { signal: new AbortController().signal, attempt: 1, log: () => {} };

  it('applies the bootstrap issuer and the first wildcard while there is no Vault issuer', async () => {
    const { step, applied } = bootstrapStep(new Set());
    const result = await step.run(context);
    expect(applied.sort()).toEqual(['Certificate/wildcard', 'ClusterIssuer/selfsigned-bootstrap']);
    expect(result.outcome).toBe('succeeded');
  });

  it('applies nothing once the Vault issuer exists, even when its inputs changed', async () => {
    const { step, applied } = bootstrapStep(new Set(['/clusterissuers/vault-issuer']));
    const result = await step.run(context);
    expect(applied).toEqual([]);
    expect(result).toMatchObject({
      outcome: 'unchanged',
      detail: 'superseded: ClusterIssuer vault-issuer exists',
    });
  });
});

describe('a release an interrupted run left behind', () => {
  it('finishes an interrupted uninstall (Helm would say "has no deployed releases"), undoes a pending first install, rolls back a pending upgrade', () => {
    expect(interruptedReleaseRepair({ status: 'uninstalling', revision: 1 })).toEqual({
      action: 'uninstall',
    });
    expect(interruptedReleaseRepair({ status: 'uninstalling', revision: 4 })).toEqual({
      action: 'uninstall',
    });
    expect(interruptedReleaseRepair({ status: 'pending-install', revision: 1 })).toEqual({
      action: 'uninstall',
    });
    expect(interruptedReleaseRepair({ status: 'pending-upgrade', revision: 1 })).toEqual({
      action: 'uninstall',
    });
    expect(interruptedReleaseRepair({ status: 'pending-upgrade', revision: 3 })).toEqual({
      action: 'rollback',
      revision: 2,
    });
    expect(interruptedReleaseRepair({ status: 'pending-rollback', revision: 5 })).toEqual({
      action: 'rollback',
      revision: 4,
    });
  });

  it('leaves releases Helm itself can upgrade alone (a failed first install included)', () => {
    for (const status of ['deployed', 'failed', 'superseded'])
      expect(interruptedReleaseRepair({ status, revision: 1 })).toBeUndefined();
  });
});
