/**
 * The one chokepoint for Vault's HTTP API. Tokens and keys never appear in errors: a failure
 * carries the method, the path, the status and Vault's own error messages.
 */
import { PlatformctlError } from '../errors.js';
import { redact } from './exec.js';
import { download, exchange } from './http.js';

export interface VaultEndpoint {
  /** e.g. https://192.168.64.202:8200 */
  readonly address: string;
  /** PEM of the CA that signed Vault's serving certificate (https only). */
  readonly ca?: string;
}

export class VaultApiError extends PlatformctlError {
  override readonly name = 'VaultApiError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly errors: readonly string[],
  ) {
    super(
      'vault.api',
      'failed',
      `Vault ${method} ${path}: ${status}${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`,
    );
  }
}

export interface SealStatus {
  readonly initialized: boolean;
  readonly sealed: boolean;
  readonly t: number;
  readonly n: number;
  readonly progress: number;
}

/** `sys/seal-status` also says what Vault runs and on which storage. */
export interface VaultIdentity extends SealStatus {
  readonly version?: string;
  /** e.g. `raft`, `file` (Vault >= 1.12). */
  readonly storage_type?: string;
}

/** `sys/leader`: whether HA is on and who leads. */
export interface LeaderStatus {
  readonly ha_enabled: boolean;
  readonly is_self: boolean;
  readonly leader_address: string;
}

export interface InitResult {
  readonly keys_base64: readonly string[];
  readonly root_token: string;
}

export class VaultClient {
  #token: string | undefined;

  constructor(
    readonly endpoint: VaultEndpoint,
    token?: string,
  ) {
    this.#token = token;
  }

  withToken(token: string): VaultClient {
    return new VaultClient(this.endpoint, token);
  }

  /** Calls /v1/<path>; resolves with the parsed body (undefined for 204). */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const secrets = this.#token ? [this.#token] : [];
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const response = await exchange({
      method,
      url: new URL(`/v1/${path}`, this.endpoint.address),
      headers: {
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.#token ? { 'x-vault-token': this.#token } : {}),
      },
      ...(payload === undefined ? {} : { body: payload }),
      ...(this.endpoint.ca ? { ca: this.endpoint.ca } : {}),
    }).catch((error: NodeJS.ErrnoException) => {
      // Keep the code (ECONNREFUSED while Vault starts is transient), lose any secret.
      throw Object.assign(new Error(redact(`Vault ${method} ${path}: ${error.message}`, secrets)), {
        code: error.code,
      });
    });
    let parsed: unknown;
    try {
      parsed = response.text ? JSON.parse(response.text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.status >= 200 && response.status < 300) return parsed as T;
    const errors = (parsed as { errors?: unknown[] } | undefined)?.errors ?? [response.text.slice(0, 500)];
    throw new VaultApiError(
      method,
      path,
      response.status,
      errors.map((e) => redact(String(e), secrets)),
    );
  }

  /** undefined on 404. */
  async read<T = unknown>(path: string): Promise<T | undefined> {
    try {
      return await this.call<T>('GET', path);
    } catch (error) {
      if (error instanceof VaultApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  write<T = unknown>(path: string, data: unknown = {}): Promise<T> {
    return this.call<T>('POST', path, data);
  }

  sealStatus(): Promise<VaultIdentity> {
    return this.call<VaultIdentity>('GET', 'sys/seal-status');
  }

  leader(): Promise<LeaderStatus> {
    return this.call<LeaderStatus>('GET', 'sys/leader');
  }

  /**
   * A snapshot of integrated storage (`GET sys/storage/raft/snapshot`, what `vault operator raft
   * snapshot save` calls), streamed into `path` (created 0600; it must not exist). Needs a token.
   */
  async raftSnapshot(path: string, signal?: AbortSignal): Promise<{ bytes: number }> {
    const secrets = this.#token ? [this.#token] : [];
    const route = 'sys/storage/raft/snapshot';
    const result = await download({
      url: new URL(`/v1/${route}`, this.endpoint.address),
      headers: this.#token ? { 'x-vault-token': this.#token } : {},
      path,
      timeoutMs: 120_000,
      ...(this.endpoint.ca ? { ca: this.endpoint.ca } : {}),
      ...(signal ? { signal } : {}),
    }).catch((error: NodeJS.ErrnoException) => {
      throw Object.assign(new Error(redact(`Vault GET ${route}: ${error.message}`, secrets)), {
        code: error.code,
      });
    });
    if (result.status >= 200 && result.status < 300) return { bytes: result.bytes };
    let errors: unknown[];
    try {
      errors = (JSON.parse(result.text) as { errors?: unknown[] }).errors ?? [result.text.slice(0, 500)];
    } catch {
      errors = [result.text.slice(0, 500)];
    }
    throw new VaultApiError(
      'GET',
      route,
      result.status,
      errors.map((e) => redact(String(e), secrets)),
    );
  }

  init(shares: number, threshold: number): Promise<InitResult> {
    return this.call<InitResult>('PUT', 'sys/init', { secret_shares: shares, secret_threshold: threshold });
  }

  unseal(key: string): Promise<SealStatus> {
    return this.call<SealStatus>('PUT', 'sys/unseal', { key });
  }

  /** Mounted secrets engines by path with a trailing slash, e.g. `pki/`. */
  async mounts(): Promise<Record<string, { type: string }>> {
    const body = await this.call<{ data: Record<string, { type: string }> }>('GET', 'sys/mounts');
    return body.data;
  }

  async authMounts(): Promise<Record<string, { type: string }>> {
    const body = await this.call<{ data: Record<string, { type: string }> }>('GET', 'sys/auth');
    return body.data;
  }
}
