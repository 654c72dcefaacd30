/**
 * Network rules: well-formed CIDRs and ranges, no overlaps within or across clusters,
 * pools inside the node subnet and outside DHCP (seed corrections 1, 6, 7).
 */
import {
  type AddressInterval,
  type AddressRange,
  blockSize,
  type Cidr,
  contains,
  containsAddress,
  formatAddress,
  formatInterval,
  intersection,
  intervalSize,
  parseAddress,
  parseCidr,
  parseRange,
} from '../../net/ipv4.js';
import { poolAddressesNeeded } from '../addresses.js';
import { type Finding, finding, type SpecPath } from '../diagnostics.js';
import type { PlatformSpec } from '../types.js';

/** kube-controller-manager hands each node a /24 of the pod CIDR (its IPv4 default). */
export const NODE_POD_PREFIX = 24;
/** kube-apiserver refuses IPv4 service ranges larger than /12 (20 host bits). */
export const MAX_SERVICE_PREFIX_BITS = 12;
/** Room for the kubernetes service (.1) and cluster DNS (.10). */
export const MIN_SERVICE_PREFIX = 28;

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

interface Range {
  readonly label: string;
  readonly path: SpecPath;
  readonly interval: AddressInterval;
  readonly text: string;
}

export interface ClusterRanges {
  pod?: Range;
  service?: Range;
  pool?: Range;
}

export interface NetworkFacts {
  readonly subnet?: Range;
  readonly gateway?: number;
  readonly dhcp?: Range;
  readonly clusters: readonly ClusterRanges[];
}

function parseCidrField(text: string, path: SpecPath, label: string, out: Finding[]): Range | undefined {
  const parsed = parseCidr(text);
  if (!parsed.ok) {
    out.push(finding('network.invalid-cidr', path, `${label}: ${parsed.reason}`));
    return undefined;
  }
  const cidr: Cidr = parsed.value.cidr;
  if (parsed.value.hostBitsSet) {
    out.push(
      finding(
        'network.host-bits',
        path,
        `${label} ${text} has host bits set: it means ${cidr.text} (${formatInterval(cidr)})`,
        `write ${cidr.text}, or a smaller block such as ${text.split('/')[0]}/${Math.max(cidr.prefix, 16)}`,
      ),
    );
    return undefined;
  }
  return { label, path, interval: cidr, text: cidr.text };
}

function parseRangeField(text: string, path: SpecPath, label: string, out: Finding[]): Range | undefined {
  const parsed = parseRange(text);
  if (!parsed.ok) {
    out.push(
      finding(
        'network.invalid-range',
        path,
        `${label}: ${parsed.reason}`,
        'write first-last, e.g. 192.168.64.200-192.168.64.210',
      ),
    );
    return undefined;
  }
  const range: AddressRange = parsed.value;
  return { label, path, interval: range, text: range.text };
}

export function parseNetwork(spec: PlatformSpec, out: Finding[]): NetworkFacts {
  const base: SpecPath = ['spec', 'network'];
  const subnet = parseCidrField(spec.network.nodeSubnet, [...base, 'nodeSubnet'], 'node subnet', out);
  const dhcp = parseRangeField(spec.network.dhcpRange, [...base, 'dhcpRange'], 'DHCP range', out);
  const gatewayParsed = parseAddress(spec.network.gateway);
  if (!gatewayParsed.ok)
    out.push(finding('network.invalid-address', [...base, 'gateway'], `gateway: ${gatewayParsed.reason}`));
  const clusters = spec.clusters.map((cluster, i) => {
    const at = (field: string): SpecPath => ['spec', 'clusters', i, field];
    const ranges: ClusterRanges = {};
    const pod = parseCidrField(cluster.podCIDR, at('podCIDR'), `cluster ${cluster.name} podCIDR`, out);
    const service = parseCidrField(
      cluster.serviceCIDR,
      at('serviceCIDR'),
      `cluster ${cluster.name} serviceCIDR`,
      out,
    );
    const pool = parseRangeField(
      cluster.loadBalancerPool,
      at('loadBalancerPool'),
      `cluster ${cluster.name} loadBalancerPool`,
      out,
    );
    if (pod) ranges.pod = pod;
    if (service) ranges.service = service;
    if (pool) ranges.pool = pool;
    return ranges;
  });
  return {
    ...(subnet ? { subnet } : {}),
    ...(gatewayParsed.ok ? { gateway: gatewayParsed.value } : {}),
    ...(dhcp ? { dhcp } : {}),
    clusters,
  };
}

