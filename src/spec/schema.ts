/**
 * The versioned external contract: the shape of `platform.yaml` (platformctl.dev/v1alpha1).
 *
 * Nearly every field is optional here because `defaults.ts` fills in the seed's topology;
 * `types.ts` holds the complete (defaulted) form the rest of the program works with.
 * The same schema is printed by `platformctl schema` for editors, and enforced by `shape.ts`.
 */
import { type Static, type TOptional, type TSchema, Type } from '@sinclair/typebox';
import { ADDON_NAMES } from '../addons/names.js';

import { API_VERSION, KIND } from './version.js';

export { API_VERSION, KIND };
export const SCHEMA_ID = 'https://platformctl.dev/schemas/platform-v1alpha1.json';

const strict = { additionalProperties: false } as const;

/** A string enum as plain JSON Schema `enum` (TypeBox unions become anyOf, which reads badly in errors). */
function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

const Cpus = Type.Integer({ minimum: 1, maximum: 256, description: 'Virtual CPUs.' });
const MemoryGiB = Type.Number({ minimum: 0.5, maximum: 4096, description: 'Memory in GiB.' });
const DiskGiB = Type.Integer({ minimum: 1, maximum: 65536, description: 'Disk in GiB.' });

const Reserved = Type.Object(
  {
    cpus: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 256, description: 'CPUs kept for the host OS.' }),
    ),
    memoryGiB: Type.Optional(
      Type.Number({ minimum: 0, maximum: 4096, description: 'Memory kept for the host OS.' }),
    ),
    diskGiB: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 65536, description: 'Disk kept for the host OS.' }),
    ),
  },
  { ...strict, description: 'Capacity the host keeps for itself; VMs get the rest.' },
);

const Host = Type.Object(
  {
    cpus: Type.Optional(Cpus),
    memoryGiB: Type.Optional(MemoryGiB),
    diskGiB: Type.Optional(DiskGiB),
    reserved: Type.Optional(Reserved),
  },
  { ...strict, description: 'The machine the VMs and external services run on (budget checks use it).' },
);

const Network = Type.Object(
  {
    nodeSubnet: Type.Optional(
      Type.String({ description: 'IPv4 CIDR of the network the nodes live on, e.g. 192.168.64.0/24.' }),
    ),
    gateway: Type.Optional(
      Type.String({ description: 'The host side of the node network, e.g. 192.168.64.1.' }),
    ),
    dhcpRange: Type.Optional(
      Type.String({
        description: 'Addresses the hypervisor hands out by DHCP, e.g. 192.168.64.2-192.168.64.199.',
      }),
    ),
    domain: Type.Optional(
      Type.String({
        description: 'DNS domain for service names (*.<domain>), e.g. local.dev.',
        minLength: 1,
      }),
    ),
  },
  { ...strict, description: 'The node network shared by all clusters.' },
);

const Kubernetes = Type.Object(
  {
    version: Type.Optional(
      Type.String({
        description: 'Kubernetes version, e.g. v1.35.0 (supported: 1.33 to 1.35).',
        minLength: 1,
      }),
    ),
    featureGateProfile: Type.Optional(
      StringEnum(['minimal', 'full'], {
        description: 'minimal: no feature gates (VPA only); full: experimental gates on (ADR-002).',
      }),
    ),
  },
  strict,
);

function nodeGroup(kind: 'control plane' | 'worker', countMin: number) {
  return Type.Object(
    {
      count: Type.Optional(
        Type.Integer({ minimum: countMin, maximum: 99, description: `Number of ${kind} nodes.` }),
      ),
      cpus: Type.Optional(Cpus),
      memoryGiB: Type.Optional(MemoryGiB),
      diskGiB: Type.Optional(DiskGiB),
    },
    { ...strict, description: `Size and count of the ${kind} VMs.` },
  );
}

const ExistingCluster = Type.Object(
  {
    kubeconfig: Type.Optional(Type.String({ minLength: 1, description: 'Path to the kubeconfig file.' })),
    context: Type.String({ minLength: 1, description: 'The context in that kubeconfig.' }),
  },
  { ...strict, description: 'For provider "existing": where to reach this cluster.' },
);

const Cluster = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      description: 'DNS label; node names are <name>-cp-<i> and <name>-worker-<i>.',
    }),
    role: StringEnum(['management', 'workload'], {
      description: 'management runs the platform services; workload runs applications.',
    }),
    id: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 255, description: 'Cilium cluster id, unique, 1..255.' }),
    ),
    controlPlane: Type.Optional(nodeGroup('control plane', 1)),
    workers: Type.Optional(nodeGroup('worker', 0)),
    podCIDR: Type.Optional(
      Type.String({ description: 'Pod network, e.g. 10.100.0.0/16; unique across clusters.' }),
    ),
    serviceCIDR: Type.Optional(
      Type.String({ description: 'Service network, e.g. 10.96.0.0/16 (at most /12).' }),
    ),
    loadBalancerPool: Type.Optional(
      Type.String({
        description: 'MetalLB addresses for this cluster only, inside the node subnet and outside DHCP.',
      }),
    ),
    existing: Type.Optional(ExistingCluster),
  },
  { ...strict, description: 'One Kubernetes cluster.' },
);

const AddonOverride = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: 'Turn the add-on on or off everywhere.' })),
    clusters: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'The clusters to install it on (replaces the default placement).',
        uniqueItems: true,
      }),
    ),
    values: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Helm values merged over the rendered ones (checked against the chart when rendering).',
      }),
    ),
  },
  strict,
);

