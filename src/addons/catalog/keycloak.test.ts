import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderContext } from '../../render/context.js';
import { validateObject } from '../../render/kube-schemas.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';
import type { KubeObject } from '../../kube/objects.js';

const platform = testPlatform();
const mgmt = platform.clusters.find((c) => c.name === 'mgmt')!;
const rendered = renderAddon('keycloak', 'mgmt', platform);
const values = rendered.values as Record<string, any>;
const manifests = rendered.manifests!;
const find = (kind: string, name: string): KubeObject => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const spec = (o: KubeObject) => o.spec as Record<string, any>;

describe('keycloak', () => {
  it('runs on the management cluster only', () => {
    expect(platform.clusters.filter((c) => c.addons.includes('keycloak')).map((c) => c.name)).toEqual([
      'mgmt',
    ]);
  });

  it('uses only keys the chart defines', () => {
    expect(chartFor('keycloak')).toMatchObject({ chart: 'keycloakx', version: '7.1.11' });
    const check = checkChartValues(chartFor('keycloak')!, values);
    expect(check.hasSchema).toBe(true);
    expect(check.unknownKeys).toEqual([]);
    expect(check.schemaErrors).toEqual([]);
  });

  it('passes the schema of every manifest', () => {
    for (const object of manifests) expect(() => validateObject(object)).not.toThrow();
  });

  it('runs in production mode at keycloak.<mgmt>.<domain> behind the Gateway', () => {
    expect(values.command).toEqual([
      '/opt/keycloak/bin/kc.sh',
      'start',
      '--http-port=8080',
      '--hostname=https://keycloak.mgmt.local.dev',
    ]);
    expect(values.proxy).toEqual({ enabled: true, mode: 'xforwarded' });
    expect(values.resources).toEqual(RESOURCES.keycloak);
  });

  it('is routed from main-gateway in gateway-system to its HTTP Service', () => {
    const route = find('HTTPRoute', 'keycloak');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.metadata.namespace).toBe('keycloak');
    expect(spec(route).parentRefs).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        namespace: 'gateway-system',
        name: 'main-gateway',
        sectionName: 'https',
      },
    ]);
    expect(spec(route).hostnames).toEqual(['keycloak.mgmt.local.dev']);
    // keycloakx names its Service <fullname>-http, port 80 (service.httpPort).
    expect(values.fullnameOverride).toBe('keycloak');
    expect(spec(route).rules[0].backendRefs).toEqual([{ name: 'keycloak-http', port: 80 }]);
  });

  it('takes the bootstrap admin from Vault through an ExternalSecret', () => {
    const admin = find('ExternalSecret', 'keycloak-admin');
    expect(spec(admin)).toMatchObject({
      refreshInterval: '1h',
      secretStoreRef: { name: 'vault-backend', kind: 'ClusterSecretStore' },
      target: { name: 'keycloak-admin', deletionPolicy: 'Retain' },
      data: [
        { secretKey: 'password', remoteRef: { key: 'platform/keycloak', property: 'admin-password' } },
        { secretKey: 'username', remoteRef: { key: 'platform/keycloak', property: 'admin-username' } },
      ],
    });
    const env = parse(values.extraEnv as string) as Array<Record<string, any>>;
    expect(env).toEqual([
      {
        name: 'KC_BOOTSTRAP_ADMIN_USERNAME',
        valueFrom: { secretKeyRef: { name: 'keycloak-admin', key: 'username' } },
      },
      {
        name: 'KC_BOOTSTRAP_ADMIN_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'keycloak-admin', key: 'password' } },
      },
    ]);
  });

  it('keeps its data in its own PostgreSQL on a local-path-retain volume', () => {
    expect(values.database).toEqual({
      vendor: 'postgres',
      hostname: 'keycloak-postgres',
      port: 5432,
      database: 'keycloak',
      username: 'keycloak',
      existingSecret: 'keycloak-db',
      existingSecretKey: 'password',
    });
    expect(values.dbchecker).toEqual({ enabled: true });
    expect(spec(find('ExternalSecret', 'keycloak-db')).data).toEqual([
      { secretKey: 'password', remoteRef: { key: 'platform/keycloak', property: 'db-password' } },
    ]);
    const service = find('Service', 'keycloak-postgres');
    expect(spec(service).ports).toEqual([{ name: 'postgres', port: 5432, targetPort: 'postgres' }]);
    const sts = spec(find('StatefulSet', 'keycloak-postgres'));
    expect(sts.template.metadata.labels).toEqual(spec(service).selector);
    const container = sts.template.spec.containers[0];
    expect(container.env).toContainEqual({
      name: 'POSTGRES_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'keycloak-db', key: 'password' } },
    });
    expect(container.env).toContainEqual({ name: 'POSTGRES_DB', value: 'keycloak' });
    expect(container.resources).toEqual(RESOURCES.medium);
    expect(sts.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 70 });
    expect(sts.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'local-path-retain',
      resources: { requests: { storage: renderContext(platform, mgmt).volumeSize('keycloak') } },
    });
  });

  it('renders no credential', () => {
    expect(JSON.stringify(rendered)).not.toMatch(/"(password|adminPassword)"\s*:\s*"[^"]/);
    expect(manifests.some((m) => m.kind === 'Secret')).toBe(false);
  });

  it('renders the same output twice', () => {
    expect(renderAddon('keycloak', 'mgmt')).toEqual(rendered);
  });
});
