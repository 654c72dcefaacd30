/**
 * The Multipass provider: the reference lab's kubeadm clusters on Multipass VMs. What runs today
 * is its preflight (doctor's Multipass checks, which `up` runs before anything is created).
 * TODO(#11): provision (parallel launch with cloud-init, adoption, launch-timeout retry, address
 * discovery and checks), bootstrap (kubeadm init/join, kube-vip, kubeconfigs), observe and down.
 */
import type { CommandRunner } from '../../clients/exec.js';
import type { Platform, PlatformCluster } from '../../spec/model.js';
import { PROVIDER_TRAITS } from '../traits.js';
import {
  type ClusterAccess,
  type ClusterProvider,
  type PreflightCheck,
  type PreflightContext,
  type ProviderContext,
  type ProviderDeps,
  ProviderError,
} from '../types.js';
import { multipassChecks } from './doctor.js';

function notYet(): never {
  throw new ProviderError('provider multipass cannot create VMs yet in this version', {
    code: 'provider.unavailable',
    kind: 'environment',
    hint: 'use --provider kwok to rehearse the platform on simulated nodes',
  });
}

export class MultipassProvider implements ClusterProvider {
  readonly traits = PROVIDER_TRAITS.multipass;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #runner: CommandRunner;

  constructor(deps: ProviderDeps) {
    this.#env = deps.env;
    this.#runner = deps.runner;
  }

  preflight(platform: Platform, context: PreflightContext): Promise<PreflightCheck[]> {
    return multipassChecks({
      platform,
      runner: this.#runner,
      env: this.#env,
      projectDir: context.layout.root,
      recordedNodes: context.recordedNodes,
    });
  }

  access(
    platform: Platform,
    cluster: PlatformCluster,
    context: Pick<ProviderContext, 'layout'>,
  ): ClusterAccess {
    void platform;
    return {
      cluster: cluster.name,
      kubeconfig: context.layout.kubeconfig(cluster.name),
      context: cluster.name,
    };
  }

  provision(): never {
    return notYet();
  }

  bootstrap(): never {
    return notYet();
  }

  observe(): never {
    return notYet();
  }

  down(): never {
    return notYet();
  }
}
