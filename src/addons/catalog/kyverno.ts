import { ClusterPolicy } from '../../kube/kinds.js';
import type { IClusterPolicy } from '@kubernetes-models/kyverno/kyverno.io/v1';
import type { RenderContext } from '../../render/context.js';
import { MANAGED_BY, plain } from '../../kube/objects.js';
import { RESOURCES, type ResourceSpec } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import type { KubeObject } from '../../kube/objects.js';
import { GATEWAY_NAMESPACE } from './gateway-api.js';

/** The Kyverno release of the pinned chart (its appVersion; the tests check they agree). */
export const KYVERNO_VERSION = 'v1.19.0';

type Rule = NonNullable<IClusterPolicy['spec']['rules']>[number];
/**
 * Kyverno 1.19 prefers the per-rule `validate.failureAction` (the CRD of v1.19.0 marks
 * `spec.validationFailureAction` deprecated); @kubernetes-models/kyverno 0.3.4 predates that
 * field, so it is added here, exactly as the v1.19.0 CRD defines it (enum Audit | Enforce).
 */
type Validate = NonNullable<Rule['validate']> & { failureAction: 'Audit' | 'Enforce' };

/** Namespaces every cluster has before any add-on: never subject to the platform policies. */
const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

/**
 * Namespaces the policies never apply to: the system namespaces and the namespace of every
 * add-on enabled on this cluster (from the catalog), so that platform pods, which pull from
 * upstream registries and some of which must run privileged or as root, are not blocked when
 * they restart (seed correction 14). Application namespaces stay covered.
 */
export function platformNamespaces(ctx: RenderContext): string[] {
  const names = new Set(SYSTEM_NAMESPACES);
  for (const addon of ctx.cluster.addons) names.add(ctx.platform.addonNamespaces[addon]);
  if (ctx.enabled('gateway-api')) names.add(GATEWAY_NAMESPACE);
  return [...names].sort();
}

/**
 * The one trusted-registry list (correction 14: §13.2 and §19.2 disagree). Harbor, when the
 * spec enables it, plus the two entries both lists justify: distroless base images (in both,
 * §19.2 narrows §13.2's `gcr.io/*` to them) and Docker Official Images (§13.2), which the
 * nodes pull through Harbor's Docker Hub proxy cache when Harbor runs. Platform namespaces are
 * excluded instead of listing every upstream registry the platform charts pull from.
 */
export function trustedRegistries(ctx: RenderContext): string[] {
  const harbor = ctx.platform.externalServices.harbor?.enabled === true;
  return [
    ...(harbor ? [`harbor.${ctx.platform.network.domain}/*`] : []),
    'gcr.io/distroless/*',
    'docker.io/library/*',
  ];
}

function validate(message: string, rule: Omit<Validate, 'failureAction' | 'message'>): Validate {
  return { failureAction: 'Enforce', message, ...rule };
}

function podRule(name: string, excluded: readonly string[], check: Validate): Rule {
  return {
    name,
    match: { any: [{ resources: { kinds: ['Pod'] } }] },
    exclude: { any: [{ resources: { namespaces: [...excluded] } }] },
    validate: check,
  };
}

function policy(name: string, title: string, seed: string, rules: Rule[]): KubeObject {
  return plain(
    ClusterPolicy({
      metadata: {
        name,
        labels: { ...MANAGED_BY },
        annotations: {
          'policies.kyverno.io/title': title,
          'policies.kyverno.io/subject': 'Pod',
          'platformctl.dev/seed': seed,
        },
      },
      spec: { background: true, rules },
    }),
  );
}

/** The same check for containers, initContainers and (where Kubernetes allows the field) ephemeralContainers. */
function everyContainer(check: Record<string, unknown>, ephemeral = true): Record<string, unknown> {
  return {
    containers: [check],
    '=(initContainers)': [check],
    ...(ephemeral ? { '=(ephemeralContainers)': [check] } : {}),
  };
}

