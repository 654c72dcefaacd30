/**
 * The providers by name. Creating one touches nothing; its methods do.
 */
import type { Provider as ProviderName } from '../spec/types.js';
import { ExistingProvider } from './existing/provider.js';
import { KwokProvider } from './kwok/provider.js';
import { MultipassProvider } from './multipass/provider.js';
import type { ClusterProvider, ProviderDeps } from './types.js';

export function providerFor(name: ProviderName, deps: ProviderDeps): ClusterProvider {
  switch (name) {
    case 'kwok':
      return new KwokProvider(deps);
    case 'multipass':
      return new MultipassProvider(deps);
    case 'existing':
      return new ExistingProvider(deps);
  }
}
