/**
 * A cluster's VMs on Multipass: launched in parallel with the rendered cloud-init (a pinned
 * Ubuntu LTS image), adopted when they exist already, started when stopped; a launch that timed
 * out is looked for before it is ever tried again; cloud-init must finish; every node's address
 * must be inside the node subnet and clear of the load-balancer pool, the API VIP and every
 * pinned address.
 *
 * After a host reboot the VMs are started again and usually get their old addresses back (the
 * DHCP server keeps each VM's lease by its MAC address). What kubeadm bound to a node's address
 * (etcd's URLs, the API server's advertise address and certificate, the kubelet's node IP) does
 * not follow a new one, so a node kubeadm set up that came back elsewhere is refused with both
 * addresses and the fix; a node kubeadm has not run on yet simply takes the new address.
 * TODO(#11): repair in place (certificates, etcd's peer URLs, kubelet node IP), or stable node
 * addresses outside the DHCP range set by cloud-init, so that no manual step is needed.
 */
import { join } from 'node:path';
import { CommandError } from '../../clients/exec.js';
import { containsAddress, parseAddress } from '../../net/ipv4.js';
import type { ProjectLayout } from '../../project/layout.js';
import type { Platform, PlatformCluster } from '../../spec/model.js';
import { writePrivateFile } from '../shared/private-files.js';
import { ProviderError, type ProviderEvent } from '../types.js';
import type { InstanceInfo, MultipassClient } from './client.js';

/** Ubuntu 24.04 LTS (noble): kubeadm 1.33-1.35 packages are built for it; one image everywhere. */
export const UBUNTU_IMAGE = '24.04';
const CLOUD_INIT_TIMEOUT_MS = 15 * 60_000;

export interface ProvisionInput {
  readonly client: MultipassClient;
  readonly platform: Platform;
  readonly cluster: PlatformCluster;
  readonly artifacts: ReadonlyMap<string, string>;
  /** Node name -> address as an earlier provision recorded it (empty on the first run). */
  readonly previous?: Readonly<Record<string, string>>;
  readonly layout: ProjectLayout;
  readonly log: (event: ProviderEvent) => void;
  readonly signal?: AbortSignal;
}

const isTimeout = (error: unknown) =>
  error instanceof CommandError && (error.reason === 'timeout' || /timed out/i.test(error.outputTail));

export async function provisionCluster(
  input: ProvisionInput,
): Promise<{ created: boolean; addresses: Record<string, string> }> {
  const { client, cluster } = input;
  const existing = new Map((await client.list()).map((i) => [i.name, i]));
  const missing = cluster.nodes.filter((n) => !existing.has(n.name));
  const stopped = cluster.nodes.filter(
    (n) => existing.has(n.name) && existing.get(n.name)!.state !== 'Running',
  );
  for (const node of cluster.nodes.filter((n) => existing.has(n.name)))
    input.log({
      cluster: cluster.name,
      message: `adopted VM ${node.name} (${existing.get(node.name)!.state})`,
    });
  if (stopped.length > 0) await client.start(stopped.map((n) => n.name));

  await Promise.all(
    missing.map(async (node) => {
      const path = `clusters/${cluster.name}/nodes/${node.name}/cloud-init.yaml`;
      const cloudConfig = input.artifacts.get(path);
      if (cloudConfig === undefined) throw new ProviderError(`${path} was not rendered`);
      const file = join(input.layout.providerDir('multipass'), 'cloud-init', `${node.name}.yaml`);
      await writePrivateFile(file, cloudConfig);
      const request = {
        name: node.name,
        cpus: node.cpus,
        memoryGiB: node.memoryGiB,
        diskGiB: node.diskGiB,
        cloudInit: file,
        image: UBUNTU_IMAGE,
      };
      input.log({
        cluster: cluster.name,
        message: `launching ${node.name} (${node.cpus} CPU, ${node.memoryGiB} GiB, ${node.diskGiB} GiB disk)`,
      });
      try {
        await client.launch(request, input.signal);
      } catch (error) {
        if (!isTimeout(error)) throw error;
        // Multipass on macOS can report a timeout while the VM goes on booting: look before
        // trying again, so that one node is never launched twice.
        const after = (await client.list()).find((i) => i.name === node.name);
        if (after) {
          input.log({
            cluster: cluster.name,
            message: `${node.name}: the launch timed out, but the VM exists (${after.state}); waiting for it`,
          });
          if (after.state !== 'Running') await client.start([node.name]);
        } else {
          input.log({
            cluster: cluster.name,
            message: `${node.name}: the launch timed out and no VM exists; launching again`,
          });
          await client.launch(request, input.signal);
        }
      }
    }),
  );

  await Promise.all(cluster.nodes.map((node) => waitForCloudInit(input, node.name)));
  const info = await client.info(cluster.nodes.map((n) => n.name));
  const addresses = nodeAddresses(cluster, info);
  checkAddresses(input.platform, cluster, addresses);
  await checkUnchanged(input, new Set(existing.keys()), addresses);
  return { created: missing.length > 0, addresses };
}

