import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { describe, expect, it } from 'vitest';
import { validateObject } from '../../render/kube-schemas.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';
import {
  ALERT_GROUPS,
  ALERTMANAGER_URL,
  PROMETHEUS_FULLNAME,
  PROMETHEUS_SERVER_URL,
  alertRuleMetrics,
  REMOTE_WRITE_QUEUE,
  remoteWriteKeepRegex,
  retentionSizeFor,
  RULES_EVALUATOR_LABEL,
  THANOS_SIDECAR_SERVICE,
} from './prometheus.js';

/**
 * Keys the chart's own values.yaml does not list, verified elsewhere:
 * - kube-state-metrics and prometheus-node-exporter are remote subcharts (8.4.0 and 4.56.1 in
 *   Chart.yaml at kube-prometheus-stack-88.5.3); both values.yaml define `resources: {}`.
 */
const FREE_FORM = ['kube-state-metrics.resources', 'prometheus-node-exporter.resources'];

const platform = testPlatform();
const management = platform.clusters.find((c) => c.role === 'management')!;
const workloads = platform.clusters.filter((c) => c.role === 'workload');
const enabledOn = platform.clusters.filter((c) => c.addons.includes('prometheus'));

const any = (value: unknown) => value as any;

/**
 * The rules ship as PrometheusRule objects rendered by the chart from additionalPrometheusRulesMap
 * (templates/prometheus/additionalPrometheusRules.yaml: name <fullname>-<key>, labels from
 * additionalLabels, spec.groups verbatim). The same objects, checked by the operator's model.
 */
function ruleObjects(values: any): any[] {
  return Object.entries(values.additionalPrometheusRulesMap ?? {}).map(([key, rule]: [string, any]) => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: `${values.fullnameOverride}-${key}`,
      namespace: 'monitoring',
      labels: rule.additionalLabels,
    },
    spec: { groups: rule.groups },
  }));
}

/** Every container `resources` object in a values tree (volume claims' storage requests aside). */
function resourceBlocks(value: unknown, path = ''): Array<[string, any]> {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => resourceBlocks(v, `${path}[${i}]`));
  return Object.entries(value).flatMap(([key, child]) =>
    key === 'resources' && !any(child)?.requests?.storage
      ? [[`${path}.${key}`, child]]
      : resourceBlocks(child, `${path}.${key}`),
  ) as Array<[string, any]>;
}

