import { describe, expect, it } from 'vitest';
import { PKI_BOOTSTRAP_ISSUER } from '../../plan/plan.js';
import { renderContext } from '../../render/context.js';
import { validateObject } from '../../render/kube-schemas.js';
import { pkiPlan } from '../../render/pki.js';
import { RESOURCES } from '../../render/sizing.js';
import type { Platform } from '../../spec/model.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';
import type { KubeObject } from '../../kube/objects.js';
import { certManager, renderCertManager } from './cert-manager.js';

const CLUSTERS = ['mgmt', 'app1', 'app2'] as const;
// serviceAccount.name: commented out in values.yaml, defined in values.schema.json
// ($defs helm-values.serviceAccount.name) and read by the chart's cert-manager.serviceAccountName helper.
const FREE_FORM = ['serviceAccount.name'];

const platform = testPlatform();
const rendered = Object.fromEntries(CLUSTERS.map((c) => [c, renderAddon('cert-manager', c, platform)]));
const find = (cluster: (typeof CLUSTERS)[number], kind: string, name: string): KubeObject => {
  const found = rendered[cluster]!.manifests!.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`${cluster}: no ${kind} ${name}`);
  return found;
};
const spec = (o: KubeObject) => o.spec as Record<string, any>;

describe('cert-manager', () => {
  it.each(CLUSTERS)('%s: values use only keys the chart defines', (cluster) => {
    const check = checkChartValues(chartFor('cert-manager')!, rendered[cluster]!.values, FREE_FORM);
    expect(check.hasSchema).toBe(true);
    expect(check.unknownKeys).toEqual([]);
    expect(check.schemaErrors).toEqual([]);
  });

  it.each(CLUSTERS)('%s: every manifest passes its schema', (cluster) => {
    for (const object of [...rendered[cluster]!.manifests!, ...rendered[cluster]!.bootstrap!])
      expect(() => validateObject(object)).not.toThrow();
  });

  it('installs the CRDs with the chart and sets resources on every component', () => {
    const values = rendered.mgmt!.values as Record<string, any>;
    expect(values.crds).toEqual({ enabled: true, keep: true });
    for (const resources of [
      values.resources,
      values.webhook.resources,
      values.cainjector.resources,
      values.startupapicheck.resources,
    ]) {
      expect(resources).toEqual(RESOURCES.small);
    }
  });

  it('has exactly one bootstrap issuer, named as the planner expects (correction 17), in phase 1 only', () => {
    for (const cluster of CLUSTERS) {
      const issuers = [...rendered[cluster]!.bootstrap!, ...rendered[cluster]!.manifests!].filter(
        (m) => m.kind === 'ClusterIssuer',
      );
      expect(issuers.map((i) => i.metadata.name)).toEqual(['selfsigned-bootstrap', 'vault-issuer']);
      expect(spec(issuers[0]!)).toEqual({ selfSigned: {} });
      expect(rendered[cluster]!.bootstrap!.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
        'ClusterIssuer/selfsigned-bootstrap',
        'Certificate/wildcard',
      ]);
    }
    expect(PKI_BOOTSTRAP_ISSUER).toBe('selfsigned-bootstrap');
    expect(JSON.stringify(rendered)).not.toContain('selfsigned-issuer');
  });

  it("points vault-issuer at mgmt's pinned Vault, with this cluster's own auth mount", () => {
    const plan = pkiPlan(platform);
    for (const cluster of CLUSTERS) {
      const vault = spec(find(cluster, 'ClusterIssuer', 'vault-issuer')).vault;
      expect(vault).toEqual({
        server: 'https://192.168.64.202:8200',
        path: 'pki_int/sign/k8s-certs',
        caBundleSecretRef: { name: 'vault-ca', key: 'ca.crt' },
        auth: {
          kubernetes: {
            mountPath: `/v1/auth/kubernetes-${cluster}`,
            role: 'cert-manager',
            serviceAccountRef: { name: 'vault-issuer' },
          },
        },
      });
      // The plan's mount for this cluster has the role, bound to this ServiceAccount and namespace.
      const mount = plan.kubernetesAuth.find(
        (m) => `/v1/auth/${m.path}` === vault.auth.kubernetes.mountPath,
      )!;
      expect(mount.cluster).toBe(cluster);
      const role = mount.roles.find((r) => r.name === vault.auth.kubernetes.role)!;
      expect(role.params.bound_service_account_names).toEqual(['vault-issuer']);
      expect(role.params.bound_service_account_namespaces).toEqual([certManager.namespace]);
      expect(role.params.audience).toBe('vault://vault-issuer');
      // The CA copy it reads exists in the cluster resource namespace.
      expect(plan.caBundle.targets).toContainEqual({
        cluster,
        namespace: certManager.namespace,
        secret: vault.caBundleSecretRef.name,
        key: vault.caBundleSecretRef.key,
      });
    }
    expect(
      new Set(
        CLUSTERS.map((c) => spec(find(c, 'ClusterIssuer', 'vault-issuer')).vault.auth.kubernetes.mountPath),
      ).size,
    ).toBe(3);
  });

  it('lets the controller create tokens for the vault-issuer ServiceAccount, and nothing else', () => {
    const values = rendered.app1!.values as Record<string, any>;
    const account = find('app1', 'ServiceAccount', 'vault-issuer');
    expect(account.metadata.namespace).toBe('cert-manager');
    const role = find('app1', 'Role', 'vault-issuer-token');
    expect(role.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['serviceaccounts/token'],
        resourceNames: ['vault-issuer'],
        verbs: ['create'],
      },
    ]);
    const binding = find('app1', 'RoleBinding', 'vault-issuer-token');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'vault-issuer-token',
    });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: values.serviceAccount.name, namespace: 'cert-manager' },
    ]);
  });

  it("issues each cluster's wildcard into gateway-system as wildcard-tls (001 §11.4, correction 19): first from the bootstrap issuer, then from Vault", () => {
    const names = {
      mgmt: ['*.mgmt.local.dev', '*.local.dev', 'local.dev'],
      app1: ['*.app1.local.dev'],
      app2: ['*.app2.local.dev'],
    };
    for (const cluster of CLUSTERS) {
      const certificate = find(cluster, 'Certificate', 'wildcard');
      expect(certificate.metadata.namespace).toBe('gateway-system');
      expect(spec(certificate)).toMatchObject({
        secretName: 'wildcard-tls',
        issuerRef: { name: 'vault-issuer', kind: 'ClusterIssuer', group: 'cert-manager.io' },
        dnsNames: names[cluster],
        duration: '720h',
        renewBefore: '360h',
        privateKey: { algorithm: 'ECDSA', size: 256 },
      });
      // Phase 1: the same Certificate, from the bootstrap issuer; only the issuer differs.
      const first = rendered[cluster]!.bootstrap!.find((m) => m.kind === 'Certificate')!;
      expect(spec(first)).toEqual({
        ...(spec(certificate) as object),
        issuerRef: { name: 'selfsigned-bootstrap', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      });
      expect(first.metadata).toEqual(certificate.metadata);
    }
  });

  it('issues no wildcard where the Gateway API is off', () => {
    const noGateway = testPlatform(
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec: { addons: { gateway-api: { clusters: [mgmt, app1] } } }\n',
    );
    const app2 = renderAddon('cert-manager', 'app2', noGateway).manifests!;
    expect(app2.some((m) => m.kind === 'Certificate')).toBe(false);
    expect(app2.some((m) => m.metadata.name === 'vault-issuer')).toBe(true);
  });

  it('renders only the bootstrap issuer when the management cluster has no Vault', () => {
    const noVault: Platform = {
      ...platform,
      clusters: platform.clusters.map((c) =>
        c.role === 'management' ? { ...c, addons: c.addons.filter((a) => a !== 'vault') } : c,
      ),
    };
    const { manifests, bootstrap } = renderCertManager(renderContext(noVault, noVault.clusters[1]!));
    expect(manifests).toEqual([]);
    expect(bootstrap!.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'ClusterIssuer/selfsigned-bootstrap',
    ]);
  });

  it('renders the same output twice', () => {
    for (const cluster of CLUSTERS) expect(renderAddon('cert-manager', cluster)).toEqual(rendered[cluster]);
  });
});
