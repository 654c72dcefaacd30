/**
 * Keycloak on the management cluster (001 §10.2 3.1), from codecentric's keycloakx chart: it runs
 * the official quay.io/keycloak/keycloak image, unlike Bitnami's chart whose images moved to a
 * paid catalog in 2025.
 *
 * Dev-friendly but real: one Keycloak in production mode (`start`) on a small PostgreSQL of its
 * own. The chart's default database, dev-file (H2), lives in the container's filesystem and is
 * "not suitable for production"; realms, clients and users would vanish with the pod, and Keycloak
 * does not migrate H2 across upgrades. One PostgreSQL pod with a `local-path-retain` volume costs
 * little and is what Keycloak supports.
 *
 * Credentials come from Vault KV `secret/platform/keycloak` through ExternalSecrets (the engine
 * writes them from generated material): `admin-username`, `admin-password` (the bootstrap admin)
 * and `db-password`. Keycloak is served at `keycloak.<mgmt>.<domain>` through an HTTPRoute on the
 * cluster's main-gateway, which terminates TLS with the wildcard certificate.
 */

import { HTTPRoute, Service, StatefulSet } from '../../kube/kinds.js';
import type { IEnvVar } from 'kubernetes-models/v1';

import type { RenderContext } from '../../render/context.js';
import { MANAGED_BY, plain } from '../../kube/objects.js';
import { RESOURCES } from '../../render/sizing.js';
import { toYaml } from '../../render/yaml.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import type { KubeObject } from '../../kube/objects.js';
import { KV_PLATFORM_PREFIX } from '../../render/pki.js';
import { externalSecret } from './external-secrets.js';
import { GATEWAY_NAME, GATEWAY_NAMESPACE } from './gateway-api.js';

export const KEYCLOAK_NAMESPACE = 'keycloak';
/** chart value fullnameOverride: StatefulSet `keycloak`, Services `keycloak-http`, `keycloak-headless`. */
const FULLNAME = 'keycloak';
export const KEYCLOAK_HTTP_SERVICE = `${FULLNAME}-http`;
/** The Vault KV entry below secret/platform/. */
export const KEYCLOAK_VAULT_KEY = 'keycloak';
/** Secrets made by ExternalSecrets. */
export const KEYCLOAK_ADMIN_SECRET = 'keycloak-admin';
export const KEYCLOAK_DB_SECRET = 'keycloak-db';

export const POSTGRES_NAME = 'keycloak-postgres';
/** PostgreSQL 17: supported and the tested version across Keycloak 26 (keycloak.org, Configuring the database). */
export const POSTGRES_IMAGE = 'docker.io/library/postgres:17.6-alpine';
const POSTGRES_PORT = 5432;
const DATABASE = 'keycloak';
const DATABASE_USER = 'keycloak';
/** The postgres user of the Alpine image. */
const POSTGRES_UID = 70;

function keycloakEnv(): IEnvVar[] {
  const fromSecret = (name: string, key: string): IEnvVar['valueFrom'] => ({
    secretKeyRef: { name, key },
  });
  return [
    // Keycloak 26 names; KEYCLOAK_ADMIN/KEYCLOAK_ADMIN_PASSWORD are deprecated. Only used to create
    // the first admin when the master realm has none.
    { name: 'KC_BOOTSTRAP_ADMIN_USERNAME', valueFrom: fromSecret(KEYCLOAK_ADMIN_SECRET, 'username') },
    { name: 'KC_BOOTSTRAP_ADMIN_PASSWORD', valueFrom: fromSecret(KEYCLOAK_ADMIN_SECRET, 'password') },
  ];
}

function postgres(ctx: RenderContext): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': POSTGRES_NAME, 'app.kubernetes.io/part-of': 'keycloak' };
  const metadata = {
    name: POSTGRES_NAME,
    namespace: KEYCLOAK_NAMESPACE,
    labels: { ...MANAGED_BY, ...labels },
  };
  const ready = {
    exec: { command: ['pg_isready', '-h', '127.0.0.1', '-U', DATABASE_USER, '-d', DATABASE] },
    periodSeconds: 10,
    timeoutSeconds: 5,
  };
  const statefulSet = StatefulSet({
    metadata,
    spec: {
      serviceName: POSTGRES_NAME,
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          securityContext: {
            runAsNonRoot: true,
            runAsUser: POSTGRES_UID,
            runAsGroup: POSTGRES_UID,
            fsGroup: POSTGRES_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'postgres',
              image: POSTGRES_IMAGE,
              ports: [{ name: 'postgres', containerPort: POSTGRES_PORT }],
              env: [
                { name: 'POSTGRES_DB', value: DATABASE },
                { name: 'POSTGRES_USER', value: DATABASE_USER },
                {
                  name: 'POSTGRES_PASSWORD',
                  valueFrom: { secretKeyRef: { name: KEYCLOAK_DB_SECRET, key: 'password' } },
                },
                // A subdirectory: the volume's root is not empty on every provisioner (lost+found).
                { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
              ],
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
              readinessProbe: ready,
              livenessProbe: { ...ready, initialDelaySeconds: 30, failureThreshold: 6 },
              resources: structuredClone(RESOURCES.medium),
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: 'local-path-retain',
            resources: { requests: { storage: ctx.volumeSize('keycloak') } },
          },
        },
      ],
    },
  });
  const service = Service({
    metadata,
    spec: {
      selector: labels,
      ports: [{ name: 'postgres', port: POSTGRES_PORT, targetPort: 'postgres' }],
    },
  });
  return [plain(service), plain(statefulSet)];
}

