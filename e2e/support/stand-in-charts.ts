/**
 * STAND-INS for the e2e tests. The add-ons' chart repositories are on the internet, which CI here
 * cannot reach, so the engine's end-to-end run installs a stand-in chart for every pinned chart
 * through the engine's real air-gap path (PLATFORMCTL_CHARTS_DIR): the real `helm upgrade
 * --install --wait` installs it on real control planes, the real readiness gates wait for it.
 *
 * Each stand-in has the pinned name and version and installs one Deployment per release (kwok
 * runs its pods), the StorageClasses the local-path values ask for, and CRDs for every custom
 * kind the rendered manifests use (`x-kubernetes-preserve-unknown-fields`: the fields of custom
 * resources are checked against their upstream schemas by the unit tests, not here). The Gateway
 * API bundle is stood in for the same way. Nothing of this is used outside the tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { ADDON_CATALOG } from '../../src/addons/catalog.js';
import { GATEWAY_API_CRDS } from '../../src/addons/catalog/gateway-api.js';
import { chartFor } from '../../src/addons/charts.js';
import type { KubeObject } from '../../src/kube/objects.js';
import type { Artifact } from '../../src/render/artifacts.js';

const CORE =
  /^(v1|apps\/v1|batch\/v1|policy\/v1|autoscaling\/v2|(storage|networking|rbac\.authorization|admissionregistration|scheduling|coordination|apiextensions)\.k8s\.io\/v1)$/;

function plural(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** One stand-in CRD per custom kind found in the rendered manifests. */
export function standInCrds(tree: readonly Artifact[]): KubeObject[] {
  const kinds = new Map<
    string,
    { group: string; versions: Set<string>; kind: string; namespaced: boolean }
  >();
  for (const artifact of tree.filter((a) => a.path.endsWith('.yaml') && a.path.startsWith('clusters/'))) {
    for (const doc of parseAllDocuments(artifact.content)) {
      const o = doc.toJS() as Partial<KubeObject> | null;
      if (!o?.apiVersion || !o.kind || !o.metadata || CORE.test(o.apiVersion) || !o.apiVersion.includes('/'))
        continue;
      if (o.apiVersion.startsWith('kubeadm.k8s.io') || o.apiVersion.startsWith('apiserver.')) continue;
      const [group, version] = o.apiVersion.split('/') as [string, string];
      const key = `${group}/${o.kind}`;
      const entry = kinds.get(key) ?? { group, versions: new Set(), kind: o.kind, namespaced: false };
      entry.versions.add(version);
      entry.namespaced ||= Boolean(o.metadata.namespace);
      kinds.set(key, entry);
    }
  }
  return [...kinds.values()]
    .sort((a, b) => `${a.group}/${a.kind}`.localeCompare(`${b.group}/${b.kind}`))
    .map((k) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: `${plural(k.kind)}.${k.group}`,
        labels: { 'platformctl.dev/stand-in': 'true' },
        // The API server protects *.k8s.io groups; the upstream CRDs carry their approval.
        ...(/\.k8s\.io$|\.kubernetes\.io$/.test(k.group)
          ? {
              annotations: {
                'api-approved.kubernetes.io': 'https://github.com/kubernetes/enhancements/pull/1111',
              },
            }
          : {}),
      },
      spec: {
        group: k.group,
        scope: k.namespaced ? 'Namespaced' : 'Cluster',
        names: {
          kind: k.kind,
          plural: plural(k.kind),
          singular: k.kind.toLowerCase(),
          listKind: `${k.kind}List`,
        },
        versions: [...k.versions].sort().map((name, i) => ({
          name,
          served: true,
          storage: i === 0,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        })),
      },
    }));
}

const TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-stand-in
  labels: { app.kubernetes.io/instance: {{ .Release.Name }}, platformctl.dev/stand-in: "true" }
spec:
  replicas: 1
  selector:
    matchLabels: { app.kubernetes.io/instance: {{ .Release.Name }} }
  template:
    metadata:
      labels: { app.kubernetes.io/instance: {{ .Release.Name }} }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: stand-in
          image: registry.k8s.io/pause:3.10
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
          resources:
            requests: { cpu: 10m, memory: 16Mi }
            limits: { cpu: 50m, memory: 32Mi }
{{- range $name, $config := .Values.storageClassConfigs }}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: {{ $name }}
  annotations:
    storageclass.kubernetes.io/is-default-class: {{ $config.storageClass.defaultClass | quote }}
provisioner: {{ $.Values.storageClass.provisionerName }}
reclaimPolicy: {{ $config.storageClass.reclaimPolicy }}
volumeBindingMode: {{ $config.storageClass.volumeBindingMode }}
{{- end }}
`;

/** Writes the stand-in mirror for every pinned chart and the Gateway API bundle; returns its path. */
export function writeStandInMirror(dir: string, tree: readonly Artifact[]): string {
  const crds = standInCrds(tree);
  const gateway = crds.filter((c) => (c['spec'] as { group: string }).group === 'gateway.networking.k8s.io');
  const others = crds.filter((c) => !gateway.includes(c));
  const seen = new Set<string>();
  for (const addon of Object.keys(ADDON_CATALOG) as Array<keyof typeof ADDON_CATALOG>) {
    const ref = chartFor(addon);
    if (!ref || seen.has(`${ref.chart}/${ref.version}`)) continue;
    seen.add(`${ref.chart}/${ref.version}`);
    const root = join(dir, ref.chart, ref.version);
    mkdirSync(join(root, 'templates'), { recursive: true });
    mkdirSync(join(root, 'crds'), { recursive: true });
    writeFileSync(
      join(root, 'Chart.yaml'),
      stringify({ apiVersion: 'v2', name: ref.chart, version: ref.version, description: 'e2e stand-in' }),
    );
    writeFileSync(join(root, 'templates', 'stand-in.yaml'), TEMPLATE);
    // Helm installs crds/ only when missing: every stand-in carries them all, the first release wins.
    writeFileSync(join(root, 'crds', 'crds.yaml'), others.map((c) => stringify(c)).join('---\n'));
  }
  const bundle = join(dir, 'gateway-api', GATEWAY_API_CRDS.version);
  mkdirSync(bundle, { recursive: true });
  writeFileSync(join(bundle, 'standard-install.yaml'), gateway.map((c) => stringify(c)).join('---\n'));
  return dir;
}
