import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wildcardDnsNames } from '../addons/catalog/cert-manager.js';
import { vaultServerNames } from '../addons/catalog/vault.js';
import type { Platform } from '../spec/model.js';
import { testPlatform } from '../test-support/render.js';
import { renderContext } from './context.js';
import {
  CERT_MANAGER_CLIENT,
  EXTERNAL_SECRETS_CLIENT,
  externalSecretsPolicy,
  kubernetesAuthMount,
  type PkiPlan,
  pkiPlan,
  VAULT_CA_SECRET,
  vaultAddress,
} from './pki.js';

const FOUR = readFileSync(
  fileURLToPath(new URL('../spec/fixtures/valid/four-clusters.yaml', import.meta.url)),
  'utf8',
);
const spec = (body: string) =>
  `apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec: ${body}\n`;

const platform = testPlatform();
const plan = pkiPlan(platform);

/** Vault's matching for a role with allow_subdomains, allow_bare_domains and wildcards allowed. */
function roleAllows(p: PkiPlan, name: string): boolean {
  const host = name.startsWith('*.') ? name.slice(2) : name;
  return p.pkiRoles[0]!.params.allowed_domains.some(
    (domain) => host === domain || host.endsWith(`.${domain}`),
  );
}

describe('pkiPlan', () => {
  it('is deterministic plain JSON', () => {
    expect(pkiPlan(testPlatform())).toEqual(plan);
    expect(JSON.stringify(pkiPlan(testPlatform()))).toBe(JSON.stringify(plan));
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('mounts the root and intermediate PKI and the KV v2 engine secret/ (correction 18)', () => {
    expect(plan.secretsEngines.map((e) => [e.path, e.type])).toEqual([
      ['pki', 'pki'],
      ['pki_int', 'pki'],
      ['secret', 'kv'],
    ]);
    expect(plan.secretsEngines[0]!.config).toEqual({ max_lease_ttl: '87600h' });
    expect(plan.secretsEngines[1]!.config).toEqual({ max_lease_ttl: '43800h' });
    expect(plan.secretsEngines[2]!.options).toEqual({ version: '2' });
  });

  it('has the root sign the intermediate, with the seed TTLs', () => {
    expect(plan.rootCa.endpoint).toBe('pki/root/generate/internal');
    expect(plan.rootCa.params.ttl).toBe('87600h');
    expect(plan.intermediateCa.csr.endpoint).toBe('pki_int/intermediate/generate/internal');
    expect(plan.intermediateCa.sign.endpoint).toBe('pki/root/sign-intermediate');
    expect(plan.intermediateCa.sign.params).toEqual({
      issuer_ref: plan.rootCa.params.issuer_name,
      format: 'pem_bundle',
      ttl: '43800h',
    });
    expect(plan.intermediateCa.setSigned.endpoint).toBe('pki_int/intermediate/set-signed');
    expect(plan.rootCa.params.common_name).not.toBe(plan.intermediateCa.csr.params.common_name);
    expect(plan.intermediateCa.urls.params.issuing_certificates).toBe(
      'https://192.168.64.202:8200/v1/pki_int/ca',
    );
  });

  it('defines the k8s-certs role for the platform domain, its clusters and svc.cluster.local', () => {
    expect(plan.pkiRoles).toHaveLength(1);
    const role = plan.pkiRoles[0]!;
    expect(role.endpoint).toBe('pki_int/roles/k8s-certs');
    expect(role.params).toMatchObject({
      allowed_domains: [
        'local.dev',
        'mgmt.local.dev',
        'app1.local.dev',
        'app2.local.dev',
        'svc.cluster.local',
      ],
      allow_subdomains: true,
      allow_bare_domains: true,
      max_ttl: '720h',
      ttl: '168h',
      // cert-manager's ECDSA CSRs without a common name must pass.
      key_type: 'any',
      require_cn: false,
    });
  });

  it("lets the role sign every cluster's wildcard and Vault's own names (phase 2 reissue)", () => {
    for (const cluster of platform.clusters) {
      for (const name of wildcardDnsNames(renderContext(platform, cluster)))
        expect(roleAllows(plan, name), name).toBe(true);
    }
    const mgmt = renderContext(platform, platform.clusters[0]!);
    for (const name of vaultServerNames(mgmt).dnsNames) expect(roleAllows(plan, name), name).toBe(true);
    expect(roleAllows(plan, '*.example.com')).toBe(false);
  });

  it('grants cert-manager sign/issue and External Secrets read on secret/data/platform/* per cluster', () => {
    const byName = new Map(plan.policies.map((p) => [p.name, p]));
    expect(byName.get('cert-manager')!.rules).toEqual([
      { path: 'pki_int/sign/k8s-certs', capabilities: ['create', 'update'] },
      { path: 'pki_int/issue/k8s-certs', capabilities: ['create'] },
    ]);
    expect(byName.get('cert-manager')!.hcl).toContain('path "pki_int/sign/k8s-certs" {');
    for (const cluster of ['app1', 'app2']) {
      expect(byName.get(`external-secrets-${cluster}`)!.rules).toEqual([
        { path: 'secret/data/platform/*', capabilities: ['read'] },
      ]);
    }
    // Argo CD's cluster credentials (cluster-admin tokens) only for the cluster Argo CD is on.
    expect(byName.get('external-secrets-mgmt')!.rules).toEqual([
      { path: 'secret/data/platform/*', capabilities: ['read'] },
      { path: 'secret/data/argocd/clusters/*', capabilities: ['read'] },
    ]);
    expect(plan.policies.map((p) => p.name)).toEqual([
      'cert-manager',
      'external-secrets-mgmt',
      'external-secrets-app1',
      'external-secrets-app2',
    ]);
  });

  it("creates one Kubernetes auth mount per cluster, on that cluster's API VIP", () => {
    expect(plan.kubernetesAuth.map((m) => [m.path, m.config.params.kubernetes_host])).toEqual([
      ['kubernetes-mgmt', 'https://192.168.64.210:6443'],
      ['kubernetes-app1', 'https://192.168.64.220:6443'],
      ['kubernetes-app2', 'https://192.168.64.230:6443'],
    ]);
    for (const mount of plan.kubernetesAuth) {
      expect(mount.config.endpoint).toBe(`auth/${mount.path}/config`);
      expect(mount.config.params.disable_local_ca_jwt).toBe(true);
      expect(mount.config.fromCluster.token_reviewer_jwt).toContain(`on cluster ${mount.cluster}`);
    }
  });

  it("binds each mount's roles to that cluster's clients and policies only (no overlap)", () => {
    const paths = plan.kubernetesAuth.map((m) => m.path);
    const hosts = plan.kubernetesAuth.map((m) => m.config.params.kubernetes_host);
    expect(new Set(paths).size).toBe(paths.length);
    expect(new Set(hosts).size).toBe(hosts.length);
    for (const mount of plan.kubernetesAuth) {
      expect(mount.path).toBe(kubernetesAuthMount(mount.cluster));
      const roles = new Map(mount.roles.map((r) => [r.name, r]));
      expect([...roles.keys()]).toEqual(['cert-manager', 'external-secrets']);
      expect(roles.get('cert-manager')!.endpoint).toBe(`auth/${mount.path}/role/cert-manager`);
      expect(roles.get('cert-manager')!.params).toMatchObject({
        bound_service_account_names: [CERT_MANAGER_CLIENT.serviceAccount],
        bound_service_account_namespaces: ['cert-manager'],
        audience: 'vault://vault-issuer',
        token_policies: ['cert-manager'],
      });
      expect(roles.get('external-secrets')!.params).toMatchObject({
        bound_service_account_names: [EXTERNAL_SECRETS_CLIENT.serviceAccount],
        bound_service_account_namespaces: ['external-secrets'],
        audience: EXTERNAL_SECRETS_CLIENT.audience,
        token_policies: [externalSecretsPolicy(mount.cluster)],
      });
    }
    // Every policy a role names exists.
    const policies = new Set(plan.policies.map((p) => p.name));
    for (const role of plan.kubernetesAuth.flatMap((m) => m.roles))
      for (const name of role.params.token_policies) expect(policies.has(name), name).toBe(true);
  });

  it('copies the CA of Vault’s serving certificate to every Vault client namespace', () => {
    expect(plan.caBundle.source).toEqual({
      cluster: 'mgmt',
      namespace: 'vault',
      secret: 'vault-server-tls',
      key: 'ca.crt',
    });
    expect(plan.caBundle.targets.map((t) => `${t.cluster}/${t.namespace}/${t.secret}`)).toEqual(
      ['mgmt', 'app1', 'app2'].flatMap((c) => [
        `${c}/cert-manager/${VAULT_CA_SECRET}`,
        `${c}/external-secrets/${VAULT_CA_SECRET}`,
      ]),
    );
  });

  it('holds no secrets', () => {
    const text = JSON.stringify(plan);
    expect(text).not.toMatch(/BEGIN|PRIVATE|hvs\.|s\.[A-Za-z0-9]{20}/);
    expect(text).not.toMatch(/"(password|token|secret_id|private_key)"\s*:/);
  });

  it('follows the spec: a fourth cluster gets its own mount and policy', () => {
    const four = pkiPlan(testPlatform(FOUR));
    expect(four.kubernetesAuth.map((m) => m.path)).toEqual([
      'kubernetes-mgmt',
      'kubernetes-app1',
      'kubernetes-app2',
      'kubernetes-app3',
    ]);
    expect(four.kubernetesAuth[3]!.config.params.kubernetes_host).toBe('https://192.168.64.240:6443');
    expect(four.pkiRoles[0]!.params.allowed_domains).toContain('app3.local.dev');
    expect(four.policies.map((p) => p.name)).toContain('external-secrets-app3');
  });

  it('follows the domain and leaves out roles of add-ons a cluster does not run', () => {
    const custom = pkiPlan(
      testPlatform(
        spec(
          '{ network: { domain: lab.example }, addons: { external-secrets: { clusters: [mgmt, app1] } } }',
        ),
      ),
    );
    expect(custom.pkiRoles[0]!.params.allowed_domains[0]).toBe('lab.example');
    const app2 = custom.kubernetesAuth.find((m) => m.cluster === 'app2')!;
    expect(app2.roles.map((r) => r.name)).toEqual(['cert-manager']);
    expect(custom.policies.map((p) => p.name)).not.toContain('external-secrets-app2');
    expect(custom.caBundle.targets.filter((t) => t.cluster === 'app2').map((t) => t.namespace)).toEqual([
      'cert-manager',
    ]);
  });

  it('addresses Vault through its pinned IP, and refuses a platform without Vault', () => {
    expect(vaultAddress(platform)).toBe('https://192.168.64.202:8200');
    expect(plan.vault).toEqual({
      cluster: 'mgmt',
      namespace: 'vault',
      address: 'https://192.168.64.202:8200',
    });
    // Validation keeps Vault wherever a client needs it; the model without it is built by hand.
    const noVault: Platform = {
      ...platform,
      clusters: platform.clusters.map((c) =>
        c.role === 'management'
          ? {
              ...c,
              addons: c.addons.filter((a) => a !== 'vault'),
              addresses: { ...c.addresses, services: {} },
            }
          : c,
      ),
    };
    expect(() => pkiPlan(noVault)).toThrow(/vault is not enabled/);
  });
});
