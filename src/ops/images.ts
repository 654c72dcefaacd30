/**
 * `images`: every container image each cluster will run, from the real chart output (helm
 * template of the pinned chart with the rendered values) and the rendered manifests, with the
 * add-ons that use it, and whether it is pinned (a tag other than `latest`, or a digest).
 */
import { parseAllDocuments } from 'yaml';
import type { AddonName } from '../addons/names.js';
import type { KubeObject } from '../kube/objects.js';

/** Where pods are described, by kind. */
interface PodTemplate {
  readonly spec?: Record<string, unknown>;
}
interface Workload {
  readonly template?: PodTemplate;
  readonly jobTemplate?: { readonly spec?: { readonly template?: PodTemplate } };
}

function podSpecs(object: KubeObject): Array<Record<string, unknown>> {
  const spec = object['spec'] as (Record<string, unknown> & Workload) | undefined;
  if (!spec) return [];
  switch (object.kind) {
    case 'Pod':
      return [spec];
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return spec.template?.spec ? [spec.template.spec] : [];
    case 'CronJob':
      return spec.jobTemplate?.spec?.template?.spec ? [spec.jobTemplate.spec.template.spec] : [];
    default:
      return [];
  }
}

/** The images of every container, init container and ephemeral container the objects describe. */
export function imagesOf(objects: readonly KubeObject[]): string[] {
  const images = new Set<string>();
  for (const object of objects)
    for (const pod of podSpecs(object))
      for (const key of ['initContainers', 'containers', 'ephemeralContainers'])
        for (const container of (pod[key] as Array<{ image?: string }> | undefined) ?? [])
          if (container.image) images.add(container.image);
  return [...images].sort();
}

export function parseObjects(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null && typeof o === 'object' && 'kind' in o);
}

/** Pinned: a digest, or a tag that is not `latest` (an image without a tag means `latest`). */
export function isPinned(image: string): boolean {
  if (image.includes('@sha256:')) return true;
  const name = image.slice(image.lastIndexOf('/') + 1);
  const colon = name.lastIndexOf(':');
  return colon >= 0 && name.slice(colon + 1) !== 'latest';
}

export interface ImageUse {
  readonly image: string;
  readonly pinned: boolean;
  readonly clusters: readonly string[];
  readonly addons: readonly AddonName[];
}

export function imageReport(
  uses: ReadonlyArray<{ cluster: string; addon: AddonName; images: readonly string[] }>,
): ImageUse[] {
  const byImage = new Map<string, { clusters: Set<string>; addons: Set<AddonName> }>();
  for (const use of uses)
    for (const image of use.images) {
      const entry = byImage.get(image) ?? { clusters: new Set(), addons: new Set() };
      entry.clusters.add(use.cluster);
      entry.addons.add(use.addon);
      byImage.set(image, entry);
    }
  return [...byImage]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([image, e]) => ({
      image,
      pinned: isPinned(image),
      clusters: [...e.clusters],
      addons: [...e.addons].sort(),
    }));
}
