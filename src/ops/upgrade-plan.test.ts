import { describe, expect, it } from 'vitest';
import type { PlatformCluster } from '../spec/model.js';
import { testPlatform } from '../test-support/render.js';
import {
  checkVersionJump,
  deprecatedApisFromMetrics,
  type ObservedNode,
  planUpgrade,
  removedApisInObjects,
  UpgradeError,
} from './upgrade-plan.js';

const platform = testPlatform();
const mgmt = platform.clusters.find((c) => c.name === 'mgmt')!;

/** A cluster with the given control planes and workers, named as the provider names them. */
function cluster(cps: number, workers: number): PlatformCluster {
  const node = (role: 'control-plane' | 'worker', index: number) => ({
    ...mgmt.nodes[0]!,
    name: role === 'control-plane' ? `mgmt-cp-${index}` : `mgmt-worker-${index}`,
    role,
    index,
  });
  return {
    ...mgmt,
    nodes: [
      ...Array.from({ length: cps }, (_, i) => node('control-plane', i)),
      ...Array.from({ length: workers }, (_, i) => node('worker', i)),
    ],
  };
}

const observed = (c: PlatformCluster, version: string, at: Record<string, string> = {}): ObservedNode[] =>
  c.nodes.map((n) => ({ name: n.name, kubeletVersion: at[n.name] ?? version, ready: true }));

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (error) {
    return error instanceof UpgradeError ? error.code : `not an UpgradeError: ${String(error)}`;
  }
  return undefined;
};

describe('checkVersionJump', () => {
  it('allows a patch or the next minor inside the window', () => {
    expect(checkVersionJump('v1.34.2', 'v1.34.3').target.patch).toBe(3);
    expect(checkVersionJump('v1.34.2', 'v1.35.0').target.minor).toBe(35);
    expect(checkVersionJump('v1.34.2', '1.35.1').target.minor).toBe(35);
  });
  it('refuses a skipped minor, a downgrade, the window and nonsense with stable codes', () => {
    expect(codeOf(() => checkVersionJump('v1.33.1', 'v1.35.0'))).toBe('upgrade.skips-minor');
    expect(codeOf(() => checkVersionJump('v1.35.1', 'v1.35.0'))).toBe('upgrade.downgrade');
    expect(codeOf(() => checkVersionJump('v1.35.1', 'v1.34.9'))).toBe('upgrade.downgrade');
    expect(codeOf(() => checkVersionJump('v1.35.1', 'v1.36.0'))).toBe('upgrade.unsupported-version');
    expect(codeOf(() => checkVersionJump('v1.35.1', 'latest'))).toBe('upgrade.invalid-version');
  });
});

