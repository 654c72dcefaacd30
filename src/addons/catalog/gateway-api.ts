/**
 * Gateway API (seed §7.4, corrections 3 and 19): the upstream CRD bundle, applied by the engine
 * before Cilium, then the GatewayClass `cilium` and each cluster's `main-gateway`.
 */

import { Gateway, GatewayClass } from '../../kube/kinds.js';
import type { RenderContext } from '../../render/context.js';
import { MANAGED_BY, pinnedAddress, plain } from '../../kube/objects.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import type { KubeObject } from '../../kube/objects.js';

/**
 * The Gateway API CRDs, standard channel. Cilium 1.20 implements Gateway API v1.6 (cilium/cilium
 * PR 46827, merged before v1.20.0-rc.0) and reads TLSRoute and ReferenceGrant as v1, which
 * bundles before v1.5 do not serve. v1.6.1 changes only conformance tests against v1.6.0.
 * Apply with `kubectl apply --server-side` (the CRDs are too large for client-side apply).
 */
export const GATEWAY_API_CRDS = {
  version: 'v1.6.1',
  url: 'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml',
} as const;

export const GATEWAY_CLASS = 'cilium';
export const GATEWAY_CONTROLLER = 'io.cilium/gateway-controller';
export const GATEWAY_NAME = 'main-gateway';
export const GATEWAY_NAMESPACE = 'gateway-system';
/** The wildcard certificate's Secret, issued per cluster into the Gateway's namespace (correction 19). */
export const GATEWAY_TLS_SECRET = 'wildcard-tls';

/**
 * Listener names, for routes that attach to one (parentRefs[].sectionName): the cluster's own
 * `*.<cluster>.<domain>` pair keeps the seed's names; `*.<domain>` (management cluster only) the others.
 */
export const GATEWAY_LISTENERS = {
  http: 'http',
  https: 'https',
  domainHttp: 'http-domain',
  domainHttps: 'https-domain',
} as const;

/** The names the Gateway serves: `*.<cluster>.<domain>`, and on the management cluster also `*.<domain>`. */
export function gatewayHostnames(ctx: RenderContext): string[] {
  const { domain } = ctx.platform.network;
  const names = [`*.${ctx.cluster.name}.${domain}`];
  if (ctx.cluster.name === ctx.management.name) names.push(`*.${domain}`);
  return names;
}

function listeners(ctx: RenderContext) {
  const allowedRoutes = { namespaces: { from: 'All' as const } };
  return gatewayHostnames(ctx).flatMap((hostname, index) => {
    // A listener has one hostname: one HTTP/HTTPS pair per name.
    const own = index === 0;
    return [
      {
        name: own ? GATEWAY_LISTENERS.http : GATEWAY_LISTENERS.domainHttp,
        hostname,
        port: 80,
        protocol: 'HTTP',
        allowedRoutes,
      },
      {
        name: own ? GATEWAY_LISTENERS.https : GATEWAY_LISTENERS.domainHttps,
        hostname,
        port: 443,
        protocol: 'HTTPS',
        tls: {
          mode: 'Terminate' as const,
          certificateRefs: [{ kind: 'Secret', name: GATEWAY_TLS_SECRET, namespace: GATEWAY_NAMESPACE }],
        },
        allowedRoutes,
      },
    ];
  });
}

export function renderGatewayApi(ctx: RenderContext): RenderedAddon {
  const address = ctx.cluster.addresses.services.gateway;
  const gatewayClass = GatewayClass({
    metadata: { name: GATEWAY_CLASS, labels: { ...MANAGED_BY } },
    spec: { controllerName: GATEWAY_CONTROLLER, description: 'Cilium Gateway API controller' },
  });
  const gateway = Gateway({
    metadata: { name: GATEWAY_NAME, namespace: GATEWAY_NAMESPACE, labels: { ...MANAGED_BY } },
    spec: {
      gatewayClassName: GATEWAY_CLASS,
      // Cilium copies these to the LoadBalancer Service it creates (cilium-gateway-main-gateway),
      // so MetalLB gives it the pinned address. `spec.addresses` would only reach Cilium's own
      // LB-IPAM, which is off (MetalLB serves LoadBalancers, correction 6).
      ...(address ? { infrastructure: { annotations: pinnedAddress(address) } } : {}),
      listeners: listeners(ctx),
    },
  });
  const manifests: KubeObject[] = [plain(gatewayClass), plain(gateway)];
  return { manifests };
}

export const gatewayApi: AddonDefinition = {
  name: 'gateway-api',
  title: 'Gateway API (CRDs, GatewayClass cilium, main-gateway)',
  phase: 'infrastructure',
  namespace: 'gateway-system',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [],
  after: [],
  seed: '§7.4, §10.2 1.6; installed before Cilium (correction 3)',
  render: renderGatewayApi,
  plan: {
    // The CRDs need no CNI (Cilium waits for them); the Gateway waits for Cilium explicitly.
    needsCni: false,
    steps: [
      {
        name: 'crds',
        kind: 'bundle',
        description: 'apply the Gateway API CRDs',
        seconds: 5,
        bundle: { name: 'gateway-api', ...GATEWAY_API_CRDS },
      },
      {
        name: 'manifests',
        kind: 'manifests',
        seconds: 10,
        // The Gateway needs Cilium's controller, MetalLB's address and its wildcard certificate (PKI phase 2).
        after: [
          { addon: 'cilium', on: 'same', why: 'Cilium is the Gateway controller' },
          { addon: 'metallb', on: 'same', why: 'the Gateway is a LoadBalancer Service' },
          {
            addon: 'cert-manager',
            on: 'same',
            step: 'manifests',
            why: 'its listeners serve the wildcard certificate',
          },
        ],
      },
    ],
  },
};
