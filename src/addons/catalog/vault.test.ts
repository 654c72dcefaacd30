import { describe, expect, it } from 'vitest';
import { renderContext } from '../../render/context.js';
import { validateObject } from '../../render/kube-schemas.js';
import { pkiPlan } from '../../render/pki.js';
import { RESOURCES } from '../../render/sizing.js';
import { checkChartValues } from '../../test-support/chart-values.js';
import { renderAddon, testPlatform } from '../../test-support/render.js';
import { chartFor } from '../charts.js';
import type { KubeObject } from '../../kube/objects.js';
import { BOOTSTRAP_ISSUER } from './cert-manager.js';
import { vaultConfig } from './vault.js';

const platform = testPlatform();
const mgmt = platform.clusters.find((c) => c.name === 'mgmt')!;
const rendered = renderAddon('vault', 'mgmt', platform);
const values = rendered.values as Record<string, any>;
const manifests = rendered.manifests!;
const find = (kind: string, name: string): KubeObject => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const spec = (o: KubeObject) => o.spec as Record<string, any>;

describe('vault', () => {
  it('runs on the management cluster only', () => {
    expect(platform.clusters.filter((c) => c.addons.includes('vault')).map((c) => c.name)).toEqual(['mgmt']);
  });

  it('uses only keys the chart defines', () => {
    const check = checkChartValues(chartFor('vault')!, values);
    expect(check.hasSchema).toBe(true);
    expect(check.unknownKeys).toEqual([]);
    expect(check.schemaErrors).toEqual([]);
  });

  it('passes the schema of every manifest', () => {
    for (const object of manifests) expect(() => validateObject(object)).not.toThrow();
  });

  it('runs one TLS server with raft storage on a local-path-retain volume', () => {
    expect(values.global).toEqual({ tlsDisable: false });
    expect(values.injector).toEqual({ enabled: false });
    expect(values.server.standalone.enabled).toBe(true);
    expect(values.server.dataStorage).toEqual({
      enabled: true,
      size: renderContext(platform, mgmt).volumeSize('vault'),
      storageClass: 'local-path-retain',
    });
    const config = values.server.standalone.config as string;
    expect(config).toBe(vaultConfig());
    expect(config).toMatch(/^ui = true$/m);
    expect(config).toContain('storage "raft" {\n  path = "/vault/data"');
    expect(config).not.toMatch(/tls_disable/);
    // The listener reads the Secret the chart mounts from extraVolumes.
    expect(values.server.extraVolumes).toEqual([{ type: 'secret', name: 'vault-server-tls' }]);
    expect(config).toContain('tls_cert_file = "/vault/userconfig/vault-server-tls/tls.crt"');
    expect(config).toContain('tls_key_file = "/vault/userconfig/vault-server-tls/tls.key"');
    expect(values.server.extraEnvironmentVars).toEqual({
      VAULT_CACERT: '/vault/userconfig/vault-server-tls/ca.crt',
    });
    expect(values.server.resources).toEqual(RESOURCES.vault);
    // Vault never reviews tokens with its own ServiceAccount (disable_local_ca_jwt in the plan).
    expect(values.server.authDelegator).toEqual({ enabled: false });
    expect(pkiPlan(platform).kubernetesAuth.every((m) => m.config.params.disable_local_ca_jwt)).toBe(true);
  });

  it('serves its API and UI on a LoadBalancer pinned to the address in every client', () => {
    expect(values.ui).toEqual({
      enabled: true,
      serviceType: 'LoadBalancer',
      externalPort: 8200,
      annotations: { 'metallb.io/loadBalancerIPs': '192.168.64.202' },
    });
    expect(pkiPlan(platform).vault.address).toBe('https://192.168.64.202:8200');
  });

  it('takes its certificate from selfsigned-bootstrap through a bootstrap CA (PKI phase 1)', () => {
    const ca = find('Certificate', 'vault-bootstrap-ca');
    expect(ca.metadata.namespace).toBe('vault');
    expect(spec(ca)).toMatchObject({
      isCA: true,
      secretName: 'vault-bootstrap-ca',
      issuerRef: { name: BOOTSTRAP_ISSUER, kind: 'ClusterIssuer' },
    });
    expect(spec(find('Issuer', 'vault-bootstrap-ca'))).toEqual({ ca: { secretName: 'vault-bootstrap-ca' } });
    const serving = find('Certificate', 'vault-server-tls');
    expect(serving.metadata.namespace).toBe('vault');
    expect(spec(serving)).toMatchObject({
      secretName: 'vault-server-tls',
      issuerRef: { name: 'vault-bootstrap-ca', kind: 'Issuer' },
      dnsNames: ['vault.mgmt.local.dev', 'vault.vault.svc.cluster.local'],
      ipAddresses: ['192.168.64.202', '127.0.0.1'],
      usages: ['server auth', 'digital signature'],
    });
    // Clients trust the CA; its copies come from this Secret.
    expect(pkiPlan(platform).caBundle.source.secret).toBe(spec(serving).secretName);
  });

  it('renders no unseal key, token or credential', () => {
    const text = JSON.stringify(rendered);
    expect(text).not.toMatch(/unseal|root_token|hvs\.|password|BEGIN/i);
    expect(manifests.some((m) => m.kind === 'Secret')).toBe(false);
  });

  it('renders the same output twice', () => {
    expect(renderAddon('vault', 'mgmt')).toEqual(rendered);
  });
});
