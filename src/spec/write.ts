/**
 * Writes a complete document as commented YAML (what `platformctl init` produces).
 */
import { Document, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import { ADDON_NAMES } from '../addons/names.js';
import type { Catalog } from '../addons/types.js';
import { defaultDocument } from './defaults.js';
import type { PlatformDocument } from './types.js';

export const SCHEMA_FILE = 'platform.schema.json';

const COMMENTS: Record<string, string> = {
  spec: ' Everything below has a default: delete a line to get it back.',
  'spec.provider':
    ' multipass: VMs on this machine | kwok: simulated nodes, for rehearsal | existing: clusters you have',
  'spec.host':
    ' The machine the VMs and external services run on; `platformctl validate --budget` shows the budget.',
  'spec.host.reserved': ' Kept for the host OS (001 §16.1).',
  'spec.network':
    ' The node network all clusters share. Load-balancer pools must lie inside nodeSubnet and outside dhcpRange.',
  'spec.kubernetes': ' Supported: 1.33 to 1.35.',
  'spec.kubernetes.featureGateProfile':
    ' minimal: no feature gates, VPA only | full: experimental gates on (ADR-002)',
  'spec.clusters':
    ' One management cluster runs the platform services; workload clusters run applications.\n' +
    ' Pod and service CIDRs must not overlap anywhere (seed correction 1: service CIDRs are /16, not /12).',
  'spec.podSecurity':
    ' Pod Security Admission: baseline enforced, restricted audited and warned (ADR-003).\n' +
    ' Each exemption needs a reason, an approver and an expiry at most six months ahead.',
  'spec.externalServices': ' Run outside the clusters; counted in the host budget (001 §8, §16.2).',
  'spec.ai':
    ' The models `platformctl analyze --explain` asks: routine and deep list backends in fallback order (001 §14.3).\n' +
    ' Keys come from GEMINI_API_KEY, OPENAI_API_KEY, ANTHROPIC_API_KEY or Vault secret/platform/k8sgpt, never from here.',
  'spec.ai.backends':
    ' price: US dollars per million input/output tokens, for the cost estimate; the defaults are the\n' +
    ' list prices of the default models: change the price with the model, or remove it (cost unknown).',
};

function addonComment(catalog: Catalog): string {
  const groups = new Map<string, string[]>();
  for (const addon of ADDON_NAMES.map((name) => catalog[name])) {
    const key = addon.defaultPlacement === 'none' ? 'off' : addon.defaultPlacement;
    groups.set(key, [...(groups.get(key) ?? []), addon.name]);
  }
  const line = (label: string, key: string) => `   ${label.padEnd(12)}${(groups.get(key) ?? []).join(', ')}`;
  return [
    ' Add-ons follow the seed component matrix (001 §9.1, corrected). Defaults by cluster role:',
    line('all:', 'all'),
    line('management:', 'management'),
    line('workload:', 'workload'),
    line('off:', 'off'),
    ' Override per add-on: enabled: true|false, clusters: [names], values: {Helm values}.',
    ' `platformctl addons` lists where each one runs and what it needs.',
  ].join('\n');
}

export interface WriteOptions {
  /** Add the yaml-language-server modeline pointing at this schema file. */
  schemaFile?: string;
  /** The add-ons' facts, for the comment on spec.addons. */
  catalog: Catalog;
}

export function documentToYaml(doc: PlatformDocument, options: WriteOptions): string {
  const yamlDoc = new Document(doc);
  const comments: Record<string, string> = { ...COMMENTS, 'spec.addons': addonComment(options.catalog) };
  visit(yamlDoc, {
    Pair(_, pair, ancestors) {
      if (!isScalar(pair.key) || ancestors.some((ancestor) => isSeq(ancestor))) return;
      const keys = [...ancestors, pair].flatMap((node) =>
        isPair(node) && isScalar(node.key) ? [String(node.key.value)] : [],
      );
      const comment = comments[keys.join('.')];
      if (comment) pair.key.commentBefore = comment;
    },
  });
  // Short flow-style mappings for node groups keep the cluster list readable.
  visit(yamlDoc, {
    Pair(_, pair) {
      if (
        isScalar(pair.key) &&
        ['controlPlane', 'workers', 'reserved', 'argocd', 'harbor', 'nexus', 'price'].includes(
          String(pair.key.value),
        ) &&
        isMap(pair.value)
      ) {
        pair.value.flow = true;
      }
    },
  });
  const header = [
    ...(options.schemaFile ? [`# yaml-language-server: $schema=./${options.schemaFile}`] : []),
    '# platformctl platform spec. Check it with `platformctl validate`; reference: README.md#the-spec',
  ].join('\n');
  return `${header}\n${yamlDoc.toString({ lineWidth: 0 })}`;
}

/** The seed's platform, with the overrides the spec reference uses as examples: what `init` writes. */
export function initDocument(now: Date, catalog: Catalog): PlatformDocument {
  const doc = defaultDocument({ now, catalog });
  const workloads = doc.spec.clusters.filter((c) => c.role === 'workload').map((c) => c.name);
  doc.spec.addons = { kyverno: { enabled: true, clusters: workloads }, istio: { enabled: false } };
  return doc;
}
