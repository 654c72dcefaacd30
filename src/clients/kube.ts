/**
 * The one chokepoint for Kubernetes API calls: a small client over node:https that speaks the
 * REST API, including server-side apply with strict field validation. Kubeconfigs are read and
 * authenticated by @kubernetes/client-node, as kubectl reads them.
 */
import { PlatformctlError } from '../errors.js';
import { closest } from '../util/suggest.js';
import { exchange, type HttpResponse } from './http.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Agent } from 'node:http';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import type * as KubeconfigModule from '@kubernetes/client-node/dist/config.js';
import type { KubeObject } from '../kube/objects.js';

export const FIELD_MANAGER = 'platformctl';

/** What one request to the cluster carries: TLS material and headers. */
export interface RequestAuth {
  readonly ca?: Buffer | string;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** `tls-server-name`: the name the server's certificate is checked against. */
  readonly servername?: string;
  readonly insecure?: boolean;
  readonly headers: Readonly<Record<string, string>>;
  /** Only for `proxy-url`: the library's proxy agent. Otherwise Node's global agent keeps connections alive. */
  readonly agent?: Agent;
}

/** How to reach one cluster, as its kubeconfig says. */
export interface Kubeconfig {
  readonly server: string;
  readonly context: string;
  /**
   * The credentials for the next request. Exec plugins and token files are asked again once what
   * they gave may have expired (a minute, as client-go re-reads token files), or at once after
   * `invalidate` (a 401).
   */
  authenticate(): Promise<RequestAuth>;
  invalidate(): void;
}

/** A kubeconfig that cannot be read or has no such context; `code` kube.kubeconfig. */
export class KubeconfigError extends PlatformctlError {
  override readonly name = 'KubeconfigError';
  constructor(message: string, hint?: string) {
    super('kube.kubeconfig', 'input', message, hint === undefined ? {} : { hint });
  }
}

// Loaded on first use: the library costs a few hundred milliseconds to import, and commands
// that never reach a cluster (validate, render, plan) should not pay for it.
type KubeconfigLibrary = typeof KubeconfigModule;
let library: Promise<KubeconfigLibrary> | undefined;
const kubeconfigLibrary = () => (library ??= import('@kubernetes/client-node/dist/config.js'));

const DYNAMIC_CREDENTIALS_MS = 60_000;

const expandHome = (file: string, env: Readonly<Record<string, string | undefined>>) =>
  file === '~' || file.startsWith('~/') ? join(env.HOME ?? homedir(), file.slice(1)) : file;

/**
 * The kubeconfig files kubectl would read: `path` alone when given, else every file of
 * `KUBECONFIG` that exists (in order), else `~/.kube/config`.
 */
export function kubeconfigFiles(
  path: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  if (path !== undefined) return [resolve(expandHome(path, env))];
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
  if (listed.length > 0)
    return listed.map((file) => resolve(expandHome(file, env))).filter((f) => existsSync(f));
  return [join(env.HOME ?? homedir(), '.kube', 'config')];
}

/**
 * Loads a kubeconfig the way kubectl does, through @kubernetes/client-node's KubeConfig:
 * several files merged (the first file to define a name or the current context wins),
 * certificates and CA files anchored at their file, exec credential plugins, auth providers,
 * `tokenFile`, `tls-server-name`, `proxy-url`, `insecure-skip-tls-verify`.
 */
