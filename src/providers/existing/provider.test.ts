import { delimiter } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlatformCluster } from '../../spec/model.js';
import { existingKubeconfigPath } from './provider.js';

const cluster = (existing: PlatformCluster['existing']) => ({ name: 'app1', existing }) as PlatformCluster;

describe('the kubeconfig file of a cluster someone else runs', () => {
  const env = { HOME: '/home/ops' };
  it('existing.kubeconfig: ~ expanded, relative to the project directory', () => {
    expect(
      existingKubeconfigPath(cluster({ kubeconfig: '~/.kube/team.yaml', context: 'c' }), '/p', env),
    ).toBe('/home/ops/.kube/team.yaml');
    expect(existingKubeconfigPath(cluster({ kubeconfig: 'kube/team.yaml', context: 'c' }), '/p', env)).toBe(
      '/p/kube/team.yaml',
    );
    expect(existingKubeconfigPath(cluster({ kubeconfig: '/etc/k.yaml', context: 'c' }), '/p', env)).toBe(
      '/etc/k.yaml',
    );
  });

  it('none named: the first file of KUBECONFIG, else ~/.kube/config, as kubectl', () => {
    expect(
      existingKubeconfigPath(cluster({ context: 'c' }), '/p', {
        ...env,
        KUBECONFIG: `${delimiter}/a.yaml${delimiter}/b.yaml`,
      }),
    ).toBe('/a.yaml');
    expect(existingKubeconfigPath(cluster({ context: 'c' }), '/p', env)).toBe('/home/ops/.kube/config');
  });
});
