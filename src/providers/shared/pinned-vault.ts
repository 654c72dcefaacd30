/**
 * Where the engine reaches the management cluster's Vault: at its pinned load-balancer address
 * (on Multipass MetalLB answers for it on the node network, which the host shares with the VMs;
 * on kwok the simulated Vault listens on the address's loopback twin, see render/endpoints.ts),
 * over TLS with the CA of Vault's serving certificate, read from that cluster's
 * `vault-server-tls` Secret. Waited for while cert-manager issues the certificate and the pod
 * starts; when the address never answers from this machine the step fails saying so. `status`
 * and `verify` take one bounded look at the same address (runningVault), starting nothing.
 *
 * When the pinned address does not answer from this machine (a VPN, a Multipass network the host
 * is not on, clusters someone else runs behind a firewall), Vault is reached through the
 * management cluster's API server instead: a port-forward to Vault's server pod
 * (clients/port-forward.ts), the same TLS checked against the same CA (the serving certificate
 * names 127.0.0.1, the loopback the forward listens on).
 */
import { accepts } from '../../clients/http.js';
import type { KubeClient } from '../../clients/kube.js';
import { openPortForward, type PortForward } from '../../clients/port-forward.js';
import { type VaultEndpoint, VaultClient } from '../../clients/vault.js';
import {
  VAULT_CA_KEY,
  VAULT_NAMESPACE,
  VAULT_PORT,
  VAULT_TLS_SECRET,
  vaultAddress,
} from '../../render/pki.js';
import type { Platform } from '../../spec/model.js';
import { ProviderError, type ProviderContext, type ProviderEvent } from '../types.js';

interface SecretObject {
  readonly data?: Readonly<Record<string, string>>;
}

/** The pinned endpoint and its CA, or why it is not known yet. */
export function pinnedVaultEndpoint(
  platform: Platform,
  tlsSecret: SecretObject | undefined,
): { endpoint: VaultEndpoint } | { waiting: string } {
  const mgmt = platform.clusters.find((c) => c.name === platform.managementCluster);
  const address = mgmt?.addresses.services.vault;
  if (!mgmt || !address)
    throw new ProviderError(
      `Vault has no pinned address on the management cluster ${platform.managementCluster}`,
      {
        code: 'provider.vault-no-address',
      },
    );
  const ca = tlsSecret?.data?.[VAULT_CA_KEY];
  if (!ca)
    return {
      waiting: `Secret ${VAULT_NAMESPACE}/${VAULT_TLS_SECRET} on ${mgmt.name} has no ${VAULT_CA_KEY} yet (cert-manager issues it)`,
    };
  return {
    endpoint: { address: vaultAddress(platform), ca: Buffer.from(ca, 'base64').toString('utf8') },
  };
}

export interface FindVaultInput {
  readonly platform: Platform;
  /** Reads Vault's TLS Secret from the management cluster (undefined when it does not exist). */
  readonly readTlsSecret: () => Promise<SecretObject | undefined>;
  /** Whether Vault answers at the endpoint (its seal status). */
  readonly answers: (endpoint: VaultEndpoint) => Promise<boolean>;
  readonly log: (event: ProviderEvent) => void;
  /**
   * Vault through the API server (a port-forward to its server pod) with the CA of its serving
   * certificate, tried when the pinned address does not answer: the endpoint when Vault answers
   * there, else why not.
   */
  readonly forward?: (ca: string) => Promise<VaultEndpoint | string>;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly pollMs?: number;
}

export const VAULT_SECRET_PATH = `/api/v1/namespaces/${VAULT_NAMESPACE}/secrets/${VAULT_TLS_SECRET}`;

export interface RunningVaultInput {
  readonly platform: Platform;
  readonly readTlsSecret: FindVaultInput['readTlsSecret'];
  readonly answers: FindVaultInput['answers'];
  readonly forward?: FindVaultInput['forward'];
  /** The whole look ends within this (default 5 s): a slower answer counts as none. */
  readonly timeoutMs?: number;
}

/**
 * Where Vault answers now at its pinned load-balancer address: one look, bounded by timeoutMs,
 * starting and waiting for nothing (`status`, `verify`). Undefined when its certificate is not
 * issued yet, the spec pins no address, or nothing answers there in time.
 */
