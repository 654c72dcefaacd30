/**
 * `spec.addons.<name>.values`: the user's Helm values, merged over the rendered ones the way
 * Helm merges a later `-f` file over an earlier one (mappings merge key by key, lists and scalars
 * replace, `null` removes a key). Rendered values that platformctl owns cannot be overridden:
 * a value that holds one of the platform's CIDRs or pinned addresses, or names a Secret
 * platformctl creates or references, is what other clusters and steps rely on. Setting one is an
 * error naming both the user's path and what platformctl put there.
 */
import { PlatformctlError } from '../errors.js';
import { formatAddress } from '../net/ipv4.js';
import type { Platform } from '../spec/model.js';

type Values = Readonly<Record<string, unknown>>;

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Helm's merge of `over` onto `base`. */
export function mergeValues(base: Values, over: Values): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else if (isMapping(value) && isMapping(out[key])) out[key] = mergeValues(out[key] as Values, value);
    else out[key] = structuredClone(value);
  }
  return out;
}

/** The values platformctl must own on a cluster: its network ranges, pinned addresses and Secret names. */
export interface OwnedValues {
  readonly networks: ReadonlySet<string>;
  /** Each pinned address with the pattern that finds it inside a longer value. */
  readonly addresses: ReadonlyMap<string, RegExp>;
  readonly secrets: ReadonlySet<string>;
}

type PlatformOwned = Pick<OwnedValues, 'networks' | 'addresses'>;

/** Every cluster's values are checked against the same ranges and addresses: gathered once per platform, so that a render stays linear in the number of clusters. */
const ownedByPlatform = new WeakMap<Platform, PlatformOwned>();

function platformOwned(platform: Platform): PlatformOwned {
  const known = ownedByPlatform.get(platform);
  if (known) return known;
  const networks = new Set<string>([
    platform.network.nodeSubnet.text,
    ...platform.clusters.flatMap((c) => [c.podCIDR.text, c.serviceCIDR.text, c.loadBalancerPool.text]),
  ]);
  const addresses = new Set<string>();
  for (const c of platform.clusters) {
    addresses.add(c.addresses.api);
    for (const address of Object.values(c.addresses.services)) if (address) addresses.add(address);
  }
  addresses.add(formatAddress(platform.network.gateway));
  const owned: PlatformOwned = {
    networks,
    addresses: new Map(
      [...addresses].map((a) => [a, new RegExp(`(^|[^0-9.])${a.replaceAll('.', '\\.')}($|[^0-9])`)]),
    ),
  };
  ownedByPlatform.set(platform, owned);
  return owned;
}

export function ownedValues(platform: Platform, secrets: Iterable<string>): OwnedValues {
  return { ...platformOwned(platform), secrets: new Set(secrets) };
}

/** Why platformctl owns a rendered leaf value, or undefined. */
function ownership(value: unknown, owned: OwnedValues): string | undefined {
  if (typeof value !== 'string') return undefined;
  for (const network of owned.networks) if (value.includes(network)) return `the network ${network}`;
  for (const [address, pattern] of owned.addresses)
    if (pattern.test(value)) return `the pinned address ${address}`;
  if (owned.secrets.has(value)) return `the Secret ${value}, which platformctl creates or reads`;
  return undefined;
}

interface Collision {
  readonly path: string;
  readonly rendered: string;
  readonly why: string;
}

/** Every place where `over` would change a value `base` holds that platformctl owns. */
function collisions(base: unknown, over: unknown, owned: OwnedValues, path: string, out: Collision[]): void {
  if (isMapping(over) && isMapping(base)) {
    for (const [key, value] of Object.entries(over))
      collisions(base[key], value, owned, `${path}.${key}`, out);
    return;
  }
  const leaves: Array<[string, unknown]> = [];
  const walk = (value: unknown, at: string) => {
    if (isMapping(value)) for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}[${i}]`));
    else leaves.push([at, value]);
  };
  walk(base, path);
  if (JSON.stringify(base) === JSON.stringify(over)) return;
  for (const [at, value] of leaves) {
    const why = ownership(value, owned);
    if (why) out.push({ path: at, rendered: String(value), why });
  }
}

export function applyUserValues(
  addon: string,
  cluster: string,
  rendered: Values,
  user: Values | undefined,
  /** Asked only when there are user values to check. */
  owned: () => OwnedValues,
): Record<string, unknown> {
  if (!user) return { ...rendered };
  const found: Collision[] = [];
  collisions(rendered, user, owned(), `spec.addons.${addon}.values`, found);
  if (found.length > 0)
    throw new PlatformctlError(
      'values.owned',
      'input',
      found
        .map(
          (c) =>
            `${c.path} would change what platformctl sets on ${cluster} (${JSON.stringify(c.rendered)}: ${c.why})`,
        )
        .join('\n'),
      { hint: 'remove it from the spec; change the setting it follows instead (clusters, pools, add-ons)' },
    );
  return mergeValues(rendered, user);
}