describe('planUpgrade', () => {
  it('orders control planes (apply on the first, node on the rest) then workers, gated, for a minor upgrade', () => {
    const c = cluster(3, 2);
    const plan = planUpgrade({
      cluster: c,
      current: 'v1.34.2',
      target: 'v1.35.1',
      observed: observed(c, 'v1.34.2'),
      backup: true,
    });
    expect(plan.minorUpgrade).toBe(true);
    expect(plan.steps.map((s) => s.id)).toEqual([
      'backup',
      'mgmt-cp-0/kubeadm-plan',
      'mgmt-cp-0/kubeadm',
      'mgmt-cp-0/kubelet',
      'mgmt-cp-0/gate',
      'mgmt-cp-1/kubeadm',
      'mgmt-cp-1/kubelet',
      'mgmt-cp-1/gate',
      'mgmt-cp-2/kubeadm',
      'mgmt-cp-2/kubelet',
      'mgmt-cp-2/gate',
      'mgmt-worker-0/cordon',
      'mgmt-worker-0/drain',
      'mgmt-worker-0/kubeadm',
      'mgmt-worker-0/kubelet',
      'mgmt-worker-0/gate',
      'mgmt-worker-0/uncordon',
      'mgmt-worker-1/cordon',
      'mgmt-worker-1/drain',
      'mgmt-worker-1/kubeadm',
      'mgmt-worker-1/kubelet',
      'mgmt-worker-1/gate',
      'mgmt-worker-1/uncordon',
    ]);
    const commands = (id: string) => {
      const step = plan.steps.find((s) => s.id === id)!;
      return 'commands' in step ? step.commands.map((c) => c.join(' ')) : [];
    };
    // The first control plane: repository switched to v1.35, kubeadm installed, plan, then apply.
    expect(commands('mgmt-cp-0/kubeadm-plan')[0]).toContain(
      'pkgs.k8s.io/core:/stable:/v1.35/deb/Release.key',
    );
    expect(commands('mgmt-cp-0/kubeadm-plan')[1]).toContain('https://pkgs.k8s.io/core:/stable:/v1.35/deb/ /');
    expect(commands('mgmt-cp-0/kubeadm-plan').slice(2)).toEqual([
      'sudo apt-mark unhold kubeadm',
      'sudo apt-get update',
      'sudo apt-get install -y kubeadm=1.35.1-*',
      'sudo apt-mark hold kubeadm',
      'sudo kubeadm upgrade plan v1.35.1',
    ]);
    expect(commands('mgmt-cp-0/kubeadm')).toEqual(['sudo kubeadm upgrade apply v1.35.1 --yes']);
    expect(commands('mgmt-cp-1/kubeadm').at(-1)).toBe('sudo kubeadm upgrade node');
    expect(commands('mgmt-cp-1/kubeadm')[0]).toContain('/v1.35/');
    expect(commands('mgmt-worker-1/kubelet')).toEqual([
      'sudo apt-mark unhold kubelet kubectl',
      'sudo apt-get update',
      'sudo apt-get install -y kubelet=1.35.1-* kubectl=1.35.1-*',
      'sudo apt-mark hold kubelet kubectl',
      'sudo systemctl daemon-reload',
      'sudo systemctl restart kubelet',
    ]);
    expect(
      plan.steps.filter((s) => s.kind === 'node-commands' && s.commands.some((c) => c.includes('apply'))),
    ).toHaveLength(1);
    expect(plan.warnings).toEqual([]);
  });

  it('leaves the repository alone for a patch upgrade', () => {
    const c = cluster(1, 2);
    const plan = planUpgrade({
      cluster: c,
      current: 'v1.35.0',
      target: 'v1.35.1',
      observed: observed(c, 'v1.35.0'),
      backup: true,
    });
    expect(plan.minorUpgrade).toBe(false);
    const all = plan.steps.flatMap((s) => ('commands' in s ? s.commands.map((c) => c.join(' ')) : []));
    expect(all.some((c) => c.includes('pkgs.k8s.io'))).toBe(false);
  });

  it('warns that a single worker takes its workloads down', () => {
    const c = cluster(1, 1);
    const plan = planUpgrade({
      cluster: c,
      current: 'v1.35.0',
      target: 'v1.35.1',
      observed: observed(c, 'v1.35.0'),
      backup: false,
    });
    expect(plan.warnings.join('\n')).toMatch(/single worker \(mgmt-worker-0\).*down while it is drained/);
    expect(plan.warnings.join('\n')).toMatch(/--skip-backup/);
    expect(plan.steps.some((s) => s.kind === 'backup')).toBe(false);
  });

  it('skips nodes the API reports at the target and resumes with upgrade node', () => {
    const c = cluster(2, 2);
    const plan = planUpgrade({
      cluster: c,
      current: 'v1.34.2',
      target: 'v1.35.1',
      observed: observed(c, 'v1.34.2', { 'mgmt-cp-0': 'v1.35.1', 'mgmt-worker-0': 'v1.35.1' }),
      backup: true,
    });
    expect(plan.skipped).toEqual(['mgmt-cp-0', 'mgmt-worker-0']);
    expect(plan.steps.some((s) => s.id.startsWith('mgmt-cp-0/kubeadm') && s.kind === 'node-commands')).toBe(
      false,
    );
    const cp1 = plan.steps.find((s) => s.id === 'mgmt-cp-1/kubeadm')!;
    expect('commands' in cp1 && cp1.commands.at(-1)).toEqual(['sudo', 'kubeadm', 'upgrade', 'node']);
    expect(plan.steps.some((s) => 'node' in s && s.node === 'mgmt-worker-0')).toBe(false);
    const done = planUpgrade({
      cluster: c,
      current: 'v1.35.1',
      target: 'v1.35.1',
      observed: observed(c, 'v1.35.1'),
      backup: true,
    });
    expect(done.steps).toEqual([]);
  });

  it('refuses when the API does not know a node of the spec', () => {
    const c = cluster(1, 2);
    expect(
      codeOf(() =>
        planUpgrade({
          cluster: c,
          current: 'v1.35.0',
          target: 'v1.35.1',
          observed: observed(c, 'v1.35.0').slice(0, 2),
          backup: true,
        }),
      ),
    ).toBe('upgrade.nodes-missing');
  });
});

describe('deprecated and removed APIs', () => {
  const metrics = [
    '# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs that have been requested',
    '# TYPE apiserver_requested_deprecated_apis gauge',
    'apiserver_requested_deprecated_apis{group="",removed_release="",resource="endpoints",subresource="",version="v1"} 1',
    'apiserver_requested_deprecated_apis{group="flowcontrol.apiserver.k8s.io",removed_release="1.32",resource="flowschemas",subresource="",version="v1beta3"} 1',
    'apiserver_requested_deprecated_apis{group="example.dev",removed_release="1.36",resource="widgets",subresource="status",version="v1alpha1"} 1',
    'apiserver_request_total{code="200"} 5',
  ].join('\n');
  it('reads the metric and blocks only what the target removes', () => {
    const found = deprecatedApisFromMetrics(metrics, { major: 1, minor: 35, patch: 0 });
    expect(found.map((f) => [f.apiVersion, f.resource, f.blocks])).toEqual([
      ['v1', 'endpoints', false],
      ['flowcontrol.apiserver.k8s.io/v1beta3', 'flowschemas', true],
      ['example.dev/v1alpha1', 'widgets/status', false],
    ]);
  });
  it('finds rendered objects on removed group/versions', () => {
    const found = removedApisInObjects(
      [
        { path: 'a.yaml', apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget' },
        { path: 'b.yaml', apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
        { path: 'c.yaml', apiVersion: 'storage.k8s.io/v1beta1', kind: 'VolumeAttachment' },
      ],
      { major: 1, minor: 35, patch: 0 },
    );
    expect(found.map((f) => f.where)).toEqual([
      'a.yaml (use policy/v1 (PodSecurityPolicy: Pod Security Admission))',
    ]);
  });
});
