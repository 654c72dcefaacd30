/**
 * `down` on clusters platformctl does not own (provider existing): it removes what it installed
 * and nothing else. `installedOn` lists it from the state, the plan and the rendered tree (pure);
 * `removeInstalled` removes it, cluster by cluster, workload clusters first:
 *   1. the objects its manifests steps applied, newest first;
 *   2. its Helm releases, newest first (their volumes and the Secrets they read go with them);
 *   3. the objects of its bundles (CRDs) and its generated Secrets;
 *   4. its namespaces, once nothing else is left in them.
 * An object someone else also manages (another field manager on it) is left alone and reported.
 */
import { ADDON_CATALOG } from '../addons/catalog.js';
import { FIELD_MANAGER, type KubeClient } from '../clients/kube.js';
import type { HelmClient } from '../clients/helm.js';
import type { PlatformState } from '../engine/state.js';
import { type KubeObject, parseObjects } from '../kube/objects.js';
import type { SecretDemands } from '../kube/generated-secrets.js';
import type { Plan, PlanStep } from '../plan/plan.js';
import type { Platform } from '../spec/model.js';

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface ClusterRemoval {
  readonly cluster: string;
  /** Objects of manifests steps, newest step first. */
  readonly objects: readonly ObjectRef[];
  readonly releases: ReadonlyArray<{ readonly addon: string; readonly namespace: string }>;
  /** Objects of bundle steps (CRDs) and generated Secrets: after the releases that use them. */
  readonly late: readonly ObjectRef[];
  /** Bundles whose objects are read when removing (name, version). */
  readonly bundles: readonly NonNullable<PlanStep['bundle']>[];
  readonly namespaces: readonly string[];
  /** The recorded steps, forgotten once removed. */
  readonly steps: readonly string[];
}

const refOf = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
});

export const describeRef = (r: ObjectRef) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

/** What platformctl installed on each cluster, workload clusters first. Pure. */
export function installedOn(
  platform: Platform,
  plan: Plan,
  state: PlatformState,
  contents: ReadonlyMap<string, string>,
): ClusterRemoval[] {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const order = [...platform.clusters].sort(
    (a, b) => Number(a.role === 'management') - Number(b.role === 'management'),
  );
  return order.flatMap((cluster): ClusterRemoval[] => {
    // Newest first: the reverse of the plan's (topological) order.
    const recorded = plan.steps
      .filter((s) => s.cluster === cluster.name && state.steps[s.id] !== undefined)
      .reverse();
    if (recorded.length === 0) return [];
    const objects: ObjectRef[] = [];
    const late: ObjectRef[] = [];
    const namespaces: string[] = [];
    const releases: Array<{ addon: string; namespace: string }> = [];
    const bundles: NonNullable<PlanStep['bundle']>[] = [];
    for (const step of recorded) {
      if (step.kind === 'helm' && step.addon)
        releases.push({ addon: step.addon, namespace: ADDON_CATALOG[step.addon].namespace });
      else if (step.kind === 'bundle' && step.bundle) bundles.push(step.bundle);
      else if (step.kind === 'secrets')
        for (const path of step.artifacts) {
          const text = contents.get(path);
          for (const secret of text ? (JSON.parse(text) as SecretDemands).secrets : [])
            late.push({ apiVersion: 'v1', kind: 'Secret', name: secret.name, namespace: secret.namespace });
        }
      else if (step.kind === 'manifests' || step.kind === 'pki-handover')
        for (const object of step.artifacts.flatMap((path) => parseObjects(contents.get(path))))
          if (object.kind === 'Namespace') namespaces.push(object.metadata.name);
          else objects.push(refOf(object));
    }
    return [
      {
        cluster: cluster.name,
        objects,
        releases,
        late,
        bundles,
        namespaces,
        steps: [...Object.keys(state.steps)].filter(
          (id) => id.startsWith(`${cluster.name}/`) && byId.has(id),
        ),
      },
    ];
  });
}

interface ManagedFields {
  readonly metadata: {
    readonly managedFields?: ReadonlyArray<{ readonly manager?: string; readonly subresource?: string }>;
  };
}

/** Field managers other than platformctl on the object itself (status writers do not count). */
export function otherManagers(object: ManagedFields): string[] {
  return [
    ...new Set(
      (object.metadata.managedFields ?? [])
        .filter((f) => !f.subresource && f.manager && f.manager !== FIELD_MANAGER)
        .map((f) => f.manager!),
    ),
  ];
}