export function policies(ctx: RenderContext): KubeObject[] {
  const excluded = platformNamespaces(ctx);
  const registries = trustedRegistries(ctx);
  const limits = { resources: { limits: { memory: '?*', cpu: '?*' } } };
  const notPrivileged = { '=(securityContext)': { '=(privileged)': 'false' } };
  const nonRootContainer = { '=(securityContext)': { '=(runAsNonRoot)': true } };
  const nonRootContainerRequired = { securityContext: { runAsNonRoot: true } };
  const nonZeroUser = { '=(securityContext)': { '=(runAsUser)': '>0' } };
  return [
    policy('require-resource-limits', 'Require CPU and memory limits', '§13.2, §19.2 (correction 14)', [
      podRule(
        'check-container-resources',
        excluded,
        validate('CPU and memory limits are required on every container and init container.', {
          // Ephemeral containers may not set resources at all, so they are not checked.
          pattern: { spec: everyContainer(limits, false) },
        }),
      ),
    ]),
    policy('restrict-image-registries', 'Restrict image registries', '§13.2, §19.2 (correction 14)', [
      podRule(
        'validate-registries',
        excluded,
        validate(`Images must come from a trusted registry: ${registries.join(', ')}.`, {
          pattern: { spec: everyContainer({ image: registries.join(' | ') }) },
        }),
      ),
    ]),
    policy('disallow-privileged', 'Disallow privileged containers', '§13.2 (correction 14)', [
      podRule(
        'check-privileged',
        excluded,
        validate('Privileged containers are not allowed.', {
          // Conditional anchors: a container that omits privileged (false by default) passes.
          pattern: { spec: everyContainer(notPrivileged) },
        }),
      ),
    ]),
    policy('disallow-root-user', 'Disallow running as root', '§19.2 (correction 14)', [
      podRule(
        'validate-runAsNonRoot',
        excluded,
        validate(
          'Running as root is not allowed: set runAsNonRoot: true for the pod, or for every container, init container and ephemeral container.',
          {
            anyPattern: [
              { spec: { securityContext: { runAsNonRoot: true }, ...everyContainer(nonRootContainer) } },
              { spec: everyContainer(nonRootContainerRequired) },
            ],
          },
        ),
      ),
      podRule(
        'validate-runAsUser',
        excluded,
        validate('runAsUser must be unset or greater than 0 for the pod and every container.', {
          pattern: {
            spec: { '=(securityContext)': { '=(runAsUser)': '>0' }, ...everyContainer(nonZeroUser) },
          },
        }),
      ),
    ]),
  ];
}

/** A fresh copy per container, so that the values YAML carries no anchors and aliases. */
const resources = (spec: ResourceSpec) => ({ requests: { ...spec.requests }, limits: { ...spec.limits } });

export const kyverno: AddonDefinition = {
  name: 'kyverno',
  title: 'Kyverno with the platform policies',
  phase: 'backup-security',
  namespace: 'kyverno',
  scope: 'workload',
  scopeReason: 'Kyverno is never installed on the management cluster (ADR-003)',
  defaultPlacement: 'workload',
  requires: [],
  after: [],
  seed: '§13.2, §19.2 sec, §10.2 6.3 (correction 14)',
  plan: { releaseSeconds: 60 },
  render: (ctx: RenderContext): RenderedAddon => {
    const small = () => resources(RESOURCES.small);
    return {
      values: {
        admissionController: {
          container: { resources: resources(RESOURCES.kyverno) },
          initContainer: { resources: small() },
        },
        backgroundController: { resources: small() },
        cleanupController: { resources: small() },
        reportsController: { resources: small() },
        webhooksCleanup: { resources: small() },
        // The chart's test pod would run readiness-checker:latest (its `test.image.tag` defaults to
        // latest): pinned to the release the chart ships, as its other readiness-checker uses.
        test: { resources: small(), image: { tag: KYVERNO_VERSION } },
        crds: { migration: { podResources: small() } },
      },
      manifests: policies(ctx),
    };
  },
};
