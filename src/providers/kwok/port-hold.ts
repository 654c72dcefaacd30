/**
 * Holds a stopped kwok cluster's loopback ports until it starts again. kwokctl fixes a cluster's
 * ports when it creates it, and gives the next cluster created on this machine ports that are
 * free then: while one is stopped (`drill mgmt-down`, `drill etcd-loss`, `restore`), another
 * project's `up` took its etcd and API server ports, and its start failed (seen twice in e2e on a
 * shared host). Held by listening on them (nothing is served, a connection is closed), in this
 * process: the stop and the start of all three happen in one run. A port someone else took first
 * is left alone; the start then fails as it would have.
 */
import { createServer, type Server } from 'node:net';
import { parseAllDocuments } from 'yaml';

/** The ports of every component in kwokctl's record of a cluster (`components[].ports[].port`). */
export function recordedPorts(recordText: string): number[] {
  const ports = new Set<number>();
  for (const doc of parseAllDocuments(recordText)) {
    const value = doc.toJS() as {
      kind?: unknown;
      components?: Array<{ ports?: Array<{ port?: unknown }> }>;
    } | null;
    if (value?.kind !== 'KwokctlConfiguration') continue;
    for (const component of value.components ?? [])
      for (const port of component.ports ?? []) if (typeof port.port === 'number') ports.add(port.port);
  }
  return [...ports].sort((a, b) => a - b);
}

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      // Never what keeps the process alive.
      server.unref();
      resolve(server);
    });
  });
}

export class PortHold {
  readonly #held = new Map<string, Server[]>();

  /** Listens on the ports that are free; returns the ones held. */
  async hold(key: string, ports: readonly number[]): Promise<number[]> {
    await this.release(key);
    const servers = (await Promise.all(ports.map(listen))).filter((s): s is Server => s !== undefined);
    this.#held.set(key, servers);
    return servers.map((s) => (s.address() as { port: number }).port);
  }

  async release(key: string): Promise<void> {
    const servers = this.#held.get(key) ?? [];
    this.#held.delete(key);
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
