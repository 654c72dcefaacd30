/**
 * IPv4 address arithmetic for the network rules and the renderers.
 *
 * Addresses are plain numbers in 0..2^32-1. Arithmetic (not bitwise operators) is used
 * throughout because JavaScript's bitwise operators work on signed 32-bit integers and
 * would turn 128.0.0.0 and above negative.
 */

const ADDRESS_SPACE = 2 ** 32;

/** An inclusive interval of addresses: what both CIDRs and "a-b" ranges reduce to. */
export interface AddressInterval {
  readonly first: number;
  readonly last: number;
}

export interface Cidr extends AddressInterval {
  readonly network: number;
  readonly prefix: number;
  /** The CIDR as written by the user, normalised (e.g. `10.96.0.0/16`). */
  readonly text: string;
}

export interface AddressRange extends AddressInterval {
  readonly text: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function parseAddress(text: string): ParseResult<number> {
  if (text.includes(':'))
    return { ok: false, reason: `"${text}" is an IPv6 address; only IPv4 is supported` };
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => OCTET.test(part))) {
    return {
      ok: false,
      reason: `"${text}" is not an IPv4 address (expected four numbers 0-255, like 192.168.64.1)`,
    };
  }
  const value = parts.reduce((acc, part) => acc * 256 + Number(part), 0);
  return { ok: true, value };
}

export function formatAddress(address: number): string {
  if (!Number.isInteger(address) || address < 0 || address >= ADDRESS_SPACE) {
    throw new RangeError(`not an IPv4 address: ${address}`);
  }
  const octets: number[] = [];
  let rest = address;
  for (let i = 0; i < 4; i++) {
    octets.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  }
  return octets.join('.');
}

/** Number of addresses in a block with this prefix length. */
export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** The network address of `address` under `prefix` (host bits cleared). */
export function networkOf(address: number, prefix: number): number {
  const size = blockSize(prefix);
  return Math.floor(address / size) * size;
}

export function cidrFrom(network: number, prefix: number): Cidr {
  const first = networkOf(network, prefix);
  const last = first + blockSize(prefix) - 1;
  return { network: first, prefix, first, last, text: `${formatAddress(first)}/${prefix}` };
}

export interface ParsedCidr {
  cidr: Cidr;
  /** True when the address part had bits set beyond the prefix (e.g. 10.97.0.0/12). */
  hostBitsSet: boolean;
}

export function parseCidr(text: string): ParseResult<ParsedCidr> {
  const slash = text.indexOf('/');
  if (slash < 0) {
    return {
      ok: false,
      reason: `"${text}" is not in CIDR notation (expected address/prefix, like 10.100.0.0/16)`,
    };
  }
  const address = parseAddress(text.slice(0, slash));
  if (!address.ok) return address;
  const prefixText = text.slice(slash + 1);
  if (!/^(3[0-2]|[12]?\d)$/.test(prefixText)) {
    return { ok: false, reason: `"${text}" has an invalid prefix length "${prefixText}" (expected 0-32)` };
  }
  const prefix = Number(prefixText);
  const cidr = cidrFrom(address.value, prefix);
  return { ok: true, value: { cidr, hostBitsSet: cidr.network !== address.value } };
}

/**
 * Parses an address range: `first-last` (MetalLB and DHCP style), a single address,
 * or a CIDR (whose host bits must be clear).
 */
export function parseRange(text: string): ParseResult<AddressRange> {
  if (text.includes('/')) {
    const parsed = parseCidr(text);
    if (!parsed.ok) return parsed;
    if (parsed.value.hostBitsSet) {
      return { ok: false, reason: `"${text}" has host bits set (the network is ${parsed.value.cidr.text})` };
    }
    const { first, last } = parsed.value.cidr;
    return { ok: true, value: { first, last, text: parsed.value.cidr.text } };
  }
  const dash = text.indexOf('-');
  const firstText = (dash < 0 ? text : text.slice(0, dash)).trim();
  const lastText = (dash < 0 ? text : text.slice(dash + 1)).trim();
  const first = parseAddress(firstText);
  if (!first.ok) return first;
  const last = parseAddress(lastText);
  if (!last.ok) return last;
  if (last.value < first.value) {
    return { ok: false, reason: `"${text}" ends before it starts` };
  }
  return { ok: true, value: { first: first.value, last: last.value, text: `${firstText}-${lastText}` } };
}

export function intervalSize(interval: AddressInterval): number {
  return interval.last - interval.first + 1;
}

export function overlaps(a: AddressInterval, b: AddressInterval): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function contains(outer: AddressInterval, inner: AddressInterval): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}

export function containsAddress(interval: AddressInterval, address: number): boolean {
  return interval.first <= address && address <= interval.last;
}

/** The overlapping part of two intervals, or undefined when they are disjoint. */
export function intersection(a: AddressInterval, b: AddressInterval): AddressInterval | undefined {
  if (!overlaps(a, b)) return undefined;
  return { first: Math.max(a.first, b.first), last: Math.min(a.last, b.last) };
}

export function formatInterval(interval: AddressInterval): string {
  return interval.first === interval.last
    ? formatAddress(interval.first)
    : `${formatAddress(interval.first)}-${formatAddress(interval.last)}`;
}

/** The n-th address of an interval (0-based), e.g. to pin a load-balancer IP from a pool. */
export function nthAddress(interval: AddressInterval, n: number): number | undefined {
  const address = interval.first + n;
  return Number.isInteger(n) && n >= 0 && address <= interval.last ? address : undefined;
}