export async function loadKubeconfig(
  path: string | undefined,
  context?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Kubeconfig> {
  const files = kubeconfigFiles(path, env);
  if (files.length === 0)
    throw new KubeconfigError(`KUBECONFIG names no file that exists (${env.KUBECONFIG})`);
  const sources = await Promise.all(
    files.map(async (file) => {
      try {
        return { file, text: await readFile(file, 'utf8') };
      } catch (error) {
        throw new KubeconfigError(`cannot read kubeconfig ${file}: ${(error as Error).message}`);
      }
    }),
  );
  return kubeconfigFrom(sources, context);
}

/** A kubeconfig from its text (relative paths in it are relative to the working directory). */
export function kubeconfigFromText(text: string, context?: string): Promise<Kubeconfig> {
  return kubeconfigFrom([{ file: join(process.cwd(), '(kubeconfig)'), text }], context);
}

type KubeConfigClass = Awaited<ReturnType<typeof kubeconfigLibrary>>['KubeConfig'];
type LibraryKubeConfig = InstanceType<KubeConfigClass>;

/** One kubeconfig file as the library parsed it, paths made absolute, with kubectl's `tokenFile`s. */
interface ParsedKubeconfig {
  readonly clusters: LibraryKubeConfig['clusters'];
  readonly users: LibraryKubeConfig['users'];
  readonly contexts: LibraryKubeConfig['contexts'];
  readonly currentContext: string;
  /** User name → its token file (absolute). */
  readonly tokenFiles: ReadonlyArray<readonly [string, string]>;
}

/**
 * The last parse of each kubeconfig file, reused while its text is the same: every cluster's
 * client loads the file, and one file holding fifty contexts parsed fifty times made `status`
 * and `plan --check` grow with the square of the clusters (bench/live-checks.bench.ts).
 */
const parsedKubeconfigs = new Map<string, { readonly text: string; readonly parsed: ParsedKubeconfig }>();

function parsedKubeconfig(KubeConfig: KubeConfigClass, file: string, text: string): ParsedKubeconfig {
  const cached = parsedKubeconfigs.get(file);
  if (cached?.text === text) return cached.parsed;
  const one = new KubeConfig();
  try {
    one.loadFromString(text);
  } catch (error) {
    throw new KubeconfigError(`kubeconfig ${file} is not valid: ${(error as Error).message}`);
  }
  one.makePathsAbsolute(dirname(file));
  // kubectl's field is `tokenFile`; the library reads only a legacy spelling, once.
  const tokenFiles = ((parse(text) as RawKubeconfig | null)?.users ?? []).flatMap((user) =>
    typeof user.user?.tokenFile === 'string'
      ? [[user.name, resolve(dirname(file), user.user.tokenFile)] as const]
      : [],
  );
  const parsed = {
    clusters: one.clusters,
    users: one.users,
    contexts: one.contexts,
    currentContext: one.getCurrentContext(),
    tokenFiles,
  };
  parsedKubeconfigs.set(file, { text, parsed });
  return parsed;
}

async function kubeconfigFrom(
  sources: ReadonlyArray<{ readonly file: string; readonly text: string }>,
  context: string | undefined,
): Promise<Kubeconfig> {
  const files = sources.map((s) => s.file);
  const { KubeConfig } = await kubeconfigLibrary();
  const tokenFiles = new Map<string, string>();
  // Built again after a 401: the library keeps an exec plugin's credential until its own expiry.
  const merged = () => {
    const kc = new KubeConfig();
    for (const { file, text } of sources) {
      const one = parsedKubeconfig(KubeConfig, file, text);
      for (const [user, path] of one.tokenFiles) if (!tokenFiles.has(user)) tokenFiles.set(user, path);
      if (kc.contexts.length === 0 && kc.clusters.length === 0 && kc.users.length === 0) {
        // Copies of the lists: the merge below adds to kc's, never to the cached ones.
        kc.loadFromOptions({
          clusters: [...one.clusters],
          users: [...one.users],
          contexts: [...one.contexts],
          currentContext: one.currentContext,
        });
        continue;
      }
      const fresh = <T extends { name: string }>(mine: readonly T[], theirs: readonly T[]) =>
        theirs.filter((entry) => !mine.some((m) => m.name === entry.name));
      for (const cluster of fresh(kc.clusters, one.clusters)) kc.addCluster(cluster);
      for (const user of fresh(kc.users, one.users)) kc.addUser(user);
      for (const ctx of fresh(kc.contexts, one.contexts)) kc.addContext(ctx);
      if (!kc.getCurrentContext() && one.currentContext) kc.setCurrentContext(one.currentContext);
    }
    return kc;
  };
  let kc = merged();
  const where = files.length === 1 ? `kubeconfig ${files[0]}` : `kubeconfigs ${files.join(', ')}`;
  const name = context ?? kc.getCurrentContext();
  if (!name || !kc.getContextObject(name)) {
    const known = kc.contexts.map((c) => c.name);
    const near = name ? closest(name, known) : undefined;
    throw new KubeconfigError(
      `${where} has no context ${name ? JSON.stringify(name) : '(no current context set)'}`,
      near
        ? `did you mean ${near}?`
        : known.length > 0
          ? `its contexts: ${known.join(', ')}`
          : 'the file has no contexts',
    );
  }
  kc.setCurrentContext(name);
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster?.server) throw new KubeconfigError(`${where}: context ${name} has no cluster server`);
  const tokenFile = user ? tokenFiles.get(user.name) : undefined;
  const dynamic = Boolean(user?.exec || user?.authProvider || tokenFile);

  const compute = async (): Promise<RequestAuth> => {
    const options: RequestOptions = {};
    try {
      await kc.applyToHTTPSOptions(options);
    } catch (error) {
      throw new KubeconfigError(
        `${where}: context ${name}: the credentials failed: ${(error as Error).message.trim().slice(-2000)}`,
        user?.exec ? `the exec plugin ${String(user.exec.command)} must print an ExecCredential` : undefined,
      );
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.headers ?? {}))
      if (typeof value === 'string' || typeof value === 'number') headers[key.toLowerCase()] = String(value);
    if (options.auth) headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    if (tokenFile) {
      let token: string;
      try {
        token = (await readFile(tokenFile, 'utf8')).trim();
      } catch (error) {
        throw new KubeconfigError(
          `${where}: cannot read tokenFile ${tokenFile}: ${(error as Error).message}`,
        );
      }
      headers.authorization = `Bearer ${token}`;
    }
    return {
      ...(options.ca ? { ca: options.ca as Buffer } : {}),
      // Exec plugins hand over PEM text; files and data fields give bytes.
      ...(options.cert ? { cert: Buffer.from(options.cert as Buffer | string) } : {}),
      ...(options.key ? { key: Buffer.from(options.key as Buffer | string) } : {}),
      ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
      ...(cluster.skipTLSVerify ? { insecure: true } : {}),
      ...(cluster.proxyUrl && options.agent ? { agent: options.agent as Agent } : {}),
      headers,
    };
  };
  let current: Promise<RequestAuth> | undefined;
  let takenAt = 0;
  return {
    server: cluster.server.replace(/\/$/, ''),
    context: name,
    authenticate() {
      if (!current || (dynamic && Date.now() - takenAt > DYNAMIC_CREDENTIALS_MS)) {
        takenAt = Date.now();
        current = compute();
        current.catch(() => (current = undefined));
      }
      return current;
    },
    invalidate() {
      kc = merged();
      kc.setCurrentContext(name);
      current = undefined;
    },
  };
}

