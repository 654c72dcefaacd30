/**
 * `<cluster>/kubelet-serving`: approves the kubelets' serving-certificate requests on clusters
 * whose kubelets platformctl set up with kubeadm (`serverTLSBootstrap: true`), which
 * kube-controller-manager signs but never approves itself (kube/kubelet-serving.ts says which
 * requests qualify). Without it no kubelet serves TLS: `kubectl logs`/`exec` and metrics-server
 * fail. Kubelets ask again when their certificate nears its end (renewal) and after a restart
 * with another address; the step's live check finds such a request, so the next `up` approves it.
 *
 * The first run also waits until every node of the spec has asked (a kubelet asks right after it
 * registers its Node), so that metrics-server, which depends on this step, finds every kubelet
 * serving. A request that does not qualify is left pending and named, never denied.
 */
import type { KubeClient } from '../clients/kube.js';
import {
  type CertificateSigningRequest,
  isPending,
  KUBELET_SERVING_SIGNER,
  kubeletServingVerdict,
  type NodeAddresses,
} from '../kube/kubelet-serving.js';
import type { PlanStep } from '../plan/plan.js';
import type { Runner, StepEnvironment } from './step-environment.js';

const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const POLL_MS = 1_000;
const DEFAULT_TIMEOUT_MS = 3 * 60_000;

interface NodeObject {
  readonly metadata: { readonly name: string };
  readonly status?: { readonly addresses?: NodeAddresses['addresses'] };
}

export interface KubeletServingLook {
  /** Pending requests that qualify, by name, with their node. */
  readonly toApprove: ReadonlyArray<{ readonly name: string; readonly node: string }>;
  /** Pending requests that do not qualify, with why. */
  readonly leftPending: ReadonlyArray<{ readonly name: string; readonly why: string }>;
  /** Nodes of the spec with a kubelet-serving request of any state. */
  readonly asked: ReadonlySet<string>;
  /** Approved requests without a certificate yet (kube-controller-manager signs them). */
  readonly unsigned: readonly string[];
}

export async function lookAtKubeletServing(
  client: KubeClient,
  specNodes: ReadonlySet<string>,
): Promise<KubeletServingLook> {
  const [csrs, nodes] = await Promise.all([
    client.get<{ items: CertificateSigningRequest[] }>(CSR_PATH).then((l) => l.items),
    client.get<{ items: NodeObject[] }>('/api/v1/nodes').then((l) => l.items),
  ]);
  const registered = new Map(
    nodes.map((n) => [n.metadata.name, { name: n.metadata.name, addresses: n.status?.addresses ?? [] }]),
  );
  const toApprove: Array<{ name: string; node: string }> = [];
  const leftPending: Array<{ name: string; why: string }> = [];
  const asked = new Set<string>();
  const unsigned: string[] = [];
  for (const csr of csrs) {
    if (csr.spec.signerName !== KUBELET_SERVING_SIGNER) continue;
    const verdict = kubeletServingVerdict(csr, specNodes, registered);
    if (verdict.node && specNodes.has(verdict.node)) asked.add(verdict.node);
    if (!isPending(csr)) {
      const approved = csr.status?.conditions?.some((c) => c.type === 'Approved' && c.status !== 'False');
      if (approved && !csr.status?.certificate) unsigned.push(csr.metadata.name);
      continue;
    }
    if (verdict.approve) toApprove.push({ name: csr.metadata.name, node: verdict.node });
    else leftPending.push({ name: csr.metadata.name, why: verdict.why });
  }
  return { toApprove, leftPending, asked, unsigned };
}

export interface ApproveOptions {
  readonly specNodes: ReadonlySet<string>;
  /** Wait until every node of the spec has asked (the first run after bootstrap). */
  readonly waitForEveryNode: boolean;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly pollMs?: number;
}

export interface ApproveResult {
  readonly approved: ReadonlyArray<{ readonly name: string; readonly node: string }>;
  readonly leftPending: KubeletServingLook['leftPending'];
  /** Nodes of the spec that asked for nothing in time (only when waiting for every node). */
  readonly silent: readonly string[];
}

/** Approves what qualifies until nothing qualifying is pending and every approval is signed. */
export async function approveKubeletServing(
  client: KubeClient,
  options: ApproveOptions,
): Promise<ApproveResult> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const approved: Array<{ name: string; node: string }> = [];
  for (;;) {
    const look = await lookAtKubeletServing(client, options.specNodes);
    for (const request of look.toApprove) {
      await approve(client, request.name, request.node);
      approved.push(request);
      options.log(`approved ${request.name}: the serving certificate of ${request.node}'s kubelet`);
    }
    if (look.toApprove.length > 0) continue;
    const silent = options.waitForEveryNode ? [...options.specNodes].filter((n) => !look.asked.has(n)) : [];
    const waitingFor = [
      ...look.unsigned.map((name) => `${name} to be signed by kube-controller-manager`),
      ...silent.map((node) => `the kubelet of ${node} to ask for its serving certificate`),
    ];
    if (waitingFor.length === 0 || Date.now() > deadline) {
      if (look.unsigned.length > 0)
        throw new Error(
          `kube-controller-manager has not signed ${look.unsigned.join(', ')} (is its csrsigning controller running with the cluster CA?)`,
        );
      return { approved, leftPending: look.leftPending, silent };
    }
    if (options.signal?.aborted) throw new Error(`interrupted while waiting for ${waitingFor.join('; ')}`);
    options.log(`waiting for ${waitingFor.join('; ')}`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? POLL_MS));
  }
}

async function approve(client: KubeClient, name: string, node: string): Promise<void> {
  const path = `${CSR_PATH}/${encodeURIComponent(name)}`;
  const current = await client.get<CertificateSigningRequest & { status?: Record<string, unknown> }>(path);
  const conditions = [
    ...(current.status?.conditions ?? []),
    {
      type: 'Approved',
      status: 'True',
      reason: 'PlatformctlKubeletServing',
      message: `the serving certificate of Node ${node}'s kubelet, for the names and addresses of that Node`,
    },
  ];
  await client.request('PUT', `${path}/approval`, { ...current, status: { ...current.status, conditions } });
}

export function kubeletServingRunner(env: StepEnvironment, step: PlanStep): Runner {
  const cluster = env.platform.clusters.find((c) => c.name === step.cluster)!;
  const specNodes = new Set(cluster.nodes.map((n) => n.name));
  return {
    async check() {
      const look = await lookAtKubeletServing(await env.kube(step.cluster), specNodes);
      if (look.toApprove.length === 0) return undefined;
      return `${look.toApprove.length} kubelet serving certificate request(s) to approve: ${look.toApprove.map((r) => `${r.name} (${r.node})`).join(', ')}`;
    },
    async work(context) {
      const result = await approveKubeletServing(await env.kube(step.cluster), {
        specNodes,
        waitForEveryNode: env.recorded[step.id] === undefined,
        log: context.log,
        signal: context.signal,
      });
      const parts = [
        `approved ${result.approved.length} kubelet serving certificate request(s)${result.approved.length ? ` (${result.approved.map((r) => r.node).join(', ')})` : ''}`,
        ...(result.leftPending.length
          ? [`left pending: ${result.leftPending.map((r) => `${r.name} (${r.why})`).join('; ')}`]
          : []),
        ...(result.silent.length ? [`no request from the kubelet of ${result.silent.join(', ')}`] : []),
      ];
      for (const pending of result.leftPending) context.log(`left pending ${pending.name}: ${pending.why}`);
      return { outcome: 'succeeded', detail: parts.join('; ') };
    },
  };
}
