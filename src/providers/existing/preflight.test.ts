import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testPlatform } from '../../test-support/render.js';
import { type ClusterObservation, judgeCluster } from './preflight.js';

const spec = readFileSync(new URL('../../spec/fixtures/valid/existing.yaml', import.meta.url), 'utf8');
const platform = testPlatform(spec);
const mgmt = platform.clusters.find((c) => c.name === 'mgmt')!;
const ownCni = testPlatform(
  readFileSync(new URL('../../spec/fixtures/valid/existing-own-cni.yaml', import.meta.url), 'utf8'),
);

const healthy: ClusterObservation = {
  gitVersion: 'v1.35.1',
  nodes: [
    { name: 'n1', ready: true },
    { name: 'n2', ready: true },
  ],
  nodePodCidrs: ['10.100.0.0/24', '10.100.1.0/24'],
  daemonSets: ['kube-proxy'],
  defaultStorageClasses: ['standard'],
  assignedLoadBalancers: 0,
  serviceCidrs: ['10.96.0.0/16'],
};
const judge = (seen: ClusterObservation, p = platform, cluster = mgmt) =>
  new Map(judgeCluster(p, cluster, seen, '--context x').map((c) => [c.id.split('.').pop()!, c]));

describe('existing clusters: preflight judgement', () => {
  it('a healthy cluster passes every check', () => {
    const checks = judge(healthy);
    expect([...checks.keys()]).toEqual(['version', 'nodes', 'cni', 'storage', 'load-balancer', 'networks']);
    for (const check of checks.values()) expect(check.status, check.id).toBe('pass');
    expect(checks.get('cni')?.detail).toBe('no CNI found: the plan installs Cilium');
  });

  it('an unreadable kubeconfig or a silent API server is one failing check with the fix', () => {
    expect([...judge({ kubeconfigError: 'no context prod-mgmt' }).values()]).toEqual([
      expect.objectContaining({ id: 'existing.mgmt.kubeconfig', status: 'fail' }),
    ]);
    const silent = [...judge({ unreachable: 'connect ECONNREFUSED 127.0.0.1:6443' }).values()];
    expect(silent).toEqual([expect.objectContaining({ id: 'existing.mgmt.reachable', status: 'fail' })]);
    expect(silent[0]!.fix).toContain('kubectl --context x get --raw /version');
  });

  it('a version outside the supported window and nodes not Ready fail', () => {
    const checks = judge({ ...healthy, gitVersion: 'v1.29.4', nodes: [{ name: 'n1', ready: false }] });
    expect(checks.get('version')).toMatchObject({ status: 'fail' });
    expect(checks.get('version')!.detail).toContain('outside the supported window');
    expect(checks.get('nodes')).toMatchObject({ status: 'fail', detail: 'not Ready: n1' });
  });

  it('another CNI with Cilium in the spec fails; Cilium someone else installed is accepted', () => {
    expect(judge({ ...healthy, daemonSets: ['calico-node'] }).get('cni')).toMatchObject({ status: 'fail' });
    expect(judge({ ...healthy, daemonSets: ['cilium', 'cilium-envoy'] }).get('cni')).toMatchObject({
      status: 'pass',
    });
    const app1 = ownCni.clusters.find((c) => c.name === 'app1')!;
    expect(judge({ ...healthy, daemonSets: ['calico-node'] }, ownCni, app1).get('cni')).toMatchObject({
      status: 'pass',
      detail: 'Calico runs',
    });
    expect(judge({ ...healthy, daemonSets: [] }, ownCni, app1).get('cni')).toMatchObject({ status: 'warn' });
  });

  it('no default StorageClass without local-path fails', () => {
    expect(judge({ ...healthy, defaultStorageClasses: [] }).get('storage')).toMatchObject({ status: 'pass' });
    const bare = { ...mgmt, addons: mgmt.addons.filter((a) => a !== 'local-path') };
    expect(judge({ ...healthy, defaultStorageClasses: [] }, platform, bare).get('storage')).toMatchObject({
      status: 'fail',
    });
    expect(judge(healthy, platform, bare).get('storage')).toMatchObject({
      status: 'pass',
      detail: 'default StorageClass standard',
    });
  });

  it('ranges outside the spec fail for ClusterMesh', () => {
    const checks = judge({ ...healthy, nodePodCidrs: ['10.244.0.0/24'], serviceCidrs: ['10.43.0.0/16'] });
    expect(checks.get('networks')).toMatchObject({ status: 'fail' });
    expect(checks.get('networks')!.detail).toContain('10.244.0.0/24');
    expect(checks.get('networks')!.detail).toContain('10.43.0.0/16');
    expect(checks.get('networks')!.detail).toContain('ClusterMesh');
  });
});
