import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { chartFor } from '../charts.js';

const platform = testPlatform();
const clusters = platform.clusters.filter((c) => c.addons.includes('falco')).map((c) => c.name);
const values = (cluster: string, p = platform): any => renderAddon('falco', cluster, p).values;
const rules = (cluster: string, p = platform): any[] =>
  parse(values(cluster, p).customRules['platform-rules.yaml']);
const rule = (cluster: string, name: string, p = platform) => {
  const found = rules(cluster, p).find((r) => r.rule === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
};
const list = (cluster: string, name: string, p = platform): string[] =>
  rules(cluster, p).find((r) => r.list === name).items;

describe('falco', () => {
  it('runs on every cluster', () => {
    expect(clusters).toEqual(['mgmt', 'app1', 'app2']);
  });

  it.each(clusters)('%s: values use only chart keys', (cluster) => {
    const check = checkChartValues(chartFor('falco')!, values(cluster));
    expect(check.unknownKeys).toEqual([]);
    if (check.hasSchema) expect(check.schemaErrors).toEqual([]);
    expect(renderAddon('falco', cluster).manifests ?? []).toEqual([]);
  });

  it('uses the modern eBPF driver and sets requests and limits on every container', () => {
    const v = values('app1');
    expect(v.driver).toEqual({ kind: 'modern_ebpf' });
    expect(v.resources).toEqual(RESOURCES.falco);
    expect(v.falcoctl.artifact.install.resources).toEqual(RESOURCES.small);
    expect(v.falcoctl.artifact.follow.resources).toEqual(RESOURCES.small);
  });

  it('delivers the five seed rules through customRules', () => {
    expect(Object.keys(values('mgmt').customRules)).toEqual(['platform-rules.yaml']);
    expect(
      rules('mgmt')
        .filter((r) => r.rule)
        .map((r) => [r.rule, r.priority]),
    ).toEqual([
      ['Cryptocurrency Mining Detected', 'CRITICAL'],
      ['Container Drift Detected', 'WARNING'],
      ['Kubernetes Client Tool Execution in Container', 'WARNING'],
      ['Sensitive Mount Detected', 'CRITICAL'],
      ['Outbound Connection to Unknown IP', 'NOTICE'],
    ]);
  });

  it('defines every list and macro its conditions use, and never known_binary (correction 15)', () => {
    const all = rules('app1');
    const defined = new Set(all.flatMap((r) => [r.list, r.macro]).filter(Boolean));
    const text = all.map((r) => `${r.condition ?? ''}`).join('\n');
    expect(text).not.toContain('known_binary');
    for (const name of text.match(/\bplatform_[a-z_]+/g) ?? []) expect(defined.has(name)).toBe(true);
    // Nothing the default ruleset defines is redefined here.
    for (const name of defined) expect(name).toMatch(/^platform_/);
  });

  it('detects drift with the upper-layer field, not memfd executions, with an allow-list', () => {
    const drift = rule('app1', 'Container Drift Detected');
    expect(drift.condition).toContain('proc.is_exe_upper_layer=true');
    expect(drift.condition).toContain('proc.is_exe_from_memfd=false');
    expect(drift.condition).toContain('not container.image.repository in (platform_drift_allowed_images)');
    expect(list('app1', 'platform_drift_allowed_images')).toEqual([]);
  });

  it('the sensitive-mount rule only counts file opens for reading, and not the workload reading its own token', () => {
    const sensitive = rule('app1', 'Sensitive Mount Detected');
    const openRead = rules('app1').find((r) => r.macro === 'platform_open_read');
    expect(openRead.condition).toContain('evt.type in (open, openat, openat2)');
    expect(openRead.condition).toContain('evt.is_open_read=true');
    expect(sensitive.condition.startsWith('platform_open_read and platform_container')).toBe(true);
    // Service-account tokens: only a terminal or a dump tool counts.
    expect(sensitive.condition).toMatch(
      /"\/var\/run\/secrets\/"[\s\S]*and \(proc\.tty != 0 or proc\.name in \(platform_secret_dumpers\)\)/,
    );
    expect(list('app1', 'platform_secret_dumpers')).toEqual(expect.arrayContaining(['cat', 'base64', 'sh']));
    // Host Kubernetes configuration: only the control plane and Trivy's node collector may read it.
    expect(list('app1', 'platform_kubernetes_config_namespaces')).toEqual(['kube-system', 'trivy-system']);
    const noTrivy = testPlatform(
      'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec:\n  addons:\n    trivy-operator: { enabled: false }\n',
    );
    expect(list('app1', 'platform_kubernetes_config_namespaces', noTrivy)).toEqual(['kube-system']);
  });

  it('the outbound rule treats RFC 1918 and the cluster ranges as internal, per cluster', () => {
    const outbound = rule('app2', 'Outbound Connection to Unknown IP');
    expect(outbound.condition).toBe(
      'platform_outbound and platform_container and not fd.snet in (platform_internal_networks)',
    );
    expect(list('app2', 'platform_internal_networks')).toEqual([
      '"10.0.0.0/8"',
      '"172.16.0.0/12"',
      '"192.168.0.0/16"',
      '"192.168.64.0/24"',
      '"10.102.0.0/16"',
      '"10.98.0.0/16"',
    ]);
    expect(list('mgmt', 'platform_internal_networks')).toContain('"10.100.0.0/16"');
  });

  it('keeps the seed crypto-mining and Kubernetes client rules', () => {
    expect(rule('mgmt', 'Cryptocurrency Mining Detected').condition).toContain('"stratum+tcp"');
    expect(list('mgmt', 'platform_crypto_miners')).toEqual(['xmrig', 'minerd', 'cpuminer']);
    expect(list('mgmt', 'platform_kubernetes_clients')).toEqual(['kubectl', 'helm', 'k9s']);
  });

  it('renders deterministically', () => {
    expect(renderAddon('falco', 'app1')).toEqual(renderAddon('falco', 'app1', testPlatform()));
  });
});
