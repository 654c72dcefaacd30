import { HTTPRoute } from '../../kube/kinds.js';
import type { RenderContext } from '../../render/context.js';
import { MANAGED_BY, plain } from '../../kube/objects.js';
import { RESOURCES, type ResourceSpec } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import type { KubeObject } from '../../kube/objects.js';
import { GATEWAY_LISTENERS, GATEWAY_NAME, GATEWAY_NAMESPACE } from './gateway-api.js';

/** Fixed names: `fullnameOverride` makes the dashboard Service `goldilocks-dashboard` whatever the release is called. */
export const FULLNAME = 'goldilocks';
export const DASHBOARD_SERVICE = `${FULLNAME}-dashboard`;
/** The dashboard Service's port (the chart's `dashboard.service.port`). */
export const DASHBOARD_PORT = 80;
/** A fresh copy per container, so that the values YAML carries no anchors and aliases. */
const resources = (spec: ResourceSpec) => ({ requests: { ...spec.requests }, limits: { ...spec.limits } });

function dashboardRoute(ctx: RenderContext): KubeObject {
  return plain(
    HTTPRoute({
      metadata: { name: DASHBOARD_SERVICE, namespace: goldilocks.namespace, labels: { ...MANAGED_BY } },
      spec: {
        // The cluster's own HTTPS listener (*.<cluster>.<domain>) of main-gateway (seed §7.4).
        parentRefs: [
          { name: GATEWAY_NAME, namespace: GATEWAY_NAMESPACE, sectionName: GATEWAY_LISTENERS.https },
        ],
        hostnames: [ctx.hostname('goldilocks')],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [{ name: DASHBOARD_SERVICE, port: DASHBOARD_PORT }],
          },
        ],
      },
    }),
  );
}

export const goldilocks: AddonDefinition = {
  name: 'goldilocks',
  title: 'Goldilocks',
  phase: 'scaling-ai',
  namespace: 'goldilocks',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'vpa', on: 'same', why: 'it reads VPA recommendations' }],
  after: [],
  seed: '§14.1, §10.2 5.2',
  render: (ctx: RenderContext): RenderedAddon => ({
    values: {
      fullnameOverride: FULLNAME,
      // VPA and metrics-server are add-ons of their own; the chart must not install second copies.
      vpa: { enabled: false },
      'metrics-server': { enabled: false },
      controller: {
        // A recommendation-only VPA (update mode Off) for every workload of every namespace, so
        // the dashboard shows right-sizing for the platform too; a namespace or workload opts in
        // to resizing with goldilocks.fairwinds.com/vpa-update-mode (see vpa.ts optInUpdateMode).
        flags: { 'on-by-default': 'true' },
        resources: resources(RESOURCES.small),
      },
      dashboard: {
        replicaCount: 1,
        // The cost column queries insights.fairwinds.com: a lab keeps its data at home.
        flags: { 'on-by-default': 'true', 'enable-cost': 'false' },
        resources: resources(RESOURCES.small),
        // Exposed through the typed HTTPRoute below, not the chart's own.
        httpRoute: { enabled: false },
        ingress: { enabled: false },
      },
    },
    manifests: ctx.enabled('gateway-api') ? [dashboardRoute(ctx)] : [],
  }),
};
