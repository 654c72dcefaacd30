/**
 * The kwok SIMULATION's decisions (the controller loop itself runs in the e2e tests).
 */
import { describe, expect, it } from 'vitest';
import { loadBalancerAddresses, volumeFor } from './simulator.js';

const lb = (name: string, pinned?: string, ip?: string) => ({
  metadata: {
    name,
    namespace: 'ns',
    ...(pinned ? { annotations: { 'metallb.io/loadBalancerIPs': pinned } } : {}),
  },
  spec: { type: 'LoadBalancer' },
  ...(ip ? { status: { loadBalancer: { ingress: [{ ip }] } } } : {}),
});

describe('loadBalancerAddresses', () => {
  it('honours pinned addresses and hands out the dynamic range in order, skipping used ones', () => {
    const out = loadBalancerAddresses(
      [
        lb('b'),
        lb('a'),
        lb('gw', '192.168.64.200'),
        lb('old', undefined, '192.168.64.207'),
        { metadata: { name: 'c', namespace: 'ns' }, spec: { type: 'ClusterIP' } },
      ],
      '192.168.64.207-192.168.64.209',
    );
    expect([...out.entries()]).toEqual([
      ['ns/gw', '192.168.64.200'],
      ['ns/a', '192.168.64.208'],
      ['ns/b', '192.168.64.209'],
    ]);
  });

  it('leaves Services pending when the pool is exhausted or empty', () => {
    expect(loadBalancerAddresses([lb('a'), lb('b')], '10.0.0.1-10.0.0.1').size).toBe(1);
    expect(loadBalancerAddresses([lb('a')], '').size).toBe(0);
  });
});

describe('volumeFor', () => {
  const classes = [
    {
      metadata: {
        name: 'local-path',
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
    },
    { metadata: { name: 'local-path-retain' }, volumeBindingMode: 'Immediate', reclaimPolicy: 'Retain' },
  ];
  const claim = (extra: Record<string, unknown> = {}, annotations?: Record<string, string>) => ({
    metadata: { name: 'data', namespace: 'ns', uid: 'u1', ...(annotations ? { annotations } : {}) },
    spec: { resources: { requests: { storage: '5Gi' } }, ...extra },
  });

  it('waits for the scheduler on WaitForFirstConsumer, then pins the volume to the selected node', () => {
    expect(volumeFor(claim(), classes)).toBeUndefined();
    const pv = volumeFor(
      claim({}, { 'volume.kubernetes.io/selected-node': 'mgmt-worker-0' }),
      classes,
    ) as any;
    expect(pv.spec).toMatchObject({
      storageClassName: 'local-path',
      capacity: { storage: '5Gi' },
      claimRef: { name: 'data', namespace: 'ns', uid: 'u1' },
    });
    expect(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values).toEqual([
      'mgmt-worker-0',
    ]);
    expect(pv.metadata.labels['platformctl.dev/simulated-by']).toBe('platformctl-kwok');
  });

  it('binds Immediate classes at once with their reclaim policy, and ignores bound or unknown-class claims', () => {
    expect(
      (volumeFor(claim({ storageClassName: 'local-path-retain' }), classes) as any).spec
        .persistentVolumeReclaimPolicy,
    ).toBe('Retain');
    expect(volumeFor(claim({ storageClassName: 'nfs' }), classes)).toBeUndefined();
    expect(volumeFor(claim({ volumeName: 'pv-1' }), classes)).toBeUndefined();
  });
});
