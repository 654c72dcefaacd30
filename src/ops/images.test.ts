import { describe, expect, it } from 'vitest';
import { SHARED_CHART_MIRROR } from '../test-support/chart-values.js';
import { runCli, tempDir } from '../test-support/cli.js';
import { imageReport, imagesOf, isPinned } from './images.js';

describe('images', () => {
  it('finds the images of every container, init container and CronJob in the objects', () => {
    const pod = (image: string, init?: string) => ({
      containers: [{ name: 'a', image }],
      ...(init ? { initContainers: [{ name: 'i', image: init }] } : {}),
    });
    expect(
      imagesOf([
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'd' },
          spec: { template: { spec: pod('x:1', 'init:2') } },
        },
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'c' },
          spec: { jobTemplate: { spec: { template: { spec: pod('cron:3') } } } },
        },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' }, data: { image: 'not:an-image' } },
      ]),
    ).toEqual(['cron:3', 'init:2', 'x:1']);
  });

  it('calls an image pinned with a tag other than latest, or a digest', () => {
    expect(isPinned('quay.io/cilium/cilium:v1.20.0')).toBe(true);
    expect(isPinned('ghcr.io/x/y@sha256:abc')).toBe(true);
    expect(isPinned('localhost:5000/app:1.0')).toBe(true);
    expect(isPinned('ghcr.io/kyverno/readiness-checker:latest')).toBe(false);
    expect(isPinned('localhost:5000/app')).toBe(false);
    expect(isPinned('busybox')).toBe(false);
  });

  it('deduplicates across clusters and add-ons', () => {
    expect(
      imageReport([
        { cluster: 'app1', addon: 'cilium', images: ['c:1'] },
        { cluster: 'app2', addon: 'cilium', images: ['c:1'] },
      ]),
    ).toEqual([{ image: 'c:1', pinned: true, clusters: ['app1', 'app2'], addons: ['cilium'] }]);
  });

  it(
    'platformctl images lists what the real charts run on each cluster, every image pinned',
    { timeout: 180_000 },
    async () => {
      const env = { PLATFORMCTL_CHARTS_DIR: SHARED_CHART_MIRROR };
      const all = await runCli(['images', '-o', 'json'], { cwd: tempDir(), env });
      expect(all.code, all.stderr).toBe(0);
      const report = JSON.parse(all.stdout) as {
        images: Array<{ image: string; clusters: string[]; addons: string[] }>;
        unpinned: string[];
      };
      expect(report.images.length).toBeGreaterThan(40);
      expect(report.unpinned).toEqual([]);
      const cilium = report.images.find((i) => i.image.startsWith('quay.io/cilium/cilium:v1.20.0'));
      expect(cilium?.clusters).toEqual(['mgmt', 'app1', 'app2']);
      expect(
        report.images.some((i) => i.image.startsWith('hashicorp/vault:') && i.clusters.join() === 'mgmt'),
      ).toBe(true);
      const app1 = JSON.parse(
        (await runCli(['images', '--cluster', 'app1', '-o', 'json'], { cwd: tempDir(), env })).stdout,
      ) as typeof report;
      expect(app1.images.every((i) => i.clusters.join() === 'app1')).toBe(true);
      expect(app1.images.some((i) => i.addons.includes('vault'))).toBe(false);
      const bad = await runCli(['images', '--cluster', 'app9'], { cwd: tempDir(), env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('no cluster app9');
    },
  );
});
