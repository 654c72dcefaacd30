/**
 * Grafana (seed §12.2, §18.4, correction 24), chart grafana-community/grafana 12.11.1.
 *
 * Data sources with explicit uids (the seed references them by uid but defines none, and its
 * service map pointed at the name `Thanos`, not a uid): Thanos Query (default, uid `thanos`),
 * Loki (uid `loki`, derived field TraceID → Tempo) and Tempo (uid `tempo`, traces → Loki logs,
 * service map → Thanos). Loki and Tempo are provisioned only when they run on the cluster.
 * Trace-to-logs uses `tracesToLogsV2`, the current form of the seed's `tracesToLogs`.
 *
 * Admin credentials: the Secret `grafana-admin` (keys admin-user, admin-password). The seed keeps
 * them in Vault (§18.4): an ExternalSecret reads `platform/grafana` through the `vault-backend`
 * ClusterSecretStore, and the engine writes that KV entry when it configures Vault; without
 * External Secrets on the cluster the engine's secrets step creates the Secret itself.
 *
 * Exposed at grafana.<management>.<domain> by an HTTPRoute on the cluster's main-gateway.
 */

import { HTTPRoute } from '../../kube/kinds.js';
import { KV_PLATFORM_PREFIX } from '../../render/pki.js';
import type { RenderContext } from '../../render/context.js';
import { MANAGED_BY, plain } from '../../kube/objects.js';
import { RESOURCES } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import type { KubeObject } from '../../kube/objects.js';
import { externalSecret } from './external-secrets.js';
import { GATEWAY_NAME, GATEWAY_NAMESPACE } from './gateway-api.js';
import { lokiInClusterUrl } from './loki.js';
import { detach, SCRAPE_INTERVAL, THANOS_QUERY_URL } from './prometheus.js';
import { tempoInClusterUrl } from './tempo.js';

const NAMESPACE = 'monitoring';

/** The chart's fullnameOverride: its Service is `grafana`, port 80 (`service.port`). */
export const GRAFANA_FULLNAME = 'grafana';
export const GRAFANA_SERVICE_PORT = 80;
/** Admin credentials (keys admin-user, admin-password); never rendered. */
export const GRAFANA_ADMIN_SECRET = 'grafana-admin';
/** The Vault KV entry below secret/platform/ (read through the vault-backend ClusterSecretStore). */
export const GRAFANA_VAULT_KEY = 'grafana';

const ADMIN_CREDENTIALS = {
  'admin-user': { text: 'admin' },
  'admin-password': { generated: 'grafana/admin' },
} as const;

export const DATASOURCE_UIDS = { thanos: 'thanos', loki: 'loki', tempo: 'tempo' } as const;

function datasources(ctx: RenderContext) {
  const loki = ctx.enabled('loki');
  const tempo = ctx.enabled('tempo');
  const list: Record<string, unknown>[] = [
    {
      name: 'Thanos',
      uid: DATASOURCE_UIDS.thanos,
      type: 'prometheus',
      access: 'proxy',
      url: THANOS_QUERY_URL,
      isDefault: true,
      editable: false,
      // The seed's 15s assumed a 15s scrape; Prometheus and the agents scrape every SCRAPE_INTERVAL.
      jsonData: { timeInterval: SCRAPE_INTERVAL, prometheusType: 'Thanos' },
    },
  ];
  if (loki) {
    list.push({
      name: 'Loki',
      uid: DATASOURCE_UIDS.loki,
      type: 'loki',
      access: 'proxy',
      url: lokiInClusterUrl(),
      editable: false,
      jsonData: {
        ...(tempo
          ? {
              derivedFields: [
                {
                  name: 'TraceID',
                  datasourceUid: DATASOURCE_UIDS.tempo,
                  matcherRegex: 'traceID=(\\w+)',
                  // `$$` escapes provisioning's environment expansion: Grafana reads ${__value.raw}.
                  url: '$${__value.raw}',
                },
              ],
            }
          : {}),
      },
    });
  }
  if (tempo) {
    list.push({
      name: 'Tempo',
      uid: DATASOURCE_UIDS.tempo,
      type: 'tempo',
      access: 'proxy',
      url: tempoInClusterUrl(),
      editable: false,
      jsonData: {
        ...(loki
          ? {
              tracesToLogsV2: {
                datasourceUid: DATASOURCE_UIDS.loki,
                // Span resource attributes (OpenTelemetry Collector: k8s attributes, cluster) → Promtail's labels.
                tags: [
                  { key: 'cluster', value: 'cluster' },
                  { key: 'k8s.namespace.name', value: 'namespace' },
                  { key: 'k8s.pod.name', value: 'pod' },
                ],
                filterByTraceID: true,
                spanStartTimeShift: '-5m',
                spanEndTimeShift: '5m',
              },
            }
          : {}),
        serviceMap: { datasourceUid: DATASOURCE_UIDS.thanos },
        nodeGraph: { enabled: true },
      },
    });
  }
  return list;
}

