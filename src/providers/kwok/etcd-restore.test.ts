import { describe, expect, it } from 'vitest';
import { etcdMemberOf } from './etcd-restore.js';

const RECORD = `apiVersion: config.kwok.x-k8s.io/v1alpha1
components:
- args:
  - --name=node0
  - --data-dir=/w/clusters/mgmt/etcd
  - --initial-advertise-peer-urls=http://127.0.0.1:32766
  - --advertise-client-urls=http://127.0.0.1:32765
  - --initial-cluster=node0=http://127.0.0.1:32766
  name: etcd
- args:
  - --etcd-servers=http://127.0.0.1:32765
  name: kube-apiserver
kind: KwokctlConfiguration
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
`;

describe("kwokctl's record of a cluster's etcd", () => {
  it('gives the member restore must recreate: its data directory, name and peer URL', () => {
    expect(etcdMemberOf(RECORD)).toEqual({
      dataDir: '/w/clusters/mgmt/etcd',
      name: 'node0',
      initialCluster: 'node0=http://127.0.0.1:32766',
      peerUrl: 'http://127.0.0.1:32766',
      clientUrl: 'http://127.0.0.1:32765',
    });
  });

  it('says nothing when the etcd component lacks one of them', () => {
    expect(etcdMemberOf(RECORD.replace('  - --name=node0\n', ''))).toBeUndefined();
    expect(etcdMemberOf('kind: Stage\n')).toBeUndefined();
  });
});
