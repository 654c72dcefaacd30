import { KubeClient } from '../clients/kube.js';

/** A client for a test server on loopback that asks for no credentials (plain HTTP allowed). */
export function unauthenticatedKubeClient(server: string): KubeClient {
  return new KubeClient({
    server,
    context: 'test',
    authenticate: async () => ({ headers: {} }),
    invalidate: () => {},
  });
}
