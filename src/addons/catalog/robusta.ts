import type { RenderContext } from '../../render/context.js';
import { RESOURCES, type ResourceSpec } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import type { KubeObject } from '../../kube/objects.js';
import type { ValueSource } from '../../kube/generated-secrets.js';
import { KV_PLATFORM_PREFIX } from '../../render/pki.js';
import { externalSecret } from './external-secrets.js';
import { ALERTMANAGER_URL, PROMETHEUS_SERVER_URL } from './prometheus.js';

/** Fixed names: with `fullnameOverride` the runner's Service is `robusta-runner` whatever the release is called. */
export const FULLNAME = 'robusta';
/** Where Alertmanager must send its alerts (the runner's Service, port 80). */
export const ALERTS_WEBHOOK = `http://${FULLNAME}-runner.robusta.svc.cluster.local/api/alerts`;
/** The Secret the runner reads its tokens from, synced from Vault. */
export const SECRETS = 'robusta-secrets';
/** The Vault KV entry `secret/platform/robusta`, read through the vault-backend store. */
export const VAULT_KEY = 'robusta';

/**
 * The seed templated `{{ vault_secret(...) }}` into the values, which Helm cannot do. Here each
 * token is an environment variable of the runner, from a Secret, and the values refer to it as
 * `{{ env.NAME }}`, which the runner substitutes in global_config and in every sink's settings.
 */
const TOKENS = [
  { env: 'ROBUSTA_SIGNING_KEY', property: 'signing-key' },
  { env: 'ROBUSTA_ACCOUNT_ID', property: 'account-id' },
  { env: 'SLACK_API_KEY', property: 'slack-api-key' },
  { env: 'ROBUSTA_UI_TOKEN', property: 'ui-token' },
] as const;

/**
 * What the engine writes to `secret/platform/robusta`: the signing key and account id are random
 * (what `robusta gen-config` makes); the Slack and Robusta UI tokens belong to outside accounts,
 * so `up` takes them from the environment of the user who runs it.
 */
const KV_SOURCES: Record<(typeof TOKENS)[number]['property'], ValueSource> = {
  'signing-key': { generated: 'robusta/signing-key' },
  'account-id': { generated: 'robusta/account-id' },
  'slack-api-key': { provided: { env: 'PLATFORMCTL_SLACK_API_KEY', what: "Robusta's Slack bot token" } },
  'ui-token': { provided: { env: 'PLATFORMCTL_ROBUSTA_UI_TOKEN', what: 'the Robusta UI sink token' } },
};
type TokenEnv = (typeof TOKENS)[number]['env'];
const env = (name: TokenEnv) => `{{ env.${name} }}`;

/** The seed's Slack channel (§14.4). */
export const SLACK_CHANNEL = '#k8s-alerts';
/** The chart's platform playbooks send to a sink of this name, so the Robusta UI sink must carry it. */
const UI_SINK = 'robusta_ui_sink';
const SLACK_SINK = 'main_slack';

/** The chart asks 1Gi for the runner; a lab requests half and keeps 1Gi as the limit. */
const RUNNER: ResourceSpec = {
  requests: { cpu: '100m', memory: '512Mi' },
  limits: { cpu: '1000m', memory: '1Gi' },
};

/** A fresh copy per container, so that the values YAML carries no anchors and aliases. */
const resources = (spec: ResourceSpec) => ({ requests: { ...spec.requests }, limits: { ...spec.limits } });

/**
 * The seed's two playbooks (§14.4), with what Robusta 0.47 really offers:
 * - OOMKilled: `on_pod_crash_loop` with `restart_reason: OOMKilled` never fires (a crash-looping
 *   container waits in CrashLoopBackOff; OOMKilled is its last termination reason), so the
 *   trigger is `on_pod_oom_killed`. Robusta has no action that raises memory (the seed's
 *   `resource_babysitter` only tracks changes): VPA does it, +25% per OOM kill up to 2Gi (see
 *   vpa.ts), and the finding says so. It replaces the chart's built-in PodOOMKill playbook.
 * - HighCPUUsage: `ai_analysis` and `slack_notification` are not Robusta actions. The alert is
 *   enriched with its CPU graph and routed to the Slack sink; AI analysis is k8sgpt's job here
 *   (HolmesGPT, Robusta's AI, asks 2 GiB, more than the AI layer's budget in 001 §16.2).
 */
