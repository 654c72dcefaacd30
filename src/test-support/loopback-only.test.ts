import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isLoopback } from './loopback-only.js';

describe('the loopback-only guard of the test processes', () => {
  it('tells loopback from everything else', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost'])
      expect(isLoopback(host), host).toBe(true);
    for (const host of [
      '10.96.0.1',
      '192.168.64.20',
      '172.16.0.1',
      '8.8.8.8',
      'charts.jetstack.io',
      '::ffff:10.0.0.1',
    ])
      expect(isLoopback(host), host).toBe(false);
  });

  it('refuses a connection to a private address before any packet leaves', async () => {
    await expect(
      new Promise((resolve, reject) => {
        const req = request({ host: '10.96.0.1', port: 443, timeout: 50 }, resolve);
        req.on('error', reject);
        req.end();
      }),
    ).rejects.toThrow(/tests may only reach 127\.0\.0\.0\/8/);
    await expect(fetch('https://charts.jetstack.io/index.yaml')).rejects.toThrow();
  });
});
