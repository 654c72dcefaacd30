/** The TCP look before a request, against real listeners on loopback. */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { accepts } from './http.js';

describe('accepts', () => {
  it('says whether something listens at the URL, and closes what it opened', async () => {
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.on('close', () => connections--);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await accepts(new URL(`https://127.0.0.1:${port}/v1/sys/seal-status`), 1_000)).toBe(true);
      // The look's connection is gone once it has answered.
      await new Promise((r) => setTimeout(r, 50));
      expect(connections).toBe(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
    // The same port with nothing behind it any more.
    expect(await accepts(new URL(`http://127.0.0.1:${port}`), 1_000)).toBe(false);
  });
});
