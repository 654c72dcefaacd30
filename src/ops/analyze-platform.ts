/**
 * The analyzers a platform engineer of this platform needs beyond k8sgpt's set: Vault sealed or
 * unreachable, ExternalSecrets and their stores not syncing, Certificates and issuers not Ready or
 * inside their renew window, autoscaling mistakes, monitors selecting nothing, metrics and logs
 * shipped to hosts that do not exist, drift against the last `up`, and Pod Security exemptions
 * about to expire. Pure: what Project observed is in the snapshot.
 */
import { notReady } from '../engine/readiness.js';
import { selectorMatches, selectorText, type LabelSelector } from '../kube/selectors.js';
import { PSA_EXEMPTION_ANNOTATIONS } from '../render/psa.js';
import {
  type Analyzer,
  condition,
  type Finding,
  named,
  type Obj,
  ref,
  type ShippingTarget,
} from './analyze-model.js';
import { readiness, renewalOverdue } from './pki.js';
import { PINNED_ADDRESS_ANNOTATION } from './verify.js';

/** Days before its expiry from which a Pod Security exemption is reported. */
export const EXEMPTION_WARNING_DAYS = 14;
/** A target utilisation at or above this leaves no headroom: the pods saturate before it scales. */
export const SATURATED_UTILISATION = 95;

const vault: Analyzer = (cluster, s) => {
  const v = s.vault;
  if (!v) return [];
  const base = { cluster, analyzer: 'Vault', object: `Vault ${v.address}`, severity: 'error' } as const;
  if (!v.answered)
    return [
      {
        ...base,
        evidence: `does not answer: ${v.error ?? 'no response'}`,
        hint: 'platformctl status shows where it should run; platformctl up starts and unseals it',
      },
    ];
  if (v.initialized === false)
    return [
      { ...base, evidence: 'sys/seal-status: initialized false', hint: 'platformctl up initialises it' },
    ];
  return v.sealed
    ? [
        {
          ...base,
          evidence:
            'sys/seal-status: sealed true: every secret read, login and certificate issued through it fails',
          hint: 'platformctl up unseals it with the saved keys (.platformctl/secrets/vault.json, 0600)',
        },
      ]
    : [];
};

/** Ready False is the controller's verdict; no Ready condition at all means no controller has looked. */
const readyFinding = (
  cluster: string,
  analyzer: string,
  kind: string,
  o: Obj,
  why: string,
  hints: { readonly failing: string; readonly unreconciled: string },
): Finding => {
  const reported = condition(o, 'Ready') !== undefined;
  return {
    cluster,
    analyzer,
    object: ref(kind, o),
    severity: reported ? 'error' : 'warning',
    evidence: why,
    hint: reported ? hints.failing : hints.unreconciled,
  };
};

const externalSecrets: Analyzer = (cluster, s) =>
  [...(s.secretStores ?? []), ...(s.externalSecrets ?? [])].flatMap((o): Finding[] => {
    const kind = o.kind ?? 'ExternalSecret';
    const why = notReady({ apiVersion: 'external-secrets.io/v1', ...o, kind });
    if (why === undefined) return [];
    const store = o.spec?.secretStoreRef as { kind?: string; name?: string } | undefined;
    return [
      readyFinding(
        cluster,
        'ExternalSecret',
        kind,
        o,
        kind === 'ExternalSecret' && store?.name
          ? `${why}; from ${store.kind ?? 'SecretStore'} ${store.name}${o.spec?.target?.name ? ` into Secret ${o.spec.target.name}` : ''}`
          : why,
        {
          failing:
            kind === 'ExternalSecret'
              ? "the provider's message says why: the path or key must exist in Vault and the store's role must allow reading it"
              : "the store cannot reach or log in to its provider: check the provider's address, CA and auth role",
          unreconciled: 'no controller has reconciled it: is external-secrets running on this cluster?',
        },
      ),
    ];
  });

