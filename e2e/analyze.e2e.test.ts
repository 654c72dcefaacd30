/**
 * `platformctl analyze` end to end on kwok: mgmt only, up to Vault, External Secrets, the VPA and
 * kube-prometheus-stack (their CRDs are what the platform analyzers read) and promtail shipping to
 * Loki, with the real
 * kube-apiserver, controller-manager and scheduler, the real cert-manager and External Secrets
 * controllers on the host and the real Vault. The healthy platform has no error finding; then the test breaks real things
 * and asserts each finding with its evidence, and the objects beside them without one.
 * TODO(#14): cases with unit tests only so far: GatewayClass/Gateway conditions (no Gateway
 * controller runs on kwok), a Certificate inside its renew window (the real cert-manager renews it
 * at once), a ClusterSecretStore Ready False, shipping to a pinned address of another cluster
 * (needs app1) or to a name that does not resolve, and an ExternalSecret no controller has
 * reconciled yet (the real one on the host answers within a second).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/clients/kube.js';
import { VaultClient } from '../src/clients/vault.js';
import type { KubeObject } from '../src/kube/objects.js';
import type { Finding } from '../src/ops/analyze.js';
import { cliIn, kwokProject, requireHarness } from './support/project.js';

requireHarness('kwokctl', 'vault', 'cert-manager-controller', 'external-secrets-controller');

const project = kwokProject('analyze-e2e', ['keycloak', 'k8sgpt']);
const cli = cliIn(project);
const NS = 'analyze-demo';
let client: KubeClient;

interface Run {
  readonly code: number | null;
  readonly findings: Finding[];
  readonly stderr: string;
}

function analyze(...args: string[]): Run {
  const run = cli('analyze', '--cluster', 'mgmt', '-o', 'json', ...args);
  let findings: Finding[] = [];
  try {
    findings = (JSON.parse(run.stdout) as { findings: Finding[] }).findings;
  } catch {
    findings = [];
  }
  return { code: run.code, findings, stderr: run.stderr };
}

/** analyze until `done` holds (controllers act within seconds), else the last run. */
async function analyzeUntil(args: string[], done: (findings: Finding[]) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = analyze(...args);
    if (done(run.findings) || Date.now() > deadline) return run;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const about = (findings: Finding[], object: string) => findings.filter((f) => f.object === object);

function vault(): VaultClient {
  const server = JSON.parse(readFileSync(join(project, '.platformctl/kwok/vault/server.json'), 'utf8')) as {
    address: string;
  };
  const secret = JSON.parse(readFileSync(join(project, '.platformctl/secrets/vault.json'), 'utf8')) as {
    rootToken: string;
  };
  return new VaultClient(
    { address: server.address, ca: readFileSync(join(project, '.platformctl/kwok/vault/ca.crt'), 'utf8') },
    secret.rootToken,
  );
}

async function unsealVault(): Promise<void> {
  const secret = JSON.parse(readFileSync(join(project, '.platformctl/secrets/vault.json'), 'utf8')) as {
    unsealKeys: string[];
  };
  for (const key of secret.unsealKeys) if (!(await vault().unseal(key)).sealed) break;
}

const deployment = (name: string, replicas: number, cpu: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: NS },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu } } }],
      },
    },
  },
});

const hpa = (name: string, target: string): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name, namespace: NS },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
    minReplicas: 1,
    maxReplicas: 4,
    metrics: [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ],
  },
});

beforeAll(async () => {
  const up = cli(
    'up',
    '--only',
    'mgmt/external-secrets/manifests,mgmt/vpa/release,mgmt/prometheus/release,mgmt/promtail/release',
  );
  expect(up.stderr).not.toContain('platformctl:');
  expect(up.code).toBe(0);
  client = await KubeClient.fromFile(join(project, 'kubeconfigs/mgmt.conf'));
}, 900_000);

afterAll(() => {
  // Never leave a control plane, a host controller or a Vault behind, even when a test failed.
  cli('down');
});

