/**
 * Names for the platform's addresses (seed §19.3): a hosts file and a dnsmasq configuration.
 * *.<cluster>.<domain> goes to that cluster's Gateway; services other clusters reach directly
 * (Vault, MinIO, ...) and the API VIP get names of their own.
 */
import { formatAddress } from '../net/ipv4.js';
import type { Platform } from '../spec/model.js';

export interface DnsEntry {
  readonly address: string;
  readonly name: string;
  /** dnsmasq: the name and every name under it. */
  readonly wildcard: boolean;
}

/** Every name of the platform with its address, as the hosts file and dnsmasq get them. */
export function dnsNames(platform: Platform): DnsEntry[] {
  const { domain } = platform.network;
  const out: DnsEntry[] = [];
  for (const cluster of platform.clusters) {
    const base = `${cluster.name}.${domain}`;
    const { api, services } = cluster.addresses;
    if (services.gateway) out.push({ address: services.gateway, name: base, wildcard: true });
    out.push({ address: api, name: `api.${base}`, wildcard: false });
    for (const [service, address] of Object.entries(services).sort(([a], [b]) => a.localeCompare(b))) {
      if (service !== 'gateway' && address)
        out.push({ address, name: `${service}.${base}`, wildcard: false });
    }
  }
  const management = platform.clusters.find((c) => c.name === platform.managementCluster)!;
  if (management.addresses.services.gateway)
    out.push({ address: management.addresses.services.gateway, name: domain, wildcard: true });
  // Harbor, Nexus and Argo CD's UI run beside the VMs, reached through the host's side of the node network.
  const host = formatAddress(platform.network.gateway);
  for (const name of ['harbor', 'nexus'] as const) {
    if (platform.externalServices[name]?.enabled)
      out.push({ address: host, name: `${name}.${domain}`, wildcard: false });
  }
  return out;
}

export function hostsFile(platform: Platform): string {
  const lines = [
    '# platformctl: names of the platform. hosts files have no wildcards: add names under a cluster as you route them.',
  ];
  for (const entry of dnsNames(platform)) lines.push(`${entry.address}\t${entry.name}`);
  return `${lines.join('\n')}\n`;
}

export function dnsmasqConf(platform: Platform): string {
  const lines = [
    '# platformctl: resolve the platform domain locally (e.g. /etc/resolver/<domain> on macOS pointing at dnsmasq).',
    '# More specific names win over the wildcards.',
  ];
  for (const entry of dnsNames(platform)) lines.push(`address=/${entry.name}/${entry.address}`);
  return `${lines.join('\n')}\n`;
}
