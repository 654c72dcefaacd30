/**
 * The providers by name. Creating one touches nothing; its methods do.
 */
import type { Provider as ProviderName } from '../spec/types.js';
import { KwokProvider } from './kwok/provider.js';
import { MultipassProvider } from './multipass/provider.js';
import type { ClusterProvider, ProviderDeps } from './types.js';
import { ProviderError } from './types.js';

export function providerFor(name: ProviderName, deps: ProviderDeps): ClusterProvider {
  switch (name) {
    case 'kwok':
      return new KwokProvider(deps);
    case 'multipass':
      return new MultipassProvider(deps);
    case 'existing':
      // TODO(#16): clusters you already have, through their kubeconfigs.
      throw new ProviderError(`provider existing is not available yet in this version`, {
        code: 'provider.unavailable',
        kind: 'environment',
        hint: 'use --provider kwok to rehearse the platform on simulated nodes',
      });
  }
}
