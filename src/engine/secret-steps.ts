/**
 * The `secrets` steps: the Kubernetes Secrets an add-on's pods need that no chart makes (rendered
 * as demands in `secrets.json`, never with values), and each cluster's copies of Vault's CA
 * (`vault-ca.json`). Values come from the project's credential store, from another cluster's
 * Secret (copies), or from the user's environment; no value reaches a log, the state or an event.
 * Also the Vault KV entries External Secrets reads (`vault/kv.json`), written by Vault's
 * configure step.
 */
import {
  awsCredentialsFile,
  generatedNames,
  type KvDemand,
  type SecretDemand,
  type SecretDemands,
  type ValueSource,
} from '../kube/generated-secrets.js';
import { MANAGED_BY, type KubeObject } from '../kube/objects.js';
import type { KubeClient } from '../clients/kube.js';
import type { VaultClient } from '../clients/vault.js';
import type { PlanStep } from '../plan/plan.js';
import { KV_MOUNT } from '../render/pki.js';
import type { StoredCredentials } from './credentials.js';
import { TransientError } from './errors.js';
import { type Runner, simulated, type StepEnvironment } from './step-environment.js';
import type { StepContext } from './types.js';

interface LiveSecret {
  readonly data?: Readonly<Record<string, string>>;
}

const secretPath = (namespace: string, name: string) => `/api/v1/namespaces/${namespace}/secrets/${name}`;
const decode = (value: string) => Buffer.from(value, 'base64').toString('utf8');

async function liveData(client: KubeClient, namespace: string, name: string) {
  const live = await client.getOptional<LiveSecret>(secretPath(namespace, name));
  return live
    ? Object.fromEntries(Object.entries(live.data ?? {}).map(([k, v]) => [k, decode(v)]))
    : undefined;
}

/** A value, or why it is not there yet. */
type Resolved = { readonly value: string } | { readonly missing: string };

async function resolve(
  source: ValueSource,
  stored: StoredCredentials,
  env: StepEnvironment,
): Promise<Resolved> {
  const password = (name: string): Resolved => {
    const value = stored.passwords[name];
    return value === undefined ? { missing: `credential ${name} is not generated yet` } : { value };
  };
  if ('text' in source) return { value: source.text };
  if ('generated' in source) return password(source.generated);
  if ('awsCredentials' in source) {
    const secret = password(source.awsCredentials.secret);
    return 'value' in secret
      ? { value: awsCredentialsFile(source.awsCredentials.accessKeyId, secret.value) }
      : secret;
  }
  if ('authority' in source) {
    const authority = stored.authorities[source.authority];
    if (!authority) return { missing: `CA ${source.authority} is not generated yet` };
    return { value: source.part === 'certificate' ? authority.certificate : authority.key };
  }
  if ('copy' in source) {
    const { cluster, namespace, secret, key, producer } = source.copy;
    const data = await liveData(await env.kube(cluster), namespace, secret);
    const value = data?.[key];
    return value ? { value } : { missing: `${producer} on ${cluster} has not produced ${key} yet` };
  }
  const value = env.environment[source.provided.env];
  return value ? { value } : { missing: `${source.provided.env} (${source.provided.what}) is not set` };
}

function demandsOf(env: StepEnvironment, step: PlanStep): SecretDemand[] {
  return step.artifacts.flatMap((path) => {
    const text = env.contents.get(path);
    return text ? (JSON.parse(text) as SecretDemands).secrets : [];
  });
}

const label = (demand: SecretDemand) => `Secret ${demand.namespace}/${demand.name}`;

/**
 * A copy whose producer cannot run here: when it is missing, nothing to copy. Every copy is of a
 * certificate cert-manager issues, which a simulation produces only when its provider runs
 * cert-manager's controller on the host (kwok does).
 */
function unproducible(env: StepEnvironment, source: ValueSource): boolean {
  return 'copy' in source && simulated(env) && !env.provider.hostControllers?.addons.includes('cert-manager');
}

function secretObject(demand: SecretDemand, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: demand.name,
      namespace: demand.namespace,
      labels: { ...MANAGED_BY },
      annotations: { 'platformctl.io/purpose': demand.why },
    },
    type: demand.type ?? 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((done) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), done()), { once: true });
  });
}

