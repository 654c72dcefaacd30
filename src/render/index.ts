/**
 * Renders a valid platform into its complete artifact tree. Pure: same platform (and observed
 * node addresses), same bytes.
 */
import { PlatformctlError } from '../errors.js';
import { ADDON_CATALOG } from '../addons/catalog.js';
import { chartFor } from '../addons/charts.js';
import type { KvDemand, SecretDemand } from '../kube/generated-secrets.js';
import { argocdCredentialsDemand, argocdManagerObjects, managesWithArgocd } from './argocd-credentials.js';
import type { KubeObject } from '../kube/objects.js';
import type { RenderedAddon } from '../addons/definition.js';
import type { Platform } from '../spec/model.js';
import { type Artifact, ArtifactSet } from './artifacts.js';
import { applicationGuardrails } from './baseline.js';
import { cloudInit } from './cloud-init.js';
import { renderContext } from './context.js';
import { dnsmasqConf, hostsFile } from './dns.js';
import { externalServices } from './external.js';
import { validateObject } from './kube-schemas.js';
import { kubeadmInit, kubeadmJoin, type ObservedNodes } from './kubeadm.js';
import { type PkiPlan, pkiPlan } from './pki.js';
import { applyUserValues, ownedValues } from './values.js';
import { tokenReviewerObjects } from './vault-login.js';
import { admissionConfig, namespaces } from './psa.js';
import { toYaml, toYamlStream } from './yaml.js';

export interface RenderOptions {
  /** Node addresses discovered by the provider, when known. */
  readonly observed?: ObservedNodes;
}

export class RenderError extends PlatformctlError {
  override readonly name = 'RenderError';
  constructor(message: string) {
    super('render.invalid-object', 'input', message);
  }
}

/** Names of the Secrets an add-on's rendered output refers to: values under a key naming a secret, and Secret objects. */
function secretNames(rendered: RenderedAddon): string[] {
  const names: string[] = [];
  const walk = (value: unknown, key: string, inSecret: boolean) => {
    const secretish = inSecret || /secret/i.test(key);
    if (typeof value === 'string' && secretish && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value))
      names.push(value);
    else if (Array.isArray(value)) for (const v of value) walk(v, key, secretish);
    else if (typeof value === 'object' && value !== null)
      for (const [k, v] of Object.entries(value)) walk(v, k, secretish && !/^(key|optional)$/i.test(k));
  };
  walk(rendered.values ?? {}, '', false);
  for (const object of rendered.manifests ?? [])
    if (object.kind === 'Secret') names.push(object.metadata.name);
  for (const demand of rendered.secrets ?? []) names.push(demand.name);
  return names;
}

/**
 * ExternalSecrets go to a file of their own, applied before the chart: its pods read the Secrets
 * they produce (Grafana's admin, Keycloak's database password) and would not start without them.
 */
