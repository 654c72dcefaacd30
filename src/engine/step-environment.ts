/**
 * What every step runner works with: the plan, the rendered tree, the provider and a client per
 * cluster; and the one interface each kind of step implements.
 */
import type { HelmClient } from '../clients/helm.js';
import type { KubeClient } from '../clients/kube.js';
import type { Plan } from '../plan/plan.js';
import type { ProjectLayout } from '../project/layout.js';
import type { ClusterProvider } from '../providers/types.js';
import type { Platform } from '../spec/model.js';
import type { CredentialStore } from './credentials.js';
import type { StepState } from './state.js';
import type { StepContext, StepResult } from './types.js';

export interface StepEnvironment {
  readonly platform: Platform;
  readonly plan: Plan;
  /** Rendered artifacts by path. */
  readonly contents: ReadonlyMap<string, string>;
  readonly provider: ClusterProvider;
  readonly layout: ProjectLayout;
  /** What the last runs recorded, by step id. */
  readonly recorded: Readonly<Record<string, StepState>>;
  /**
   * Node addresses by cluster: what earlier runs recorded, updated by this run's provision steps
   * so that bootstrap sees what was just discovered.
   */
  readonly addresses: Map<string, Readonly<Record<string, string>>>;
  readonly kube: (cluster: string) => Promise<KubeClient>;
  readonly helm: (cluster: string) => HelmClient;
  /** A local mirror of charts and bundles, for machines without the internet. */
  readonly chartsDir?: string;
  /** The project's generated passwords and CAs. */
  readonly credentials: CredentialStore;
  /** The environment of the run (outside credentials a user provides, such as LLM API keys). */
  readonly environment: Readonly<Record<string, string | undefined>>;
}

export interface Runner {
  /** undefined: the live platform is as the step leaves it. Otherwise what drifted. */
  check(context: StepContext): Promise<string | undefined>;
  work(context: StepContext): Promise<StepResult>;
}

/** kwok and the like run no pods: only what the API server itself makes ready can be waited for. */
export const simulated = (env: StepEnvironment) => !env.provider.traits.runsWorkloads;
