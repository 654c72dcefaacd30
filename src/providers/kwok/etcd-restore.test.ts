import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectLayout } from '../../project/layout.js';
import { tempDir } from '../../test-support/cli.js';
import { testPlatform } from '../../test-support/render.js';
import { FakeRunner } from '../../test-support/fake-runner.js';
import { etcdMemberOf, kwokEtcdDataLoss, kwokEtcdRestore } from './etcd-restore.js';

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

/** A kwok workdir on disk with kwokctl's record and an etcd data directory; kwokctl itself recorded, not run. */
function workdir() {
  const dir = tempDir();
  const clusterDir = join(dir, 'clusters', 'app1');
  mkdirSync(join(clusterDir, 'etcd', 'member'), { recursive: true });
  writeFileSync(join(clusterDir, 'etcd', 'member', 'db'), 'the data');
  writeFileSync(
    join(clusterDir, 'kwok.yaml'),
    RECORD.replace('/w/clusters/mgmt/etcd', join(clusterDir, 'etcd')),
  );
  const kwokctl: string[][] = [];
  const platform = testPlatform();
  const deps = {
    env: {},
    runner: new FakeRunner(),
    workdir: dir,
    kwokctl: (args: string[]) => (kwokctl.push(args), Promise.resolve('')),
    kubeconfig: join(dir, 'nowhere.conf'),
    kubeContext: 'kwok-app1',
  };
  const cluster = platform.clusters.find((c) => c.name === 'app1')!;
  const context = { layout: projectLayout(dir), log: () => {} };
  return { dir, clusterDir, kwokctl, deps, platform, cluster, context };
}

describe('drill etcd-loss on kwok (files real, kwokctl recorded)', () => {
  it("stops the cluster, then moves etcd's data directory away, keeping it", async () => {
    const w = workdir();
    const loss = kwokEtcdDataLoss(w.deps, { platform: w.platform, cluster: w.cluster, lossId: 'x1' });
    expect(loss.movedTo).toBe(join(w.clusterDir, 'etcd.drill-lost-x1'));
    expect(await loss.inject(w.context)).toContain(`moved to ${loss.movedTo}`);
    expect(w.kwokctl).toEqual([['stop', 'cluster']]);
    expect(existsSync(join(w.clusterDir, 'etcd'))).toBe(false);
    expect(readFileSync(join(loss.movedTo, 'member', 'db'), 'utf8')).toBe('the data');
    expect(loss.putBackByHand).toContain(`mv ${loss.movedTo} ${join(w.clusterDir, 'etcd')}`);
  });

  it("restore's swap fills a missing data directory, and its undo leaves none again", async () => {
    const w = workdir();
    const dataDir = join(w.clusterDir, 'etcd');
    const procedure = kwokEtcdRestore(w.deps, {
      platform: w.platform,
      cluster: w.cluster,
      snapshot: '/nowhere/snapshot.db',
      restoreId: 'r1',
      bumpRevision: 1,
    });
    const swap = procedure.steps.find((s) => s.id === 'swap')!;
    // What `drill etcd-loss` leaves: no data directory; what the restore step made beside it.
    await kwokEtcdDataLoss(w.deps, { platform: w.platform, cluster: w.cluster, lossId: 'x1' }).inject(
      w.context,
    );
    mkdirSync(join(`${dataDir}.restore-r1`, 'member'), { recursive: true });
    writeFileSync(join(`${dataDir}.restore-r1`, 'member', 'db'), 'restored');
    await swap.run(w.context);
    expect(readFileSync(join(dataDir, 'member', 'db'), 'utf8')).toBe('restored');
    expect(existsSync(procedure.keptDir)).toBe(false);
    await swap.run(w.context); // re-run after a crash: nothing moves
    expect(readFileSync(join(dataDir, 'member', 'db'), 'utf8')).toBe('restored');
    await swap.undo(w.context);
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(`${dataDir}.restore-r1`)).toBe(true);
  });

  it('swaps as before when the data directory is there: the old one kept, put back by the undo', async () => {
    const w = workdir();
    const dataDir = join(w.clusterDir, 'etcd');
    const procedure = kwokEtcdRestore(w.deps, {
      platform: w.platform,
      cluster: w.cluster,
      snapshot: '/nowhere/snapshot.db',
      restoreId: 'r2',
      bumpRevision: 1,
    });
    const swap = procedure.steps.find((s) => s.id === 'swap')!;
    mkdirSync(join(`${dataDir}.restore-r2`, 'member'), { recursive: true });
    writeFileSync(join(`${dataDir}.restore-r2`, 'member', 'db'), 'restored');
    await swap.run(w.context);
    expect(readFileSync(join(procedure.keptDir, 'member', 'db'), 'utf8')).toBe('the data');
    await swap.undo(w.context);
    expect(readFileSync(join(dataDir, 'member', 'db'), 'utf8')).toBe('the data');
  });
});
