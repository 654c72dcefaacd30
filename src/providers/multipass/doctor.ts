/**
 * What the Multipass provider needs on the host, as preflight checks (`doctor`, and `up` before
 * it creates anything): multipass installed, its daemon answering at version 1.15.1 or later,
 * the subnet its VMs get matching the spec's node subnet, and no VM of someone else with one of
 * the platform's node names.
 */
import { findBinaries } from '../../clients/binaries.js';
import type { CommandRunner } from '../../clients/exec.js';
import { containsAddress, formatInterval, parseAddress } from '../../net/ipv4.js';
import type { Platform } from '../../spec/model.js';
import type { PreflightCheck } from '../types.js';
import { atLeast, versionNumbers } from '../../util/version.js';
import { isDaemonDown, MultipassClient, type MultipassInstance } from './client.js';

export const MINIMUM_MULTIPASS = [1, 15, 1] as const;

const INSTALL = 'macOS: brew install --cask multipass; Linux: sudo snap install multipass';
const RESTART =
  'macOS: sudo launchctl kickstart -k system/com.canonical.multipassd; Linux: sudo snap restart multipass.multipassd';
const UPGRADE = 'macOS: brew upgrade --cask multipass; Linux: sudo snap refresh multipass';

export interface MultipassDoctorInput {
  readonly platform: Platform;
  readonly runner: CommandRunner;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly projectDir: string;
  /** VM names this project's state records: those are its own, not a conflict. */
  readonly recordedNodes: readonly string[];
}

export async function multipassChecks(input: MultipassDoctorInput): Promise<PreflightCheck[]> {
  let binary: string;
  try {
    binary = findBinaries(['multipass'] as const, { env: input.env, projectDir: input.projectDir }).multipass;
  } catch {
    return [{ id: 'multipass.installed', status: 'fail', detail: 'multipass is not on PATH', fix: INSTALL }];
  }
  const checks: PreflightCheck[] = [{ id: 'multipass.installed', status: 'pass', detail: binary }];
  const client = new MultipassClient(input.runner, binary);
  let instances: MultipassInstance[];
  try {
    const version = await client.version();
    instances = await client.list();
    checks.push({
      id: 'multipass.daemon',
      status: 'pass',
      detail: `multipassd ${version.daemon ?? 'answers'}`,
    });
    const numbers = versionNumbers(version.daemon ?? version.client);
    checks.push(
      numbers && atLeast(numbers, MINIMUM_MULTIPASS)
        ? { id: 'multipass.version', status: 'pass', detail: version.daemon ?? version.client }
        : {
            id: 'multipass.version',
            status: 'fail',
            detail: `${version.daemon ?? version.client} is older than ${MINIMUM_MULTIPASS.join('.')}`,
            fix: UPGRADE,
          },
    );
  } catch (error) {
    checks.push({
      id: 'multipass.daemon',
      status: 'fail',
      detail: isDaemonDown(error)
        ? 'multipassd does not answer (cannot connect to the multipass socket)'
        : (error as Error).message.split('\n')[0]!,
      fix: RESTART,
    });
    return checks;
  }
  checks.push(networkCheck(input.platform, instances), namesCheck(input, instances));
  return checks;
}

/** The subnet Multipass gives its VMs, read from any VM that has an address. */
function networkCheck(platform: Platform, instances: readonly MultipassInstance[]): PreflightCheck {
  const subnet = platform.network.nodeSubnet;
  const seen = instances.flatMap((i) => (i.ipv4[0] ? [{ name: i.name, address: i.ipv4[0] }] : []));
  if (seen.length === 0)
    return {
      id: 'multipass.network',
      status: 'warn',
      detail: `no VM with an address to read Multipass's subnet from; the spec expects ${subnet.text}`,
      fix: 'launch any VM (`multipass launch --name probe`), run doctor again, then `multipass delete --purge probe`',
    };
  const outside = seen.filter((s) => {
    const parsed = parseAddress(s.address);
    return !parsed.ok || !containsAddress(subnet, parsed.value);
  });
  if (outside.length === 0)
    return {
      id: 'multipass.network',
      status: 'pass',
      detail: `VMs get addresses in ${subnet.text} (${seen[0]!.name}: ${seen[0]!.address})`,
    };
  const example = outside[0]!;
  const guess = example.address.replace(/\.\d+$/, '.0/24');
  return {
    id: 'multipass.network',
    status: 'fail',
    detail: `Multipass gives VMs addresses outside spec.network.nodeSubnet ${formatInterval(subnet)} (${example.name}: ${example.address})`,
    fix: `set spec.network.nodeSubnet to ${guess} (with its gateway, dhcpRange and the clusters' loadBalancerPool inside it), or move Multipass's network to ${subnet.text}`,
  };
}

function namesCheck(input: MultipassDoctorInput, instances: readonly MultipassInstance[]): PreflightCheck {
  const wanted = new Set(input.platform.clusters.flatMap((c) => c.nodes.map((n) => n.name)));
  const own = new Set(input.recordedNodes);
  const taken = instances.filter((i) => wanted.has(i.name) && !own.has(i.name)).map((i) => i.name);
  if (taken.length === 0)
    return {
      id: 'multipass.vm-names',
      status: 'pass',
      detail: `no other VM uses the platform's ${wanted.size} node names`,
    };
  return {
    id: 'multipass.vm-names',
    status: 'fail',
    detail: `VM(s) ${taken.join(', ')} exist but are not this project's`,
    fix: `delete them (\`multipass delete --purge ${taken.join(' ')}\`) if they are yours to remove, or rename the clusters in the spec`,
  };
}
