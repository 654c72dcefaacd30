/**
 * SIMULATION, kwok only: what keeps a kwok API server from ever dialling a pod or Service
 * address. Real charts register admission webhooks, CRD conversion webhooks and aggregated APIs
 * behind in-cluster Services (cert-manager, MetalLB, External Secrets, KEDA, the Prometheus
 * operator, Vault's injector, metrics-server...). On kwok no pod runs behind them, and the API
 * server would dial the Service's ClusterIP (10.x): the guide forbids that, and the calls would
 * fail anyway. So every release on kwok goes through this helm post-renderer, which rewrites
 * what the chart renders before helm applies it:
 * - every ValidatingWebhookConfiguration and MutatingWebhookConfiguration webhook is pointed at
 *   the cluster's admission stand-in on 127.0.0.1 (the simulation process, which allows every
 *   request and logs it), with the stand-in's certificate as the caBundle;
 * - a CRD's conversion webhook becomes `strategy: None` (kwok stores one version per object and
 *   nothing converts them);
 * - an APIService backed by a Service is left out (nothing would serve it, and an unavailable
 *   aggregated API breaks discovery and namespace deletion).
 * Helm stores what this returns as the release manifest, so drift checks compare against it.
 * Nothing here runs for real clusters.
 */
import { parseAllDocuments, stringify } from 'yaml';

export interface LoopbackAdmission {
  /** https://127.0.0.1:<port>: the cluster's admission stand-in. */
  readonly url: string;
  /** The stand-in's certificate (PEM), which is its own CA. */
  readonly certificate: string;
}

export interface RewriteSummary {
  readonly webhooks: number;
  readonly conversions: number;
  readonly apiServicesLeftOut: readonly string[];
}

interface Webhook {
  name?: string;
  clientConfig?: Record<string, unknown>;
}

const WEBHOOK_KINDS = new Set(['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);

/** The rewritten manifest stream and what was changed. */
export function rewriteForLoopback(
  manifest: string,
  admission: LoopbackAdmission,
): { manifest: string; summary: RewriteSummary } {
  const caBundle = Buffer.from(admission.certificate).toString('base64');
  const out: string[] = [];
  let webhooks = 0;
  let conversions = 0;
  const apiServicesLeftOut: string[] = [];
  for (const document of parseAllDocuments(manifest)) {
    if (document.errors.length > 0)
      throw new Error(`cannot parse a rendered manifest: ${document.errors[0]!.message}`);
    const object = document.toJS() as Record<string, unknown> | null;
    if (object === null || typeof object !== 'object') continue;
    const kind = object['kind'];
    const metadata = (object['metadata'] ?? {}) as { name?: string };
    if (typeof kind === 'string' && WEBHOOK_KINDS.has(kind) && Array.isArray(object['webhooks'])) {
      for (const webhook of object['webhooks'] as Webhook[]) {
        const path = [
          kind === 'MutatingWebhookConfiguration' ? 'mutate' : 'validate',
          metadata.name,
          webhook.name,
        ]
          .map((part) => encodeURIComponent(part ?? ''))
          .join('/');
        webhook.clientConfig = { url: `${admission.url}/${path}`, caBundle };
        webhooks++;
      }
      out.push(stringify(object));
      continue;
    }
    if (kind === 'CustomResourceDefinition') {
      const spec = object['spec'] as { conversion?: { strategy?: string } } | undefined;
      if (spec?.conversion?.strategy === 'Webhook') {
        spec.conversion = { strategy: 'None' };
        conversions++;
        out.push(stringify(object));
        continue;
      }
    }
    if (kind === 'APIService' && (object['spec'] as { service?: unknown } | undefined)?.service) {
      apiServicesLeftOut.push(metadata.name ?? '?');
      continue;
    }
    // Untouched documents keep their text (and helm's `# Source:` comments), without the `---`.
    out.push(document.toString().replace(/^---[ \t]*\n/, ''));
  }
  return {
    manifest: out.map((text) => (text.endsWith('\n') ? text : `${text}\n`)).join('---\n'),
    summary: { webhooks, conversions, apiServicesLeftOut },
  };
}
