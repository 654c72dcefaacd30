import type { Provider as ProviderName } from '../spec/types.js';
import { KwokProvider } from './kwok/provider.js';
import type { ClusterProvider } from './types.js';
import { ProviderError } from './types.js';

export function providerFor(
  name: ProviderName,
  env: Readonly<Record<string, string | undefined>>,
): ClusterProvider {
  switch (name) {
    case 'kwok':
      return new KwokProvider(env);
    case 'multipass':
    case 'existing':
      throw new ProviderError(
        `provider ${name} is not available yet in this version; use --provider kwok to rehearse the platform on simulated nodes`,
      );
  }
}