const Addons = Type.Object(
  Object.fromEntries(ADDON_NAMES.map((name) => [name, Type.Optional(AddonOverride)])) as {
    [K in (typeof ADDON_NAMES)[number]]: TOptional<typeof AddonOverride>;
  },
  { ...strict, description: 'Overrides of the add-on catalog; defaults follow the seed component matrix.' },
);

const PsaLevel = StringEnum(['privileged', 'baseline', 'restricted'], { description: 'Pod Security level.' });

const Exemption = Type.Object(
  {
    namespace: Type.String({ minLength: 1, description: 'The namespace that gets the weaker level.' }),
    level: PsaLevel,
    reason: Type.String({ minLength: 1, description: 'Why the namespace needs it.' }),
    approvedBy: Type.String({ minLength: 1, description: 'Who approved it.' }),
    expires: Type.String({
      description: 'YYYY-MM-DD; at most six months ahead (ADR-003). Review and renew before it passes.',
    }),
  },
  { ...strict, description: 'A recorded Pod Security exemption (ADR-003).' },
);

const PodSecurity = Type.Object(
  {
    defaults: Type.Optional(
      Type.Object(
        {
          enforce: Type.Optional(PsaLevel),
          audit: Type.Optional(PsaLevel),
          warn: Type.Optional(PsaLevel),
        },
        { ...strict, description: 'Cluster-wide Pod Security Admission defaults.' },
      ),
    ),
    exemptions: Type.Optional(Type.Array(Exemption)),
  },
  strict,
);

function externalService(name: string) {
  return Type.Object(
    {
      enabled: Type.Optional(Type.Boolean()),
      cpus: Type.Optional(Cpus),
      memoryGiB: Type.Optional(MemoryGiB),
      diskGiB: Type.Optional(DiskGiB),
    },
    { ...strict, description: `${name}, run outside the clusters.` },
  );
}

const ExternalServices = Type.Object(
  {
    argocd: Type.Optional(externalService('Argo CD')),
    harbor: Type.Optional(externalService('Harbor')),
    nexus: Type.Optional(externalService('Nexus')),
  },
  strict,
);

const AI_BACKENDS = ['gemini', 'openai', 'anthropic', 'ollama'] as const;

function aiBackend(name: string) {
  return Type.Object(
    {
      model: Type.Optional(Type.String({ minLength: 1, description: `The ${name} model to ask.` })),
      url: Type.Optional(
        Type.String({
          minLength: 1,
          description: `The ${name} API's base URL (default: its public endpoint).`,
        }),
      ),
      price: Type.Optional(
        Type.Object(
          {
            input: Type.Number({ minimum: 0, description: 'US dollars per million input tokens.' }),
            output: Type.Number({ minimum: 0, description: 'US dollars per million output tokens.' }),
          },
          {
            ...strict,
            description: 'For the cost estimate (default: the list price of the default model only).',
          },
        ),
      ),
    },
    { ...strict, description: `The ${name} backend of analyze --explain.` },
  );
}

const AiBackendOrder = (what: string) =>
  Type.Array(StringEnum(AI_BACKENDS), {
    minItems: 1,
    uniqueItems: true,
    description: `${what}: the first backend, then the next on errors or rate limits.`,
  });

const Ai = Type.Object(
  {
    routine: Type.Optional(AiBackendOrder('--mode routine (default gemini, openai)')),
    deep: Type.Optional(AiBackendOrder('--mode deep (default openai)')),
    backends: Type.Optional(
      Type.Object(
        {
          gemini: Type.Optional(aiBackend('Gemini')),
          openai: Type.Optional(aiBackend('OpenAI')),
          anthropic: Type.Optional(aiBackend('Anthropic')),
          ollama: Type.Optional(aiBackend('Ollama')),
        },
        strict,
      ),
    ),
    timeoutSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 600, description: 'Per request to a model.' }),
    ),
    retries: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10,
        description: 'Further attempts on one backend after a rate limit or server error.',
      }),
    ),
  },
  { ...strict, description: 'The models analyze --explain asks (seed §14.3).' },
);

export const PlatformDocumentSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal(KIND),
    metadata: Type.Object(
      { name: Type.String({ minLength: 1, description: 'Name of this platform.' }) },
      { ...strict, description: 'Identifies the platform.' },
    ),
    spec: Type.Optional(
      Type.Object(
        {
          provider: Type.Optional(
            StringEnum(['multipass', 'kwok', 'existing'], {
              description:
                'multipass: VMs on this machine; kwok: simulated nodes; existing: clusters you have.',
            }),
          ),
          host: Type.Optional(Host),
          network: Type.Optional(Network),
          kubernetes: Type.Optional(Kubernetes),
          clusters: Type.Optional(Type.Array(Cluster, { minItems: 1 })),
          addons: Type.Optional(Addons),
          podSecurity: Type.Optional(PodSecurity),
          externalServices: Type.Optional(ExternalServices),
          ai: Type.Optional(Ai),
        },
        strict,
      ),
    ),
  },
  { ...strict, description: 'A platformctl platform: clusters, add-ons and the services around them.' },
);

export type PlatformDocumentInput = Static<typeof PlatformDocumentSchema>;

/** The JSON Schema document printed by `platformctl schema`. */
export function platformJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(PlatformDocumentSchema as TSchema)) as Record<string, unknown>;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: SCHEMA_ID,
    title: 'platformctl Platform (v1alpha1)',
    ...plain,
  };
}
