/**
 * The one chokepoint for Kubernetes API calls: a small client over node:https that reads a
 * kubeconfig (client certificates or a bearer token) and speaks the REST API, including
 * server-side apply with strict field validation.
 */
import { PlatformctlError } from '../errors.js';
import { exchange, type HttpResponse } from './http.js';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { KubeObject } from '../kube/objects.js';

export const FIELD_MANAGER = 'platformctl';

export interface Kubeconfig {
  readonly server: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly token?: string;
  readonly insecure?: boolean;
}

interface RawKubeconfig {
  'current-context'?: string;
  contexts?: Array<{ name: string; context: { cluster: string; user: string } }>;
  clusters?: Array<{ name: string; cluster: Record<string, string | boolean | undefined> }>;
  users?: Array<{ name: string; user: Record<string, string | undefined> }>;
}

export async function loadKubeconfig(path: string, context?: string): Promise<Kubeconfig> {
  return parseKubeconfigText(await readFile(path, 'utf8'), path, context);
}

/** `path` names the file in messages and anchors relative certificate paths. */
export async function parseKubeconfigText(text: string, path: string, context?: string): Promise<Kubeconfig> {
  const raw = parse(text) as RawKubeconfig;
  const name = context ?? raw['current-context'];
  const ctx = raw.contexts?.find((c) => c.name === name);
  if (!ctx) throw new Error(`kubeconfig ${path} has no context ${name ?? '(current)'}`);
  const cluster = raw.clusters?.find((c) => c.name === ctx.context.cluster)?.cluster;
  const user = raw.users?.find((u) => u.name === ctx.context.user)?.user ?? {};
  if (!cluster || typeof cluster.server !== 'string')
    throw new Error(`kubeconfig ${path}: context ${name} has no cluster server`);
  const fromData = (data?: unknown) => (typeof data === 'string' ? Buffer.from(data, 'base64') : undefined);
  const fromFile = async (file?: unknown) => (typeof file === 'string' ? await readFile(file) : undefined);
  const ca =
    fromData(cluster['certificate-authority-data']) ?? (await fromFile(cluster['certificate-authority']));
  const cert = fromData(user['client-certificate-data']) ?? (await fromFile(user['client-certificate']));
  const key = fromData(user['client-key-data']) ?? (await fromFile(user['client-key']));
  return {
    server: cluster.server.replace(/\/$/, ''),
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(user.token ? { token: user.token } : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { insecure: true } : {}),
  };
}

export class KubeApiError extends PlatformctlError {
  override readonly name = 'KubeApiError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(
      `kube.${status === 404 ? 'not-found' : 'api'}`,
      'failed',
      `${method} ${path}: ${status} ${reason}: ${message}`,
    );
  }
}

export interface ResourceInfo {
  readonly name: string;
  readonly namespaced: boolean;
  readonly kind: string;
}

export class KubeClient {
  readonly #discovery = new Map<string, ResourceInfo[]>();

  constructor(readonly config: Kubeconfig) {}

  static async fromFile(path: string, context?: string): Promise<KubeClient> {
    return new KubeClient(await loadKubeconfig(path, context));
  }

  static async fromText(text: string, context?: string): Promise<KubeClient> {
    return new KubeClient(await parseKubeconfigText(text, '(kubeconfig)', context));
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const text = await this.#send(method, path, body, contentType);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A GET whose answer is plain text (a container's log), not JSON. */
  async text(path: string): Promise<string> {
    return this.#send('GET', path, undefined, 'application/json', '*/*');
  }

  /**
   * One exchange as the API server answered it, whatever the status: for callers that read
   * another API's answer through the API server (a Service proxied by it).
   */
  async raw(path: string, accept = 'application/json'): Promise<HttpResponse> {
    return this.#exchange('GET', path, undefined, 'application/json', accept);
  }

  #exchange(
    method: string,
    path: string,
    payload: string | undefined,
    contentType: string,
    accept: string,
  ): Promise<HttpResponse> {
    return exchange({
      method,
      url: new URL(this.config.server + path),
      headers: {
        accept,
        ...(payload === undefined ? {} : { 'content-type': contentType }),
        ...(this.config.token ? { authorization: `Bearer ${this.config.token}` } : {}),
      },
      ...(payload === undefined ? {} : { body: payload }),
      ...(this.config.ca ? { ca: this.config.ca } : {}),
      ...(this.config.cert ? { cert: this.config.cert } : {}),
      ...(this.config.key ? { key: this.config.key } : {}),
      rejectUnauthorized: !this.config.insecure,
    });
  }