export const PLAYBOOKS = [
  {
    name: 'OOMKilledPod',
    triggers: [{ on_pod_oom_killed: { rate_limit: 3600 } }],
    actions: [
      {
        create_finding: {
          title: 'OOMKilled pod $namespace/$name: VPA raises its memory recommendation by 25% (up to 2Gi)',
          aggregation_key: 'oom_auto_increase',
        },
      },
      { pod_oom_killer_enricher: { attach_logs: true, container_memory_graph: true } },
    ],
  },
  {
    name: 'HighCPUUsage',
    triggers: [{ on_prometheus_alert: { alert_name: 'HighCPUUsage' } }],
    actions: [{ alert_graph_enricher: { resource_type: 'CPU', item_type: 'Pod' } }],
    sinks: [SLACK_SINK],
  },
];

/** refreshInterval 1h and deletionPolicy Retain (§5.3) come with the helper. */
function secrets(): KubeObject {
  return externalSecret({
    name: SECRETS,
    namespace: robusta.namespace,
    key: VAULT_KEY,
    data: Object.fromEntries(TOKENS.map((t) => [t.property, t.property])),
  });
}

export const robusta: AddonDefinition = {
  name: 'robusta',
  title: 'Robusta',
  phase: 'scaling-ai',
  namespace: 'robusta',
  scope: 'management',
  scopeReason: 'the AI layer runs on the management cluster (§14.1)',
  defaultPlacement: 'management',
  requires: [{ addon: 'prometheus', on: 'same', why: 'its playbooks trigger on Prometheus alerts' }],
  after: [{ addon: 'external-secrets', on: 'same', why: 'its tokens arrive as ExternalSecrets' }],
  seed: '§14.4, §10.2 5.5',
  plan: { releaseSeconds: 60 },
  render: (ctx: RenderContext): RenderedAddon => ({
    values: {
      fullnameOverride: FULLNAME,
      clusterName: ctx.cluster.name,
      // The platform's kube-prometheus-stack serves Robusta; the chart's bundled copy stays off.
      enablePrometheusStack: false,
      enableHolmesGPT: false,
      // Robusta runs beside mgmt's kube-prometheus-stack: its in-cluster Services are right here.
      globalConfig: {
        prometheus_url: PROMETHEUS_SERVER_URL,
        alertmanager_url: ALERTMANAGER_URL,
        signing_key: env('ROBUSTA_SIGNING_KEY'),
        account_id: env('ROBUSTA_ACCOUNT_ID'),
      },
      sinksConfig: [
        { slack_sink: { name: SLACK_SINK, slack_channel: SLACK_CHANNEL, api_key: env('SLACK_API_KEY') } },
        { robusta_sink: { name: UI_SINK, token: env('ROBUSTA_UI_TOKEN') } },
      ],
      enablePlatformPlaybooks: true,
      customPlaybooks: PLAYBOOKS,
      disabledPlaybooks: ['PodOOMKill'],
      runner: {
        additional_env_vars: TOKENS.map((t) => ({
          name: t.env,
          valueFrom: { secretKeyRef: { name: SECRETS, key: t.property } },
        })),
        resources: resources(RUNNER),
      },
      kubewatch: { resources: resources(RESOURCES.small) },
    },
    manifests: ctx.enabled('external-secrets') ? [secrets()] : [],
    vaultKv: [{ path: `${KV_PLATFORM_PREFIX}/${VAULT_KEY}`, data: KV_SOURCES }],
  }),
};