export interface RemovalReport {
  readonly cluster: string;
  readonly removed: readonly string[];
  /** Left alone, and why (someone else manages it, the namespace holds other things). */
  readonly kept: readonly string[];
  readonly failed: readonly string[];
}

/** What a namespace holds besides what Kubernetes puts in every one. */
async function othersIn(client: KubeClient, namespace: string): Promise<string[]> {
  const kinds: ReadonlyArray<readonly [string, string, (o: KubeObject) => boolean]> = [
    ['v1', 'Pod', () => true],
    ['v1', 'Service', () => true],
    ['v1', 'PersistentVolumeClaim', () => true],
    ['v1', 'ConfigMap', (o) => o.metadata.name !== 'kube-root-ca.crt'],
    ['v1', 'Secret', (o) => (o as { type?: string }).type !== 'kubernetes.io/service-account-token'],
    ['v1', 'ServiceAccount', (o) => o.metadata.name !== 'default'],
    ['apps/v1', 'Deployment', () => true],
    ['apps/v1', 'StatefulSet', () => true],
    ['apps/v1', 'DaemonSet', () => true],
    ['batch/v1', 'Job', () => true],
  ];
  const found = await Promise.all(
    kinds.map(async ([apiVersion, kind, counts]) =>
      (await client.list(apiVersion, kind, namespace))
        .filter(counts)
        .map((o) => `${kind} ${o.metadata.name}`),
    ),
  );
  return found.flat();
}

export interface RemovalTools {
  readonly kube: KubeClient;
  readonly helm: HelmClient;
  /** The objects of a bundle (from the chart mirror or its URL). */
  readonly bundleObjects: (bundle: NonNullable<PlanStep['bundle']>) => Promise<KubeObject[]>;
  readonly log: (message: string) => void;
  readonly signal?: AbortSignal;
}

/** Removes what `installedOn` listed for one cluster; never throws for one object. */
export async function removeInstalled(removal: ClusterRemoval, tools: RemovalTools): Promise<RemovalReport> {
  const removed: string[] = [];
  const kept: string[] = [];
  const failed: string[] = [];
  const { kube } = tools;
  const deleteRef = async (ref: ObjectRef) => {
    const label = describeRef(ref);
    try {
      const path = await kube
        .pathFor(ref.apiVersion, ref.kind, ref.namespace, ref.name)
        .catch(() => undefined);
      // Its API is gone (a CRD removed before it): so is the object.
      if (!path) return;
      const live = await kube.getOptional<ManagedFields>(path);
      if (!live) return;
      const others = otherManagers(live);
      if (others.length > 0) {
        kept.push(`${label} (also managed by ${others.join(', ')})`);
        return;
      }
      await kube.delete(ref.apiVersion, ref.kind, ref.name, ref.namespace);
      removed.push(label);
      tools.log(`deleted ${label}`);
    } catch (error) {
      failed.push(`${label}: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  for (const ref of removal.objects) await deleteRef(ref);
  for (const release of removal.releases) {
    try {
      tools.log(`helm uninstall ${release.addon} -n ${release.namespace}`);
      // --wait: its pods gone before the namespace is looked at.
      const was = await tools.helm.uninstall(release.addon, release.namespace, {
        wait: true,
        timeoutMs: 5 * 60_000,
        ...(tools.signal ? { signal: tools.signal } : {}),
      });
      if (was) removed.push(`release ${release.namespace}/${release.addon}`);
    } catch (error) {
      failed.push(
        `release ${release.namespace}/${release.addon}: ${(error as Error).message.split('\n')[0]}`,
      );
    }
  }
  for (const ref of removal.late) await deleteRef(ref);
  for (const bundle of removal.bundles) {
    try {
      for (const object of await tools.bundleObjects(bundle)) await deleteRef(refOf(object));
    } catch (error) {
      failed.push(`bundle ${bundle.name} ${bundle.version}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  for (const namespace of removal.namespaces) {
    const ref = { apiVersion: 'v1', kind: 'Namespace', name: namespace };
    try {
      const others = await othersIn(kube, namespace);
      if (others.length > 0) {
        kept.push(
          `Namespace ${namespace} (holds ${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''})`,
        );
        continue;
      }
    } catch (error) {
      failed.push(`Namespace ${namespace}: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    await deleteRef(ref);
  }
  return { cluster: removal.cluster, removed, kept, failed };
}
