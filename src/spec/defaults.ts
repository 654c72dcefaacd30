/**
 * The built-in default: the seed's topology (001 §4, §6, §7.2, §9.1, §16.2) with the
 * corrections of shared/notes/seed-corrections.md (service CIDRs /16, one pool per cluster, ...).
 *
 * Defaulting is pure: the clock is an argument, because exemption expiry dates are relative to it.
 */
import type { Catalog } from '../addons/types.js';
import { ADDON_NAMES } from '../addons/names.js';
import type { ClusterRole } from '../addons/types.js';
import { formatAddress, parseAddress } from '../net/ipv4.js';
import type { PlatformDocumentInput } from './schema.js';
import { API_VERSION, KIND } from './version.js';
import {
  AI_BACKEND_NAMES,
  type AiBackendName,
  type AiBackendSpec,
  type AiSpec,
  type ClusterSpec,
  EXTERNAL_SERVICE_NAMES,
  type ExternalServiceSpec,
  type NodeGroupSpec,
  type PlatformDocument,
  type PodSecurityExemption,
} from './types.js';

export const DEFAULT_PLATFORM_NAME = 'local-lab';
/** Exemptions are reviewed quarterly (001 §6.4), well inside ADR-003's six-month limit. */
export const EXEMPTION_REVIEW_DAYS = 90;

const NODE_SIZES: Record<ClusterRole, { controlPlane: NodeGroupSpec; workers: NodeGroupSpec }> = {
  // 001 §6.1 / §16.2, with the workers grown to hold what the real charts request (the sizing
  // test in src/render/chart-templates.test.ts): mgmt's 2 CPU / 6 GiB and the workload
  // clusters' 4 GiB cannot schedule them.
  management: {
    controlPlane: { count: 1, cpus: 2, memoryGiB: 4, diskGiB: 40 },
    workers: { count: 1, cpus: 3, memoryGiB: 8, diskGiB: 50 },
  },
  workload: {
    controlPlane: { count: 1, cpus: 2, memoryGiB: 3, diskGiB: 30 },
    workers: { count: 1, cpus: 2, memoryGiB: 6, diskGiB: 40 },
  },
};

/** Per-position network defaults for the seed's three clusters (001 §7.2, correction 1). */
const SEED_CLUSTERS: ReadonlyArray<
  Pick<ClusterSpec, 'name' | 'role' | 'podCIDR' | 'serviceCIDR' | 'loadBalancerPool'>
> = [
  {
    name: 'mgmt',
    role: 'management',
    podCIDR: '10.100.0.0/16',
    serviceCIDR: '10.96.0.0/16',
    loadBalancerPool: '192.168.64.200-192.168.64.210',
  },
  {
    name: 'app1',
    role: 'workload',
    podCIDR: '10.101.0.0/16',
    serviceCIDR: '10.97.0.0/16',
    loadBalancerPool: '192.168.64.211-192.168.64.220',
  },
  {
    name: 'app2',
    role: 'workload',
    podCIDR: '10.102.0.0/16',
    serviceCIDR: '10.98.0.0/16',
    loadBalancerPool: '192.168.64.221-192.168.64.230',
  },
];

const EXTERNAL_SERVICE_SIZES: Record<string, ExternalServiceSpec> = {
  // 001 §16.2
  argocd: { enabled: true, cpus: 1, memoryGiB: 2, diskGiB: 10 },
  harbor: { enabled: true, cpus: 1, memoryGiB: 2, diskGiB: 80 },
  nexus: { enabled: true, cpus: 1, memoryGiB: 2, diskGiB: 80 },
};

/**
 * The models analyze --explain asks by default, with their list prices (US dollars per million
 * tokens, input/output, as published in late 2025) for the cost estimate. Gemini and OpenAI are
 * the seed's routine and deep backends (§14.3) with the k8sgpt add-on's models; the retired
 * `gemini-1.5-flash` of the seed is replaced by `gemini-2.5-flash`. Ollama runs on this machine.
 * The k8sgpt add-on runs the Gemini and OpenAI models of spec.ai too.
 */
export const DEFAULT_AI_BACKENDS: Readonly<Record<AiBackendName, Readonly<AiBackendSpec>>> = {
  gemini: {
    model: 'gemini-2.5-flash',
    url: 'https://generativelanguage.googleapis.com',
    price: { input: 0.3, output: 2.5 },
  },
  openai: { model: 'gpt-4o-mini', url: 'https://api.openai.com', price: { input: 0.15, output: 0.6 } },
  anthropic: {
    model: 'claude-sonnet-4-5',
    url: 'https://api.anthropic.com',
    price: { input: 3, output: 15 },
  },
  ollama: { model: 'llama3.2', url: 'http://127.0.0.1:11434', price: { input: 0, output: 0 } },
};

type InputAi = NonNullable<NonNullable<PlatformDocumentInput['spec']>['ai']>;

/** A backend's default price holds for its default model only: another model's cost is unknown unless priced. */
function aiDefaults(input: InputAi | undefined): AiSpec {
  const backends = Object.fromEntries(
    AI_BACKEND_NAMES.map((name) => {
      const base = DEFAULT_AI_BACKENDS[name];
      const given = input?.backends?.[name];
      const model = given?.model ?? base.model;
      const price = given?.price ?? (model === base.model ? base.price : undefined);
      return [name, { model, url: given?.url ?? base.url, ...(price ? { price: { ...price } } : {}) }];
    }),
  ) as Record<AiBackendName, AiBackendSpec>;
  return {
    routine: [...(input?.routine ?? ['gemini', 'openai'])],
    deep: [...(input?.deep ?? ['openai'])],
    backends,
    timeoutSeconds: input?.timeoutSeconds ?? 60,
    retries: input?.retries ?? 2,
  };
}

