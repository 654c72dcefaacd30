/**
 * Test setup (vitest `setupFiles`): every TCP connection a test process opens must go to
 * 127.0.0.0/8 or ::1. Anything else (a chart repository, a 10.x Service address, a pinned
 * 192.168.x load-balancer address) fails at once with a message naming it, instead of dialling
 * out. Unix sockets are left alone. Child processes need their own care: tests give them a chart
 * mirror, so nothing they run reaches for the internet.
 */
import { isIP, Socket } from 'node:net';

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost']);

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.has(bare.toLowerCase())) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare.startsWith('::ffff:127.');
  return false;
}

const connect = Socket.prototype.connect;
Socket.prototype.connect = function guarded(this: Socket, ...args: unknown[]) {
  const first = args[0];
  const options = Array.isArray(first) ? (first[0] as Record<string, unknown>) : first;
  let host: string | undefined;
  if (typeof options === 'object' && options !== null) {
    const o = options as { host?: string; path?: string; port?: unknown };
    if (o.path === undefined || o.path === null) host = o.host ?? 'localhost';
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  }
  if (host !== undefined && !isLoopback(host))
    throw new Error(
      `test tried to connect to ${host}: tests may only reach 127.0.0.0/8 (src/test-support/loopback-only.ts)`,
    );
  return (connect as (...a: unknown[]) => Socket).apply(this, args);
} as typeof Socket.prototype.connect;
