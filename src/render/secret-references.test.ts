/**
 * Every Secret the rendered platform refers to has a producer that the plan creates: a secrets
 * step of the engine, an ExternalSecret, a cert-manager Certificate or a Secret in a manifest.
 * An add-on that starts reading a Secret nobody makes fails here, naming where it is read.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { secretKey, secretProducers, secretReferences } from '../test-support/secret-references.js';
import { testPlatform } from '../test-support/render.js';
import { renderPlatform } from './index.js';

const HA = readFileSync(fileURLToPath(new URL('../spec/fixtures/valid/ha.yaml', import.meta.url)), 'utf8');

/**
 * Secrets a chart renders itself from the values (so the rendered tree cannot show their
 * producer): each with the template that makes it.
 */
const CHART_MADE: Readonly<Record<string, string>> = {};

describe.each([
  ['default', testPlatform()],
  ['ha', testPlatform(HA)],
])('secret references: %s spec', (_name, platform) => {
  const tree = renderPlatform(platform);
  const references = secretReferences(tree);
  const produced = new Set(secretProducers(tree).map(secretKey));

  it('finds the references the add-ons are known to make', () => {
    const names = new Set(references.map(secretKey));
    for (const expected of [
      'mgmt/minio/minio-root',
      'mgmt/logging/loki-minio',
      'mgmt/monitoring/thanos-minio',
      'mgmt/tracing/tempo-minio',
      'app1/velero/velero-credentials',
      'mgmt/monitoring/grafana-admin',
      'mgmt/vault/vault-server-tls',
      'mgmt/k8sgpt/k8sgpt-api-keys',
      'mgmt/minio/minio-users',
      'mgmt/keycloak/keycloak-db',
      'mgmt/keycloak/keycloak-admin',
      'app1/cert-manager/vault-ca',
      'app2/external-secrets/vault-ca',
    ])
      expect(names, expected).toContain(expected);
  });

  it('has a producer for every Secret it refers to', () => {
    const orphans = references
      .filter((r) => !produced.has(secretKey(r)) && !CHART_MADE[secretKey(r)])
      .map((r) => `${secretKey(r)} (${r.from})`);
    expect(orphans).toEqual([]);
  });

  it('gives every engine-made Secret exactly one definition per cluster and namespace', () => {
    const engine = secretProducers(tree)
      .filter((p) => p.by === 'engine')
      .map(secretKey);
    const seen = new Map<string, number>();
    for (const key of engine) seen.set(key, (seen.get(key) ?? 0) + 1);
    // thanos-minio is shared by Thanos and the Prometheus sidecar in one namespace: same content.
    const twice = [...seen].filter(([key, n]) => n > 1 && !key.endsWith('/monitoring/thanos-minio'));
    expect(twice).toEqual([]);
  });
});