describe('platformctl analyze on kwok', () => {
  it('a healthy platform: no error finding, exit 0; its warnings fail only --fail-on warning', () => {
    const run = analyze();
    expect(run.stderr).toBe('');
    expect(run.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(run.code).toBe(0);
    // The real External Secrets controller on the host made the store Ready: nothing to say.
    expect(about(run.findings, 'ClusterSecretStore vault-backend')).toEqual([]);
    const warnings = run.findings.filter((f) => f.severity === 'warning');
    expect(analyze('--fail-on', 'warning').code).toBe(warnings.length > 0 ? 1 : 0);
    // Served kinds only: nothing here is a list that failed.
    expect(run.findings.filter((f) => f.analyzer === 'Snapshot')).toEqual([]);
  });

  it('an unknown --filter name is exit 2 with a suggestion', () => {
    const run = cli('analyze', '--filter', 'Monitr');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('did you mean "Monitor"?');
  });

  it("workloads the scheduler cannot place, an HPA at a missing Deployment, an HPA and a VPA on one workload's cpu, a ServiceMonitor selecting nothing", async () => {
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    for (const object of [
      deployment('too-big', 3, '64'),
      deployment('web', 1, '10m'),
      hpa('orphan', 'missing'),
      hpa('web', 'web'),
      {
        apiVersion: 'autoscaling.k8s.io/v1',
        kind: 'VerticalPodAutoscaler',
        metadata: { name: 'web', namespace: NS },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          updatePolicy: { updateMode: 'Recreate' },
        },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'nothing', namespace: NS },
        spec: { selector: { matchLabels: { app: 'nothing' } }, endpoints: [{ port: 'http' }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: NS, labels: { app: 'web' } },
        spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'web', namespace: NS },
        spec: { selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'http' }] },
      },
    ] as KubeObject[])
      await client.apply(object);

    const filter = ['--filter', 'Pod,Workload,HorizontalPodAutoscaler,Autoscaling,Monitor'];
    const run = await analyzeUntil(
      filter,
      (findings) =>
        findings.filter((f) => f.object.startsWith(`Pod ${NS}/too-big-`) && /Unschedulable/.test(f.evidence))
          .length === 3,
    );
    expect(run.code).toBe(1);
    const unschedulable = run.findings.filter((f) => f.object.startsWith(`Pod ${NS}/too-big-`));
    expect(unschedulable).toHaveLength(3);
    for (const f of unschedulable) {
      expect(f.severity).toBe('error');
      // The real scheduler's reason.
      expect(f.evidence).toMatch(/^Pending: Unschedulable: 0\/2 nodes are available: .*Insufficient cpu/);
    }
    expect(about(run.findings, `Deployment ${NS}/too-big`)).toEqual([
      expect.objectContaining({ analyzer: 'Workload', severity: 'error', evidence: '0/3 replicas ready' }),
    ]);
    expect(about(run.findings, `HorizontalPodAutoscaler ${NS}/orphan`)).toEqual([
      expect.objectContaining({
        analyzer: 'HorizontalPodAutoscaler',
        severity: 'error',
        evidence: `scaleTargetRef Deployment ${NS}/missing does not exist`,
      }),
    ]);
    expect(
      about(run.findings, `HorizontalPodAutoscaler ${NS}/web`).filter((f) => f.analyzer === 'Autoscaling'),
    ).toEqual([
      expect.objectContaining({
        severity: 'error',
        evidence: `scales Deployment ${NS}/web on cpu while VerticalPodAutoscaler ${NS}/web (updateMode Recreate) sets its cpu requests: each change moves the other's signal`,
      }),
    ]);
    expect(about(run.findings, `ServiceMonitor ${NS}/nothing`)).toEqual([
      expect.objectContaining({
        analyzer: 'Monitor',
        severity: 'warning',
        evidence: `selector app=nothing matches no Service in ${NS}: nothing is scraped for it`,
      }),
    ]);
    // Beside them, what is sound has no finding: the web Deployment and its pod, its ServiceMonitor.
    expect(about(run.findings, `Deployment ${NS}/web`)).toEqual([]);
    expect(run.findings.filter((f) => f.object.startsWith(`Pod ${NS}/web-`))).toEqual([]);
    expect(about(run.findings, `ServiceMonitor ${NS}/web`)).toEqual([]);

    // Fixing the conflict (the VPA recommends only) removes that finding, by the live object.
    await client.apply({
      apiVersion: 'autoscaling.k8s.io/v1',
      kind: 'VerticalPodAutoscaler',
      metadata: { name: 'web', namespace: NS },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        updatePolicy: { updateMode: 'Off' },
      },
    });
    const fixed = analyze('--filter', 'Autoscaling');
    expect(fixed.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('on the real API: a suspended CronJob, an Ingress and an HTTPRoute to missing backends, a PDB blocking every eviction, a NetworkPolicy selecting nothing, a pending claim, a Service without endpoints, a webhook to a missing Service, an HPA that cannot scale, a Certificate whose issuer is missing (cert-manager on the host)', async () => {
    for (const object of [
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'paused', namespace: NS },
        spec: {
          schedule: '0 3 * * *',
          suspend: true,
          jobTemplate: {
            spec: {
              template: {
                spec: {
                  restartPolicy: 'Never',
                  containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }],
                },
              },
            },
          },
        },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'lost', namespace: NS },
        spec: {
          rules: [
            {
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'gone', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'lost', namespace: NS },
        spec: {
          parentRefs: [{ name: 'nowhere', namespace: 'gateway-system' }],
          rules: [{ backendRefs: [{ name: 'gone', port: 80 }] }],
        },
      },
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'web', namespace: NS },
        spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'web' } } },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'stale', namespace: NS },
        spec: { podSelector: { matchLabels: { app: 'old-web' } }, policyTypes: ['Ingress'] },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'web', namespace: NS },
        spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] },
      },
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', namespace: NS },
        spec: {
          storageClassName: 'no-such-class',
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'lonely', namespace: NS },
        spec: { selector: { app: 'nobody' }, ports: [{ port: 80 }] },
      },
      {
        // Ignore and a rule for a resource nobody has: the cluster keeps working.
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: 'analyze-stale' },
        webhooks: [
          {
            name: 'stale.analyze.example.io',
            failurePolicy: 'Ignore',
            sideEffects: 'None',
            admissionReviewVersions: ['v1'],
            clientConfig: { service: { name: 'gone', namespace: NS } },
            rules: [
              {
                apiGroups: ['analyze.example.io'],
                apiVersions: ['v1'],
                operations: ['CREATE'],
                resources: ['nothings'],
              },
            ],
          },
        ],
      },
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'pinned', namespace: NS },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 2,
          maxReplicas: 2,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 97 } },
            },
          ],
        },
      },
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'orphan', namespace: NS },
        spec: {
          secretName: 'orphan-tls',
          dnsNames: ['orphan.example.test'],
          issuerRef: { name: 'no-such-issuer', kind: 'ClusterIssuer', group: 'cert-manager.io' },
        },
      },
    ] as KubeObject[])
      await client.apply(object);
    const run = await analyzeUntil(
      [
        '--filter',
        'CronJob,Ingress,Gateway,PodDisruptionBudget,NetworkPolicy,Certificate,PersistentVolumeClaim,Service,Webhook,Autoscaling',
      ],
      (findings) =>
        about(findings, `PodDisruptionBudget ${NS}/web`).length > 0 &&
        about(findings, `Certificate ${NS}/orphan`).some((f) => f.severity === 'error'),
    );
    const line = (object: string) => about(run.findings, object).map((f) => `${f.severity}: ${f.evidence}`);
    expect(line(`CronJob ${NS}/paused`)).toEqual([
      'warning: suspended (spec.suspend true, schedule "0 3 * * *"), never scheduled',
    ]);
    expect(line(`Ingress ${NS}/lost`)).toEqual([
      'error: no ingressClassName and no default IngressClass: no controller serves it',
      `error: backend Service ${NS}/gone does not exist`,
    ]);
    expect(line(`HTTPRoute ${NS}/lost`)).toEqual([
      'error: parentRef Gateway gateway-system/nowhere does not exist',
      `error: backendRef Service ${NS}/gone does not exist`,
    ]);
    // expectedPods as the real disruption controller counts them.
    expect(line(`PodDisruptionBudget ${NS}/web`)).toEqual([
      'warning: maxUnavailable 0: no pod may ever be evicted (1 pod(s) covered)',
    ]);
    expect(line(`NetworkPolicy ${NS}/stale`)).toEqual([
      `warning: podSelector app=old-web selects no pod in ${NS}`,
    ]);
    expect(line(`NetworkPolicy ${NS}/web`)).toEqual([]);
    expect(line(`PersistentVolumeClaim ${NS}/data`)).toEqual([
      'error: Pending (storageClassName no-such-class)',
    ]);
    expect(line(`Service ${NS}/lonely`)).toEqual(['warning: no ready endpoint for selector app=nobody']);
    // The web Service has the web pod behind it, as the real EndpointSlice controller records.
    expect(line(`Service ${NS}/web`)).toEqual([]);
    expect(line('ValidatingWebhookConfiguration analyze-stale')).toEqual([
      `error: webhook stale.analyze.example.io calls Service ${NS}/gone, which does not exist`,
    ]);
    expect(line(`HorizontalPodAutoscaler ${NS}/pinned`)).toEqual([
      'warning: maxReplicas 2 is not above minReplicas 2: it can never scale',
      'warning: target memory utilisation 97%: the pods saturate before it scales',
    ]);
    // Ready False as the real cert-manager controller writes it; the platform's own certificates are fine.
    expect(line(`Certificate ${NS}/orphan`)).toEqual([expect.stringMatching(/^error: Ready is False \(/)]);
    expect(run.findings.filter((f) => f.analyzer === 'Certificate' && !f.object.includes(NS))).toEqual([]);
  });

  it('what the real controllers write: a ReplicaSet and a DaemonSet refused by a ResourceQuota, a CronJob whose last Job passed its deadline, an HPA the real autoscaler holds at its maximum', async () => {
    const ns = 'analyze-controllers';
    const pod = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
      metadata: { labels },
      spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }], ...extra },
    });
    for (const name of [ns, NS])
      await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    // No pod may be created in the namespace: the replica set and daemon set controllers say so.
    await client.apply({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'no-pods', namespace: ns },
      spec: { hard: { pods: '0' } },
    });
    await client.apply({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'refused', namespace: ns },
      spec: { replicas: 1, selector: { matchLabels: { app: 'refused' } }, template: pod({ app: 'refused' }) },
    });
    await client.apply({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agents', namespace: ns },
      spec: { selector: { matchLabels: { app: 'agents' } }, template: pod({ app: 'agents' }) },
    });
    // A Job of a CronJob whose pod can never be placed: the real Job controller fails it at its deadline.
    await client.apply({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: NS },
      spec: {
        schedule: '0 3 * * *',
        jobTemplate: { spec: { template: pod({ app: 'nightly' }, { restartPolicy: 'Never' }) } },
      },
    });
    const cronJob = await client.get<KubeObject & { metadata: { uid: string } }>(
      `/apis/batch/v1/namespaces/${NS}/cronjobs/nightly`,
    );
    await client.apply({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'nightly-manual',
        namespace: NS,
        ownerReferences: [
          { apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: cronJob.metadata.uid },
        ],
      },
      spec: {
        activeDeadlineSeconds: 1,
        backoffLimit: 0,
        template: pod(
          { app: 'nightly' },
          { restartPolicy: 'Never', nodeSelector: { 'analyze.example.io/nowhere': 'true' } },
        ),
      },
    });
    // Four replicas under an autoscaler allowing two: the real HPA controller scales down to its
    // maximum without any metric (kwok has no metrics API), and stays there.
    await client.apply(deployment('crowd', 4, '10m'));
    await client.apply({
      ...hpa('crowd', 'crowd'),
      spec: { ...(hpa('crowd', 'crowd').spec as object), maxReplicas: 2 },
    });

    const wanted = [
      `ReplicaSet ${ns}/refused`,
      `DaemonSet ${ns}/agents`,
      `CronJob ${NS}/nightly`,
      `HorizontalPodAutoscaler ${NS}/crowd`,
    ];
    const run = await analyzeUntil(
      [],
      (findings) =>
        wanted.every((object) => about(findings, object).length > 0) &&
        about(findings, `CronJob ${NS}/nightly`).some((f) => f.severity === 'error'),
      120_000,
    );
    const line = (object: string) => about(run.findings, object).map((f) => `${f.severity}: ${f.evidence}`);
    expect(line(`ReplicaSet ${ns}/refused`)).toEqual([
      expect.stringMatching(
        /^error: 0\/1 replicas ready, ReplicaFailure \(FailedCreate.*exceeded quota: no-pods/,
      ),
    ]);
    expect(line(`DaemonSet ${ns}/agents`)).toEqual([
      expect.stringMatching(/^error: 0\/[1-9]\d* scheduled pods ready$/),
    ]);
    expect(line(`CronJob ${NS}/nightly`)).toEqual([
      expect.stringMatching(
        /^error: its last Job nightly-manual failed \(DeadlineExceeded.*; it never succeeded$/,
      ),
    ]);
    expect(about(run.findings, `HorizontalPodAutoscaler ${NS}/crowd`)).toContainEqual(
      expect.objectContaining({
        analyzer: 'Autoscaling',
        severity: 'warning',
        evidence: expect.stringMatching(/^at its maximum: \d+ current, 2 desired, maxReplicas 2/),
      }),
    );
    // The autoscaler really acted: the Deployment was scaled from 4 to its maximum.
    const crowd = await client.get<{ spec: { replicas: number } }>(
      `/apis/apps/v1/namespaces/${NS}/deployments/crowd`,
    );
    expect(crowd.spec.replicas).toBe(2);

    // The quota lifted, the controllers create the pods and the replica-set finding goes.
    await client.request('DELETE', `/api/v1/namespaces/${ns}/resourcequotas/no-pods`);
    const lifted = await analyzeUntil(
      [],
      (findings) => about(findings, `ReplicaSet ${ns}/refused`).length === 0,
      90_000,
    );
    expect(about(lifted.findings, `ReplicaSet ${ns}/refused`)).toEqual([]);
    for (const path of [
      `/apis/batch/v1/namespaces/${NS}/cronjobs/nightly`,
      `/apis/apps/v1/namespaces/${NS}/deployments/crowd`,
      `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/crowd`,
      `/api/v1/namespaces/${ns}`,
    ])
      await client.request('DELETE', path);
  });

  it('a Node under memory pressure (the condition written by the test, as a kubelet reports it; kwok keeps it) is a warning, gone once it clears', async () => {
    const nodes = await client.list<KubeObject>('v1', 'Node');
    const node = nodes.find((n) => !n.metadata.name.includes('-cp-')) ?? nodes[0]!;
    const pressure = (status: 'True' | 'False') => ({
      status: {
        conditions: [
          {
            type: 'MemoryPressure',
            status,
            reason: status === 'True' ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory',
            message:
              status === 'True'
                ? 'kubelet has insufficient memory available'
                : 'kubelet has sufficient memory available',
            lastHeartbeatTime: new Date().toISOString(),
            lastTransitionTime: new Date().toISOString(),
          },
        ],
      },
    });
    const object = `Node ${node.metadata.name}`;
    await client.request(
      'PATCH',
      `/api/v1/nodes/${node.metadata.name}/status`,
      pressure('True'),
      'application/strategic-merge-patch+json',
    );
    const run = await analyzeUntil(['--filter', 'Node'], (findings) => about(findings, object).length > 0);
    expect(about(run.findings, object)).toEqual([
      expect.objectContaining({
        analyzer: 'Node',
        severity: 'warning',
        evidence: 'MemoryPressure=True (KubeletHasInsufficientMemory)',
      }),
    ]);
    expect(run.code).toBe(0); // a warning does not fail the default --fail-on error
    await client.request(
      'PATCH',
      `/api/v1/nodes/${node.metadata.name}/status`,
      pressure('False'),
      'application/strategic-merge-patch+json',
    );
    const cleared = await analyzeUntil(
      ['--filter', 'Node'],
      (findings) => about(findings, object).length === 0,
    );
    expect(about(cleared.findings, object)).toEqual([]);
  });

  it("an ExternalSecret to a path missing in the real Vault: the real controller's SecretSyncedError is an error", async () => {
    // The path really is missing in the real Vault.
    expect(await vault().read('secret/data/analyze/missing')).toBeUndefined();
    await client.apply({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'missing', namespace: NS },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-backend' },
        target: { name: 'missing' },
        data: [{ secretKey: 'password', remoteRef: { key: 'analyze/missing', property: 'password' } }],
      },
    });
    const run = await analyzeUntil(['--filter', 'ExternalSecret'], (findings) =>
      about(findings, `ExternalSecret ${NS}/missing`).some((f) => f.severity === 'error'),
    );
    expect(run.code).toBe(1);
    expect(about(run.findings, `ExternalSecret ${NS}/missing`)).toEqual([
      expect.objectContaining({
        severity: 'error',
        evidence:
          'Ready is False (SecretSyncedError: could not get secret data from provider); from ClusterSecretStore vault-backend into Secret missing',
      }),
    ]);
  });

  it('a Pod Security exemption expiring in 5 days (the annotations up records, set by the test) is a warning; the default ones are not', async () => {
    const expires = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    await client.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: NS,
        labels: { 'pod-security.kubernetes.io/enforce': 'baseline' },
        annotations: {
          'platformctl.dev/psa-exemption-expires': expires,
          'platformctl.dev/psa-exemption-reason': 'e2e',
          'platformctl.dev/psa-exemption-approved-by': 'analyze-e2e',
        },
      },
    });
    const run = analyze('--filter', 'PodSecurityExemption');
    expect(run.findings.map((f) => `${f.object} ${f.severity}: ${f.evidence}`)).toEqual([
      `Namespace ${NS} warning: Pod Security exemption expires in 5 day(s), on ${expires} (enforce baseline, "e2e", approved by analyze-e2e)`,
    ]);
    expect(run.code).toBe(0);
  });

  it('Vault sealed: an error with its seal status and drift of the steps that need it; unsealed, neither', async () => {
    await vault().call('PUT', 'sys/seal');
    try {
      const run = analyze('--filter', 'Vault,Drift');
      expect(run.code).toBe(1);
      const sealed = run.findings.filter((f) => f.analyzer === 'Vault');
      expect(sealed).toEqual([
        expect.objectContaining({
          severity: 'error',
          object: expect.stringMatching(/^Vault https:\/\/127\.\d+\.64\.\d+:8200$/),
          evidence:
            'sys/seal-status: sealed true: every secret read, login and certificate issued through it fails',
        }),
      ]);
      // status's live checks, as analyze reuses them.
      expect(run.findings.filter((f) => f.analyzer === 'Drift').map((f) => f.object)).toContain(
        'Step mgmt/vault/configure',
      );
    } finally {
      await unsealVault();
    }
    const run = analyze('--filter', 'Vault,Drift');
    expect(run.findings).toEqual([]);
    expect(run.code).toBe(0);
  });

  it("promtail ships to mgmt's Loki Service: no finding while it exists; deleted, the rendered client names it", async () => {
    const url = 'http://loki.logging.svc.cluster.local:3100/loki/api/v1/push';
    const healthy = analyze('--filter', 'Shipping');
    expect(healthy.findings).toEqual([]);
    expect(await client.getOptional('/api/v1/namespaces/logging/services/loki')).toBeDefined();
    await client.delete('v1', 'Service', 'loki', 'logging');
    const run = analyze('--filter', 'Shipping');
    expect(run.code).toBe(1);
    expect(run.findings).toEqual([
      expect.objectContaining({
        analyzer: 'Shipping',
        object: `promtail client ${url}`,
        severity: 'error',
        evidence: 'Service logging/loki (loki.logging.svc.cluster.local) does not exist on mgmt',
      }),
    ]);
  });
});
