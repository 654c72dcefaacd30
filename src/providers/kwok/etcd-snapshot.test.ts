/** Where kwok's etcd listens, from the record kwokctl writes (its shape: kwokctl v0.8.0's kwok.yaml, abridged). */
import { describe, expect, it } from 'vitest';
import { etcdPortOf } from './etcd-snapshot.js';

const RECORD = `apiVersion: config.kwok.x-k8s.io/v1alpha1
components:
- args:
  - --listen-client-urls=http://127.0.0.1:32765
  name: etcd
  ports:
  - name: http
    port: 32765
    protocol: TCP
kind: KwokctlConfiguration
options:
  bindAddress: 127.0.0.1
  etcdPeerPort: 32766
  etcdPort: 32765
  etcdPrefix: /registry
  runtime: binary
`;

describe('kwok etcd port', () => {
  it('is options.etcdPort of the KwokctlConfiguration kwokctl recorded', () => {
    expect(etcdPortOf(RECORD)).toBe(32765);
    expect(etcdPortOf(`kind: Other\noptions:\n  etcdPort: 1\n---\n${RECORD}`)).toBe(32765);
  });

  it('is unknown when the record has none', () => {
    expect(etcdPortOf('kind: KwokctlConfiguration\noptions: {}\n')).toBeUndefined();
    expect(etcdPortOf('')).toBeUndefined();
  });
});
