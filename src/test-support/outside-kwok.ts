/**
 * kwok clusters made the way someone else would make them, outside platformctl, with the harness's
 * kwokctl (binary runtime: real etcd, kube-apiserver, controller-manager and scheduler; kwok's
 * simulated nodes), bound to 127.0.0.1: what `provider: existing` is tested and measured against.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { KubeClient } from '../clients/kube.js';

export const HARNESS_BIN = fileURLToPath(new URL('../../.harness/bin', import.meta.url));

export interface OutsideKwokCluster {
  /** kwokctl's name of the cluster. */
  readonly name: string;
  /** The kubeconfig kwokctl wrote (context `kwok-<name>`). */
  readonly kubeconfig: string;
  readonly kubeconfigText: () => string;
  /** The cluster CA's certificate (PEM) kwokctl made. */
  readonly caCertificate: () => string;
  /** Deletes the cluster (idempotent). */
  readonly delete: () => void;
}

export interface OutsideKwokOptions {
  readonly name: string;
  /** Its KWOK_WORKDIR, and where the configuration and kubeconfig are written. */
  readonly workdir: string;
  readonly serviceCIDR?: string;
  /** Simulated nodes to add once it runs (default 2). */
  readonly nodes?: number;
  /** kwok's own CRDs to serve (e.g. PortForward: what kwok's simulated kubelet forwards to). */
  readonly enableCRDs?: readonly string[];
  /** kube-controller-manager signs CertificateSigningRequests with the cluster CA (kwokctl does not set it up). */
  readonly signCertificates?: boolean;
}

function kwokctl(options: OutsideKwokOptions, ...args: string[]): string {
  const result = spawnSync(join(HARNESS_BIN, 'kwokctl'), ['--name', options.name, ...args], {
    encoding: 'utf8',
    env: { ...process.env, KWOK_WORKDIR: options.workdir, PATH: `${HARNESS_BIN}:${process.env.PATH}` },
    timeout: 180_000,
  });
  if (result.status !== 0) throw new Error(`kwokctl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Creates the cluster, adds its nodes and waits until every node is Ready. */
export async function createOutsideKwokCluster(options: OutsideKwokOptions): Promise<OutsideKwokCluster> {
  const bin = (name: string) => join(HARNESS_BIN, name);
  const kubeVersion = /v\d+\.\d+\.\d+/.exec(
    spawnSync(bin('kube-apiserver'), ['--version'], { encoding: 'utf8' }).stdout,
  )![0];
  const serviceRange = options.serviceCIDR
    ? [{ key: 'service-cluster-ip-range', value: options.serviceCIDR }]
    : [];
  const config = join(options.workdir, `${options.name}.yaml`);
  writeFileSync(
    config,
    stringify({
      kind: 'KwokctlConfiguration',
      apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
      options: {
        runtime: 'binary',
        bindAddress: '127.0.0.1',
        kubeVersion,
        kubeApiserverBinary: bin('kube-apiserver'),
        kubeControllerManagerBinary: bin('kube-controller-manager'),
        kubeSchedulerBinary: bin('kube-scheduler'),
        kwokControllerBinary: bin('kwok'),
        etcdBinary: bin('etcd'),
        kubectlBinary: bin('kubectl'),
        ...(options.enableCRDs ? { enableCRDs: [...options.enableCRDs] } : {}),
      },
      componentsPatches: [
        { name: 'kube-apiserver', extraArgs: serviceRange },
        {
          name: 'kube-controller-manager',
          extraArgs: [
            ...serviceRange,
            // kwokctl writes the cluster's CA here before it starts the components.
            ...(options.signCertificates
              ? ['cert', 'key'].map((part) => ({
                  key: `cluster-signing-${part}-file`,
                  value: join(
                    options.workdir,
                    'clusters',
                    options.name,
                    'pki',
                    `ca.${part === 'cert' ? 'crt' : 'key'}`,
                  ),
                }))
              : []),
          ],
        },
        // Nodes with a loopback InternalIP (kwokctl passes none).
        { name: 'kwok-controller', extraArgs: [{ key: 'node-ip', value: '127.0.0.1', override: true }] },
      ],
    }),
  );
  const kubeconfig = join(options.workdir, `${options.name}.kubeconfig`);
  kwokctl(options, '-c', config, 'create', 'cluster', '--wait', '2m', '--kubeconfig', kubeconfig);
  const nodes = options.nodes ?? 2;
  kwokctl(options, 'scale', 'node', '--replicas', String(nodes));
  const client = await KubeClient.fromFile(kubeconfig);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const listed = await client.list<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(
      'v1',
      'Node',
    );
    if (
      listed.length === nodes &&
      listed.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    )
      break;
    if (Date.now() > deadline) throw new Error(`${options.name}: nodes not Ready within 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    name: options.name,
    kubeconfig,
    kubeconfigText: () => readFileSync(kubeconfig, 'utf8'),
    caCertificate: () =>
      readFileSync(join(options.workdir, 'clusters', options.name, 'pki', 'ca.crt'), 'utf8'),
    delete: () => {
      spawnSync(join(HARNESS_BIN, 'kwokctl'), ['--name', options.name, 'delete', 'cluster'], {
        env: { ...process.env, KWOK_WORKDIR: options.workdir, PATH: `${HARNESS_BIN}:${process.env.PATH}` },
      });
    },
  };
}
