import { describe, expect, it } from 'vitest';
import { validateObject } from '../../render/kube-schemas.js';
import { pkiPlan } from '../../render/pki.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';
import type { KubeObject } from '../../kube/objects.js';
import { ESO_API_VERSION, externalSecret, externalSecrets } from './external-secrets.js';

const CLUSTERS = ['mgmt', 'app1', 'app2'] as const;
const platform = testPlatform();
const rendered = Object.fromEntries(CLUSTERS.map((c) => [c, renderAddon('external-secrets', c, platform)]));
const find = (cluster: string, kind: string, name: string): KubeObject => {
  const found = rendered[cluster]!.manifests!.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`${cluster}: no ${kind} ${name}`);
  return found;
};
const spec = (o: KubeObject) => o.spec as Record<string, any>;

describe('external-secrets', () => {
  it('runs on every cluster', () => {
    for (const cluster of platform.clusters) expect(cluster.addons).toContain('external-secrets');
  });

  it.each(CLUSTERS)('%s: values use only keys the chart defines', (cluster) => {
    const check = checkChartValues(chartFor('external-secrets')!, rendered[cluster]!.values);
    expect(check.hasSchema).toBe(true);
    expect(check.unknownKeys).toEqual([]);
    expect(check.schemaErrors).toEqual([]);
  });

  it.each(CLUSTERS)('%s: every manifest passes its schema', (cluster) => {
    for (const object of rendered[cluster]!.manifests!) expect(() => validateObject(object)).not.toThrow();
  });

  it('installs the CRDs, sets resources and drops the cluster-wide token grant', () => {
    const values = rendered.app1!.values as Record<string, any>;
    expect(values.installCRDs).toBe(true);
    expect(values.rbac).toEqual({ serviceAccountTokenCreate: false });
    for (const resources of [values.resources, values.webhook.resources, values.certController.resources])
      expect(resources).toEqual(RESOURCES.small);
  });

  it("creates vault-backend against mgmt's pinned Vault on this cluster's mount (correction 18)", () => {
    const plan = pkiPlan(platform);
    for (const cluster of CLUSTERS) {
      const store = find(cluster, 'ClusterSecretStore', 'vault-backend');
      expect(store.apiVersion).toBe('external-secrets.io/v1');
      const vault = spec(store).provider.vault;
      expect(vault).toEqual({
        server: 'https://192.168.64.202:8200',
        path: 'secret',
        version: 'v2',
        caProvider: { type: 'Secret', name: 'vault-ca', key: 'ca.crt', namespace: 'external-secrets' },
        auth: {
          kubernetes: {
            mountPath: `kubernetes-${cluster}`,
            role: 'external-secrets',
            serviceAccountRef: {
              name: 'external-secrets-vault',
              namespace: 'external-secrets',
              audiences: ['vault'],
            },
          },
        },
      });
      // The plan has that mount, for this cluster, with a role bound to the same identity.
      const mount = plan.kubernetesAuth.find((m) => m.path === vault.auth.kubernetes.mountPath)!;
      expect(mount.cluster).toBe(cluster);
      const role = mount.roles.find((r) => r.name === vault.auth.kubernetes.role)!;
      expect(role.params).toMatchObject({
        bound_service_account_names: [vault.auth.kubernetes.serviceAccountRef.name],
        bound_service_account_namespaces: [externalSecrets.namespace],
        audience: vault.auth.kubernetes.serviceAccountRef.audiences[0],
        token_policies: [`external-secrets-${cluster}`],
      });
      expect(plan.caBundle.targets).toContainEqual({
        cluster,
        namespace: vault.caProvider.namespace,
        secret: vault.caProvider.name,
        key: vault.caProvider.key,
      });
    }
  });

  it('lets the controller create tokens for its login ServiceAccount only', () => {
    const values = rendered.mgmt!.values as Record<string, any>;
    expect(find('mgmt', 'ServiceAccount', 'external-secrets-vault').metadata.namespace).toBe(
      'external-secrets',
    );
    expect(find('mgmt', 'Role', 'external-secrets-vault-token').rules).toEqual([
      {
        apiGroups: [''],
        resources: ['serviceaccounts/token'],
        resourceNames: ['external-secrets-vault'],
        verbs: ['create'],
      },
    ]);
    expect(find('mgmt', 'RoleBinding', 'external-secrets-vault-token').subjects).toEqual([
      { kind: 'ServiceAccount', name: values.serviceAccount.name, namespace: 'external-secrets' },
    ]);
  });

  it('renders the same output twice', () => {
    for (const cluster of CLUSTERS)
      expect(renderAddon('external-secrets', cluster)).toEqual(rendered[cluster]);
  });
});

describe('externalSecret()', () => {
  const made = externalSecret({
    name: 'demo-credentials',
    namespace: 'demo',
    key: 'demo',
    data: { username: 'user', password: 'pass' },
  });

  it('reads secret/platform/<key> through vault-backend with the degraded-mode settings of 001 §5.3', () => {
    expect(made.apiVersion).toBe(ESO_API_VERSION);
    expect(made.metadata).toMatchObject({ name: 'demo-credentials', namespace: 'demo' });
    expect(made.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { name: 'vault-backend', kind: 'ClusterSecretStore' },
      target: { name: 'demo-credentials', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [
        { secretKey: 'password', remoteRef: { key: 'platform/demo', property: 'pass' } },
        { secretKey: 'username', remoteRef: { key: 'platform/demo', property: 'user' } },
      ],
    });
    expect(() => validateObject(made)).not.toThrow();
  });

  it('reads only paths the External Secrets policies grant', () => {
    const granted = pkiPlan(platform).policies.find((p) => p.name === 'external-secrets-app1')!.rules[0]!
      .path;
    expect(granted).toBe('secret/data/platform/*');
    for (const entry of (made.spec as Record<string, any>).data)
      expect(`secret/data/${entry.remoteRef.key}`.startsWith(granted.slice(0, -1))).toBe(true);
  });

  it('labels the created Secret when asked, and refuses an empty mapping', () => {
    const labelled = externalSecret({
      name: 'x',
      namespace: 'y',
      key: 'z',
      data: { a: 'b' },
      secretLabels: { 'argocd.argoproj.io/secret-type': 'cluster' },
    });
    expect((labelled.spec as Record<string, any>).target.template).toEqual({
      metadata: { labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
    });
    expect(() => validateObject(labelled)).not.toThrow();
    expect(() => externalSecret({ name: 'x', namespace: 'y', key: 'z', data: {} })).toThrow(/no data/);
  });
});