export interface DefaultOptions {
  /** The clock: exemption expiry dates are set relative to it. */
  now: Date;
  /** The add-ons' facts: which need a privileged namespace. */
  catalog: Catalog;
}

export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86_400_000);
}

/**
 * One exemption for every namespace whose catalog add-ons cannot pass the baseline level
 * (correction 11), each with a reason, an approver and an expiry (ADR-003).
 */
export function defaultExemptions(now: Date, catalog: Catalog): PodSecurityExemption[] {
  const expires = isoDate(addDays(now, EXEMPTION_REVIEW_DAYS));
  const reasons = new Map<string, string[]>();
  for (const name of ADDON_NAMES) {
    const addon = catalog[name];
    if (!addon.podSecurity || addon.defaultPlacement === 'none') continue;
    const list = reasons.get(addon.namespace) ?? [];
    list.push(`${addon.name}: ${addon.podSecurity.why}`);
    reasons.set(addon.namespace, list);
  }
  return [...reasons.entries()].map(([namespace, why]) => ({
    namespace,
    level: 'privileged',
    reason: why.join('; '),
    approvedBy: 'platform-team',
    expires,
  }));
}

/** Offsets an address range like 192.168.64.221-192.168.64.230 by whole blocks, for clusters past the seed's three. */
function poolAfterSeed(extraIndex: number): string {
  const start = parseAddress('192.168.64.231');
  if (!start.ok) throw new Error('unreachable');
  const first = start.value + extraIndex * 10;
  return `${formatAddress(first)}-${formatAddress(Math.min(first + 9, 2 ** 32 - 1))}`;
}

function clusterDefaults(index: number, role: ClusterRole): Omit<ClusterSpec, 'name' | 'role'> {
  const seed = SEED_CLUSTERS[index];
  const sizes = NODE_SIZES[role];
  // Past the seed's three clusters the pattern continues; validation reports any collision
  // and asks for explicit values.
  return {
    id: index + 1,
    controlPlane: { ...sizes.controlPlane },
    workers: { ...sizes.workers },
    podCIDR: seed?.podCIDR ?? `10.${100 + index}.0.0/16`,
    serviceCIDR: seed?.serviceCIDR ?? `10.${96 + index}.0.0/16`,
    loadBalancerPool: seed?.loadBalancerPool ?? poolAfterSeed(index - SEED_CLUSTERS.length),
  };
}

type InputSpec = NonNullable<PlatformDocumentInput['spec']>;
type InputCluster = NonNullable<InputSpec['clusters']>[number];

function completeCluster(input: InputCluster, index: number): ClusterSpec {
  const base = clusterDefaults(index, input.role);
  const cluster: ClusterSpec = {
    name: input.name,
    role: input.role,
    id: input.id ?? base.id,
    controlPlane: { ...base.controlPlane, ...input.controlPlane },
    workers: { ...base.workers, ...input.workers },
    podCIDR: input.podCIDR ?? base.podCIDR,
    serviceCIDR: input.serviceCIDR ?? base.serviceCIDR,
    loadBalancerPool: input.loadBalancerPool ?? base.loadBalancerPool,
  };
  if (input.existing) cluster.existing = { ...input.existing };
  return cluster;
}

/** Fills every field the input leaves out. The input must already have passed the shape check. */
export function applyDefaults(input: PlatformDocumentInput, options: DefaultOptions): PlatformDocument {
  const spec: InputSpec = input.spec ?? {};
  const clusters = spec.clusters ?? SEED_CLUSTERS.map(({ name, role }) => ({ name, role }));
  const externalServices = Object.fromEntries(
    EXTERNAL_SERVICE_NAMES.map((name) => [
      name,
      { ...EXTERNAL_SERVICE_SIZES[name]!, ...spec.externalServices?.[name] },
    ]),
  ) as PlatformDocument['spec']['externalServices'];
  return {
    apiVersion: input.apiVersion,
    kind: input.kind,
    metadata: { name: input.metadata.name },
    spec: {
      provider: spec.provider ?? 'multipass',
      host: {
        cpus: spec.host?.cpus ?? 10,
        memoryGiB: spec.host?.memoryGiB ?? 64,
        diskGiB: spec.host?.diskGiB ?? 540,
        reserved: { cpus: 2, memoryGiB: 8, diskGiB: 0, ...spec.host?.reserved },
      },
      network: {
        nodeSubnet: spec.network?.nodeSubnet ?? '192.168.64.0/24',
        gateway: spec.network?.gateway ?? '192.168.64.1',
        dhcpRange: spec.network?.dhcpRange ?? '192.168.64.2-192.168.64.199',
        domain: spec.network?.domain ?? 'local.dev',
      },
      kubernetes: {
        version: spec.kubernetes?.version ?? 'v1.35.0',
        featureGateProfile: spec.kubernetes?.featureGateProfile ?? 'minimal',
      },
      clusters: clusters.map(completeCluster),
      addons: structuredClone(spec.addons ?? {}) as PlatformDocument['spec']['addons'],
      podSecurity: {
        defaults: {
          enforce: 'baseline',
          audit: 'restricted',
          warn: 'restricted',
          ...spec.podSecurity?.defaults,
        },
        exemptions:
          spec.podSecurity?.exemptions?.map((e) => ({ ...e })) ??
          defaultExemptions(options.now, options.catalog),
      },
      externalServices,
      ai: aiDefaults(spec.ai),
    },
  };
}

/** The seed's platform, complete, as `init` writes it and as commands use it when there is no platform.yaml. */
export function defaultDocument(options: DefaultOptions): PlatformDocument {
  return applyDefaults(
    { apiVersion: API_VERSION, kind: KIND, metadata: { name: DEFAULT_PLATFORM_NAME } },
    options,
  );
}
