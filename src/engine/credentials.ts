/**
 * The project's generated credentials: random passwords (MinIO users, Grafana's and Keycloak's
 * admins, ...) and certificate authorities (the Cilium CA every cluster shares), each made once
 * and kept in `.platformctl/secrets/credentials.json` (0600, written atomically). The engine's
 * secrets steps and its Vault step take their values from here; nothing else sees them.
 *
 * Steps run in parallel, so every change goes through one queue per store; other processes are
 * kept out by the platform lock that every run holds.
 */
import { randomBytes } from 'node:crypto';
import { selfSignedCertificate } from '../util/certificates.js';
import type { ProjectLayout } from '../project/layout.js';
import { readSecret, removeSecret, writeSecret } from './secrets.js';

export const CREDENTIALS_SECRET = 'credentials';

export interface Authority {
  readonly certificate: string;
  readonly key: string;
}

export interface StoredCredentials {
  readonly schemaVersion: 1;
  readonly passwords: Readonly<Record<string, string>>;
  readonly authorities: Readonly<Record<string, Authority>>;
}

const EMPTY: StoredCredentials = { schemaVersion: 1, passwords: {}, authorities: {} };

/** 32 characters from 24 random bytes: URL- and shell-safe, no quoting needed in any config format. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/** Cilium's certgen signs with the CA for its default three years; the CA outlives that. */
const AUTHORITY_YEARS = 10;

/**
 * A self-signed CA: an RSA key from Node's crypto, the certificate built by node-forge (Node
 * can parse X.509 but not create it). RSA because forge signs only with RSA; Cilium's certgen
 * (cfssl) accepts RSA and ECDSA CAs alike.
 */
export async function generateAuthority(commonName: string, organization: string): Promise<Authority> {
  return selfSignedCertificate({ commonName, organization, years: AUTHORITY_YEARS });
}

export interface Wanted {
  readonly passwords: readonly string[];
  readonly authorities: readonly string[];
}

export class CredentialStore {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly layout: ProjectLayout,
    /** The organisation on generated CAs (the platform's name). */
    private readonly organization: string,
  ) {}

  /** What is stored; generates nothing. */
  async read(): Promise<StoredCredentials> {
    return (await readSecret<StoredCredentials>(this.layout, CREDENTIALS_SECRET)) ?? EMPTY;
  }

  /**
   * Every wanted credential, generating (and saving, before returning) what is missing.
   * `adopt` offers values found on a cluster for names the store lacks: a lost or restored
   * store takes them over instead of replacing passwords that running services already use.
   */
  ensure(wanted: Wanted, adopt: Readonly<Record<string, string>> = {}): Promise<StoredCredentials> {
    const next = this.#queue.then(async () => {
      const stored = await this.read();
      const passwords = { ...stored.passwords };
      const authorities = { ...stored.authorities };
      let changed = false;
      for (const name of wanted.passwords)
        if (passwords[name] === undefined) {
          passwords[name] = adopt[name] ?? generatePassword();
          changed = true;
        }
      for (const name of wanted.authorities)
        if (authorities[name] === undefined) {
          authorities[name] = await generateAuthority(name, this.organization);
          changed = true;
        }
      const result: StoredCredentials = { schemaVersion: 1, passwords, authorities };
      if (changed) await writeSecret(this.layout, CREDENTIALS_SECRET, result);
      return result;
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Only when every cluster they protect is gone. */
  remove(): Promise<void> {
    return removeSecret(this.layout, CREDENTIALS_SECRET);
  }
}
