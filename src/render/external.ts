/**
 * The services outside the clusters, in forms that run (seed correction 29):
 * - Argo CD needs a Kubernetes API, a repo server, a controller and Redis, not one container:
 *   it is installed by its Helm chart on the management cluster, and every cluster is registered
 *   through an ExternalSecret whose credentials live in Vault (never rendered).
 * - Harbor is installed with its own installer and compose layout from harbor.yml; its
 *   passwords are to be generated into .platformctl/secrets at install time, never rendered.
 *   TODO(#16): nothing installs the external services yet; they are rendered only.
 * - Nexus is one container: a compose file.
 */
import type { KubeObject } from '../kube/objects.js';
import type { Platform } from '../spec/model.js';
import { MANAGED_BY } from '../kube/objects.js';
import { argocdCredentialsPath } from './argocd-credentials.js';
import { toYaml } from './yaml.js';

export const ARGOCD_CHART = {
  repository: 'https://argoproj.github.io/argo-helm',
  chart: 'argo-cd',
  version: '9.5.4',
} as const;
export const ARGOCD_NAMESPACE = 'argocd';
export const HARBOR_VERSION = 'v2.15.1';
export const NEXUS_IMAGE = 'sonatype/nexus3:3.86.2';
/** Harbor's proxy-cache project for Docker Hub; the nodes' containerd mirror points at it. */
export const HARBOR_DOCKERHUB_PROJECT = 'dockerhub';

export interface ExternalArtifact {
  readonly path: string;
  readonly content: string;
  /** Kubernetes objects in this file, for schema checks. */
  readonly objects?: readonly KubeObject[];
}

/**
 * Argo CD's health check for Application resources, for argocd-cm. Argo CD 1.8 removed it
 * (argo-cd#3781, #5585): without it an app-of-apps root calls a child Application healthy as soon
 * as it exists, so the next sync wave starts before the child's resources are up. This is the
 * check Argo CD's documentation gives (operator-manual/health.md, "Argocd App").
 */
export const APPLICATION_HEALTH_CHECK_KEY = 'resource.customizations.health.argoproj.io_Application';
export const APPLICATION_HEALTH_CHECK_LUA = `hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
`;

/** The label on each cluster Secret naming its cluster, for ApplicationSet cluster generators. */
export const CLUSTER_LABEL = 'platformctl.dev/cluster';
export const CLUSTER_ROLE_LABEL = 'platformctl.dev/cluster-role';

/**
 * One ExternalSecret per cluster that makes Argo CD's cluster Secret (label
 * argocd.argoproj.io/secret-type: cluster) from Vault: the credentials are never rendered. `up`
 * writes them (the `argocd-manager` token and the cluster's CA, render/argocd-credentials.ts).
 */
export function argocdClusterSecrets(platform: Platform): KubeObject[] {
  return platform.clusters.map((cluster) => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: `cluster-${cluster.name}`, namespace: ARGOCD_NAMESPACE, labels: { ...MANAGED_BY } },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { name: 'vault-backend', kind: 'ClusterSecretStore' },
      target: {
        name: `cluster-${cluster.name}`,
        deletionPolicy: 'Retain',
        template: {
          metadata: {
            labels: {
              'argocd.argoproj.io/secret-type': 'cluster',
              [CLUSTER_LABEL]: cluster.name,
              [CLUSTER_ROLE_LABEL]: cluster.role,
            },
          },
          data: {
            name: cluster.name,
            server: `https://${cluster.addresses.api}:6443`,
            // Argo CD's caData is the PEM in base64.
            config:
              '{"bearerToken":"{{ .bearerToken }}","tlsClientConfig":{"caData":"{{ .caData | b64enc }}"}}',
          },
        },
      },
      data: ['bearerToken', 'caData'].map((property) => ({
        secretKey: property,
        remoteRef: { key: argocdCredentialsPath(cluster.name), property },
      })),
    },
  }));
}