function overlapMessage(a: Range, b: Range): string {
  const shared = intersection(a.interval, b.interval)!;
  return `${b.label} ${b.text} overlaps ${a.label} ${a.text} (shared: ${formatInterval(shared)})`;
}

function checkSizes(spec: PlatformSpec, facts: NetworkFacts, out: Finding[]): void {
  spec.clusters.forEach((cluster, i) => {
    const { pod, service, pool } = facts.clusters[i]!;
    if (pool && intervalSize(pool.interval) < poolAddressesNeeded(cluster.role)) {
      out.push(
        finding(
          'network.pool-too-small',
          pool.path,
          `${pool.label} ${pool.text} has ${intervalSize(pool.interval)} address(es); a ${cluster.role} cluster needs ${poolAddressesNeeded(cluster.role)}: fixed addresses for the services other clusters reach (Gateway, ClusterMesh${cluster.role === 'management' ? ', Vault, MinIO, Thanos Receive, Loki, Tempo' : ''}) and the last one for the Kubernetes API VIP`,
          `widen the pool to at least ${poolAddressesNeeded(cluster.role)} addresses`,
        ),
      );
    }
    if (service) {
      const prefix = (service.interval as Cidr).prefix;
      if (prefix < MAX_SERVICE_PREFIX_BITS || prefix > MIN_SERVICE_PREFIX) {
        out.push(
          finding(
            'network.service-cidr-size',
            service.path,
            `${service.label} ${service.text} is /${prefix}; kube-apiserver needs /${MAX_SERVICE_PREFIX_BITS} to /${MIN_SERVICE_PREFIX}`,
            'a /16 (65,536 services) is plenty',
          ),
        );
      }
    }
    if (pod) {
      const prefix = (pod.interval as Cidr).prefix;
      const nodes = cluster.controlPlane.count + cluster.workers.count;
      const blocks = prefix > NODE_POD_PREFIX ? 0 : blockSize(prefix) / blockSize(NODE_POD_PREFIX);
      if (blocks < nodes) {
        out.push(
          finding(
            'network.pod-cidr-too-small',
            pod.path,
            `${pod.label} ${pod.text} holds ${blocks} node block(s) of /${NODE_POD_PREFIX} but the cluster has ${nodes} node(s)`,
            'use a /16, e.g. 10.100.0.0/16',
          ),
        );
      }
    }
  });
}

function checkWithinClusters(facts: NetworkFacts, out: Finding[]): void {
  for (const ranges of facts.clusters) {
    const { pod, service, pool } = ranges;
    const pairs: Array<[Range | undefined, Range | undefined]> = [
      [pod, service],
      [facts.subnet, pod],
      [facts.subnet, service],
      [pool, pod],
      [pool, service],
    ];
    for (const [a, b] of pairs) {
      if (a && b && intersection(a.interval, b.interval)) {
        out.push(finding('network.overlap', b.path, overlapMessage(a, b), 'give each range its own block'));
      }
    }
  }
}

function checkAcrossClusters(spec: PlatformSpec, facts: NetworkFacts, out: Finding[]): void {
  for (let j = 0; j < facts.clusters.length; j++) {
    const later = facts.clusters[j]!;
    for (let i = 0; i < j; i++) {
      const earlier = facts.clusters[i]!;
      const pairs: Array<[Range | undefined, Range | undefined]> = [
        [earlier.pod, later.pod],
        [earlier.service, later.service],
        [earlier.pod, later.service],
        [earlier.service, later.pod],
        [earlier.pool, later.pool],
      ];
      for (const [a, b] of pairs) {
        if (a && b && intersection(a.interval, b.interval)) {
          const why = a.label.endsWith('loadBalancerPool')
            ? 'clusters would hand out the same addresses'
            : 'ClusterMesh routes pod traffic between clusters, so their ranges must be disjoint';
          out.push(
            finding(
              'network.cross-cluster-overlap',
              b.path,
              `${overlapMessage(a, b)}: ${why}`,
              `give cluster ${spec.clusters[j]!.name} its own block`,
            ),
          );
        }
      }
    }
  }
}