const certificates: Analyzer = (cluster, s) => {
  const now = new Date(s.observedAt);
  return [
    ...(s.issuers ?? []).flatMap((issuer): Finding[] => {
      const kind = issuer.kind === 'ClusterIssuer' ? 'ClusterIssuer' : 'Issuer';
      const judged = readiness(kind, issuer);
      return judged.ready
        ? []
        : [
            readyFinding(cluster, 'Certificate', kind, issuer, judged.why, {
              failing:
                'every Certificate through it stays unissued: its condition says why (Vault sealed, a role or CA missing)',
              unreconciled: 'no controller has reconciled it: is cert-manager running on this cluster?',
            }),
          ];
    }),
    ...(s.certificates ?? []).flatMap((certificate): Finding[] => {
      const judged = readiness('Certificate', certificate);
      const notAfter = certificate.status?.notAfter as string | undefined;
      const expired = notAfter && new Date(notAfter) <= now ? `; expired ${notAfter}` : '';
      if (!judged.ready)
        return [
          readyFinding(cluster, 'Certificate', 'Certificate', certificate, `${judged.why}${expired}`, {
            failing: `kubectl describe certificate -n ${certificate.metadata.namespace} ${certificate.metadata.name} and its CertificateRequest say why`,
            unreconciled: 'no controller has reconciled it: is cert-manager running on this cluster?',
          }),
        ];
      const due = renewalOverdue(certificate.status, now);
      return due
        ? [
            {
              cluster,
              analyzer: 'Certificate',
              object: ref('Certificate', certificate),
              severity: expired ? 'error' : 'warning',
              evidence: `inside its renew window: renewal was due ${due}, not after ${notAfter ?? '?'}${expired}`,
              hint: `cert-manager has not renewed it: cmctl renew -n ${certificate.metadata.namespace} ${certificate.metadata.name}, and check its issuer`,
            },
          ]
        : [];
    }),
  ];
};

interface MetricSpec {
  readonly type?: string;
  readonly resource?: { readonly name?: string; readonly target?: { readonly averageUtilization?: number } };
  readonly containerResource?: {
    readonly name?: string;
    readonly target?: { readonly averageUtilization?: number };
  };
}

/** An HPA's metrics; autoscaling/v2 defaults to 80% CPU utilisation when it names none. */
const metricsOf = (hpa: Obj): readonly MetricSpec[] => {
  const metrics = (hpa.spec?.metrics ?? []) as MetricSpec[];
  return metrics.length > 0
    ? metrics
    : [{ type: 'Resource', resource: { name: 'cpu', target: { averageUtilization: 80 } } }];
};

/** The resources (cpu, memory) an HPA scales on. */
const scaledResources = (hpa: Obj): string[] =>
  metricsOf(hpa).flatMap((m) => {
    const name =
      m.type === 'Resource'
        ? m.resource?.name
        : m.type === 'ContainerResource'
          ? m.containerResource?.name
          : undefined;
    return name ? [name] : [];
  });

const ACTING_MODES = new Set(['Auto', 'Recreate', 'InPlaceOrRecreate']);

/** The resources a VPA sets the requests of, when its update mode acts on running pods. */
const vpaActsOn = (vpa: Obj): { mode: string; resources: string[] } | undefined => {
  const mode = (vpa.spec?.updatePolicy?.updateMode as string | undefined) ?? 'Auto';
  if (!ACTING_MODES.has(mode)) return undefined;
  const policies = (vpa.spec?.resourcePolicy?.containerPolicies ?? []) as Array<{
    mode?: string;
    controlledResources?: string[];
  }>;
  const active = policies.filter((p) => p.mode !== 'Off');
  if (policies.length > 0 && active.length === 0) return undefined;
  const resources =
    policies.length === 0
      ? ['cpu', 'memory']
      : [...new Set(active.flatMap((p) => p.controlledResources ?? ['cpu', 'memory']))];
  return { mode, resources };
};

const sameTarget = (
  a: { kind?: string; name?: string } | undefined,
  b: { kind?: string; name?: string } | undefined,
) => !!a && !!b && a.kind === b.kind && a.name === b.name;