function argocd(platform: Platform): ExternalArtifact[] {
  const service = platform.externalServices.argocd!;
  const management = platform.managementCluster;
  const values = {
    global: { domain: `argocd.${management}.${platform.network.domain}` },
    // TLS ends at the platform Gateway; Argo CD's own server speaks plain HTTP behind it.
    configs: {
      params: { 'server.insecure': true },
      // Sync waves of an app-of-apps wait for the child Applications' health (argo-cd#5585).
      cm: { [APPLICATION_HEALTH_CHECK_KEY]: APPLICATION_HEALTH_CHECK_LUA },
    },
    dex: { enabled: false },
    controller: {
      resources: {
        requests: { cpu: '250m', memory: `${Math.round(service.memoryGiB * 256)}Mi` },
        limits: { memory: `${Math.round(service.memoryGiB * 512)}Mi` },
      },
    },
    server: { resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } } },
    repoServer: { resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } } },
    redis: { resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } } },
  };
  const registrations = argocdClusterSecrets(platform);
  const release = {
    ...ARGOCD_CHART,
    cluster: management,
    namespace: ARGOCD_NAMESPACE,
    why: 'Argo CD needs a Kubernetes API (correction 29)',
  };
  return [
    { path: 'external/argocd/release.json', content: `${JSON.stringify(release, null, 2)}\n` },
    { path: 'external/argocd/values.yaml', content: toYaml(values) },
    {
      path: 'external/argocd/clusters.yaml',
      content: registrations.map(toYaml).join('---\n'),
      objects: registrations,
    },
  ];
}

function harbor(platform: Platform): ExternalArtifact[] {
  const service = platform.externalServices.harbor!;
  const config = {
    hostname: `harbor.${platform.network.domain}`,
    http: { port: 80 },
    https: { port: 443, certificate: '/data/cert/harbor.crt', private_key: '/data/cert/harbor.key' },
    data_volume: '/data',
    trivy: { ignore_unfixed: false, skip_update: false, insecure: false },
    jobservice: {
      max_job_workers: Math.max(2, service.cpus * 2),
      job_loggers: ['STD_OUTPUT', 'FILE'],
      logger_sweeper_duration: 1,
    },
    notification: { webhook_job_max_retry: 3 },
    log: { level: 'info', local: { rotate_count: 50, rotate_size: '200M', location: '/var/log/harbor' } },
    _version: HARBOR_VERSION.replace(/^v/, ''),
  };
  const header = [
    `# Harbor ${HARBOR_VERSION} installer configuration (its own compose layout, correction 29).`,
    '# harbor_admin_password and database.password are not written here (correction 21): set them',
    '# to generated values kept with mode 0600 before running the installer.',
  ].join('\n');
  const install = {
    version: HARBOR_VERSION,
    installer: `https://github.com/goharbor/harbor/releases/download/${HARBOR_VERSION}/harbor-online-installer-${HARBOR_VERSION}.tgz`,
    proxyCacheProjects: [
      { name: HARBOR_DOCKERHUB_PROJECT, registry: 'docker-hub', endpoint: 'https://hub.docker.com' },
    ],
    resources: { cpus: service.cpus, memoryGiB: service.memoryGiB, diskGiB: service.diskGiB },
  };
  return [
    { path: 'external/harbor/harbor.yml', content: `${header}\n${toYaml(config)}` },
    { path: 'external/harbor/install.json', content: `${JSON.stringify(install, null, 2)}\n` },
  ];
}

function nexus(platform: Platform): ExternalArtifact[] {
  const service = platform.externalServices.nexus!;
  // Heap and direct memory take about two thirds of the container limit, as Sonatype sizes it.
  const heapMiB = Math.max(512, Math.floor((service.memoryGiB * 1024) / 3));
  const compose = {
    name: 'platformctl-nexus',
    services: {
      nexus: {
        image: NEXUS_IMAGE,
        restart: 'unless-stopped',
        ports: ['8081:8081'],
        environment: {
          INSTALL4J_ADD_VM_PARAMS: `-Xms${heapMiB}m -Xmx${heapMiB}m -XX:MaxDirectMemorySize=${heapMiB}m`,
        },
        volumes: ['nexus-data:/nexus-data'],
        deploy: {
          resources: {
            limits: { cpus: String(service.cpus), memory: `${Math.round(service.memoryGiB * 1024)}M` },
          },
        },
        healthcheck: {
          test: ['CMD', 'curl', '-fsS', 'http://localhost:8081/service/rest/v1/status'],
          interval: '30s',
          timeout: '10s',
          retries: 10,
          start_period: '120s',
        },
      },
    },
    volumes: { 'nexus-data': {} },
  };
  return [{ path: 'external/nexus/compose.yaml', content: toYaml(compose) }];
}

export function externalServices(platform: Platform): ExternalArtifact[] {
  return [
    ...(platform.externalServices.argocd?.enabled ? argocd(platform) : []),
    ...(platform.externalServices.harbor?.enabled ? harbor(platform) : []),
    ...(platform.externalServices.nexus?.enabled ? nexus(platform) : []),
  ];
}