export async function runningVault(input: RunningVaultInput): Promise<VaultEndpoint | undefined> {
  const look = (async () => {
    const found = pinnedVaultEndpoint(input.platform, await input.readTlsSecret());
    if (!('endpoint' in found)) return undefined;
    if (await input.answers(found.endpoint)) return found.endpoint;
    const forwarded = await input.forward?.(found.endpoint.ca!);
    return typeof forwarded === 'object' ? forwarded : undefined;
  })().catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((r) => {
    timer = setTimeout(() => r(undefined), input.timeoutMs ?? 5_000);
  });
  try {
    return await Promise.race([look, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a Vault answers at the endpoint (sealed or not). */
export function vaultAnswers(endpoint: VaultEndpoint): Promise<boolean> {
  return new VaultClient(endpoint).sealStatus().then(
    () => true,
    () => false,
  );
}

export async function findVault(input: FindVaultInput): Promise<VaultEndpoint> {
  const deadline = Date.now() + (input.timeoutMs ?? 5 * 60_000);
  let why = '';
  for (;;) {
    const found = pinnedVaultEndpoint(input.platform, await input.readTlsSecret());
    if ('endpoint' in found) {
      if (await input.answers(found.endpoint)) {
        input.log({
          cluster: input.platform.managementCluster,
          message: `Vault at its pinned load-balancer address ${found.endpoint.address}`,
        });
        return found.endpoint;
      }
      why = `Vault does not answer at its pinned load-balancer address ${found.endpoint.address} from this machine`;
      const forwarded = await input.forward?.(found.endpoint.ca!).catch((error: Error) => error.message);
      if (typeof forwarded === 'object') {
        input.log({
          cluster: input.platform.managementCluster,
          message: `Vault through the API server (a port-forward at ${forwarded.address}): its pinned load-balancer address ${found.endpoint.address} does not answer from this machine`,
        });
        return forwarded;
      }
      if (forwarded !== undefined) why += `, nor through the API server: ${forwarded}`;
    } else why = found.waiting;
    if (Date.now() > deadline)
      throw new ProviderError(why, {
        code: 'provider.vault-unreachable',
        hint: `check that this machine reaches the node network (ping ${input.platform.clusters.find((c) => c.name === input.platform.managementCluster)!.addresses.api}) and that Vault's pod runs (kubectl --context ${input.platform.managementCluster} -n ${VAULT_NAMESPACE} get pods,svc)`,
      });
    if (input.signal?.aborted) throw new ProviderError('cancelled', { kind: 'interrupted' });
    await new Promise((r) => setTimeout(r, input.pollMs ?? 5_000));
  }
}

/**
 * A provider's `vaultEndpoint` where Vault is reached at its pinned load-balancer address (the
 * Multipass VMs' network, clusters someone else runs), else through the API server: its CA from
 * the management cluster's TLS Secret, read through `kube`. `answers` is the probe (a test's
 * stands in for a private address it must not dial).
 */
export function vaultAtPinnedAddress(
  platform: Platform,
  kube: KubeClient,
  context: ProviderContext,
  answers: (endpoint: VaultEndpoint) => Promise<boolean> = vaultAnswers,
): Promise<VaultEndpoint> {
  return findVault({
    platform,
    readTlsSecret: () => kube.getOptional(VAULT_SECRET_PATH),
    answers,
    forward: (ca) => vaultThroughApiServer(kube, ca, answers),
    log: context.log,
    ...(context.signal ? { signal: context.signal } : {}),
  });
}

/**
 * A provider's `runningVault` for the same: one look that starts nothing. Each address (the API
 * server for Vault's CA, then Vault's) must accept a connection within `lookMs` before it is
 * asked anything, so a network this machine is not on costs seconds, not a request timeout.
 */
export function runningVaultAtPinnedAddress(
  platform: Platform,
  kube: KubeClient,
  lookMs: number,
): Promise<VaultEndpoint | undefined> {
  return runningVault({
    platform,
    readTlsSecret: async () =>
      (await accepts(new URL(kube.config.server), lookMs)) ? kube.getOptional(VAULT_SECRET_PATH) : undefined,
    answers: async (endpoint) =>
      (await accepts(new URL(endpoint.address), lookMs)) && (await vaultAnswers(endpoint)),
    forward: (ca) => vaultThroughApiServer(kube, ca, vaultAnswers),
    timeoutMs: 4 * lookMs,
  });
}

/** The Vault chart's server pods (standalone: vault-0). */
export const VAULT_SERVER_SELECTOR = 'app.kubernetes.io/name=vault,component=server';

interface PodObject {
  readonly metadata: { readonly name: string };
  readonly status?: {
    readonly phase?: string;
    readonly conditions?: ReadonlyArray<{ readonly type: string; readonly status: string }>;
  };
}

/**
 * The server pod to forward to: a running one, Ready first (a sealed Vault is running but not
 * Ready, and init and unseal must still reach it), then by name.
 */
export function vaultServerPod(pods: readonly PodObject[]): string | undefined {
  const ready = (pod: PodObject) =>
    pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return pods
    .filter((pod) => pod.status?.phase === 'Running')
    .sort((a, b) => Number(ready(b)) - Number(ready(a)) || a.metadata.name.localeCompare(b.metadata.name))[0]
    ?.metadata.name;
}

/** One forward per API server and pod for the life of the process, reused by every Vault step. */
const forwards = new Map<string, PortForward>();

/**
 * Vault through the management cluster's API server: a port-forward to its server pod, reached
 * at https://127.0.0.1:<port> with the CA of its serving certificate, when it answers there.
 * A string says why not (no server pod, what the API server or kubelet said).
 */
export async function vaultThroughApiServer(
  kube: KubeClient,
  ca: string,
  answers: (endpoint: VaultEndpoint) => Promise<boolean>,
): Promise<VaultEndpoint | string> {
  const pods = await kube.list<PodObject>('v1', 'Pod', VAULT_NAMESPACE, {
    labelSelector: VAULT_SERVER_SELECTOR,
  });
  const pod = vaultServerPod(pods);
  if (!pod) return `no running Vault server pod in namespace ${VAULT_NAMESPACE} (${VAULT_SERVER_SELECTOR})`;
  const key = `${kube.config.server} ${pod}`;
  let forward = forwards.get(key);
  if (!forward) {
    forward = await openPortForward(kube.config, { namespace: VAULT_NAMESPACE, pod, port: VAULT_PORT });
    forwards.set(key, forward);
  }
  const endpoint = { address: `https://${forward.host}:${forward.port}`, ca };
  if (await answers(endpoint)) return endpoint;
  return `Vault does not answer through a port-forward to ${VAULT_NAMESPACE}/${pod}: ${forward.lastError() ?? 'no answer'}`;
}