interface RawKubeconfig {
  users?: Array<{ name: string; user?: { tokenFile?: unknown } }>;
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

  /** `path` undefined: the files of KUBECONFIG, else ~/.kube/config, as kubectl. */
  static async fromFile(path: string | undefined, context?: string): Promise<KubeClient> {
    return new KubeClient(await loadKubeconfig(path, context));
  }

  static async fromText(text: string, context?: string): Promise<KubeClient> {
    return new KubeClient(await kubeconfigFromText(text, context));
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

  async #exchange(
    method: string,
    path: string,
    payload: string | undefined,
    contentType: string,
    accept: string,
  ): Promise<HttpResponse> {
    const send = async () => {
      const auth = await this.config.authenticate();
      return exchange({
        method,
        url: new URL(this.config.server + path),
        headers: {
          ...auth.headers,
          accept,
          ...(payload === undefined ? {} : { 'content-type': contentType }),
        },
        ...(payload === undefined ? {} : { body: payload }),
        ...(auth.ca ? { ca: auth.ca } : {}),
        ...(auth.cert ? { cert: auth.cert } : {}),
        ...(auth.key ? { key: auth.key } : {}),
        ...(auth.servername ? { servername: auth.servername } : {}),
        ...(auth.agent ? { agent: auth.agent } : {}),
        rejectUnauthorized: !auth.insecure,
      });
    };
    const response = await send();
    if (response.status !== 401) return response;
    // An expired exec or token-file credential: ask for a new one once, as client-go does.
    this.config.invalidate();
    return send();
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
