import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blockSize,
  cidrFrom,
  contains,
  containsAddress,
  formatAddress,
  intersection,
  intervalSize,
  networkOf,
  nthAddress,
  overlaps,
  parseAddress,
  parseCidr,
  parseRange,
} from './ipv4.js';

const address = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const prefix = fc.integer({ min: 0, max: 32 });
const cidr = fc.tuple(address, prefix).map(([a, p]) => cidrFrom(a, p));
/** Intervals in a small window so that a brute-force oracle can enumerate them. */
const smallInterval = fc
  .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }))
  .map(([a, b]) => ({ first: Math.min(a, b), last: Math.max(a, b) }));
const members = (i: { first: number; last: number }) =>
  Array.from({ length: i.last - i.first + 1 }, (_, k) => i.first + k);

describe('addresses', () => {
  it('format and parse are inverse for every IPv4 address', () => {
    fc.assert(
      fc.property(address, (a) => {
        const parsed = parseAddress(formatAddress(a));
        expect(parsed).toEqual({ ok: true, value: a });
      }),
    );
  });

  it('handles the top of the address space without sign errors', () => {
    expect(parseAddress('255.255.255.255')).toEqual({ ok: true, value: 2 ** 32 - 1 });
    expect(formatAddress(2 ** 31)).toBe('128.0.0.0');
    expect(cidrFrom(parseAddressOrThrow('200.1.2.3'), 8).text).toBe('200.0.0.0/8');
  });

  it.each(['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', 'a.b.c.d', '', '1.2.3.-4', '::1'])(
    'rejects %j',
    (text) => {
      expect(parseAddress(text).ok).toBe(false);
    },
  );
});

function parseAddressOrThrow(text: string): number {
  const parsed = parseAddress(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

describe('CIDRs', () => {
  it('the network of any address under any prefix has no host bits and contains the address', () => {
    fc.assert(
      fc.property(address, prefix, (a, p) => {
        const block = cidrFrom(a, p);
        expect(block.network % blockSize(p)).toBe(0);
        expect(containsAddress(block, a)).toBe(true);
        expect(intervalSize(block)).toBe(blockSize(p));
        expect(networkOf(block.last, p)).toBe(block.network);
      }),
    );
  });

  it('reports host bits exactly when the address is not its own network', () => {
    fc.assert(
      fc.property(address, prefix, (a, p) => {
        const parsed = parseCidr(`${formatAddress(a)}/${p}`);
        if (!parsed.ok) throw new Error(parsed.reason);
        expect(parsed.value.hostBitsSet).toBe(networkOf(a, p) !== a);
        expect(parsed.value.cidr.text).toBe(`${formatAddress(networkOf(a, p))}/${p}`);
      }),
    );
  });

  it("flags the seed's service CIDRs (correction 1)", () => {
    for (const text of ['10.97.0.0/12', '10.98.0.0/12']) {
      const parsed = parseCidr(text);
      expect(parsed.ok && parsed.value.hostBitsSet).toBe(true);
      expect(parsed.ok && parsed.value.cidr.text).toBe('10.96.0.0/12');
    }
    const pods = parseCidr('10.100.0.0/16');
    const services = parseCidr('10.96.0.0/12');
    expect(pods.ok && services.ok && contains(services.value.cidr, pods.value.cidr)).toBe(true);
  });

  it('two CIDR blocks are either disjoint or nested', () => {
    fc.assert(
      fc.property(cidr, cidr, (a, b) => {
        if (overlaps(a, b)) expect(contains(a, b) || contains(b, a)).toBe(true);
      }),
    );
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/', '10.0.0/8', '10.0.0.0/08x'])(
    'rejects %j',
    (text) => {
      expect(parseCidr(text).ok).toBe(false);
    },
  );
});

describe('intervals', () => {
  it('overlaps agrees with set intersection (brute force)', () => {
    fc.assert(
      fc.property(smallInterval, smallInterval, (a, b) => {
        const shared = members(a).filter((x) => containsAddress(b, x));
        expect(overlaps(a, b)).toBe(shared.length > 0);
        expect(overlaps(b, a)).toBe(overlaps(a, b));
        const cut = intersection(a, b);
        if (shared.length === 0) expect(cut).toBeUndefined();
        else expect(cut).toEqual({ first: shared[0], last: shared[shared.length - 1] });
      }),
    );
  });

  it('contains agrees with set inclusion (brute force) and implies overlap', () => {
    fc.assert(
      fc.property(smallInterval, smallInterval, (outer, inner) => {
        const included = members(inner).every((x) => containsAddress(outer, x));
        expect(contains(outer, inner)).toBe(included);
        if (included) expect(overlaps(outer, inner)).toBe(true);
      }),
    );
  });

  it('containment is transitive', () => {
    fc.assert(
      fc.property(smallInterval, smallInterval, smallInterval, (a, b, c) => {
        if (contains(a, b) && contains(b, c)) expect(contains(a, c)).toBe(true);
      }),
    );
  });

  it('nthAddress stays inside the interval', () => {
    fc.assert(
      fc.property(smallInterval, fc.integer({ min: -5, max: 80 }), (interval, n) => {
        const picked = nthAddress(interval, n);
        if (n < 0 || n >= intervalSize(interval)) expect(picked).toBeUndefined();
        else expect(picked).toBe(interval.first + n);
      }),
    );
  });
});

describe('ranges', () => {
  it('parses first-last, a single address and a CIDR', () => {
    expect(parseRange('192.168.64.200-192.168.64.210')).toMatchObject({
      ok: true,
      value: { first: parseAddressOrThrow('192.168.64.200'), last: parseAddressOrThrow('192.168.64.210') },
    });
    expect(parseRange('10.0.0.7')).toMatchObject({ ok: true, value: { first: 167772167, last: 167772167 } });
    expect(parseRange('10.20.100.0/28')).toMatchObject({
      ok: true,
      value: { last: parseAddressOrThrow('10.20.100.15') },
    });
  });

  it('round-trips any ordered pair of addresses', () => {
    fc.assert(
      fc.property(address, address, (a, b) => {
        const [first, last] = a <= b ? [a, b] : [b, a];
        const parsed = parseRange(`${formatAddress(first)}-${formatAddress(last)}`);
        expect(parsed).toMatchObject({ ok: true, value: { first, last } });
      }),
    );
  });

  it.each(['192.168.64.210-192.168.64.200', '192.168.64.1-', 'x-y', '10.0.0.1/24'])('rejects %j', (text) => {
    expect(parseRange(text).ok).toBe(false);
  });
});