const autoscaling: Analyzer = (cluster, s) =>
  s.hpas.flatMap((hpa): Finding[] => {
    const findings: Finding[] = [];
    const base = {
      cluster,
      analyzer: 'Autoscaling',
      object: ref('HorizontalPodAutoscaler', hpa),
    } as const;
    const min = (hpa.spec?.minReplicas as number | undefined) ?? 1;
    const max = hpa.spec?.maxReplicas as number | undefined;
    const target = hpa.spec?.scaleTargetRef as { kind?: string; name?: string } | undefined;
    const targetText = target ? `${target.kind} ${hpa.metadata.namespace}/${target.name}` : 'its target';
    if (max !== undefined && max <= min)
      findings.push({
        ...base,
        severity: 'warning',
        evidence: `maxReplicas ${max} is not above minReplicas ${min}: it can never scale`,
        hint: 'raise maxReplicas',
      });
    else if (max !== undefined) {
      const current = (hpa.status?.currentReplicas as number | undefined) ?? 0;
      const desired = (hpa.status?.desiredReplicas as number | undefined) ?? 0;
      if (Math.max(current, desired) >= max) {
        const limited = condition(hpa, 'ScalingLimited');
        findings.push({
          ...base,
          severity: 'warning',
          evidence: `at its maximum: ${current} current, ${desired} desired, maxReplicas ${max}${limited?.status === 'True' && limited.reason ? ` (ScalingLimited: ${limited.reason})` : ''}`,
          hint: "the load wants more replicas than it may add: raise maxReplicas (within the nodes' capacity) or make each pod do more",
        });
      }
    }
    for (const m of metricsOf(hpa)) {
      const metric =
        m.type === 'Resource' ? m.resource : m.type === 'ContainerResource' ? m.containerResource : undefined;
      const utilisation = metric?.target?.averageUtilization;
      if (utilisation !== undefined && utilisation >= SATURATED_UTILISATION)
        findings.push({
          ...base,
          severity: 'warning',
          evidence: `target ${metric?.name ?? '?'} utilisation ${utilisation}%: the pods saturate before it scales`,
          hint: 'aim at 60-80% of the requests, so new replicas start before the others are saturated',
        });
    }
    const scaled = scaledResources(hpa);
    for (const vpa of s.vpas ?? []) {
      if (vpa.metadata.namespace !== hpa.metadata.namespace || !sameTarget(vpa.spec?.targetRef, target))
        continue;
      const acting = vpaActsOn(vpa);
      const shared = acting ? scaled.filter((r) => acting.resources.includes(r)) : [];
      if (acting && shared.length > 0)
        findings.push({
          ...base,
          severity: 'error',
          evidence: `scales ${targetText} on ${shared.join(', ')} while ${ref('VerticalPodAutoscaler', vpa)} (updateMode ${acting.mode}) sets its ${shared.join(', ')} requests: each change moves the other's signal`,
          hint: 'set the VPA to updateMode Off (recommendations only, as Goldilocks does), or let the HPA scale on another metric',
        });
    }
    return findings;
  });

interface NamespaceSelector {
  readonly any?: boolean;
  readonly matchNames?: readonly string[];
}

/** The namespaces a ServiceMonitor or PodMonitor looks in: its own unless namespaceSelector says otherwise. */
const inNamespaces = (monitor: Obj, namespace: string | undefined): boolean => {
  const selector = (monitor.spec?.namespaceSelector ?? {}) as NamespaceSelector;
  if (selector.any) return true;
  if (selector.matchNames && selector.matchNames.length > 0)
    return selector.matchNames.includes(namespace ?? '');
  return namespace === monitor.metadata.namespace;
};

/** Where a Prometheus looks for monitors: null is its own namespace, {} every namespace. */
const inMonitorNamespaces = (
  prometheus: Obj,
  field: string,
  monitor: Obj,
  namespaces: readonly Obj[] | undefined,
): boolean => {
  const selector = prometheus.spec?.[field] as LabelSelector | null | undefined;
  if (selector === undefined || selector === null)
    return monitor.metadata.namespace === prometheus.metadata.namespace;
  const ns = named(namespaces, monitor.metadata.namespace ?? '');
  return selectorMatches(selector, ns?.metadata.labels);
};

