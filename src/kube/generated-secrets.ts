/**
 * Secrets the platform needs that no chart creates and no value may carry: what an add-on asks
 * the engine for, as plain data. Rendering writes these demands (names and sources, never a
 * value) to the artifact tree; the engine's `secrets` steps resolve them from the project's
 * credential store (`.platformctl/secrets/credentials.json`, 0600) and apply them, and the
 * `vault-configure` step writes the Vault KV entries External Secrets reads.
 */

/** Where one key of a Secret (or one field of a KV entry) comes from. */
export type ValueSource =
  /** A random password, generated once per project under this name and kept in the store. */
  | { readonly generated: string }
  /** A fixed value that is not secret (a user name, an access key id). */
  | { readonly text: string }
  /** An AWS shared-credentials file (`[default]` profile) for an S3 user of the platform's MinIO. */
  | { readonly awsCredentials: { readonly accessKeyId: string; readonly secret: string } }
  /** A certificate authority generated once per project: its PEM certificate or key. */
  | { readonly authority: string; readonly part: 'certificate' | 'key' }
  /** The key of a Secret another step produces (e.g. the CA of Vault's serving certificate). */
  | {
      readonly copy: {
        readonly cluster: string;
        readonly namespace: string;
        readonly secret: string;
        readonly key: string;
        /** What produces it, for messages: `Certificate vault/vault-server-tls`. */
        readonly producer: string;
      };
    }
  /**
   * Only for Vault KV: a credential of an outside service that platformctl cannot make (an LLM
   * API key, a Slack token). `up` takes it from this environment variable when set.
   */
  | { readonly provided: { readonly env: string; readonly what: string } };

/** A Kubernetes Secret the engine creates before the add-on's release. */
export interface SecretDemand {
  readonly namespace: string;
  readonly name: string;
  readonly type?: string;
  /** Secret key → where its value comes from. */
  readonly data: Readonly<Record<string, ValueSource>>;
  /** Why it exists, for the step log. */
  readonly why: string;
}

/** A Vault KV v2 entry below `secret/` that ExternalSecrets read (`platform/<name>`). */
export interface KvDemand {
  readonly path: string;
  readonly data: Readonly<Record<string, ValueSource>>;
}

/** The rendered `secrets.json` of an add-on on a cluster, and `clusters/<c>/vault-ca.json`. */
export interface SecretDemands {
  readonly secrets: readonly SecretDemand[];
}

/** The rendered `vault/kv.json`. */
export interface KvDemands {
  readonly entries: readonly KvDemand[];
}

/** The `[default]` profile of an AWS shared-credentials file (what Velero's AWS plugin reads). */
export function awsCredentialsFile(accessKeyId: string, secretAccessKey: string): string {
  return `[default]\naws_access_key_id=${accessKeyId}\naws_secret_access_key=${secretAccessKey}\n`;
}

/** The names of the generated credentials and authorities a set of sources needs. */
export function generatedNames(sources: Iterable<ValueSource>): {
  passwords: string[];
  authorities: string[];
} {
  const passwords = new Set<string>();
  const authorities = new Set<string>();
  for (const source of sources) {
    if ('generated' in source) passwords.add(source.generated);
    if ('awsCredentials' in source) passwords.add(source.awsCredentials.secret);
    if ('authority' in source) authorities.add(source.authority);
  }
  return { passwords: [...passwords].sort(), authorities: [...authorities].sort() };
}
