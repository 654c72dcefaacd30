import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { rewriteForLoopback } from './loopback-admission.js';

const ADMISSION = {
  url: 'https://127.0.0.1:40123',
  certificate: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n',
};

const MANIFEST = `# Source: chart/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ns }
spec: { replicas: 1 }
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: { name: cert-manager-webhook }
webhooks:
  - name: webhook.cert-manager.io
    clientConfig:
      service: { name: cert-manager-webhook, namespace: cert-manager, path: /validate }
    admissionReviewVersions: [v1]
    sideEffects: None
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: { name: vault-agent-injector-cfg }
webhooks:
  - name: vault.hashicorp.com
    clientConfig:
      service: { name: vault-agent-injector-svc, namespace: vault, path: /mutate }
      caBundle: ""
  - name: second.example.com
    clientConfig: { url: "https://10.96.0.12/mutate" }
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: things.example.com }
spec:
  group: example.com
  conversion:
    strategy: Webhook
    webhook:
      clientConfig: { service: { name: conv, namespace: ns } }
      conversionReviewVersions: [v1]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: plain.example.com }
spec: { group: example.com, conversion: { strategy: None } }
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: { name: v1beta1.metrics.k8s.io }
spec:
  service: { name: metrics-server, namespace: kube-system }
  group: metrics.k8s.io
  version: v1beta1
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: { name: v1.local.example.com }
spec: { group: local.example.com, version: v1 }
`;

function objects(text: string) {
  return parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>);
}

describe('rewriteForLoopback (the kwok post-renderer)', () => {
  const { manifest, summary } = rewriteForLoopback(MANIFEST, ADMISSION);
  const out = objects(manifest);

  it('points every webhook at the loopback stand-in, with its certificate as the CA bundle', () => {
    const hooks = out.filter((o) => /WebhookConfiguration$/.test(o['kind'])).flatMap((o) => o['webhooks']);
    expect(hooks).toHaveLength(3);
    for (const hook of hooks) {
      expect(hook.clientConfig.service).toBeUndefined();
      expect(hook.clientConfig.url).toMatch(/^https:\/\/127\.0\.0\.1:40123\/(validate|mutate)\//);
      expect(Buffer.from(hook.clientConfig.caBundle, 'base64').toString()).toBe(ADMISSION.certificate);
    }
    expect(hooks[0].clientConfig.url).toBe(
      'https://127.0.0.1:40123/validate/cert-manager-webhook/webhook.cert-manager.io',
    );
    // A webhook given by URL off loopback is redirected too.
    expect(hooks[2].clientConfig.url).not.toContain('10.96');
    expect(hooks[0].admissionReviewVersions).toEqual(['v1']);
    expect(summary.webhooks).toBe(3);
  });

  it('turns conversion webhooks off and leaves other CRDs as they are', () => {
    const crds = out.filter((o) => o['kind'] === 'CustomResourceDefinition');
    expect(crds.map((c) => c['spec'].conversion)).toEqual([{ strategy: 'None' }, { strategy: 'None' }]);
    expect(summary.conversions).toBe(1);
  });

  it('leaves out APIServices backed by a Service, keeps local ones and everything else', () => {
    expect(out.filter((o) => o['kind'] === 'APIService').map((o) => o['metadata'].name)).toEqual([
      'v1.local.example.com',
    ]);
    expect(summary.apiServicesLeftOut).toEqual(['v1beta1.metrics.k8s.io']);
    expect(out.map((o) => o['kind'])).toContain('Deployment');
    expect(out).toHaveLength(7 - 1);
    expect(manifest).not.toMatch(/service:\s*\{?\s*name: (cert-manager-webhook|conv|metrics-server)/);
  });

  it('fails on a manifest it cannot parse instead of applying part of it', () => {
    expect(() => rewriteForLoopback('a: [b\n', ADMISSION)).toThrow(/cannot parse/);
  });
});
