/**
 * `<cluster>/cert-manager/handover`: the end of PKI phase 1 on a cluster (ADR-004, 001 §11.0).
 * Phase 2 re-pointed the certificates of its file at the Vault issuer; cert-manager re-issues a
 * certificate whose Secret names another issuer. Once every one of them is Ready with a Secret
 * issued by its own issuer, the bootstrap issuer is removed, unless a certificate still
 * references it (then it stays, and the step says which).
 */
import { BOOTSTRAP_ISSUER } from '../addons/catalog/cert-manager.js';
import type { KubeClient } from '../clients/kube.js';
import type { KubeObject } from '../kube/objects.js';
import type { PlanStep } from '../plan/plan.js';
import { notReady } from './readiness.js';
import type { Runner, StepEnvironment } from './step-environment.js';

const CM = 'cert-manager.io/v1';
const ISSUER_NAME = 'cert-manager.io/issuer-name';
const BOOTSTRAP_PATH = `/apis/cert-manager.io/v1/clusterissuers/${BOOTSTRAP_ISSUER}`;
const POLL_MS = 1_000;

interface LiveCertificate {
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: { readonly secretName: string; readonly issuerRef: { readonly name: string } };
}

const label = (c: { metadata: { namespace?: string; name: string } }) =>
  `Certificate ${c.metadata.namespace}/${c.metadata.name}`;

/** What a phase-2 certificate still lacks: Ready, and its Secret issued by its own issuer. */
async function pendingOf(client: KubeClient, certificate: KubeObject): Promise<string | undefined> {
  const { name, namespace } = certificate.metadata;
  const live = await client.getOptional<LiveCertificate>(
    `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/${name}`,
  );
  if (!live) return `${label(certificate)} is missing`;
  const why = notReady({ ...live, apiVersion: CM, kind: 'Certificate' });
  if (why) return `${label(certificate)}: ${why}`;
  const secret = await client.getOptional<{ metadata: { annotations?: Record<string, string> } }>(
    `/api/v1/namespaces/${namespace}/secrets/${live.spec.secretName}`,
  );
  const issuer = secret?.metadata.annotations?.[ISSUER_NAME];
  if (issuer !== live.spec.issuerRef.name)
    return `${label(certificate)}: its Secret was issued by ${issuer ?? 'nothing yet'}, not ${live.spec.issuerRef.name}`;
  return undefined;
}

/** Every Certificate on the cluster that still references the bootstrap issuer. */
async function stillReferencing(client: KubeClient): Promise<string[]> {
  const list = await client.get<{ items: LiveCertificate[] }>('/apis/cert-manager.io/v1/certificates');
  return list.items.filter((c) => c.spec.issuerRef.name === BOOTSTRAP_ISSUER).map(label);
}

export function pkiHandoverRunner(
  env: StepEnvironment,
  step: PlanStep,
  objects: readonly KubeObject[],
): Runner {
  const certificates = objects.filter((o) => o.apiVersion === CM && o.kind === 'Certificate');
  const pending = async (client: KubeClient) => {
    for (const certificate of certificates) {
      const why = await pendingOf(client, certificate);
      if (why) return why;
    }
    return undefined;
  };
  return {
    async check() {
      const client = await env.kube(step.cluster);
      const waiting = await pending(client);
      if (waiting) return waiting;
      if (!(await client.getOptional(BOOTSTRAP_PATH))) return undefined;
      // Kept while something references it: nothing this step can do until that changes.
      if ((await stillReferencing(client)).length > 0) return undefined;
      return `ClusterIssuer ${BOOTSTRAP_ISSUER} still exists after the hand-over to Vault`;
    },
    async work(context) {
      const client = await env.kube(step.cluster);
      for (;;) {
        const waiting = await pending(client);
        if (!waiting) break;
        if (context.signal.aborted) throw new Error(`interrupted while waiting: ${waiting}`);
        context.log(`waiting: ${waiting}`);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      context.log(`${certificates.length} certificate(s) issued by their phase-2 issuer`);
      const referencing = await stillReferencing(client);
      if (referencing.length > 0)
        // TODO(#12): Vault's own serving certificate is still issued from the bootstrap CA on the
        // management cluster; moving it to Vault needs a CA bundle for its clients and a Vault reload.
        return {
          outcome: 'succeeded',
          detail: `${certificates.length} certificate(s) re-issued through Vault; ${BOOTSTRAP_ISSUER} kept: ${referencing.join(', ')} still reference it`,
        };
      const removed = await client.delete(CM, 'ClusterIssuer', BOOTSTRAP_ISSUER);
      context.log(
        removed ? `removed ClusterIssuer ${BOOTSTRAP_ISSUER}` : `ClusterIssuer ${BOOTSTRAP_ISSUER} was gone`,
      );
      return {
        outcome: 'succeeded',
        detail: `${certificates.length} certificate(s) re-issued through Vault, ${BOOTSTRAP_ISSUER} removed`,
      };
    },
  };
}
