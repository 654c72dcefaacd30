import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PortHold, recordedPorts } from './port-hold.js';

const RECORD = `apiVersion: config.kwok.x-k8s.io/v1alpha1
components:
- name: etcd
  ports:
  - name: peer-http
    port: 32760
  - name: http
    port: 32759
- name: kube-apiserver
  ports:
  - name: https
    port: 32758
kind: KwokctlConfiguration
---
kind: Stage
`;

const free = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Whether another listener can bind the port now. */
const bindable = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

describe('the ports of a stopped kwok cluster', () => {
  it("are every component's ports in kwokctl's record", () => {
    expect(recordedPorts(RECORD)).toEqual([32758, 32759, 32760]);
    expect(recordedPorts('kind: Stage\n')).toEqual([]);
  });

  it('are held (nobody else can bind them, a connection is closed) until released', async () => {
    const [a, b] = [await free(), await free()];
    const hold = new PortHold();
    expect(await hold.hold('app1', [a, b])).toEqual([a, b]);
    expect(await bindable(a)).toBe(false);
    expect(await bindable(b)).toBe(false);
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connect(a, '127.0.0.1');
      socket.on('close', () => resolve(true));
      socket.on('error', () => resolve(true));
    });
    expect(closed).toBe(true);
    await hold.release('app1');
    expect(await bindable(a)).toBe(true);
    expect(await bindable(b)).toBe(true);
  });

  it('leave alone a port someone else holds', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    const hold = new PortHold();
    expect(await hold.hold('app1', [port])).toEqual([]);
    await hold.release('app1');
    await new Promise<void>((r) => taken.close(() => r()));
  });
});
