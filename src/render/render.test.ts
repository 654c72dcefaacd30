import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { testPlatform } from '../test-support/render.js';
import { INDEX_FILE, sha256 } from './artifacts.js';
import { quotaFor } from './baseline.js';
import { renderPlatform } from './index.js';
import { DISCOVERY_KUBECONFIG } from './kubeadm.js';

const HA = readFileSync(fileURLToPath(new URL('../spec/fixtures/valid/ha.yaml', import.meta.url)), 'utf8');
const platform = testPlatform();
const tree = renderPlatform(platform);
const file = (path: string) => {
  const found = tree.find((a) => a.path === path);
  if (!found) throw new Error(`not rendered: ${path}`);
  return found.content;
};
const docs = (path: string) => parseAllDocuments(file(path)).map((d) => d.toJS() as Record<string, unknown>);

describe('renderPlatform', () => {
  it('is deterministic: two renders are byte-identical', () => {
    expect(renderPlatform(testPlatform())).toEqual(tree);
    expect(renderPlatform(testPlatform(HA))).toEqual(renderPlatform(testPlatform(HA)));
  });

  it('writes one file per artifact, and an index with every SHA-256', () => {
    const index = JSON.parse(file(INDEX_FILE)) as {
      artifacts: Array<{ path: string; sha256: string; bytes: number }>;
    };
    expect(index.artifacts.map((a) => a.path)).toEqual(
      tree.filter((a) => a.path !== INDEX_FILE).map((a) => a.path),
    );
    for (const entry of index.artifacts) expect(entry.sha256).toBe(sha256(file(entry.path)));
    for (const node of platform.clusters.flatMap((c) => c.nodes)) {
      expect(tree.some((a) => a.path === `clusters/${node.cluster}/nodes/${node.name}/cloud-init.yaml`)).toBe(
        true,
      );
    }
  });

  it('renders the add-ons enabled on each cluster, and only those', () => {
    for (const cluster of platform.clusters) {
      const dirs = new Set(
        tree
          .filter((a) => a.path.startsWith(`clusters/${cluster.name}/addons/`))
          .map((a) => a.path.split('/')[3]),
      );
      expect([...dirs].sort()).toEqual([...cluster.addons].sort());
    }
  });
});

describe('cloud-init', () => {
  const userData = tree.filter((a) => a.path.endsWith('/cloud-init.yaml'));
  const hasCloudInit = spawnSync('cloud-init', ['--version']).status === 0;

  it('pins the Kubernetes packages, holds them, and configures containerd 2 with the systemd cgroup driver', () => {
    const cp = file('clusters/mgmt/nodes/mgmt-cp-0/cloud-init.yaml');
    expect(cp.startsWith('#cloud-config\n')).toBe(true);
    const data = parse(cp) as { runcmd: string[][]; write_files: Array<{ path: string; content: string }> };
    expect(data.runcmd).toContainEqual(
      expect.arrayContaining(['kubeadm=1.35.0-1.1', 'kubelet=1.35.0-1.1', 'kubectl=1.35.0-1.1']),
    );
    expect(data.runcmd).toContainEqual(['apt-mark', 'hold', 'kubelet', 'kubeadm', 'kubectl']);
    const containerd = data.write_files.find((f) => f.path === '/etc/containerd/config.toml')!.content;
    expect(containerd).toContain('version = 3');
    expect(containerd).toContain('SystemdCgroup = true');
    expect(data.write_files.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        '/etc/kubernetes/psa/admission-config.yaml',
        '/etc/kubernetes/manifests/kube-vip.yaml',
      ]),
    );
    const worker = parse(file('clusters/mgmt/nodes/mgmt-worker-0/cloud-init.yaml')) as typeof data;
    expect(worker.write_files.map((f) => f.path)).not.toContain('/etc/kubernetes/manifests/kube-vip.yaml');
  });

  it('points docker.io pulls at Harbor only when Harbor is enabled', () => {
    expect(file('clusters/app1/nodes/app1-worker-0/cloud-init.yaml')).toContain(
      'harbor.local.dev/v2/dockerhub',
    );
    const noHarbor = renderPlatform(
      testPlatform(
        'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec: { externalServices: { harbor: { enabled: false } } }\n',
      ),
    );
    expect(
      noHarbor.find((a) => a.path === 'clusters/app1/nodes/app1-worker-0/cloud-init.yaml')!.content,
    ).not.toContain('harbor');
  });

  // Debian's cloud-init is installed by .ci/run; a developer without it gets a skip, CI never does.
  it.skipIf(!hasCloudInit && !process.env.CI).each(userData.map((a) => a.path))(
    '%s passes `cloud-init schema`',
    (path) => {
      const dir = mkdtempSync(join(tmpdir(), 'cloud-init-'));
      const target = join(dir, 'user-data.yaml');
      writeFileSync(target, file(path));
      const result = spawnSync('cloud-init', ['schema', '-c', target], { encoding: 'utf8' });
      expect(`${result.stdout}${result.stderr}`).toContain('Valid cloud-config');
      expect(result.status).toBe(0);
    },
  );
});

