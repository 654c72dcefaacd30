/** The platform's own analyzers: each with its finding and a case without one (objects as the API returns them). */
import { describe, expect, it } from 'vitest';
import { analyzeSnapshot, type Snapshot } from './analyze.js';
import { EMPTY_SNAPSHOT } from '../test-support/snapshot.js';

const empty = EMPTY_SNAPSHOT;
const meta = (name: string, extra: object = {}) => ({ name, namespace: 'demo', generation: 1, ...extra });
const run = (analyzer: string, snapshot: Partial<Snapshot>) =>
  analyzeSnapshot('mgmt', { ...empty, ...snapshot }, [analyzer]).map(
    (f) => `${f.object} ${f.severity}: ${f.evidence}`,
  );
const ready = (status: 'True' | 'False', reason?: string, message?: string) => ({
  conditions: [{ type: 'Ready', status, ...(reason ? { reason } : {}), ...(message ? { message } : {}) }],
});

describe('platform analyzers', () => {
  it('Vault: sealed, not answering; unsealed is fine, and a cluster without Vault has no finding', () => {
    const address = 'https://127.132.64.202:8200';
    expect(run('Vault', { vault: { address, answered: true, initialized: true, sealed: true } })).toEqual([
      `Vault ${address} error: sys/seal-status: sealed true: every secret read, login and certificate issued through it fails`,
    ]);
    expect(
      run('Vault', {
        vault: { address, answered: false, error: 'connect ECONNREFUSED 127.132.64.202:8200' },
      }),
    ).toEqual([`Vault ${address} error: does not answer: connect ECONNREFUSED 127.132.64.202:8200`]);
    expect(run('Vault', { vault: { address, answered: true, initialized: true, sealed: false } })).toEqual(
      [],
    );
    expect(run('Vault', {})).toEqual([]);
  });

  it("ExternalSecret: not syncing with the provider's message, a store not Ready, one never reconciled (a warning); a synced one is fine", () => {
    expect(
      run('ExternalSecret', {
        externalSecrets: [
          {
            kind: 'ExternalSecret',
            metadata: meta('db'),
            spec: {
              secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-backend' },
              target: { name: 'db' },
            },
            status: ready(
              'False',
              'SecretSyncedError',
              'could not get secret data from provider: secret/data/missing: not found',
            ),
          },
          { kind: 'ExternalSecret', metadata: meta('fresh'), spec: {} },
          { kind: 'ExternalSecret', metadata: meta('ok'), spec: {}, status: ready('True', 'SecretSynced') },
        ],
        secretStores: [
          {
            kind: 'ClusterSecretStore',
            metadata: { name: 'vault-backend', generation: 1 },
            status: ready(
              'False',
              'InvalidProviderConfig',
              'unable to log in to auth method: permission denied',
            ),
          },
        ],
      }),
    ).toEqual([
      'ClusterSecretStore vault-backend error: Ready is False (InvalidProviderConfig: unable to log in to auth method: permission denied)',
      'ExternalSecret demo/db error: Ready is False (SecretSyncedError: could not get secret data from provider: secret/data/missing: not found); from ClusterSecretStore vault-backend into Secret db',
      'ExternalSecret demo/fresh warning: no Ready condition yet',
    ]);
  });

  it('Certificate: not Ready, inside its renew window, expired; issuers not Ready; a Ready one outside its window is fine', () => {
    const certificate = (name: string, status: object) => ({
      kind: 'Certificate',
      metadata: meta(name),
      spec: {},
      status,
    });
    expect(
      run('Certificate', {
        certificates: [
          certificate('failing', ready('False', 'Failed', 'the issuer vault-issuer is not ready')),
          certificate('overdue', {
            ...ready('True'),
            renewalTime: '2026-12-01T00:00:00Z',
            notAfter: '2026-12-20T00:00:00Z',
          }),
          certificate('expired', {
            ...ready('True'),
            renewalTime: '2026-11-01T00:00:00Z',
            notAfter: '2026-12-01T00:00:00Z',
          }),
          certificate('fine', {
            ...ready('True'),
            renewalTime: '2027-01-01T00:00:00Z',
            notAfter: '2027-02-01T00:00:00Z',
          }),
        ],
        issuers: [
          {
            kind: 'ClusterIssuer',
            metadata: { name: 'vault-issuer', generation: 1 },
            status: ready('False', 'ErrInitIssuer', 'Vault is sealed'),
          },
          { kind: 'ClusterIssuer', metadata: { name: 'selfsigned', generation: 1 }, status: ready('True') },
        ],
      }),
    ).toEqual([
      'ClusterIssuer vault-issuer error: Ready is False (ErrInitIssuer: Vault is sealed)',
      'Certificate demo/failing error: Ready is False (Failed: the issuer vault-issuer is not ready)',
      'Certificate demo/overdue warning: inside its renew window: renewal was due 2026-12-01T00:00:00Z, not after 2026-12-20T00:00:00Z',
      'Certificate demo/expired error: inside its renew window: renewal was due 2026-11-01T00:00:00Z, not after 2026-12-01T00:00:00Z; expired 2026-12-01T00:00:00Z',
    ]);
  });

  it('Autoscaling: max not above min, max reached, a saturating target, an HPA and a VPA in Auto on the same resource; a sound pair is fine', () => {
    const hpa = (name: string, target: string, spec: object, status: object = {}) => ({
      metadata: meta(name),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
        minReplicas: 1,
        maxReplicas: 5,
        ...spec,
      },
      status,
    });
    const cpu = (averageUtilization: number) => ({
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } },
      ],
    });
    const vpa = (name: string, target: string, updateMode?: string, resources?: string[]) => ({
      metadata: meta(name),
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
        ...(updateMode ? { updatePolicy: { updateMode } } : {}),
        ...(resources
          ? {
              resourcePolicy: { containerPolicies: [{ containerName: '*', controlledResources: resources }] },
            }
          : {}),
      },
    });
    expect(
      run('Autoscaling', {
        hpas: [
          hpa('stuck', 'a', { minReplicas: 3, maxReplicas: 3 }),
          hpa('maxed', 'b', cpu(70), {
            currentReplicas: 5,
            desiredReplicas: 5,
            conditions: [{ type: 'ScalingLimited', status: 'True', reason: 'TooManyReplicas' }],
          }),
          hpa('hot', 'c', cpu(97)),
          hpa('fight', 'd', {}),
          hpa('memory-vpa', 'e', cpu(70)),
          hpa('off-vpa', 'f', cpu(70)),
        ],
        vpas: [vpa('fight', 'd'), vpa('memory-vpa', 'e', 'Recreate', ['memory']), vpa('off-vpa', 'f', 'Off')],
      }),
    ).toEqual([
      'HorizontalPodAutoscaler demo/stuck warning: maxReplicas 3 is not above minReplicas 3: it can never scale',
      'HorizontalPodAutoscaler demo/maxed warning: at its maximum: 5 current, 5 desired, maxReplicas 5 (ScalingLimited: TooManyReplicas)',
      'HorizontalPodAutoscaler demo/hot warning: target cpu utilisation 97%: the pods saturate before it scales',
      "HorizontalPodAutoscaler demo/fight error: scales Deployment demo/d on cpu while VerticalPodAutoscaler demo/fight (updateMode Auto) sets its cpu requests: each change moves the other's signal",
    ]);
  });

  it('Monitor: a ServiceMonitor and a PodMonitor matching nothing, a Prometheus selecting no ServiceMonitor; matching ones are fine', () => {
    const labels = { 'app.kubernetes.io/name': 'web' };
    expect(
      run('Monitor', {
        services: [{ metadata: meta('web', { labels }), spec: {} }],
        pods: [{ metadata: meta('web-1', { labels }) }],
        namespaces: [{ metadata: { name: 'demo', labels: { 'kubernetes.io/metadata.name': 'demo' } } }],
        serviceMonitors: [
          {
            kind: 'ServiceMonitor',
            metadata: meta('stale', { labels: { release: 'prometheus' } }),
            spec: { selector: { matchLabels: { app: 'gone' } } },
          },
          {
            kind: 'ServiceMonitor',
            metadata: meta('elsewhere'),
            spec: { selector: { matchLabels: labels }, namespaceSelector: { matchNames: ['other'] } },
          },
          { kind: 'ServiceMonitor', metadata: meta('web'), spec: { selector: { matchLabels: labels } } },
        ],
        podMonitors: [
          {
            kind: 'PodMonitor',
            metadata: meta('stale-pods'),
            spec: { selector: { matchLabels: { app: 'gone' } } },
          },
          {
            kind: 'PodMonitor',
            metadata: meta('pods'),
            spec: { selector: { matchLabels: labels }, namespaceSelector: { any: true } },
          },
        ],
        prometheuses: [
          {
            kind: 'Prometheus',
            metadata: meta('picky'),
            spec: { serviceMonitorSelector: { matchLabels: { release: 'other' } } },
          },
          {
            kind: 'Prometheus',
            metadata: meta('main'),
            spec: {
              serviceMonitorSelector: { matchLabels: { release: 'prometheus' } },
              serviceMonitorNamespaceSelector: {},
            },
          },
          { kind: 'PrometheusAgent', metadata: meta('agent'), spec: {} },
        ],
      }),
    ).toEqual([
      'ServiceMonitor demo/stale warning: selector app=gone matches no Service in demo: nothing is scraped for it',
      'ServiceMonitor demo/elsewhere warning: selector app.kubernetes.io/name=web matches no Service in other: nothing is scraped for it',
      'PodMonitor demo/stale-pods warning: selector app=gone matches no pod in demo: nothing is scraped for it',
      'Prometheus demo/picky warning: serviceMonitorSelector release=other matches none of 3 ServiceMonitor(s)',
    ]);
    // With no PodMonitor at all there is nothing a podMonitorSelector could have selected.
    expect(
      run('Monitor', {
        podMonitors: [],
        prometheuses: [
          {
            kind: 'Prometheus',
            metadata: meta('main'),
            spec: { podMonitorSelector: { matchLabels: { release: 'x' } } },
          },
        ],
      }),
    ).toEqual([]);
  });

  it('Shipping: a pinned address no Service holds, a missing in-cluster Service, a name that does not resolve; ones that exist are fine', () => {
    const lb = (address: string) => ({
      metadata: {
        name: 'thanos-receive',
        namespace: 'monitoring',
        annotations: { 'metallb.io/loadBalancerIPs': address },
      },
      spec: { type: 'LoadBalancer' },
    });
    const pinned = (host: string, address: string, services: object[] | undefined) => ({
      source: 'prometheus remote-write',
      url: `http://${host}:19291/api/v1/receive`,
      host,
      names: {
        kind: 'pinned' as const,
        cluster: 'mgmt',
        service: 'thanos-receive',
        pinned: address,
        ...(services ? { services: services as never } : {}),
      },
    });
    expect(
      run('Shipping', {
        services: [{ metadata: { name: 'loki', namespace: 'logging' }, spec: {} }],
        shipping: [
          pinned('127.132.64.204', '192.168.64.204', [lb('192.168.64.210')]),
          pinned('127.132.64.204', '192.168.64.204', [lb('192.168.64.204')]),
          pinned('127.132.64.204', '192.168.64.204', undefined),
          {
            source: 'promtail client',
            url: 'http://loki-gateway.logging.svc.cluster.local/loki/api/v1/push',
            host: 'loki-gateway.logging.svc.cluster.local',
            names: { kind: 'in-cluster', namespace: 'logging', name: 'loki-gateway' },
          },
          {
            source: 'promtail client',
            url: 'http://loki.logging.svc.cluster.local:3100/loki/api/v1/push',
            host: 'loki.logging.svc.cluster.local',
            names: { kind: 'in-cluster', namespace: 'logging', name: 'loki' },
          },
          {
            source: 'otel-collector exporter',
            url: 'tempo.example.invalid:4317',
            host: 'tempo.example.invalid',
            names: { kind: 'dns', resolved: false, error: 'ENOTFOUND' },
          },
          {
            source: 'otel-collector exporter',
            url: 'localhost:4317',
            host: 'localhost',
            names: { kind: 'dns', resolved: true },
          },
        ],
      }),
    ).toEqual([
      'prometheus remote-write http://127.132.64.204:19291/api/v1/receive error: 127.132.64.204 is the pinned address of thanos-receive on mgmt (192.168.64.204), but no LoadBalancer Service there holds it',
      'promtail client http://loki-gateway.logging.svc.cluster.local/loki/api/v1/push error: Service logging/loki-gateway (loki-gateway.logging.svc.cluster.local) does not exist on mgmt',
      'otel-collector exporter tempo.example.invalid:4317 error: tempo.example.invalid does not resolve (ENOTFOUND)',
    ]);
  });

  it('Drift: a drifted step and a failed one, the spec changed since up; steps in sync, new or not checked are fine', () => {
    expect(
      run('Drift', {
        steps: [
          { id: 'mgmt/namespaces', state: 'drifted', drift: 'Namespace vault: labels differ' },
          { id: 'mgmt/vault/release', state: 'failed', error: 'helm upgrade: timed out' },
          { id: 'mgmt/cilium/release', state: 'changed' },
          { id: 'mgmt/bootstrap', state: 'in sync' },
          { id: 'mgmt/loki/release', state: 'new' },
          { id: 'mgmt/minio/release', state: 'not checked' },
        ],
      }),
    ).toEqual([
      'Step mgmt/namespaces warning: drifted from the last up: Namespace vault: labels differ',
      'Step mgmt/vault/release error: failed in the last up: helm upgrade: timed out',
      'Step mgmt/cilium/release warning: the spec changed since the last up: what runs is not what the spec says',
    ]);
  });

  it('PodSecurityExemption: expiring within 14 days is a warning, expired an error; one 15 days out, or no exemption, is fine', () => {
    const ns = (name: string, expires?: string) => ({
      metadata: {
        name,
        labels: { 'pod-security.kubernetes.io/enforce': 'privileged' },
        ...(expires
          ? {
              annotations: {
                'platformctl.dev/psa-exemption-expires': expires,
                'platformctl.dev/psa-exemption-reason': 'eBPF agent',
                'platformctl.dev/psa-exemption-approved-by': 'platform-team',
              },
            }
          : {}),
      },
    });
    expect(
      run('PodSecurityExemption', {
        namespaces: [
          ns('falco', '2026-12-21'),
          ns('today', '2026-12-07'),
          ns('old', '2026-12-06'),
          ns('later', '2026-12-22'),
          ns('plain'),
        ],
      }),
    ).toEqual([
      'Namespace falco warning: Pod Security exemption expires in 14 day(s), on 2026-12-21 (enforce privileged, "eBPF agent", approved by platform-team)',
      'Namespace today warning: Pod Security exemption expires today, on 2026-12-07 (enforce privileged, "eBPF agent", approved by platform-team)',
      'Namespace old error: Pod Security exemption expired on 2026-12-06 (enforce privileged, "eBPF agent", approved by platform-team)',
    ]);
  });
});