export function secretsRunner(env: StepEnvironment, step: PlanStep): Runner {
  const demands = demandsOf(env, step);
  const wanted = generatedNames(demands.flatMap((d) => Object.values(d.data)));
  return {
    async check() {
      const client = await env.kube(step.cluster);
      const stored = await env.credentials.read();
      for (const demand of demands) {
        const live = await liveData(client, demand.namespace, demand.name);
        for (const [key, source] of Object.entries(demand.data)) {
          const expected = await resolve(source, stored, env);
          // A copy whose producer cannot run here has nothing to compare with: not drift.
          if ('missing' in expected && unproducible(env, source)) continue;
          if (!live) return `${label(demand)} is missing`;
          if ('missing' in expected) return `${label(demand)}: ${expected.missing}`;
          // Never the values: only which key differs.
          if (live[key] !== expected.value) return `${label(demand)}: key ${key} is not what platformctl set`;
        }
      }
      return undefined;
    },
    async work(context: StepContext) {
      const client = await env.kube(step.cluster);
      // Values already on the cluster for credentials the store lacks (a lost or restored store).
      const adopt: Record<string, string> = {};
      const live = new Map<SecretDemand, Record<string, string> | undefined>();
      for (const demand of demands) {
        const data = await liveData(client, demand.namespace, demand.name);
        live.set(demand, data);
        for (const [key, source] of Object.entries(demand.data))
          if ('generated' in source && data?.[key]) adopt[source.generated] = data[key];
      }
      const stored = await env.credentials.ensure(wanted, adopt);
      const skipped: string[] = [];
      let applied = 0;
      for (const demand of demands) {
        const data: Record<string, string> = {};
        for (const [key, source] of Object.entries(demand.data)) {
          let value = await resolve(source, stored, env);
          if ('missing' in value && unproducible(env, source)) {
            skipped.push(
              `${label(demand)}: ${value.missing} (this provider runs no cert-manager to issue it)`,
            );
            break;
          }
          // A copy waits for its producer (cert-manager issuing Vault's certificate).
          while ('missing' in value && 'copy' in source && !context.signal.aborted) {
            context.log(`waiting: ${value.missing}`);
            await sleep(2_000, context.signal);
            value = await resolve(source, stored, env);
          }
          if ('missing' in value) throw new TransientError(`${label(demand)}: ${value.missing}`);
          data[key] = value.value;
        }
        if (Object.keys(data).length < Object.keys(demand.data).length) continue;
        await client.apply(secretObject(demand, data));
        context.log(`applied ${label(demand)} (keys ${Object.keys(data).sort().join(', ')}): ${demand.why}`);
        applied += 1;
      }
      for (const line of skipped) context.log(`skipped ${line}`);
      // Nothing this provider can produce: the step changes nothing, and says why.
      if (applied === 0 && skipped.length > 0)
        return { outcome: 'unchanged', detail: `nothing to copy: ${skipped.join('; ')}` };
      return {
        outcome: 'succeeded',
        detail: `${applied} Secret(s) applied${skipped.length ? `, ${skipped.length} skipped` : ''}`,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Vault KV

export function kvDemandsOf(env: StepEnvironment): KvDemand[] {
  const text = env.contents.get('vault/kv.json');
  return text ? (JSON.parse(text) as { entries: KvDemand[] }).entries : [];
}

const kvDataPath = (path: string) => `${KV_MOUNT}/data/${path}`;

async function kvRead(vault: VaultClient, path: string): Promise<Record<string, string>> {
  const body = await vault.read<{ data: { data: Record<string, string> | null } }>(kvDataPath(path));
  return body?.data.data ?? {};
}

/**
 * What each entry lacks that `up` could write now: generated fields not in Vault, and provided
 * fields whose variable is set but not yet written. Fields already in Vault are never
 * overwritten: whoever rotated them in Vault wins.
 */
export async function kvDrift(vault: VaultClient, entries: readonly KvDemand[], env: StepEnvironment) {
  const missing: string[] = [];
  for (const entry of entries) {
    const current = await kvRead(vault, entry.path);
    for (const [field, source] of Object.entries(entry.data))
      if (current[field] === undefined && !('provided' in source && !env.environment[source.provided.env]))
        missing.push(`${KV_MOUNT}/${entry.path} ${field}`);
  }
  return missing;
}

/** Writes the missing fields of every entry (a KV v2 write is a new version of the whole entry). */
export async function writeKv(
  vault: VaultClient,
  entries: readonly KvDemand[],
  env: StepEnvironment,
  log: (line: string) => void,
): Promise<{ written: number; waiting: string[] }> {
  const sources = entries.flatMap((e) => Object.values(e.data));
  const stored = await env.credentials.ensure(generatedNames(sources));
  let written = 0;
  const waiting: string[] = [];
  for (const entry of entries) {
    const current = await kvRead(vault, entry.path);
    const added: string[] = [];
    const next = { ...current };
    for (const [field, source] of Object.entries(entry.data)) {
      if (current[field] !== undefined) continue;
      const value = await resolve(source, stored, env);
      if ('missing' in value) {
        waiting.push(`${entry.path} ${field}: ${value.missing}`);
        continue;
      }
      next[field] = value.value;
      added.push(field);
    }
    if (added.length === 0) continue;
    await vault.write(kvDataPath(entry.path), { data: next });
    log(`wrote ${KV_MOUNT}/${entry.path} (${added.join(', ')})`);
    written += 1;
  }
  for (const line of waiting) log(`not in Vault yet: ${line}; set it and run up again`);
  return { written, waiting };
}