const monitors: Analyzer = (cluster, s) => {
  const findings: Finding[] = [];
  const pairs = [
    ['ServiceMonitor', s.serviceMonitors, s.services, 'Service'] as const,
    ['PodMonitor', s.podMonitors, s.pods, 'pod'] as const,
  ];
  for (const [kind, list, targets, noun] of pairs)
    for (const monitor of list ?? []) {
      const selector = (monitor.spec?.selector ?? {}) as LabelSelector;
      const where = monitor.spec?.namespaceSelector as NamespaceSelector | undefined;
      const matched = targets.filter(
        (t) => inNamespaces(monitor, t.metadata.namespace) && selectorMatches(selector, t.metadata.labels),
      );
      if (matched.length === 0)
        findings.push({
          cluster,
          analyzer: 'Monitor',
          object: ref(kind, monitor),
          severity: 'warning',
          evidence: `selector ${selectorText(selector)} matches no ${noun} in ${where?.any ? 'any namespace' : (where?.matchNames?.join(', ') ?? monitor.metadata.namespace)}: nothing is scraped for it`,
          hint: `match the labels of the ${noun}s to scrape (kubectl get ${noun === 'pod' ? 'pods' : 'services'} -A --show-labels), or remove it`,
        });
    }
  for (const prometheus of s.prometheuses ?? []) {
    const kind = prometheus.kind ?? 'Prometheus';
    for (const [field, namespaceField, list, what] of [
      ['serviceMonitorSelector', 'serviceMonitorNamespaceSelector', s.serviceMonitors, 'ServiceMonitor'],
      ['podMonitorSelector', 'podMonitorNamespaceSelector', s.podMonitors, 'PodMonitor'],
    ] as const) {
      const selector = prometheus.spec?.[field] as LabelSelector | null | undefined;
      // No selector selects none on purpose (scrape configs only); {} selects every one; with no
      // monitor at all there is nothing it could have selected.
      if (selector === undefined || selector === null || !list || list.length === 0) continue;
      const matched = list.filter(
        (m) =>
          inMonitorNamespaces(prometheus, namespaceField, m, s.namespaces) &&
          selectorMatches(selector, m.metadata.labels),
      );
      if (matched.length === 0)
        findings.push({
          cluster,
          analyzer: 'Monitor',
          object: ref(kind, prometheus),
          severity: 'warning',
          evidence: `${field} ${selectorText(selector)} matches none of ${list.length} ${what}(s)`,
          hint: `label the ${what}s it should scrape, or widen ${field}`,
        });
    }
  }
  return findings;
};

const holdsAddress = (service: Obj, address: string) =>
  (service.metadata.annotations?.[PINNED_ADDRESS_ANNOTATION] ?? '')
    .split(',')
    .map((a) => a.trim())
    .includes(address) ||
  ((service.status?.loadBalancer?.ingress ?? []) as Array<{ ip?: string }>).some((i) => i.ip === address);

/**
 * What is wrong with one shipping target, or undefined when its host names something that exists
 * (or what it names was not observed). Shared by the Shipping analyzer and `verify`'s
 * cross-cluster endpoint checks: one judgement, two reports.
 */
export function shippingProblem(
  cluster: string,
  target: ShippingTarget,
  localServices: readonly Obj[] | undefined,
): { readonly evidence: string; readonly hint: string } | undefined {
  const names = target.names;
  switch (names.kind) {
    case 'pinned': {
      if (!names.services) return undefined;
      const holder = names.services.find(
        (svc) => svc.spec?.type === 'LoadBalancer' && holdsAddress(svc, names.pinned),
      );
      return holder
        ? undefined
        : {
            evidence: `${target.host} is the pinned address of ${names.service} on ${names.cluster} (${names.pinned}), but no LoadBalancer Service there holds it`,
            hint: `install ${names.service} on ${names.cluster} (platformctl up), or ship elsewhere`,
          };
    }
    case 'in-cluster':
      return named(localServices, names.name, names.namespace)
        ? undefined
        : {
            evidence: `Service ${names.namespace}/${names.name} (${target.host}) does not exist on ${cluster}`,
            hint: 'install the receiving add-on on this cluster, or point the configuration at the Service that exists',
          };
    case 'dns':
      return names.resolved
        ? undefined
        : {
            evidence: `${target.host} does not resolve${names.error ? ` (${names.error})` : ''}`,
            hint: 'correct the host name, or add its DNS record',
          };
    default:
      return undefined;
  }
}