/** Metric names an expression reads (label matchers, grouping clauses and functions removed). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(ignoring|on|by|without|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\b[a-zA-Z_]+\s*\(/g, '(');
  const keywords = new Set(['and', 'or', 'unless', 'bool']);
  return (stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((t) => !keywords.has(t));
}

describe('prometheus: chart values and manifests on every cluster', () => {
  it('is enabled on every cluster of the default spec', () => {
    expect(enabledOn.map((c) => c.name)).toEqual(platform.clusters.map((c) => c.name));
  });

  for (const cluster of enabledOn) {
    describe(cluster.name, () => {
      const rendered = renderAddon('prometheus', cluster.name, platform);

      it('uses only keys the chart defines', () => {
        const check = checkChartValues(chartFor('prometheus')!, rendered.values, FREE_FORM);
        expect(check.unknownKeys).toEqual([]);
        if (check.hasSchema) expect(check.schemaErrors).toEqual([]);
      });

      it('renders valid manifests and rules', () => {
        for (const object of rendered.manifests ?? []) expect(() => validateObject(object)).not.toThrow();
        for (const rule of ruleObjects(rendered.values)) {
          expect(() => new PrometheusRule(rule).validate()).not.toThrow();
        }
      });

      it('gives every container it configures requests and limits', () => {
        const blocks = resourceBlocks(rendered.values);
        const expected = [
          '.prometheusOperator.resources',
          '.prometheusOperator.prometheusConfigReloader.resources',
          '.prometheusOperator.admissionWebhooks.patch.resources',
          '.kube-state-metrics.resources',
          '.prometheus-node-exporter.resources',
          '.prometheus.prometheusSpec.resources',
          ...(cluster.role === 'management'
            ? [
                '.alertmanager.alertmanagerSpec.resources',
                '.prometheus.prometheusSpec.thanos.resources',
                '.thanosRuler.thanosRulerSpec.resources',
              ]
            : []),
        ];
        expect(blocks.map(([path]) => path).sort()).toEqual(expected.sort());
        for (const [path, block] of blocks) {
          expect(block.requests?.cpu, path).toBeTruthy();
          expect(block.requests?.memory, path).toBeTruthy();
          expect(block.limits?.cpu, path).toBeTruthy();
          expect(block.limits?.memory, path).toBeTruthy();
        }
      });

      it('labels every series with its cluster and keeps the stack Grafana off', () => {
        const values = any(rendered.values);
        expect(values.prometheus.prometheusSpec.externalLabels).toEqual({ cluster: cluster.name });
        expect(values.grafana).toEqual({ enabled: false });
        expect(values['prometheus-node-exporter'].resources).toEqual(RESOURCES.small);
      });

      it('renders the same output twice', () => {
        expect(renderAddon('prometheus', cluster.name, platform)).toEqual(rendered);
      });
    });
  }
});

describe('prometheus on the management cluster: server, sidecar, central rules', () => {
  const rendered = renderAddon('prometheus', management.name, platform);
  const values = any(rendered.values);
  const spec = values.prometheus.prometheusSpec;
  const minio = management.addresses.services.minio!;

  it('runs a server with 30 days of retention bounded by its local-path volume', () => {
    expect(values.prometheus.agentMode).toBe(false);
    expect(spec.retention).toBe('30d');
    const claim = spec.storageSpec.volumeClaimTemplate.spec;
    expect(claim.storageClassName).toBe('local-path');
    expect(claim.resources.requests.storage).toMatch(/^\d+Gi$/);
    expect(spec.retentionSize).toBe(retentionSizeFor(claim.resources.requests.storage));
    expect(spec.resources).toEqual(RESOURCES.prometheus);
  });

  it('pins the stack names, so Prometheus and Alertmanager are reachable by fixed Service names', () => {
    // kube-prometheus-stack names its Services <fullname>-prometheus and <fullname>-alertmanager.
    expect(values.fullnameOverride).toBe(PROMETHEUS_FULLNAME);
    expect(PROMETHEUS_FULLNAME.length).toBeLessThanOrEqual(26);
    expect(PROMETHEUS_SERVER_URL).toBe(
      `http://${PROMETHEUS_FULLNAME}-prometheus.monitoring.svc.cluster.local:9090`,
    );
    expect(ALERTMANAGER_URL).toBe(
      `http://${PROMETHEUS_FULLNAME}-alertmanager.monitoring.svc.cluster.local:9093`,
    );
  });

  it('bounds the TSDB to 80% of the volume, in Prometheus units', () => {
    expect(retentionSizeFor('4Gi')).toBe('3276MB');
    expect(retentionSizeFor('20Gi')).toBe('16384MB');
    expect(() => retentionSizeFor('4G')).toThrow();
  });

  it('uploads blocks to the thanos bucket of MinIO by its pinned address, credentials from a Secret', () => {
    expect(values.prometheus.thanosService).toEqual({ enabled: true });
    expect(spec.thanos.objectStorageConfig.secret).toEqual({
      type: 'S3',
      config: { bucket: 'thanos', endpoint: `${minio}:9000`, insecure: true },
    });
    expect(JSON.stringify(spec.thanos)).not.toMatch(/access_key|secret_key/);
    expect(spec.containers).toEqual([
      {
        name: 'thanos-sidecar',
        env: [
          {
            name: 'AWS_ACCESS_KEY_ID',
            valueFrom: { secretKeyRef: { name: 'thanos-minio', key: 'AWS_ACCESS_KEY_ID' } },
          },
          {
            name: 'AWS_SECRET_ACCESS_KEY',
            valueFrom: { secretKeyRef: { name: 'thanos-minio', key: 'AWS_SECRET_ACCESS_KEY' } },
          },
        ],
      },
    ]);
    expect(THANOS_SIDECAR_SERVICE).toBe(`${values.fullnameOverride}-thanos-discovery`);
  });

  it('evaluates the platform rules in a Thanos Ruler over Thanos Query, alerting the management Alertmanager', () => {
    const ruler = values.thanosRuler;
    expect(ruler.enabled).toBe(true);
    expect(ruler.thanosRulerSpec.queryEndpoints).toEqual(['thanos-query.monitoring.svc.cluster.local:9090']);
    expect(ruler.thanosRulerSpec.ruleSelector).toEqual({
      matchLabels: { [RULES_EVALUATOR_LABEL]: 'thanos-ruler' },
    });
    expect(ruler.thanosRulerSpec.alertmanagersConfig.secret.alertmanagers[0].static_configs).toEqual([
      'alertmanager-operated.monitoring.svc.cluster.local:9093',
    ]);
    expect(values.alertmanager.enabled).toBe(true);
    // The server keeps its own default rules but leaves the Ruler's to the Ruler.
    expect(values.defaultRules).toEqual({ create: true });
    expect(spec.ruleSelector.matchExpressions).toEqual([
      { key: RULES_EVALUATOR_LABEL, operator: 'NotIn', values: ['thanos-ruler'] },
    ]);
    // Each rule object is picked by exactly one evaluator (a NotIn selector also matches a missing label).
    const matchLabels = ruler.thanosRulerSpec.ruleSelector.matchLabels as Record<string, string>;
    const rulerSelects = (labels: Record<string, string>) =>
      Object.entries(matchLabels).every(([key, value]) => labels[key] === value);
    const serverSelects = (labels: Record<string, string>) =>
      !spec.ruleSelector.matchExpressions[0].values.includes(labels[RULES_EVALUATOR_LABEL]);
    for (const object of ruleObjects(values)) {
      expect(rulerSelects(object.metadata.labels)).toBe(true);
      expect(serverSelects(object.metadata.labels)).toBe(false);
    }
    expect(serverSelects({ release: 'prometheus' })).toBe(true);
  });

  it('renders the seed storage and capacity alerts, for the Ruler, naming the cluster', () => {
    const objects = ruleObjects(values);
    expect(objects.map((o) => o.metadata.name)).toEqual([
      'prometheus-kube-prometheus-platform-storage',
      'prometheus-kube-prometheus-platform-capacity',
    ]);
    const rules = objects.flatMap((o) => o.spec.groups.flatMap((g: any) => g.rules));
    expect(rules.map((r: any) => r.alert)).toEqual([
      'PVCNearlyFull',
      'PVCCriticallyFull',
      'NodeMemoryPressure',
      'NodeDiskPressure',
      'PodResourceQuotaExhausted',
    ]);
    for (const object of objects) {
      expect(object.metadata.labels[RULES_EVALUATOR_LABEL]).toBe('thanos-ruler');
      for (const group of object.spec.groups) expect(group.partial_response_strategy).toBe('warn');
    }
    // Rendered with toYaml, not tpl: the alert templates reach the evaluator as written.
    expect(rendered.manifests ?? []).toEqual([]);
    for (const rule of rules) {
      expect(rule.annotations.summary).toContain('{{ $labels.cluster }}');
      expect(['warning', 'critical']).toContain(rule.labels.severity);
    }
    const byName = Object.fromEntries(rules.map((r: any) => [r.alert, r]));
    expect(byName.PVCNearlyFull.expr).toBe(
      '(kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes) > 0.85',
    );
    expect(byName.PVCCriticallyFull).toMatchObject({ for: '1m', labels: { severity: 'critical' } });
    expect(byName.NodeDiskPressure.expr).toContain('mountpoint="/"');
    // The seed divided used by hard one-to-one: their `type` labels differ, so it never matched.
    expect(byName.PodResourceQuotaExhausted.expr).toContain('ignoring(type)');
  });

  it('evaluates the rules in the management Prometheus when Thanos is off', () => {
    const noThanos = testPlatform(
      [
        'apiVersion: platformctl.dev/v1alpha1',
        'kind: Platform',
        'metadata: { name: no-thanos }',
        'spec:',
        '  addons:',
        '    thanos: { enabled: false }',
        '    grafana: { enabled: false }',
        '    tempo: { enabled: false }',
        '    otel-collector: { enabled: false }',
        '    prometheus: { clusters: [mgmt] }',
      ].join('\n'),
    );
    const alone = renderAddon('prometheus', 'mgmt', noThanos);
    const v = any(alone.values);
    expect(v.thanosRuler).toBeUndefined();
    expect(v.prometheus.thanosService).toBeUndefined();
    expect(v.prometheus.prometheusSpec.thanos).toBeUndefined();
    const objects = ruleObjects(v);
    expect(objects).toHaveLength(2);
    for (const object of objects) {
      expect(object.metadata.labels[RULES_EVALUATOR_LABEL]).toBe('prometheus');
      for (const group of object.spec.groups) {
        expect(group.partial_response_strategy).toBeUndefined();
        for (const rule of group.rules)
          expect(rule.annotations.summary).toContain('{{ $externalLabels.cluster }}');
      }
    }
  });
});

describe('prometheus on workload clusters: agent mode remote-writing to Thanos Receive', () => {
  const receive = management.addresses.services['thanos-receive']!;

  for (const cluster of workloads) {
    it(`${cluster.name}: agent with the seed queue, no storage, no rules, no Alertmanager`, () => {
      const rendered = renderAddon('prometheus', cluster.name, platform);
      const values = any(rendered.values);
      const spec = values.prometheus.prometheusSpec;
      expect(values.prometheus.agentMode).toBe(true);
      expect(spec.storageSpec).toBeUndefined();
      expect(spec.retention).toBeUndefined();
      expect(spec.resources).toEqual(RESOURCES['prometheus-agent']);
      expect(spec.remoteWrite).toEqual([
        {
          url: `http://${receive}:19291/api/v1/receive`,
          queueConfig: {
            capacity: 10000,
            maxShards: 50,
            maxSamplesPerSend: 2000,
            batchSendDeadline: '30s',
            minBackoff: '1s',
            maxBackoff: '5m',
          },
          writeRelabelConfigs: [
            { sourceLabels: ['__name__'], regex: remoteWriteKeepRegex(), action: 'keep' },
          ],
        },
      ]);
      expect(REMOTE_WRITE_QUEUE.capacity).toBe(10000);
      expect(values.defaultRules).toEqual({ create: false });
      expect(values.alertmanager).toEqual({ enabled: false });
      expect(values.thanosRuler).toBeUndefined();
      expect(values.additionalPrometheusRulesMap).toBeUndefined();
      expect(rendered.manifests ?? []).toEqual([]);
      // Never a *.svc name of another cluster (correction 8).
      expect(JSON.stringify(values)).not.toMatch(/\.svc\b/);
    });
  }

  it('keeps every metric the alert rules read, which the seed regex dropped (correction 23)', () => {
    const keep = new RegExp(`^(?:${remoteWriteKeepRegex()})$`);
    const seed = /^(?:up|container_.*|kube_pod_.*)$/;
    const read = ALERT_GROUPS.flatMap((g) => g.rules.flatMap((r) => metricNames(r.expr)));
    expect(new Set(read)).toEqual(new Set(alertRuleMetrics()));
    for (const metric of read) expect(metric).toMatch(keep);
    expect(read.filter((metric) => !seed.test(metric))).toEqual(read);
    for (const kept of ['up', 'container_cpu_usage_seconds_total', 'kube_pod_info'])
      expect(kept).toMatch(keep);
    expect('apiserver_request_total').not.toMatch(keep);
  });

  it('points agents of an added cluster at the same Receive', () => {
    const four = testPlatform(
      [
        'apiVersion: platformctl.dev/v1alpha1',
        'kind: Platform',
        'metadata: { name: four }',
        'spec:',
        '  host: { cpus: 16, memoryGiB: 96, diskGiB: 1000 }',
        '  clusters:',
        '    - { name: mgmt, role: management }',
        '    - { name: app1, role: workload }',
        '    - { name: app2, role: workload }',
        '    - name: app3',
        '      role: workload',
        '      id: 4',
        '      podCIDR: 10.103.0.0/16',
        '      serviceCIDR: 10.99.0.0/16',
        '      loadBalancerPool: 192.168.64.231-192.168.64.240',
      ].join('\n'),
    );
    const mgmt = four.clusters.find((c) => c.name === 'mgmt')!;
    const values = any(renderAddon('prometheus', 'app3', four).values);
    expect(values.prometheus.prometheusSpec.remoteWrite[0].url).toBe(
      `http://${mgmt.addresses.services['thanos-receive']}:19291/api/v1/receive`,
    );
    expect(values.prometheus.prometheusSpec.externalLabels).toEqual({ cluster: 'app3' });
  });
});
