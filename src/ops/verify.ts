/**
 * `verify`: one health report for the platform, each check with a stable id, a status and its
 * evidence. It reuses what `status` already observes (clusters, nodes, the live drift checks of
 * every step) and adds what only a running platform can show: LoadBalancer Services on their
 * pinned addresses, Vault unsealed, and each cluster's Vault auth mount logging in with that
 * cluster's own identity. Exit 0 when nothing fails (warnings and skipped checks do not fail).
 */
import type { KubeClient } from '../clients/kube.js';
import { VaultClient, type VaultEndpoint } from '../clients/vault.js';
import { EXTERNAL_SECRETS_CLIENT, kubernetesAuthMount } from '../render/pki.js';

export interface VerifyCheck {
  readonly id: string;
  readonly status: 'pass' | 'warn' | 'fail' | 'skipped';
  /** What shows it: the fields, addresses or messages observed. */
  readonly evidence: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checks: readonly VerifyCheck[];
}

/** The annotation a LoadBalancer Service asks for its pinned address with. */
export const PINNED_ADDRESS_ANNOTATION = 'metallb.io/loadBalancerIPs';
const PINNED = PINNED_ADDRESS_ANNOTATION;

interface ServiceList {
  readonly items: ReadonlyArray<{
    readonly metadata: {
      readonly name: string;
      readonly namespace: string;
      readonly annotations?: Record<string, string>;
    };
    readonly spec: { readonly type?: string };
    readonly status?: {
      readonly loadBalancer?: { readonly ingress?: ReadonlyArray<{ readonly ip?: string }> };
    };
  }>;
}

/** The addresses a LoadBalancer Service was given (status.loadBalancer.ingress), not the ones it asks for. */
export function assignedAddresses(service: {
  readonly status?: {
    readonly loadBalancer?: { readonly ingress?: ReadonlyArray<{ readonly ip?: string }> };
  };
}): string[] {
  return (service.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
}

/** Every LoadBalancer Service that asks for a pinned address has it. */
export async function loadBalancerCheck(cluster: string, client: KubeClient): Promise<VerifyCheck> {
  const services = await client.get<ServiceList>('/api/v1/services');
  const pinned = services.items.filter(
    (s) => s.spec.type === 'LoadBalancer' && s.metadata.annotations?.[PINNED],
  );
  const wrong = pinned.filter((s) => !assignedAddresses(s).includes(s.metadata.annotations![PINNED]!));
  const name = (s: ServiceList['items'][number]) => `${s.metadata.namespace}/${s.metadata.name}`;
  return wrong.length === 0
    ? {
        id: `cluster.${cluster}.load-balancers`,
        status: 'pass',
        evidence: `${pinned.length} Service(s) on their pinned addresses`,
      }
    : {
        id: `cluster.${cluster}.load-balancers`,
        status: 'fail',
        evidence: wrong
          .map(
            (s) =>
              `${name(s)} wants ${s.metadata.annotations![PINNED]}, has ${(s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).join(',') || 'none'}`,
          )
          .join('; '),
      };
}

/** The part of `status`'s report these checks read (ops/project.ts StatusReport). */
export interface ObservedPlatform {
  readonly clusters: ReadonlyArray<{
    readonly name: string;
    readonly exists: boolean;
    readonly serving: boolean;
    readonly detail?: string;
    readonly nodes: ReadonlyArray<{ readonly ready: boolean }>;
    readonly connect: { readonly server?: string };
  }>;
  readonly steps: ReadonlyArray<{
    readonly id: string;
    readonly cluster: string;
    readonly state: string;
    readonly drift?: string;
    readonly error?: string;
  }>;
}

/** What `status` saw, as checks: the API, the nodes, and drift of each cluster's steps. */
export function statusChecks(report: ObservedPlatform): VerifyCheck[] {
  return report.clusters.flatMap((c): VerifyCheck[] => {
    const steps = report.steps.filter((s) => s.cluster === c.name);
    const drifted = steps.filter((s) => s.state === 'drifted' || s.state === 'failed');
    const ready = c.nodes.filter((n) => n.ready).length;
    return [
      c.serving
        ? { id: `cluster.${c.name}.api`, status: 'pass', evidence: c.connect.server ?? 'answers' }
        : {
            id: `cluster.${c.name}.api`,
            status: 'fail',
            evidence: c.exists ? `does not serve: ${c.detail ?? 'no answer'}` : 'does not exist',
          },
      !c.serving
        ? { id: `cluster.${c.name}.nodes`, status: 'skipped', evidence: 'the API does not answer' }
        : ready === c.nodes.length && c.nodes.length > 0
          ? { id: `cluster.${c.name}.nodes`, status: 'pass', evidence: `${ready}/${c.nodes.length} Ready` }
          : { id: `cluster.${c.name}.nodes`, status: 'fail', evidence: `${ready}/${c.nodes.length} Ready` },
      drifted.length === 0
        ? {
            id: `cluster.${c.name}.steps`,
            status: steps.some((s) => s.state === 'not checked' || s.state === 'new') ? 'warn' : 'pass',
            evidence: `${steps.filter((s) => s.state === 'in sync').length}/${steps.length} steps in sync with the last up`,
          }
        : {
            id: `cluster.${c.name}.steps`,
            status: 'fail',
            evidence: drifted.map((s) => `${s.id}: ${s.drift ?? s.error ?? s.state}`).join('; '),
          },
    ];
  });
}

/** Vault initialised and unsealed, where platformctl reaches it now. */
export async function vaultCheck(endpoint: VaultEndpoint | undefined): Promise<VerifyCheck> {
  if (!endpoint) return { id: 'vault.unsealed', status: 'fail', evidence: 'Vault does not answer' };
  const seal = await new VaultClient(endpoint).sealStatus();
  if (!seal.initialized)
    return { id: 'vault.unsealed', status: 'fail', evidence: `${endpoint.address}: not initialised` };
  return seal.sealed
    ? {
        id: 'vault.unsealed',
        status: 'fail',
        evidence: `${endpoint.address}: sealed (run up: it unseals with the saved keys)`,
      }
    : { id: 'vault.unsealed', status: 'pass', evidence: `${endpoint.address}: initialised and unsealed` };
}

/**
 * The cluster's auth mount accepts a short-lived token of the cluster's own External Secrets
 * ServiceAccount (TokenRequest, audience `vault`): what External Secrets does every hour.
 */
export async function authLoginCheck(
  cluster: string,
  client: KubeClient,
  endpoint: VaultEndpoint | undefined,
): Promise<VerifyCheck> {
  const id = `vault.auth.${cluster}`;
  if (!endpoint) return { id, status: 'skipped', evidence: 'Vault does not answer' };
  const { namespace, serviceAccount, audience, role } = EXTERNAL_SECRETS_CLIENT;
  try {
    const request = await client.request<{ status: { token: string } }>(
      'POST',
      `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { audiences: [audience], expirationSeconds: 600 },
      },
    );
    const login = await new VaultClient(endpoint).call<{ auth: { policies: string[] } }>(
      'POST',
      `auth/${kubernetesAuthMount(cluster)}/login`,
      { role, jwt: request.status.token },
    );
    return {
      id,
      status: 'pass',
      evidence: `${role} logs in at ${kubernetesAuthMount(cluster)}/ with policies ${login.auth.policies.join(', ')}`,
    };
  } catch (error) {
    return { id, status: 'fail', evidence: (error as Error).message.split('\n')[0]! };
  }
}