function adminSecret(): KubeObject {
  return externalSecret({
    name: GRAFANA_ADMIN_SECRET,
    namespace: NAMESPACE,
    key: GRAFANA_VAULT_KEY,
    data: { 'admin-user': 'admin-user', 'admin-password': 'admin-password' },
  });
}

function route(ctx: RenderContext): KubeObject {
  return plain(
    HTTPRoute({
      metadata: { name: GRAFANA_FULLNAME, namespace: NAMESPACE, labels: { ...MANAGED_BY } },
      spec: {
        parentRefs: [{ name: GATEWAY_NAME, namespace: GATEWAY_NAMESPACE }],
        hostnames: [ctx.hostname('grafana')],
        rules: [{ backendRefs: [{ name: GRAFANA_FULLNAME, port: GRAFANA_SERVICE_PORT }] }],
      },
    }),
  );
}

export function renderGrafana(ctx: RenderContext): RenderedAddon {
  const host = ctx.hostname('grafana');
  const manifests: KubeObject[] = [];
  const eso = ctx.enabled('external-secrets');
  if (eso) manifests.push(adminSecret());
  if (ctx.enabled('gateway-api')) manifests.push(route(ctx));
  return {
    values: detach({
      fullnameOverride: GRAFANA_FULLNAME,
      admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: 'admin-user', passwordKey: 'admin-password' },
      resources: RESOURCES.grafana,
      service: { port: GRAFANA_SERVICE_PORT },
      // TLS ends at the Gateway; Grafana builds its links from root_url.
      'grafana.ini': { server: { domain: host, root_url: `https://${host}/` } },
      datasources: { 'datasources.yaml': { apiVersion: 1, datasources: datasources(ctx) } },
      testFramework: { enabled: false },
    }),
    manifests,
    ...(eso
      ? { vaultKv: [{ path: `${KV_PLATFORM_PREFIX}/${GRAFANA_VAULT_KEY}`, data: ADMIN_CREDENTIALS }] }
      : {
          secrets: [
            {
              namespace: NAMESPACE,
              name: GRAFANA_ADMIN_SECRET,
              data: ADMIN_CREDENTIALS,
              why: "Grafana's admin (no External Secrets on this cluster to read it from Vault)",
            },
          ],
        }),
  };
}

export const grafana: AddonDefinition = {
  name: 'grafana',
  title: 'Grafana (data sources Thanos, Loki, Tempo with uids)',
  phase: 'observability',
  namespace: NAMESPACE,
  scope: 'management',
  scopeReason: 'platform services run only on the management cluster (ADR-001)',
  defaultPlacement: 'management',
  requires: [{ addon: 'thanos', on: 'same', why: 'its default data source is Thanos Query' }],
  after: [
    { addon: 'external-secrets', on: 'same', why: 'its admin credentials arrive as an ExternalSecret' },
    { addon: 'loki', on: 'same', why: 'Loki data source' },
    { addon: 'tempo', on: 'same', why: 'Tempo data source' },
  ],
  seed: '§12.2, §10.2 4.6 (correction 24)',
  plan: { releaseSeconds: 45 },
  render: renderGrafana,
};
