/**
 * The add-on catalog: the data that validation reads now, and the renderer and planner later.
 */
import { certManager } from './catalog/cert-manager.js';
import { cilium } from './catalog/cilium.js';
import { externalSecrets } from './catalog/external-secrets.js';
import { falco } from './catalog/falco.js';
import { gatewayApi } from './catalog/gateway-api.js';
import { goldilocks } from './catalog/goldilocks.js';
import { grafana } from './catalog/grafana.js';
import { istio } from './catalog/istio.js';
import { k8sgpt } from './catalog/k8sgpt.js';
import { keda } from './catalog/keda.js';
import { keycloak } from './catalog/keycloak.js';
import { kyverno } from './catalog/kyverno.js';
import { localPath } from './catalog/local-path.js';
import { loki } from './catalog/loki.js';
import { metallb } from './catalog/metallb.js';
import { metricsServer } from './catalog/metrics-server.js';
import { minio } from './catalog/minio.js';
import { otelCollector } from './catalog/otel-collector.js';
import { prometheus } from './catalog/prometheus.js';
import { promtail } from './catalog/promtail.js';
import { robusta } from './catalog/robusta.js';
import { tempo } from './catalog/tempo.js';
import { thanos } from './catalog/thanos.js';
import { trivyOperator } from './catalog/trivy-operator.js';
import { vault } from './catalog/vault.js';
import { velero } from './catalog/velero.js';
import { vpa } from './catalog/vpa.js';
import { ADDON_NAMES, type AddonName } from './names.js';
import type { AddonDefinition } from './definition.js';
import type { Catalog, CatalogEntry } from './types.js';

export const ADDON_CATALOG: Readonly<Record<AddonName, AddonDefinition>> = {
  'gateway-api': gatewayApi,
  cilium,
  'metrics-server': metricsServer,
  'local-path': localPath,
  metallb,
  minio,
  'cert-manager': certManager,
  vault,
  'external-secrets': externalSecrets,
  keycloak,
  prometheus,
  thanos,
  loki,
  promtail,
  tempo,
  grafana,
  'otel-collector': otelCollector,
  vpa,
  goldilocks,
  keda,
  k8sgpt,
  robusta,
  velero,
  'trivy-operator': trivyOperator,
  kyverno,
  falco,
  istio,
};

/** The catalog in its canonical order. */
export function catalogEntries(): AddonDefinition[] {
  return ADDON_NAMES.map((name) => ADDON_CATALOG[name]);
}

/** The facts of every add-on, for the spec layer: what validation and defaults read. */
export const CATALOG: Catalog = Object.fromEntries(
  ADDON_NAMES.map((name): [AddonName, CatalogEntry] => {
    const { render, ...facts } = ADDON_CATALOG[name];
    return [name, { ...facts, available: render !== undefined }];
  }),
) as unknown as Catalog;

export { placementIncludes, requirementsFor, scopeAllows } from './types.js';
