/**
 * The cross-cluster endpoints a workload cluster depends on (correction 8): Vault (its secret
 * stores and Vault issuers), Thanos Receive (Prometheus remote-write), Loki (promtail) and OTLP
 * (the OpenTelemetry collector's exporters), each configured to an address that exists: a
 * pinned address (its loopback twin on kwok) that a LoadBalancer Service of the cluster it
 * belongs to holds. The shipping targets are the ones `analyze` reads (analyze-shipping.ts) and
 * judged by the same function (shippingProblem); Vault's are read here from the live stores and
 * issuers. Pure: Project observes.
 */
import { ESO_API_VERSION } from '../addons/catalog/external-secrets.js';
import type { AddonName } from '../addons/names.js';
import type { KubeClient } from '../clients/kube.js';
import { shippingProblem } from './analyze-platform.js';
import type { Obj, ShippingTarget } from './analyze-model.js';
import { hostOf, type ShippingSource } from './analyze-shipping.js';
import type { VerifyCheck } from './verify.js';

export type EndpointTarget = 'vault' | 'thanos-receive' | 'loki' | 'otlp';

/** Which dependency each source is, by the source names of analyze-shipping.ts and vaultSources. */
const TARGET_OF_SOURCE: ReadonlyArray<readonly [RegExp, EndpointTarget]> = [
  [/^prometheus remote-write$/, 'thanos-receive'],
  [/^promtail client$/, 'loki'],
  [/^otel-collector exporter$/, 'otlp'],
  [/^(ClusterSecretStore|SecretStore|ClusterIssuer|Issuer) /, 'vault'],
];

/** The add-ons whose configuration names each dependency (what makes a missing one worth a line). */
export const TARGET_ADDONS: Readonly<Record<EndpointTarget, readonly AddonName[]>> = {
  vault: ['external-secrets', 'cert-manager'],
  'thanos-receive': ['prometheus'],
  loki: ['promtail'],
  otlp: ['otel-collector'],
};

export function endpointTargetOf(source: string): EndpointTarget | undefined {
  return TARGET_OF_SOURCE.find(([pattern]) => pattern.test(source))?.[1];
}

/** Where the live secret stores and Vault issuers of a cluster point (`spec.provider.vault.server`, `spec.vault.server`). */
export function vaultSources(objects: readonly Obj[]): ShippingSource[] {
  return objects.flatMap((o) => {
    const server: unknown =
      o.kind === 'ClusterSecretStore' || o.kind === 'SecretStore'
        ? o.spec?.provider?.vault?.server
        : o.kind === 'ClusterIssuer' || o.kind === 'Issuer'
          ? o.spec?.vault?.server
          : undefined;
    if (typeof server !== 'string') return [];
    const host = hostOf(server);
    const name = `${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
    return host ? [{ source: `${o.kind} ${name}`, url: server, host }] : [];
  });
}

/**
 * `endpoints.<cluster>.<target>`: pass when every configured address of that dependency exists;
 * fail when one names nothing, or names a pinned address of a cluster that was not observed;
 * warn for an address outside the platform (nothing says whether it exists); skipped when an add-on that would name it is enabled but configures nothing yet.
 */
export function endpointChecks(
  cluster: string,
  targets: readonly ShippingTarget[],
  localServices: readonly Obj[] | undefined,
  enabled: readonly AddonName[],
): VerifyCheck[] {
  const byTarget = new Map<EndpointTarget, ShippingTarget[]>();
  for (const target of targets) {
    const name = endpointTargetOf(target.source);
    if (name) byTarget.set(name, [...(byTarget.get(name) ?? []), target]);
  }
  return (Object.keys(TARGET_ADDONS) as EndpointTarget[]).flatMap((name): VerifyCheck[] => {
    const id = `endpoints.${cluster}.${name}`;
    const configured = byTarget.get(name) ?? [];
    if (configured.length === 0) {
      const addons = TARGET_ADDONS[name].filter((a) => enabled.includes(a));
      return addons.length === 0
        ? []
        : [{ id, status: 'skipped', evidence: `${addons.join(', ')}: nothing installed names it yet` }];
    }
    const problems: string[] = [];
    const unknown: string[] = [];
    const fine: string[] = [];
    for (const target of configured) {
      const names = target.names;
      if (names.kind === 'pinned' && !names.services) {
        problems.push(
          `${target.source} ${target.url}: ${names.cluster} does not serve, so its ${names.service} Service (${names.pinned}) cannot be seen`,
        );
        continue;
      }
      const problem = shippingProblem(cluster, target, localServices);
      if (problem) problems.push(`${target.source}: ${problem.evidence}`);
      else if (names.kind === 'address')
        unknown.push(`${target.source} ${target.url}: not an address of this platform, not checked`);
      else
        fine.push(
          `${target.source} → ${target.host}${
            names.kind === 'pinned'
              ? ` (${names.cluster} ${names.service}${names.pinned !== target.host ? `, pinned ${names.pinned}` : ''})`
              : names.kind === 'in-cluster'
                ? ` (Service ${names.namespace}/${names.name})`
                : ' (resolves)'
          }`,
        );
    }
    return [
      problems.length > 0
        ? { id, status: 'fail', evidence: [...problems, ...unknown].join('; ') }
        : unknown.length > 0
          ? { id, status: 'warn', evidence: [...unknown, ...fine].join('; ') }
          : { id, status: 'pass', evidence: fine.join('; ') },
    ];
  });
}

/** The live secret stores and Vault issuers of a cluster (none where their CRDs are not served). */
export async function observeVaultClients(client: Pick<KubeClient, 'list'>): Promise<Obj[]> {
  const kinds = [
    [ESO_API_VERSION, 'ClusterSecretStore'],
    [ESO_API_VERSION, 'SecretStore'],
    ['cert-manager.io/v1', 'ClusterIssuer'],
    ['cert-manager.io/v1', 'Issuer'],
  ] as const;
  const lists = await Promise.all(
    kinds.map(([apiVersion, kind]) =>
      client.list<Obj>(apiVersion, kind).then(
        (items) => items.map((o) => ({ ...o, kind })),
        () => [] as Obj[],
      ),
    ),
  );
  return lists.flat();
}