describe('kubeadm v1beta4', () => {
  const kubeadm = fileURLToPath(new URL('../../.harness/bin/kubeadm', import.meta.url));

  it('uses list-style extraArgs, mounts the PSA file, skips kube-proxy and uses the API VIP', () => {
    const [init, clusterConfig, kubelet] = docs('clusters/mgmt/kubeadm/init.yaml') as Array<
      Record<string, any>
    >;
    expect(init).toMatchObject({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'InitConfiguration',
      skipPhases: ['addon/kube-proxy'],
    });
    expect(clusterConfig!.controlPlaneEndpoint).toBe('192.168.64.210:6443');
    expect(clusterConfig!.networking).toEqual({
      podSubnet: '10.100.0.0/16',
      serviceSubnet: '10.96.0.0/16',
      dnsDomain: 'cluster.local',
    });
    expect(clusterConfig!.apiServer.extraArgs).toContainEqual({
      name: 'admission-control-config-file',
      value: '/etc/kubernetes/psa/admission-config.yaml',
    });
    expect(clusterConfig!.apiServer.extraVolumes[0]).toMatchObject({
      hostPath: '/etc/kubernetes/psa',
      readOnly: true,
    });
    expect(clusterConfig!.apiServer.certSANs).toEqual(['192.168.64.210', 'api.mgmt.local.dev', 'mgmt-cp-0']);
    for (const component of ['apiServer', 'controllerManager', 'scheduler']) {
      for (const arg of clusterConfig![component].extraArgs)
        expect(Object.keys(arg).sort()).toEqual(['name', 'value']);
    }
    expect(kubelet).toMatchObject({ kind: 'KubeletConfiguration', cgroupDriver: 'systemd' });
  });

  it('turns on the feature gates of the full profile only', () => {
    const full = renderPlatform(
      testPlatform(
        'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec: { kubernetes: { featureGateProfile: full } }\n',
      ),
    );
    expect(full.find((a) => a.path === 'clusters/app1/kubeadm/init.yaml')!.content).toContain(
      'feature-gates',
    );
    expect(file('clusters/app1/kubeadm/init.yaml')).not.toContain('feature-gates');
  });

  it('renders a control-plane join file only for HA clusters', () => {
    const ha = renderPlatform(testPlatform(HA));
    expect(ha.some((a) => a.path === 'clusters/mgmt/kubeadm/join-control-plane.yaml')).toBe(true);
    expect(tree.some((a) => a.path === 'clusters/mgmt/kubeadm/join-control-plane.yaml')).toBe(false);
  });

  it.skipIf(!existsSync(kubeadm))('passes `kubeadm config validate` (the harness kubeadm)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeadm-'));
    // File discovery needs the file on disk; the engine writes it on the node at join time.
    const discovery = join(dir, 'discovery.conf');
    writeFileSync(discovery, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    const configs = [...renderPlatform(testPlatform(HA)), ...tree].filter((a) =>
      a.path.includes('/kubeadm/'),
    );
    expect(configs.length).toBeGreaterThanOrEqual(9);
    for (const artifact of configs) {
      const target = join(dir, artifact.path.replaceAll('/', '_'));
      writeFileSync(target, artifact.content.replaceAll(DISCOVERY_KUBECONFIG, discovery));
      const result = spawnSync(kubeadm, ['config', 'validate', '--config', target], { encoding: 'utf8' });
      expect(`${artifact.path}: ${result.stdout}${result.stderr}`).toMatch(/ok\s*$/);
      expect(result.status).toBe(0);
    }
    // And the seed's map-style extraArgs are rejected (correction 9), so the check can fail.
    const seedStyle = join(dir, 'seed.yaml');
    writeFileSync(
      seedStyle,
      'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  extraArgs:\n    bind-address: 0.0.0.0\n',
    );
    expect(spawnSync(kubeadm, ['config', 'validate', '--config', seedStyle]).status).not.toBe(0);
  });
});

