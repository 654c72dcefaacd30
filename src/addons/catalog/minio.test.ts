import { describe, expect, it } from 'vitest';
import { renderContext } from '../../render/context.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';
import { minioEndpoint } from './minio.js';

// The chart passes both through untouched (`resources: {{- toYaml .Values.resources }}` in
// templates/deployment.yaml, `toYaml .Values.makeBucketJob.resources` in templates/post-job.yaml,
// minio 5.4.0); values.yaml only shows `requests.memory`.
// Passed to toYaml as whole container resources (templates/post-job.yaml).
const FREE_FORM = [
  'resources',
  'makeBucketJob.resources',
  'makeUserJob.resources',
  'makePolicyJob.resources',
];

const platform = testPlatform();
const mgmt = platform.clusters.find((c) => c.name === 'mgmt')!;
const rendered = renderAddon('minio', 'mgmt', platform);
const values = rendered.values as Record<string, any>;

describe('minio', () => {
  it('runs on the management cluster only', () => {
    expect(platform.clusters.filter((c) => c.addons.includes('minio')).map((c) => c.name)).toEqual(['mgmt']);
  });

  it('uses only keys the chart defines', () => {
    const check = checkChartValues(chartFor('minio')!, values, FREE_FORM);
    expect(check.unknownKeys).toEqual([]);
    expect(check.schemaErrors).toEqual([]);
  });

  it('renders values only', () => {
    expect(rendered.manifests ?? []).toEqual([]);
  });

  it('runs one standalone server on a local-path-retain volume, replaced rather than surged', () => {
    expect(values.mode).toBe('standalone');
    expect(values.persistence).toEqual({
      enabled: true,
      storageClass: 'local-path-retain',
      size: renderContext(platform, mgmt).volumeSize('minio'),
      annotations: { 'helm.sh/resource-policy': 'keep' },
    });
    expect(values.deploymentUpdate).toEqual({ type: 'Recreate' });
    expect(values.resources).toEqual(RESOURCES.medium);
    expect(values.makeBucketJob.resources).toEqual(RESOURCES.small);
  });

  it("creates the platform's buckets with the chart's bucket job", () => {
    expect(values.buckets).toEqual(
      ['thanos', 'loki', 'tempo', 'velero'].map((name) => ({ name, policy: 'none', purge: false })),
    );
  });

  it('takes root credentials from the engine’s Secret and creates no default user (correction 21)', () => {
    expect(values.existingSecret).toBe('minio-root');
    expect(values).not.toHaveProperty('rootUser');
    expect(values).not.toHaveProperty('rootPassword');
    expect(JSON.stringify(values)).not.toMatch(/console123|"secretKey"/);
    const root = rendered.secrets?.find((s) => s.name === 'minio-root');
    expect(root?.data).toEqual({
      rootUser: { text: 'platform-admin' },
      rootPassword: { generated: 'minio/root' },
    });
  });

  it('gives each object store client a user of its own, limited to its bucket or prefix, from the engine’s Secret', () => {
    const users = values.users as {
      accessKey: string;
      existingSecret: string;
      existingSecretKey: string;
      policy: string;
    }[];
    expect(users.map((u) => u.accessKey)).toEqual([
      'thanos',
      'loki',
      'tempo',
      'velero-mgmt',
      'velero-app1',
      'velero-app2',
    ]);
    for (const user of users) {
      expect(user.existingSecret).toBe('minio-users');
      expect(user.existingSecretKey).toBe(user.accessKey);
    }
    const keys = rendered.secrets?.find((s) => s.name === 'minio-users')?.data ?? {};
    expect(Object.keys(keys).sort()).toEqual(users.map((u) => u.accessKey).sort());
    // The client's side names the same generated credential as MinIO's side.
    expect(keys['loki']).toEqual({ generated: 'minio/loki' });
    const policies = values.policies as { name: string; statements: { resources: string[] }[] }[];
    const velero = policies.find((p) => p.name === 'platform-velero-app1')!;
    expect(velero.statements.flatMap((s) => s.resources)).toEqual([
      'arn:aws:s3:::velero/app1/*',
      'arn:aws:s3:::velero',
    ]);
    expect(policies.find((p) => p.name === 'platform-loki')!.statements[0]!.resources).toEqual([
      'arn:aws:s3:::loki/*',
    ]);
  });

  it('serves S3 on a LoadBalancer pinned to the address the other clusters use', () => {
    expect(values.service).toEqual({
      type: 'LoadBalancer',
      port: '9000',
      annotations: { 'metallb.io/loadBalancerIPs': '192.168.64.203' },
    });
    for (const cluster of platform.clusters)
      expect(minioEndpoint(renderContext(platform, cluster))).toBe('http://192.168.64.203:9000');
  });

  it('renders the same output twice', () => {
    expect(renderAddon('minio', 'mgmt')).toEqual(rendered);
  });
});
