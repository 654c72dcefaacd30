/**
 * `kubectl port-forward` as a library: a listener on 127.0.0.1 whose every connection is carried
 * to one port of one pod through the cluster's API server, authenticated as the kubeconfig says
 * (the same `Kubeconfig.authenticate` as every other request, so exec plugins and token files
 * apply). For what this machine cannot reach directly, e.g. Vault when its pinned load-balancer
 * address is on a network the host is not on.
 *
 * The protocol is the API server's WebSocket port-forward (`v4.channel.k8s.io`, binary): one
 * WebSocket per connection; every message starts with its channel (0 data, 1 error for the first
 * port), and the first message of each channel from the server is the port number (2 bytes,
 * little-endian), not data. Whatever the kubelet answers on the error channel (no such port,
 * nothing listening) ends that connection and is kept as `lastError`.
 *
 * The listener and its connections never keep the process alive by themselves (unref): a command
 * that is done exits even if nobody called `close`.
 */
import { createServer, type Server, type Socket } from 'node:net';

import WebSocket from 'ws';

import { PlatformctlError } from '../errors.js';
import type { Kubeconfig } from './kube.js';

const DATA_CHANNEL = 0;
const ERROR_CHANNEL = 1;
const PROTOCOL = 'v4.channel.k8s.io';

export interface PortForwardTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly port: number;
}

/** A port-forward that cannot start or that the API server or kubelet refused; code kube.port-forward. */
export class PortForwardError extends PlatformctlError {
  override readonly name = 'PortForwardError';
  constructor(message: string, hint?: string) {
    super('kube.port-forward', 'failed', message, hint === undefined ? {} : { hint });
  }
}

export interface PortForward {
  readonly target: PortForwardTarget;
  /** The local end, e.g. 127.0.0.1:43117. */
  readonly host: '127.0.0.1';
  readonly port: number;
  /** What the API server or the kubelet said when a connection last failed. */
  readonly lastError: () => string | undefined;
  /** Stops listening and ends every open connection. */
  close(): Promise<void>;
}

const describe = (target: PortForwardTarget) => `${target.namespace}/${target.pod}:${target.port}`;

export function portForwardPath(target: PortForwardTarget): string {
  const ns = encodeURIComponent(target.namespace);
  const pod = encodeURIComponent(target.pod);
  return `/api/v1/namespaces/${ns}/pods/${pod}/portforward?ports=${target.port}`;
}

/** Starts listening on 127.0.0.1 (an ephemeral port); connections are opened as they come. */
export async function openPortForward(
  kubeconfig: Kubeconfig,
  target: PortForwardTarget,
): Promise<PortForward> {
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65_535)
    throw new PortForwardError(`port-forward to ${describe(target)}: not a port`);
  const sockets = new Set<Socket>();
  let lastError: string | undefined;
  const fail = (message: string) => {
    lastError = message;
  };
  const server: Server = createServer((socket) => {
    socket.unref();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    carry(kubeconfig, target, socket, fail).catch((error: Error) => {
      fail(error.message);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new PortForwardError(`port-forward to ${describe(target)}: cannot listen: ${error.message}`)),
    );
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new PortForwardError(`port-forward to ${describe(target)}: no local port`);
  return {
    target,
    host: '127.0.0.1',
    port: address.port,
    lastError: () => lastError,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One local connection carried over one WebSocket to the pod's port. */
async function carry(
  kubeconfig: Kubeconfig,
  target: PortForwardTarget,
  socket: Socket,
  fail: (message: string) => void,
): Promise<void> {
  const auth = await kubeconfig.authenticate();
  const url = new URL(portForwardPath(target), kubeconfig.server);
  url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
  const ws = new WebSocket(url, [PROTOCOL], {
    headers: { ...auth.headers },
    ...(auth.ca ? { ca: auth.ca } : {}),
    ...(auth.cert ? { cert: auth.cert } : {}),
    ...(auth.key ? { key: auth.key } : {}),
    ...(auth.servername ? { servername: auth.servername } : {}),
    ...(auth.insecure ? { rejectUnauthorized: false } : {}),
    ...(auth.agent ? { agent: auth.agent } : {}),
  });
  // Bytes the client sends before the WebSocket is open wait in the socket (paused).
  socket.pause();
  // The first reason is the one to keep: what follows it is the connection coming down.
  let failed = false;
  const failOnce = (message: string) => {
    if (failed) return;
    failed = true;
    fail(message);
  };
  const portHeaderPending = new Set([DATA_CHANNEL, ERROR_CHANNEL]);
  let errorText = '';
  ws.on('upgrade', (response) => response.socket.unref());
  ws.on('unexpected-response', (_request, response) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => {
      failOnce(
        `port-forward to ${describe(target)}: the API server answered ${response.statusCode}: ${statusMessage(Buffer.concat(chunks).toString('utf8'))}`,
      );
      socket.destroy();
    });
  });
  ws.on('open', () => {
    socket.on('data', (chunk: Buffer) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([DATA_CHANNEL]), chunk]));
    });
    socket.on('end', () => ws.close());
    socket.resume();
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const channel = data[0]!;
    let payload = data.subarray(1);
    if (portHeaderPending.has(channel)) {
      portHeaderPending.delete(channel);
      payload = payload.subarray(2);
    }
    if (payload.length === 0) return;
    if (channel === DATA_CHANNEL) socket.write(payload);
    else if (channel === ERROR_CHANNEL) errorText += payload.toString('utf8');
  });
  ws.on('close', () => {
    if (errorText) failOnce(`port-forward to ${describe(target)}: ${errorText.trim()}`);
    socket.end();
  });
  ws.on('error', (error) => {
    failOnce(`port-forward to ${describe(target)}: ${error.message}`);
    socket.destroy();
  });
  socket.on('close', () => {
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
  });
}

/** The message of a Kubernetes Status body, else the body's start. */
function statusMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    if (typeof status.message === 'string') return status.message;
  } catch {
    // not JSON: the text itself
  }
  return body.slice(0, 500);
}