const beforeRelease = (object: KubeObject) => object.kind === 'ExternalSecret';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Each cluster's copies of the CA that Vault's serving certificate chains to (the plan's caBundle). */
function vaultCaDemands(plan: PkiPlan, cluster: string): SecretDemand[] {
  const { source, targets } = plan.caBundle;
  return targets
    .filter((target) => target.cluster === cluster)
    .map((target) => ({
      namespace: target.namespace,
      name: target.secret,
      data: {
        [target.key]: {
          copy: {
            cluster: source.cluster,
            namespace: source.namespace,
            secret: source.secret,
            key: source.key,
            producer: `Certificate ${source.namespace}/${source.secret}`,
          },
        },
      },
      why: "the CA Vault's serving certificate chains to, for this namespace's Vault client",
    }));
}

/** The objects as one YAML stream, each checked against its schema first (a RenderError names the file). */
export function validatedStream(path: string, list: readonly KubeObject[]): string {
  for (const object of list) {
    try {
      validateObject(object);
    } catch (error) {
      throw new RenderError(`${path}: ${(error as Error).message}`);
    }
  }
  return toYamlStream(list);
}

const objects = validatedStream;

export function renderPlatform(platform: Platform, options: RenderOptions = {}): Artifact[] {
  const out = new ArtifactSet();
  const kvEntries = new Map<string, KvDemand>();
  for (const cluster of platform.clusters) {
    const base = `clusters/${cluster.name}`;
    for (const node of cluster.nodes) {
      out.add(`${base}/nodes/${node.name}/cloud-init.yaml`, cloudInit(platform, cluster, node));
    }
    out.add(`${base}/kubeadm/init.yaml`, kubeadmInit(platform, cluster, options.observed));
    out.add(`${base}/kubeadm/join.yaml`, kubeadmJoin(platform, false));
    if (cluster.nodes.filter((n) => n.role === 'control-plane').length > 1) {
      out.add(`${base}/kubeadm/join-control-plane.yaml`, kubeadmJoin(platform, true));
    }
    out.add(`${base}/psa/admission-config.yaml`, admissionConfig(platform));
    out.add(`${base}/namespaces.yaml`, objects(`${base}/namespaces.yaml`, namespaces(platform, cluster)));
    const guardrails = applicationGuardrails(cluster);
    if (guardrails.length > 0)
      out.add(`${base}/guardrails.yaml`, objects(`${base}/guardrails.yaml`, guardrails));

    const context = renderContext(platform, cluster);
    const kv: KvDemand[] = [];
    for (const addon of cluster.addons) {
      const definition = ADDON_CATALOG[addon];
      const dir = `${base}/addons/${addon}`;
      const chart = chartFor(addon);
      const rendered = definition.render?.(context) ?? {};
      const user = platform.document.spec.addons[addon]?.values;
      if (user && !chart)
        throw new PlatformctlError(
          'values.no-chart',
          'input',
          `spec.addons.${addon}.values: ${addon} installs no Helm chart, so Helm values change nothing`,
          { hint: `remove spec.addons.${addon}.values` },
        );
      const values = rendered.values
        ? applyUserValues(addon, cluster.name, rendered.values, user, () =>
            ownedValues(platform, secretNames(rendered)),
          )
        : user;
      out.add(
        `${dir}/release.json`,
        `${JSON.stringify({ addon, namespace: definition.namespace, chart: chart ?? null, renderer: definition.render ? 'ready' : 'pending' }, null, 2)}\n`,
      );
      if (values) out.add(`${dir}/values.yaml`, toYaml(values));
      const early = (rendered.manifests ?? []).filter(beforeRelease);
      const late = (rendered.manifests ?? []).filter((o) => !beforeRelease(o));
      if (early.length > 0)
        out.add(`${dir}/external-secrets.yaml`, objects(`${dir}/external-secrets.yaml`, early));
      if (late.length > 0) out.add(`${dir}/manifests.yaml`, objects(`${dir}/manifests.yaml`, late));
      if (rendered.bootstrap && rendered.bootstrap.length > 0)
        out.add(`${dir}/bootstrap.yaml`, objects(`${dir}/bootstrap.yaml`, rendered.bootstrap));
      if (rendered.secrets && rendered.secrets.length > 0)
        out.add(`${dir}/secrets.json`, json({ secrets: rendered.secrets }));
      kv.push(...(rendered.vaultKv ?? []));
    }
    for (const entry of kv) {
      const seen = kvEntries.get(entry.path);
      if (seen && JSON.stringify(seen) !== JSON.stringify(entry))
        throw new RenderError(`two add-ons write different fields to the Vault KV entry ${entry.path}`);
      kvEntries.set(entry.path, entry);
    }
  }
  for (const artifact of externalServices(platform)) {
    out.add(artifact.path, artifact.objects ? objects(artifact.path, artifact.objects) : artifact.content);
  }
  const management = platform.clusters.find((c) => c.name === platform.managementCluster);
  if (management?.addons.includes('vault')) {
    const plan = pkiPlan(platform);
    out.add('pki/plan.json', `${JSON.stringify(plan, null, 2)}\n`);
    for (const mount of plan.kubernetesAuth) {
      const path = `clusters/${mount.cluster}/vault-token-reviewer.yaml`;
      out.add(path, objects(path, tokenReviewerObjects()));
    }
    if (managesWithArgocd(platform))
      for (const cluster of platform.clusters) {
        const base = `clusters/${cluster.name}`;
        out.add(
          `${base}/argocd-manager.yaml`,
          objects(`${base}/argocd-manager.yaml`, argocdManagerObjects()),
        );
        out.add(
          `${base}/argocd-credentials.json`,
          json({ entries: [argocdCredentialsDemand(cluster.name)] }),
        );
      }
    for (const cluster of platform.clusters) {
      const copies = vaultCaDemands(plan, cluster.name);
      if (copies.length > 0) out.add(`clusters/${cluster.name}/vault-ca.json`, json({ secrets: copies }));
    }
    if (kvEntries.size > 0)
      out.add(
        'vault/kv.json',
        json({ entries: [...kvEntries.values()].sort((a, b) => a.path.localeCompare(b.path)) }),
      );
  }
  out.add('dns/hosts', hostsFile(platform));
  out.add('dns/dnsmasq.conf', dnsmasqConf(platform));
  return out.finish();
}
