/**
 * Where a client dials a service that real clusters reach through a pinned load-balancer address
 * (correction 8): that address on real machines; on kwok, its loopback twin.
 *
 * kwok runs no pods, so nothing answers on the pinned addresses; the processes that stand in for
 * the pods (the simulated Vault, the host controllers) listen on loopback instead, and every
 * endpoint rendered for provider kwok must stay inside 127.0.0.0/8 (no test, rehearsal or
 * controller may dial a node-network address). The twin keeps the pinned address's last two
 * octets, so it reads as its counterpart, and takes its second octet from the platform's name,
 * so that two kwok platforms on one machine (parallel tests) do not claim the same address.
 * Pure: derived from the spec alone.
 */
import { createHash } from 'node:crypto';

import type { PinnedService } from '../spec/addresses.js';
import type { Platform } from '../spec/model.js';

/** 127.<from the platform name>.<c>.<d> for the pinned a.b.c.d. */
export function loopbackTwin(platformName: string, pinned: string): string {
  const octets = pinned.split('.');
  if (octets.length !== 4) throw new Error(`not an IPv4 address: ${pinned}`);
  const second = (createHash('sha256').update(platformName).digest()[0]! % 254) + 1;
  return `127.${second}.${octets[2]}.${octets[3]}`;
}

/** The address a client dials for a pinned address of this platform. */
export function reachableAddress(platform: Platform, pinned: string): string {
  return platform.provider === 'kwok' ? loopbackTwin(platform.name, pinned) : pinned;
}

/** The address a client dials for `service` on `clusterName`, or undefined when it has no pinned address. */
export function serviceEndpoint(
  platform: Platform,
  clusterName: string,
  service: PinnedService,
): string | undefined {
  const cluster = platform.clusters.find((c) => c.name === clusterName);
  const pinned = cluster?.addresses.services[service];
  return pinned ? reachableAddress(platform, pinned) : undefined;
}