describe('Pod Security and guardrails', () => {
  it('labels exempted namespaces privileged with the recorded approval, and the application namespace restricted', () => {
    const namespaces = docs('clusters/app1/namespaces.yaml') as Array<{
      metadata: { name: string; labels: Record<string, string>; annotations?: Record<string, string> };
    }>;
    const falco = namespaces.find((n) => n.metadata.name === 'falco')!;
    expect(falco.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(falco.metadata.annotations).toMatchObject({
      'platformctl.dev/psa-exemption-approved-by': 'platform-team',
      'platformctl.dev/psa-exemption-expires': '2027-02-20',
    });
    expect(
      namespaces.find((n) => n.metadata.name === 'production')!.metadata.labels[
        'pod-security.kubernetes.io/enforce'
      ],
    ).toBe('restricted');
    expect(
      namespaces.find((n) => n.metadata.name === 'kyverno')!.metadata.labels[
        'pod-security.kubernetes.io/enforce'
      ],
    ).toBeUndefined();
    expect(namespaces.map((n) => n.metadata.name)).not.toContain('vault');
    expect(file('clusters/mgmt/namespaces.yaml')).not.toContain('name: production');
  });

  it('keeps only kube-system exempt in the admission file', () => {
    const config = docs('clusters/mgmt/psa/admission-config.yaml')[0] as Record<string, any>;
    const psa = config.plugins[0].configuration;
    expect(psa.defaults).toMatchObject({ enforce: 'baseline', audit: 'restricted', warn: 'restricted' });
    expect(psa.exemptions.namespaces).toEqual(['kube-system']);
  });

  it('sizes the application quota to fit the workers (correction 16) and allows DNS over UDP and TCP', () => {
    const app1 = platform.clusters.find((c) => c.name === 'app1')!;
    expect(quotaFor(app1)).toEqual({
      requestsCpu: 0.7,
      requestsMemoryGiB: 2,
      limitsCpu: 2,
      limitsMemoryGiB: 6,
    });
    const guardrails = docs('clusters/app1/guardrails.yaml') as Array<Record<string, any>>;
    const quota = guardrails.find((o) => o.kind === 'ResourceQuota')!;
    expect(quota.spec.hard['requests.memory']).toBe('2048Mi');
    const dns = guardrails.find((o) => o.metadata.name === 'allow-dns-egress')!;
    expect(dns.spec.egress[0].ports).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
    expect(dns.spec.egress[0].to[0].namespaceSelector.matchLabels).toEqual({
      'kubernetes.io/metadata.name': 'kube-system',
    });
  });
});

describe('DNS', () => {
  it('sends *.<cluster>.<domain> to that cluster gateway and names pinned services and API VIPs', () => {
    const conf = file('dns/dnsmasq.conf');
    expect(conf).toContain('address=/mgmt.local.dev/192.168.64.200');
    expect(conf).toContain('address=/app1.local.dev/192.168.64.211');
    expect(conf).toContain('address=/vault.mgmt.local.dev/192.168.64.202');
    expect(conf).toContain('address=/api.app2.local.dev/192.168.64.230');
    expect(conf).toContain('address=/harbor.local.dev/192.168.64.1');
    expect(file('dns/hosts')).toContain('192.168.64.205\tloki.mgmt.local.dev');
  });
});

describe('external services (correction 29)', () => {
  it('installs Argo CD by its chart on the management cluster and registers every cluster through Vault', () => {
    expect(JSON.parse(file('external/argocd/release.json'))).toMatchObject({
      chart: 'argo-cd',
      cluster: 'mgmt',
      namespace: 'argocd',
    });
    const registrations = docs('external/argocd/clusters.yaml') as Array<Record<string, any>>;
    expect(registrations.map((r) => r.spec.target.template.data.server)).toEqual([
      'https://192.168.64.210:6443',
      'https://192.168.64.220:6443',
      'https://192.168.64.230:6443',
    ]);
    for (const r of registrations) {
      expect(r.spec.target.template.metadata.labels['argocd.argoproj.io/secret-type']).toBe('cluster');
      expect(r.spec.secretStoreRef).toEqual({ name: 'vault-backend', kind: 'ClusterSecretStore' });
    }
  });

  it('configures Harbor for its installer and Nexus as compose, with no password anywhere', () => {
    const harbor = parse(file('external/harbor/harbor.yml')) as Record<string, any>;
    expect(harbor.hostname).toBe('harbor.local.dev');
    expect(harbor).not.toHaveProperty('harbor_admin_password');
    expect(JSON.parse(file('external/harbor/install.json')).proxyCacheProjects[0].name).toBe('dockerhub');
    const nexus = parse(file('external/nexus/compose.yaml')) as Record<string, any>;
    expect(nexus.services.nexus.deploy.resources.limits).toEqual({ cpus: '1', memory: '2048M' });
    for (const artifact of tree) expect(artifact.content).not.toMatch(/Harbor12345|password:\s*\S/i);
  });

  it('renders nothing for disabled services', () => {
    const none = renderPlatform(
      testPlatform(
        'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata: { name: x }\nspec:\n  externalServices: { argocd: { enabled: false }, harbor: { enabled: false }, nexus: { enabled: false } }\n',
      ),
    );
    expect(none.some((a) => a.path.startsWith('external/'))).toBe(false);
  });
});

describe("Vault's token reviewers (correction 18)", () => {
  it('renders on every cluster a reviewer ServiceAccount bound to system:auth-delegator and its token Secret', () => {
    for (const cluster of platform.clusters) {
      const objects = docs(`clusters/${cluster.name}/vault-token-reviewer.yaml`);
      expect(objects.map((o) => o['kind'])).toEqual(['ServiceAccount', 'ClusterRoleBinding', 'Secret']);
      const [account, binding, secret] = objects as any[];
      expect(account.metadata).toMatchObject({ name: 'vault-token-reviewer', namespace: 'kube-system' });
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'system:auth-delegator',
      });
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'vault-token-reviewer', namespace: 'kube-system' },
      ]);
      expect(secret.type).toBe('kubernetes.io/service-account-token');
      expect(secret.metadata.annotations).toEqual({
        'kubernetes.io/service-account.name': 'vault-token-reviewer',
      });
      expect(secret.data).toBeUndefined();
    }
  });
});
