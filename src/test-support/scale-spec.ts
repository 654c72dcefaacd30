/**
 * A spec of `count` clusters for the scale tests and benchmark (issue #16): one management cluster
 * and `count - 1` workload clusters on `provider: existing`, each with its own pod and Service
 * range and a load-balancer pool outside the DHCP range, so that the spec validates as it is.
 */
export const MAX_SCALE_CLUSTERS = 255; // Cilium's cluster ids are 1..255.

export function scaleSpec(count: number): string {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SCALE_CLUSTERS)
    throw new RangeError(`a scale spec has 1..${MAX_SCALE_CLUSTERS} clusters, not ${count}`);
  const lines = [
    'apiVersion: platformctl.dev/v1alpha1',
    'kind: Platform',
    `metadata: { name: scale-${count} }`,
    'spec:',
    '  provider: existing',
    '  network:',
    '    nodeSubnet: 192.168.0.0/16',
    '    gateway: 192.168.0.1',
    '    dhcpRange: 192.168.0.10-192.168.3.255',
    '    domain: scale.example.com',
    '  clusters:',
  ];
  for (let id = 1; id <= count; id++) {
    const name = id === 1 ? 'mgmt' : `app${id - 1}`;
    // Pods 10.<id>.0.0/16; Services a /20 of 172.16.0.0/12; pools a /28 from 192.168.4.0 up.
    const service = id - 1;
    lines.push(
      `    - name: ${name}`,
      `      role: ${id === 1 ? 'management' : 'workload'}`,
      `      id: ${id}`,
      `      existing: { context: ${name} }`,
      `      podCIDR: 10.${id}.0.0/16`,
      `      serviceCIDR: 172.${16 + Math.floor(service / 16)}.${(service % 16) * 16}.0/20`,
      `      loadBalancerPool: 192.168.${4 + Math.floor(id / 16)}.${(id % 16) * 16}/28`,
    );
  }
  return `${lines.join('\n')}\n`;
}