function httpRoute(ctx: RenderContext): KubeObject {
  return plain(
    HTTPRoute({
      metadata: { name: FULLNAME, namespace: KEYCLOAK_NAMESPACE, labels: { ...MANAGED_BY } },
      spec: {
        // The cluster's own HTTPS listener (*.<cluster>.<domain>); plain HTTP is not routed here.
        parentRefs: [
          {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            namespace: GATEWAY_NAMESPACE,
            name: GATEWAY_NAME,
            sectionName: 'https',
          },
        ],
        hostnames: [ctx.hostname('keycloak')],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [{ name: KEYCLOAK_HTTP_SERVICE, port: 80 }],
          },
        ],
      },
    }),
  );
}

export function renderKeycloak(ctx: RenderContext): RenderedAddon {
  const values = {
    fullnameOverride: FULLNAME,
    // Production mode; TLS ends at the Gateway, which forwards X-Forwarded-* headers (proxy.mode).
    command: [
      '/opt/keycloak/bin/kc.sh',
      'start',
      '--http-port=8080',
      `--hostname=https://${ctx.hostname('keycloak')}`,
    ],
    extraEnv: toYaml(keycloakEnv()),
    resources: structuredClone(RESOURCES.keycloak),
    http: { relativePath: '/' },
    proxy: { enabled: true, mode: 'xforwarded' },
    database: {
      vendor: 'postgres',
      hostname: POSTGRES_NAME,
      port: POSTGRES_PORT,
      database: DATABASE,
      username: DATABASE_USER,
      existingSecret: KEYCLOAK_DB_SECRET,
      existingSecretKey: 'password',
    },
    // Waits for PostgreSQL before Keycloak starts (the chart's busybox init container, 20m/32Mi).
    dbchecker: { enabled: true },
  };
  const manifests: KubeObject[] = [
    externalSecret({
      name: KEYCLOAK_ADMIN_SECRET,
      namespace: KEYCLOAK_NAMESPACE,
      key: KEYCLOAK_VAULT_KEY,
      data: { username: 'admin-username', password: 'admin-password' },
    }),
    externalSecret({
      name: KEYCLOAK_DB_SECRET,
      namespace: KEYCLOAK_NAMESPACE,
      key: KEYCLOAK_VAULT_KEY,
      data: { password: 'db-password' },
    }),
    ...postgres(ctx),
  ];
  if (ctx.enabled('gateway-api')) manifests.push(httpRoute(ctx));
  const vaultKv = [
    {
      path: `${KV_PLATFORM_PREFIX}/${KEYCLOAK_VAULT_KEY}`,
      data: {
        'admin-username': { text: 'admin' },
        'admin-password': { generated: 'keycloak/admin' },
        'db-password': { generated: 'keycloak/db' },
      },
    },
  ];
  return { values, manifests, vaultKv };
}

export const keycloak: AddonDefinition = {
  name: 'keycloak',
  title: 'Keycloak (SSO)',
  phase: 'identity',
  namespace: KEYCLOAK_NAMESPACE,
  scope: 'management',
  scopeReason: 'platform services run only on the management cluster (ADR-001)',
  defaultPlacement: 'management',
  requires: [
    { addon: 'vault', on: 'management', why: 'its admin credentials are kept in Vault' },
    { addon: 'external-secrets', on: 'same', why: 'the credentials reach it as an ExternalSecret' },
    { addon: 'local-path', on: 'same', why: 'its PostgreSQL keeps its data on a local-path-retain volume' },
  ],
  after: [{ addon: 'gateway-api', on: 'same', why: 'it is exposed through an HTTPRoute on main-gateway' }],
  seed: '§10.2 3.1',
  plan: { releaseSeconds: 120 },
  render: renderKeycloak,
};