  async #send(
    method: string,
    path: string,
    body: unknown,
    contentType: string,
    accept = 'application/json',
  ): Promise<string> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const response = await this.#exchange(method, path, payload, contentType, accept);
    const { status, text } = response;
    if (status >= 200 && status < 300) return text;
    let reason = response.statusMessage;
    let message = text.slice(0, 2000);
    try {
      const parsed = JSON.parse(text) as { reason?: string; message?: string };
      reason = parsed.reason ?? reason;
      message = parsed.message ?? message;
    } catch {
      // not a Status object
    }
    throw new KubeApiError(method, path, status, reason, message);
  }

  async get<T = unknown>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** undefined on 404. */
  async getOptional<T = unknown>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** The API resources of a group version, e.g. "v1" or "apps/v1" (cached). */
  async resources(apiVersion: string): Promise<ResourceInfo[]> {
    const cached = this.#discovery.get(apiVersion);
    if (cached) return cached;
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const list = await this.get<{ resources: Array<{ name: string; namespaced: boolean; kind: string }> }>(
      path,
    );
    const resources = list.resources.filter((r) => !r.name.includes('/'));
    this.#discovery.set(apiVersion, resources);
    return resources;
  }

  /** The REST path of an object (or of its collection when `name` is omitted). */
  async pathFor(apiVersion: string, kind: string, namespace?: string, name?: string): Promise<string> {
    const resource = (await this.resources(apiVersion)).find((r) => r.kind === kind);
    if (!resource) throw new Error(`the API server does not serve ${kind} in ${apiVersion}`);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
    return `${base}${ns}/${resource.name}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  /**
   * Server-side apply with field manager `platformctl` and strict field validation: the API
   * server rejects unknown or duplicate fields instead of dropping them.
   */
  async apply<T = KubeObject>(object: KubeObject, options: { dryRun?: boolean } = {}): Promise<T> {
    const path = await this.pathFor(
      object.apiVersion,
      object.kind,
      object.metadata.namespace,
      object.metadata.name,
    );
    const query = new URLSearchParams({
      fieldManager: FIELD_MANAGER,
      fieldValidation: 'Strict',
      force: 'true',
    });
    if (options.dryRun) query.set('dryRun', 'All');
    return this.request<T>('PATCH', `${path}?${query}`, object, 'application/apply-patch+yaml');
  }

  async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<boolean> {
    try {
      await this.request('DELETE', await this.pathFor(apiVersion, kind, namespace, name));
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false;
      throw error;
    }
  }

  async list<T = KubeObject>(
    apiVersion: string,
    kind: string,
    namespace?: string,
    options: { labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<T[]> {
    const resource = (await this.resources(apiVersion)).find((r) => r.kind === kind);
    if (!resource) throw new Error(`the API server does not serve ${kind} in ${apiVersion}`);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    const selectors = new URLSearchParams({
      ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
      ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
    }).toString();
    const list = await this.get<{ items: T[] }>(
      `${base}${ns}/${resource.name}${selectors ? `?${selectors}` : ''}`,
    );
    return list.items;
  }

  /** Merge-patches the status subresource (used by the kwok simulation). */
  async patchStatus(
    apiVersion: string,
    kind: string,
    name: string,
    namespace: string | undefined,
    patch: unknown,
  ): Promise<void> {
    const path = `${await this.pathFor(apiVersion, kind, namespace, name)}/status`;
    await this.request('PATCH', path, patch, 'application/merge-patch+json');
  }

  async create<T = KubeObject>(object: KubeObject): Promise<T> {
    return this.request<T>(
      'POST',
      await this.pathFor(object.apiVersion, object.kind, object.metadata.namespace),
      object,
    );
  }
}