async function waitForCloudInit(input: ProvisionInput, name: string): Promise<void> {
  try {
    await input.client.exec(name, ['cloud-init', 'status', '--wait'], {
      timeoutMs: CLOUD_INIT_TIMEOUT_MS,
      ...(input.signal ? { signal: input.signal } : {}),
    });
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const log = await input.client
      .exec(name, ['sudo', 'tail', '-n', '40', '/var/log/cloud-init-output.log'], { timeoutMs: 30_000 })
      .then((r) => r.stdout.trim())
      .catch(() => '(the log could not be read)');
    throw new ProviderError(
      `cloud-init failed on ${name} (${error.outputTail.trim().split('\n').at(-1) ?? `exit ${error.exitCode}`}):\n${log}`,
      {
        code: 'provider.cloud-init-failed',
        hint: `the whole log: multipass exec ${name} -- sudo cat /var/log/cloud-init-output.log`,
        cause: error,
      },
    );
  }
}

function nodeAddresses(cluster: PlatformCluster, info: Record<string, InstanceInfo>): Record<string, string> {
  const addresses: Record<string, string> = {};
  for (const node of cluster.nodes) {
    const address = info[node.name]?.ipv4[0];
    if (!address)
      throw new ProviderError(
        `VM ${node.name} has no IPv4 address (state ${info[node.name]?.state ?? 'unknown'})`,
        {
          code: 'provider.no-address',
          hint: `multipass info ${node.name}`,
        },
      );
    addresses[node.name] = address;
  }
  return addresses;
}

/** Nodes kubeadm set up (their kubelet.conf exists) must keep the address it bound them to. */
async function checkUnchanged(
  input: ProvisionInput,
  adopted: ReadonlySet<string>,
  addresses: Record<string, string>,
): Promise<void> {
  const { cluster, client } = input;
  const moved = cluster.nodes.flatMap((node) => {
    const before = input.previous?.[node.name];
    const now = addresses[node.name];
    return adopted.has(node.name) && before && now && before !== now
      ? [{ node: node.name, before, now }]
      : [];
  });
  const bound: typeof moved = [];
  for (const m of moved) {
    const joined = await client
      .exec(m.node, ['sudo', 'test', '-f', '/etc/kubernetes/kubelet.conf'], { timeoutMs: 30_000 })
      .then(
        () => true,
        (error: unknown) => {
          if (error instanceof CommandError && error.reason === 'exit') return false;
          throw error;
        },
      );
    if (joined) bound.push(m);
    else
      input.log({
        cluster: cluster.name,
        message: `${m.node} had ${m.before} and has ${m.now} now; kubeadm has not run there yet`,
      });
  }
  if (bound.length === 0) return;
  const list = bound.map((m) => `${m.node} had ${m.before} and has ${m.now} now`).join('; ');
  throw new ProviderError(
    `cluster ${cluster.name}: VM address changed (${list}); kubeadm bound etcd, the API server and the kubelet to the old address`,
    {
      code: 'provider.address-changed',
      hint: 'give the VM its old address back (on macOS the DHCP server keeps leases by MAC address in /var/db/dhcpd_leases), then platformctl up again; or start over: platformctl down, then platformctl up',
    },
  );
}

/** Inside the node subnet; never in the load-balancer pool, on the API VIP or a pinned address. */
export function checkAddresses(
  platform: Platform,
  cluster: PlatformCluster,
  addresses: Record<string, string>,
): void {
  const subnet = platform.network.nodeSubnet;
  const reserved = platform.clusters.flatMap((c) => [
    { what: `the API VIP of ${c.name}`, address: c.addresses.api },
    ...Object.entries(c.addresses.services).map(([service, address]) => ({
      what: `the pinned address of ${service} on ${c.name}`,
      address: address!,
    })),
  ]);
  for (const [node, address] of Object.entries(addresses)) {
    const parsed = parseAddress(address);
    if (!parsed.ok || !containsAddress(subnet, parsed.value))
      throw new ProviderError(`VM ${node} got ${address}, outside spec.network.nodeSubnet ${subnet.text}`, {
        code: 'provider.address-outside-subnet',
        hint: `set spec.network.nodeSubnet (with gateway, dhcpRange and the pools) to Multipass's network (${address.replace(/\.\d+$/, '.0/24')}), or move Multipass's network to ${subnet.text}`,
      });
    for (const other of platform.clusters) {
      if (containsAddress(other.loadBalancerPool, parsed.value)) {
        const clash = reserved.find((r) => r.address === address);
        throw new ProviderError(
          `VM ${node} got ${address}, inside the load-balancer pool ${other.loadBalancerPool.text} of ${other.name}${clash ? ` (${clash.what})` : ''}`,
          {
            code: 'provider.address-in-pool',
            hint: `keep spec.network.dhcpRange (${platform.network.dhcpRange.text}) clear of every loadBalancerPool, and Multipass's DHCP inside it`,
          },
        );
      }
    }
  }
  void cluster;
}