const shipping: Analyzer = (cluster, s) =>
  (s.shipping ?? []).flatMap((target): Finding[] => {
    const problem = shippingProblem(cluster, target, s.services);
    return problem
      ? [
          {
            cluster,
            analyzer: 'Shipping',
            object: `${target.source} ${target.url}`,
            severity: 'error',
            ...problem,
          },
        ]
      : [];
  });

const drift: Analyzer = (cluster, s) =>
  (s.steps ?? []).flatMap((step): Finding[] => {
    const base = { cluster, analyzer: 'Drift', object: `Step ${step.id}` } as const;
    switch (step.state) {
      case 'drifted':
        return [
          {
            ...base,
            severity: 'warning',
            evidence: `drifted from the last up: ${step.drift ?? 'the live check differs'}`,
            hint: 'platformctl up puts it back; if the change was wanted, put it in the spec first',
          },
        ];
      case 'failed':
        return [
          {
            ...base,
            severity: 'error',
            evidence: `failed in the last up: ${step.error ?? 'see its log'}`,
            hint: 'platformctl status shows its log; platformctl up retries it',
          },
        ];
      case 'changed':
        return [
          {
            ...base,
            severity: 'warning',
            evidence: 'the spec changed since the last up: what runs is not what the spec says',
            hint: 'platformctl plan shows the change; platformctl up applies it',
          },
        ];
      default:
        return [];
    }
  });

const DAY_MS = 86_400_000;

const podSecurityExemptions: Analyzer = (cluster, s) => {
  const today = s.observedAt.slice(0, 10);
  return (s.namespaces ?? []).flatMap((ns): Finding[] => {
    const expires = ns.metadata.annotations?.[PSA_EXEMPTION_ANNOTATIONS.expires];
    if (!expires || !/^\d{4}-\d{2}-\d{2}$/.test(expires)) return [];
    // Valid through its expiry day, as the spec's rule judges it.
    const days = Math.round((Date.parse(`${expires}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS);
    if (days > EXEMPTION_WARNING_DAYS) return [];
    const level = ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] ?? '?';
    const reason = ns.metadata.annotations?.[PSA_EXEMPTION_ANNOTATIONS.reason];
    const approvedBy = ns.metadata.annotations?.[PSA_EXEMPTION_ANNOTATIONS.approvedBy];
    const recorded = `enforce ${level}${reason ? `, "${reason}"` : ''}${approvedBy ? `, approved by ${approvedBy}` : ''}`;
    return [
      {
        cluster,
        analyzer: 'PodSecurityExemption',
        object: ref('Namespace', ns),
        severity: days < 0 ? 'error' : 'warning',
        evidence:
          days < 0
            ? `Pod Security exemption expired on ${expires} (${recorded})`
            : `Pod Security exemption expires ${days === 0 ? 'today' : `in ${days} day(s)`}, on ${expires} (${recorded})`,
        hint: 'review it: renew spec.podSecurity.exemptions[].expires with a fresh approval and run up, or remove it',
      },
    ];
  });
};

/** The platform's own analyzers, by the name `--filter` takes. */
export const PLATFORM_ANALYZERS: Readonly<Record<string, Analyzer>> = {
  Vault: vault,
  ExternalSecret: externalSecrets,
  Certificate: certificates,
  Autoscaling: autoscaling,
  Monitor: monitors,
  Shipping: shipping,
  Drift: drift,
  PodSecurityExemption: podSecurityExemptions,
};