function checkNodeNetwork(spec: PlatformSpec, facts: NetworkFacts, out: Finding[]): void {
  const { subnet, dhcp, gateway } = facts;
  const base: SpecPath = ['spec', 'network'];
  if (subnet && gateway !== undefined) {
    const cidr = subnet.interval;
    if (!containsAddress(cidr, gateway) || gateway === cidr.first || gateway === cidr.last) {
      out.push(
        finding(
          'network.gateway-outside-subnet',
          [...base, 'gateway'],
          `gateway ${formatAddress(gateway)} is not a host address of the node subnet ${subnet.text}`,
          `use an address inside ${formatInterval({ first: cidr.first + 1, last: cidr.last - 1 })}, usually the first`,
        ),
      );
    }
  }
  if (subnet && dhcp && !contains(subnet.interval, dhcp.interval)) {
    out.push(
      finding(
        'network.dhcp-outside-subnet',
        dhcp.path,
        `DHCP range ${dhcp.text} is not inside the node subnet ${subnet.text}`,
        'use the range your hypervisor hands out (Multipass on macOS: 192.168.64.2-192.168.64.199)',
      ),
    );
  }
  for (const { pool } of facts.clusters) {
    if (!pool) continue;
    if (subnet && !contains(subnet.interval, pool.interval)) {
      out.push(
        finding(
          'network.pool-outside-subnet',
          pool.path,
          `${pool.label} ${pool.text} is not inside the node subnet ${subnet.text}; MetalLB L2 answers ARP only on the node network`,
          `pick addresses inside ${subnet.text} that DHCP does not hand out`,
        ),
      );
    } else if (
      subnet &&
      (containsAddress(pool.interval, subnet.interval.first) ||
        containsAddress(pool.interval, subnet.interval.last))
    ) {
      out.push(
        finding(
          'network.pool-outside-subnet',
          pool.path,
          `${pool.label} ${pool.text} includes the network or broadcast address of ${subnet.text}`,
          'leave out the first and last address of the subnet',
        ),
      );
    }
    if (dhcp && intersection(pool.interval, dhcp.interval)) {
      out.push(
        finding(
          'network.pool-in-dhcp-range',
          pool.path,
          `${pool.label} ${pool.text} overlaps the DHCP range ${dhcp.text} (shared: ${formatInterval(intersection(pool.interval, dhcp.interval)!)}); a VM could get a load-balancer address`,
          `move the pool above ${formatAddress(dhcp.interval.last)} (correction 7)`,
        ),
      );
    }
    if (gateway !== undefined && containsAddress(pool.interval, gateway)) {
      out.push(
        finding(
          'network.gateway-in-pool',
          pool.path,
          `${pool.label} ${pool.text} contains the gateway ${formatAddress(gateway)}`,
          'leave the gateway out of every pool',
        ),
      );
    }
  }
  if (!DNS_NAME.test(spec.network.domain)) {
    out.push(
      finding(
        'network.invalid-domain',
        [...base, 'domain'],
        `domain "${spec.network.domain}" is not a lower-case DNS name`,
        'use something like local.dev',
      ),
    );
  }
}

export function checkNetwork(spec: PlatformSpec): { findings: Finding[]; facts: NetworkFacts } {
  const findings: Finding[] = [];
  const facts = parseNetwork(spec, findings);
  checkSizes(spec, facts, findings);
  checkNodeNetwork(spec, facts, findings);
  checkWithinClusters(facts, findings);
  checkAcrossClusters(spec, facts, findings);
  return { findings, facts };
}
