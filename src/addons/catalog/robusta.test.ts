import { describe, expect, it } from 'vitest';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { validateObject } from '../../render/kube-schemas.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { chartFor } from '../charts.js';

/**
 * Verified in helm/robusta/templates at 0.47.0: `globalConfig` is written whole into the runner's
 * global_config (_helpers.tpl, robusta.configfile), and the runner and kubewatch containers read
 * `resources.requests.{cpu,memory}` and `resources.limits.{cpu,memory}` (runner.yaml,
 * forwarder.yaml). `alertmanager_url` is a global_config key of the runner
 * (src/robusta/utils/silence_utils.py AlertManagerParams).
 */
const FREE_FORM = ['globalConfig', 'runner.resources', 'kubewatch.resources'];

const platform = testPlatform();
const clusters = platform.clusters.filter((c) => c.addons.includes('robusta')).map((c) => c.name);
const rendered = () => renderAddon('robusta', 'mgmt');
const values = (): any => rendered().values;

describe('robusta', () => {
  it('runs on the management cluster only', () => {
    expect(clusters).toEqual(['mgmt']);
  });

  it('values use only chart keys; the ExternalSecret passes its schema', () => {
    const check = checkChartValues(chartFor('robusta')!, values(), FREE_FORM);
    expect(check.unknownKeys).toEqual([]);
    if (check.hasSchema) expect(check.schemaErrors).toEqual([]);
    expect(rendered().manifests).toHaveLength(1);
    for (const m of rendered().manifests!) expect(() => validateObject(m)).not.toThrow();
  });

  it('keeps its bundled Prometheus stack and HolmesGPT off and points at mgmt’s stack', () => {
    const v = values();
    expect(v.enablePrometheusStack).toBe(false);
    expect(v.enableHolmesGPT).toBe(false);
    expect(v.clusterName).toBe('mgmt');
    expect(v.globalConfig.prometheus_url).toBe(
      'http://prometheus-kube-prometheus-prometheus.monitoring.svc.cluster.local:9090',
    );
    expect(v.globalConfig.alertmanager_url).toBe(
      'http://prometheus-kube-prometheus-alertmanager.monitoring.svc.cluster.local:9093',
    );
  });

  it('templates no secret into the values: every token is a runner env var from robusta-secrets', () => {
    const v = values();
    const text = JSON.stringify(v);
    expect(text).not.toContain('vault_secret');
    expect(v.globalConfig.signing_key).toBe('{{ env.ROBUSTA_SIGNING_KEY }}');
    expect(v.globalConfig.account_id).toBe('{{ env.ROBUSTA_ACCOUNT_ID }}');
    expect(v.sinksConfig).toEqual([
      {
        slack_sink: { name: 'main_slack', slack_channel: '#k8s-alerts', api_key: '{{ env.SLACK_API_KEY }}' },
      },
      { robusta_sink: { name: 'robusta_ui_sink', token: '{{ env.ROBUSTA_UI_TOKEN }}' } },
    ]);
    // Every {{ env.X }} has its env var, and every env var comes from the Secret.
    const used = [...text.matchAll(/\{\{ env\.([A-Z_]+) \}\}/g)].map((m) => m[1]).sort();
    const envs = v.runner.additional_env_vars;
    expect(envs.map((e: any) => e.name).sort()).toEqual(used);
    for (const e of envs) expect(e.valueFrom.secretKeyRef.name).toBe('robusta-secrets');

    const es: any = rendered().manifests![0];
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.spec.target).toEqual({
      name: 'robusta-secrets',
      creationPolicy: 'Owner',
      deletionPolicy: 'Retain',
    });
    expect(es.spec.refreshInterval).toBe('1h');
    expect(es.spec.data.map((d: any) => d.secretKey).sort()).toEqual(
      envs.map((e: any) => e.valueFrom.secretKeyRef.key).sort(),
    );
    for (const d of es.spec.data) expect(d.remoteRef.key).toBe('platform/robusta');
  });

  it('the seed playbooks: OOMKilled (replacing the built-in one) and HighCPUUsage to Slack', () => {
    const [oom, cpu] = values().customPlaybooks;
    expect(oom.triggers).toEqual([{ on_pod_oom_killed: { rate_limit: 3600 } }]);
    expect(oom.actions[0].create_finding.aggregation_key).toBe('oom_auto_increase');
    expect(oom.actions[1]).toEqual({
      pod_oom_killer_enricher: { attach_logs: true, container_memory_graph: true },
    });
    expect(values().disabledPlaybooks).toEqual(['PodOOMKill']);
    expect(cpu.triggers).toEqual([{ on_prometheus_alert: { alert_name: 'HighCPUUsage' } }]);
    expect(cpu.sinks).toEqual(['main_slack']);
    // Actions that do not exist in Robusta 0.47 are gone.
    expect(JSON.stringify(values().customPlaybooks)).not.toMatch(
      /ai_analysis|slack_notification|resource_babysitter/,
    );
    expect(values().enablePlatformPlaybooks).toBe(true);
  });

  it('sets requests and limits on the runner and kubewatch', () => {
    const v = values();
    expect(v.runner.resources.requests).toEqual({ cpu: '100m', memory: '512Mi' });
    expect(v.runner.resources.limits).toEqual({ cpu: '1000m', memory: '1Gi' });
    expect(v.kubewatch.resources).toEqual(RESOURCES.small);
  });

  it('relies on an engine-created robusta-secrets when External Secrets is off', () => {
    const spec =
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec:\n  addons:\n    external-secrets: { enabled: false }\n    k8sgpt: { enabled: false }\n    keycloak: { enabled: false }\n';
    const result = renderAddon('robusta', 'mgmt', testPlatform(spec));
    expect(result.manifests).toEqual([]);
    expect((result.values as any).runner.additional_env_vars[0].valueFrom.secretKeyRef.name).toBe(
      'robusta-secrets',
    );
  });

  it('renders deterministically', () => {
    expect(rendered()).toEqual(renderAddon('robusta', 'mgmt', testPlatform()));
  });
});
