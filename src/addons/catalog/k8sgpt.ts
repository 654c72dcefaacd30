import type { RenderContext } from '../../render/context.js';
import { MANAGED_BY } from '../../kube/objects.js';
import { RESOURCES, type ResourceSpec } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import type { KubeObject } from '../../kube/objects.js';
import { KV_PLATFORM_PREFIX } from '../../render/pki.js';
import { externalSecret } from './external-secrets.js';

/** The Secret the K8sGPT resources read their API keys from (seed §14.2), synced from Vault. */
export const API_KEYS_SECRET = 'k8sgpt-api-keys';
/** The Vault KV entry `secret/platform/k8sgpt` (seed: `secret/k8sgpt`), read through the vault-backend store. */
export const VAULT_KEY = 'k8sgpt';
/** The k8sgpt server image the operator runs for each K8sGPT resource; pinned, never `latest`. */
export const K8SGPT_IMAGE = { repository: 'ghcr.io/k8sgpt-ai/k8sgpt', version: 'v0.4.32' } as const;

/** The seed's analyzers (§14.2), in its order. */
export const ANALYZERS = [
  'Pod',
  'Deployment',
  'ReplicaSet',
  'Service',
  'Ingress',
  'StatefulSet',
  'CronJob',
  'Node',
  'NetworkPolicy',
  'PersistentVolumeClaim',
] as const;

/**
 * The seed's namespace filters (§14.2: kube-system and cilium-system). Cilium runs in
 * kube-system (correction 4), so the two are one; a K8sGPT resource takes exactly one
 * namespace to analyse (`targetNamespace`), which this is.
 */
export const TARGET_NAMESPACE = 'kube-system';

interface Backend {
  /** The K8sGPT resource's name. */
  readonly name: string;
  readonly backend: 'google' | 'openai';
  /** The spec.ai backend whose model it runs: one model name for k8sgpt and `analyze --explain`. */
  readonly spec: 'gemini' | 'openai';
  /** Key of API_KEYS_SECRET holding this backend's API key. */
  readonly secretKey: string;
  /** How often the operator re-runs the analysis. */
  readonly interval: string;
  /** Where `up` takes the API key from before writing it to Vault. */
  readonly apiKey: { readonly env: string; readonly what: string };
}

/**
 * §14.2/§14.3: Gemini is the default, routine backend, analysing every 6 hours as the seed's
 * cron did; OpenAI is the second, deeper opinion, once a day. Their models are
 * spec.ai.backends.gemini/openai.model (defaults `gemini-2.5-flash`, the current equivalent of
 * the retired `gemini-1.5-flash`, and `gpt-4o-mini`). One K8sGPT resource serves one backend, so
 * there are two.
 */
export const BACKENDS: readonly Backend[] = [
  {
    name: 'k8sgpt-google',
    backend: 'google',
    spec: 'gemini',
    secretKey: 'google-api-key',
    interval: '6h',
    apiKey: { env: 'PLATFORMCTL_GEMINI_API_KEY', what: 'a Google AI Studio (Gemini) API key' },
  },
  {
    name: 'k8sgpt-openai',
    backend: 'openai',
    spec: 'openai',
    secretKey: 'openai-api-key',
    interval: '24h',
    apiKey: { env: 'PLATFORMCTL_OPENAI_API_KEY', what: 'an OpenAI API key' },
  },
];

/** A fresh copy per container, so that the values YAML carries no anchors and aliases. */
const resources = (spec: ResourceSpec) => ({ requests: { ...spec.requests }, limits: { ...spec.limits } });

const metadata = (name: string) => ({ name, namespace: k8sgpt.namespace, labels: { ...MANAGED_BY } });

/** Both keys in one Secret, as in the seed; refreshInterval 1h and deletionPolicy Retain (§5.3) come with the helper. */
function apiKeys(): KubeObject {
  return externalSecret({
    name: API_KEYS_SECRET,
    namespace: k8sgpt.namespace,
    key: VAULT_KEY,
    data: Object.fromEntries(BACKENDS.map((b) => [b.secretKey, b.secretKey])),
  });
}

/**
 * A K8sGPT resource (core.k8sgpt.ai/v1alpha1). No model package describes it: the fields are
 * those of the operator's api/v1alpha1/k8sgpt_types.go, listed in the add-on's report for a
 * strict model in render/models.
 */
function analysis(b: Backend, ctx: RenderContext): KubeObject {
  return {
    apiVersion: 'core.k8sgpt.ai/v1alpha1',
    kind: 'K8sGPT',
    metadata: metadata(b.name),
    spec: {
      ai: {
        enabled: true,
        backend: b.backend,
        model: ctx.platform.document.spec.ai.backends[b.spec].model,
        secret: { name: API_KEYS_SECRET, key: b.secretKey },
        // Names of pods, namespaces and so on are masked before anything is sent to the LLM.
        anonymized: true,
        language: 'english',
      },
      noCache: false,
      repository: K8SGPT_IMAGE.repository,
      version: K8SGPT_IMAGE.version,
      filters: [...ANALYZERS],
      targetNamespace: TARGET_NAMESPACE,
      analysis: { interval: b.interval },
      resources: resources(RESOURCES.medium),
    },
  };
}

export const k8sgpt: AddonDefinition = {
  name: 'k8sgpt',
  title: 'k8sgpt operator',
  phase: 'scaling-ai',
  namespace: 'k8sgpt',
  scope: 'management',
  scopeReason: 'the AI layer runs on the management cluster (§14.1)',
  defaultPlacement: 'management',
  requires: [
    { addon: 'external-secrets', on: 'same', why: 'LLM API keys arrive from Vault as an ExternalSecret' },
  ],
  after: [],
  seed: '§14.2, §10.2 5.4',
  render: (ctx: RenderContext): RenderedAddon => ({
    values: {
      // No distributed cache: one cluster, one operator.
      interplex: { enabled: false },
      controllerManager: {
        replicas: 1,
        manager: { resources: resources(RESOURCES.small) },
        kubeRbacProxy: { resources: resources(RESOURCES.small) },
      },
    },
    manifests: [apiKeys(), ...BACKENDS.map((b) => analysis(b, ctx))],
    // The LLM providers' API keys belong to the user's accounts: `up` takes them from its environment.
    vaultKv: [
      {
        path: `${KV_PLATFORM_PREFIX}/${VAULT_KEY}`,
        data: Object.fromEntries(BACKENDS.map((b) => [b.secretKey, { provided: b.apiKey }])),
      },
    ],
  }),
};
