/**
 * `analyze --explain`: each finding, deduplicated by its shape (analyzer, kind and evidence with
 * its own names and generated ids masked), goes with its evidence to a model, and the answer is
 * attached to every finding of that shape. `--mode routine` asks the routine backends in order
 * and falls back to the next on errors or rate limits; `--mode deep` the deep ones (seed §14.3);
 * `--backend` exactly one. Each backend is retried with exponential backoff on rate limits and
 * server errors, honouring Retry-After. Answers are cached by finding hash in
 * `.platformctl/explain-cache.json` (0600), so a re-run sends nothing. `--anonymize` replaces
 * cluster, namespace and object names before any text leaves, and maps them back in the answer.
 * API keys come from the environment, else Vault `secret/platform/k8sgpt`; they are never
 * logged, printed or put in an error.
 *
 * TODO(#14): the tests replay response bodies shaped after each API's documentation; replace them
 * with recorded real responses once a run with network and keys can record them. Requests go one
 * at a time (no streaming, no concurrency); the MCP server's analyze tool should call
 * `explainProjectFindings` too.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { llmClient, LlmError, needsKey, type ChatAnswer, type LlmClient } from '../clients/llm/index.js';
import { VaultClient } from '../clients/vault.js';
import { VAULT_KEY } from '../addons/catalog/k8sgpt.js';
import { VAULT_SECRET } from '../engine/vault.js';
import { readSecret } from '../engine/secrets.js';
import { errorObject } from '../errors.js';
import { writePrivateFile } from '../providers/shared/private-files.js';
import { KV_MOUNT, KV_PLATFORM_PREFIX } from '../render/pki.js';
import type { AiBackendName, AiSpec } from '../spec/types.js';
import type { Finding } from './analyze.js';
import type { Project } from './project.js';

export type ExplainMode = 'routine' | 'deep';

export interface Explanation {
  readonly text: string;
  readonly backend: AiBackendName;
  readonly model: string;
  /** Taken from the cache: no request was sent for it in this run. */
  readonly cached: boolean;
  /** How many findings of this run share the shape, and so this answer. */
  readonly sharedBy: number;
}

export type ExplainedFinding = Finding & { readonly explanation?: Explanation };

export interface BackendUsage {
  readonly backend: AiBackendName;
  readonly model: string;
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** US dollars from the spec's price; null when the model has none. */
  readonly estimatedCostUsd: number | null;
}

export interface ExplainSummary {
  readonly mode: ExplainMode;
  /** The backends in the order they were to be asked. */
  readonly backends: readonly AiBackendName[];
  readonly anonymized: boolean;
  readonly findings: number;
  /** Distinct shapes: what would be sent without a cache. */
  readonly groups: number;
  readonly explained: number;
  readonly cacheHits: number;
  /** HTTP requests sent, retries included. */
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** null when a backend that answered has no price in the spec. */
  readonly estimatedCostUsd: number | null;
  readonly usage: readonly BackendUsage[];
  /** Why a backend gave no answer (its key missing, an auth error, rate limits past the retries); each message names the backend. */
  readonly failures: ReadonlyArray<{
    readonly backend: AiBackendName;
    readonly code: string;
    readonly message: string;
  }>;
}

/** The key of a backend, or undefined when there is none. */
export type KeySource = (backend: AiBackendName) => Promise<string | undefined>;

export interface ExplainOptions {
  readonly ai: AiSpec;
  readonly mode?: ExplainMode;
  /** Exactly this backend, no fallback. */
  readonly backend?: AiBackendName;
  readonly anonymize?: boolean;
  readonly keys: KeySource;
  /** The answer cache (0600); absent: no cache. */
  readonly cacheFile?: string;
  /** How backoff waits (tests record the delays instead). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
}

/** Changes when the prompt does, so that older answers are not reused for a different question. */
const PROMPT_VERSION = 1;
const MAX_OUTPUT_TOKENS = 1024;
const BACKOFF_BASE_MS = 1_000;
/** A Retry-After longer than this is not waited for: the next backend is asked instead. */
const MAX_WAIT_MS = 30_000;

export const SYSTEM_PROMPT = [
  'You are a senior platform engineer for a multi-cluster Kubernetes platform (Cilium, MetalLB,',
  'Vault, cert-manager, External Secrets, Prometheus/Thanos, Loki) built by platformctl.',
  'Explain the finding you are given: its most likely cause, and the concrete steps to fix it,',
  'with kubectl commands where they help. Plain text, at most 8 short lines, no headings.',
  'Names like anon-ns-1 stand for real names: keep them exactly as written.',
].join(' ');

// ---------------------------------------------------------------- finding shapes and anonymity

interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** `Kind namespace/name` or `Kind name` (cluster-scoped), as analyze writes `object`. */
export function parseObject(object: string): ObjectRef {
  const space = object.indexOf(' ');
  const kind = space < 0 ? object : object.slice(0, space);
  const rest = space < 0 ? '' : object.slice(space + 1);
  const slash = rest.indexOf('/');
  return slash < 0
    ? { kind, name: rest }
    : { kind, namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * A name as a whole Kubernetes name, not part of a longer one. `_` ends a name (kubelet messages
 * write `pod=<name>_<namespace>(<uid>)`), and so does a `.` after it (the end of a sentence).
 */
const wholeName = (name: string) => new RegExp(`(?<![A-Za-z0-9.-])${escape(name)}(?![A-Za-z0-9-])`, 'g');

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const LONG_HEX = /\b[0-9a-f]{8,}\b/gi;

/** The finding's own names, longest first (a name that contains another is replaced first). */
function ownNames(f: Finding): Array<readonly [string, string]> {
  const ref = parseObject(f.object);
  const pairs: Array<readonly [string, string]> = [
    [f.cluster, 'anon-cluster-1'],
    ...(ref.namespace ? [[ref.namespace, 'anon-ns-1'] as const] : []),
    ...(ref.name ? [[ref.name, 'anon-obj-1'] as const] : []),
  ];
  return pairs.filter(([name]) => name.length > 0).sort((a, b) => b[0].length - a[0].length);
}

function replaceAll(text: string, pairs: ReadonlyArray<readonly [string, string]>): string {
  let out = text;
  for (const [from, to] of pairs) out = out.replace(wholeName(from), to);
  return out;
}

/**
 * What makes two findings the same question: analyzer, kind, severity, evidence and hint with the
 * finding's own cluster, namespace and name masked, and generated ids (UIDs, hashes) too. Ten
 * pods of one Deployment in CrashLoopBackOff are one shape.
 */
export function shapeOf(f: Finding): string {
  const masked = (text: string) => replaceAll(text, ownNames(f)).replace(UUID, '#').replace(LONG_HEX, '#');
  return [f.analyzer, parseObject(f.object).kind, f.severity, masked(f.evidence), masked(f.hint)].join(
    '\u0000',
  );
}

/**
 * The names of one finding and the placeholders that replace them: its own cluster, namespace
 * and name, and every other `namespace/name` and container, webhook or Service name its
 * evidence and hint mention.
 */
export class Anonymizer {
  readonly #pairs: Array<readonly [string, string]>;

  constructor(f: Finding) {
    const own = ownNames(f);
    const known = new Set(own.map(([name]) => name));
    const others: string[] = [];
    const add = (name: string | undefined) => {
      // A name has a letter: `1/10` in "1/10 replicas ready" is a count, not a namespace.
      if (name && /[a-z]/.test(name) && !known.has(name)) {
        known.add(name);
        others.push(name);
      }
    };
    for (const text of [f.evidence, f.hint]) {
      for (const m of text.matchAll(
        /(?<![A-Za-z0-9_.-])([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*[a-z0-9])/g,
      )) {
        add(m[1]);
        add(m[2]);
      }
      // The forms analyze and kubelet messages name things in: `container app:`, `container=app`,
      // `pod=web-1_shop`, `webhook validate.example.com calls`.
      for (const m of text.matchAll(
        /\b(?:(?:container|pod)=|container (?=[a-z0-9][-a-z0-9.]*:)|webhook (?=\S+ calls))([a-z0-9][-a-z0-9.]*[a-z0-9])/g,
      ))
        add(m[1]);
      for (const m of text.matchAll(/-n ([a-z0-9][-a-z0-9]*)/g)) add(m[1]);
    }
    this.#pairs = [...own, ...others.map((name, i) => [name, `anon-name-${i + 1}`] as const)].sort(
      (a, b) => b[0].length - a[0].length,
    );
  }

  /** Every known name in `text` replaced by its placeholder. */
  mask(text: string): string {
    return replaceAll(text, this.#pairs);
  }

  /** Every placeholder in `text` replaced by the name it stands for. */
  unmask(text: string): string {
    let out = text;
    for (const [name, placeholder] of this.#pairs)
      out = out.replace(new RegExp(`${escape(placeholder)}(?![0-9])`, 'g'), name);
    return out;
  }

  /** The names it hides (tests assert none of them leaves the machine). */
  get names(): readonly string[] {
    return this.#pairs.map(([name]) => name);
  }
}

/** The question about one finding, as the model gets it. */
export function promptFor(f: Finding, sharedBy: number): string {
  return [
    `Cluster: ${f.cluster}`,
    `Object: ${f.object}`,
    `Analyzer: ${f.analyzer}`,
    `Severity: ${f.severity}`,
    `Evidence: ${f.evidence}`,
    `platformctl's fix hint: ${f.hint}`,
    ...(sharedBy > 1 ? [`${sharedBy} objects on the platform show the same problem.`] : []),
  ].join('\n');
}

/** The cache key: the prompt version, what answers (mode or backend, with their models) and the shape. */
function findingHash(selector: string, shape: string, anonymize: boolean): string {
  return createHash('sha256')
    .update(JSON.stringify([PROMPT_VERSION, selector, anonymize, shape]))
    .digest('hex');
}

// ---------------------------------------------------------------- the cache

interface CacheEntry {
  readonly backend: AiBackendName;
  readonly model: string;
  /** The model's answer as it came (with placeholders when anonymized). */
  readonly text: string;
  readonly at: string;
}

interface CacheFile {
  readonly version: 1;
  readonly entries: Record<string, CacheEntry>;
}

async function readCache(path: string | undefined): Promise<Record<string, CacheEntry>> {
  if (!path) return {};
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as Partial<CacheFile>;
    return parsed.version === 1 && parsed.entries ? { ...parsed.entries } : {};
  } catch {
    return {}; // A damaged cache costs requests, never the run.
  }
}

// ---------------------------------------------------------------- asking

class Tally {
  readonly usage = new Map<
    AiBackendName,
    { model: string; requests: number; input: number; output: number }
  >();
  requests = 0;

  count(backend: AiBackendName, model: string, answer?: ChatAnswer) {
    this.requests++;
    const row = this.usage.get(backend) ?? { model, requests: 0, input: 0, output: 0 };
    row.requests++;
    row.input += answer?.inputTokens ?? 0;
    row.output += answer?.outputTokens ?? 0;
    this.usage.set(backend, row);
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One backend's answer with retries: a retryable failure (rate limit, overload, server error,
 * no answer) waits Retry-After when the API gave one, else 1s, 2s, 4s, ... and tries again up to
 * `retries` times; a wait longer than 30s is not taken (the caller moves on to the next backend).
 */
async function askWithRetries(
  client: LlmClient,
  model: string,
  prompt: string,
  ai: AiSpec,
  tally: Tally,
  sleep: (ms: number) => Promise<void>,
): Promise<ChatAnswer> {
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await client.complete({
        model,
        system: SYSTEM_PROMPT,
        prompt,
        maxOutputTokens: MAX_OUTPUT_TOKENS,
        timeoutMs: ai.timeoutSeconds * 1000,
      });
      tally.count(client.backend, model, answer);
      return answer;
    } catch (error) {
      tally.count(client.backend, model);
      if (!(error instanceof LlmError) || !error.retryable || attempt >= ai.retries) throw error;
      const wait = error.retryAfterMs ?? BACKOFF_BASE_MS * 2 ** attempt;
      if (wait > MAX_WAIT_MS) throw error;
      await sleep(wait);
    }
  }
}

export interface ExplainResult {
  readonly findings: readonly ExplainedFinding[];
  readonly summary: ExplainSummary;
}

export async function explainFindings(
  findings: readonly Finding[],
  options: ExplainOptions,
): Promise<ExplainResult> {
  const { ai } = options;
  const mode = options.mode ?? 'routine';
  const anonymize = options.anonymize ?? false;
  const chain: AiBackendName[] = options.backend ? [options.backend] : [...ai[mode]];
  const selector = `${options.backend ? `backend` : mode}:${chain
    .map((b) => `${b}/${ai.backends[b].model}`)
    .join(',')}`;
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? (() => new Date());

  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const shape = shapeOf(f);
    groups.set(shape, [...(groups.get(shape) ?? []), f]);
  }

  const cache = await readCache(options.cacheFile);
  const tally = new Tally();
  const failures: Array<{ backend: AiBackendName; code: string; message: string }> = [];
  /** Backends that failed past their retries: not asked again in this run. */
  const down = new Set<AiBackendName>();
  const clients = new Map<AiBackendName, LlmClient | null>();
  const clientOf = async (backend: AiBackendName): Promise<LlmClient | null> => {
    if (!clients.has(backend)) {
      const key = needsKey(backend) ? await options.keys(backend) : undefined;
      if (needsKey(backend) && !key) {
        failures.push({
          backend,
          code: 'llm.no-key',
          message: `${backend}: no API key: set ${KEY_VARIABLES[backend as KeyedBackend][0]} or write ${VAULT_KEY_FIELDS[backend as KeyedBackend]} to Vault ${KV_MOUNT}/${KV_PLATFORM_PREFIX}/${VAULT_KEY}`,
        });
        clients.set(backend, null);
      } else clients.set(backend, llmClient(backend, ai.backends[backend], key));
    }
    return clients.get(backend) ?? null;
  };

  const answers = new Map<string, { entry: CacheEntry; cached: boolean }>();
  let cacheHits = 0;
  for (const [shape, members] of groups) {
    const representative = members[0]!;
    const hash = findingHash(selector, shape, anonymize);
    const hit = cache[hash];
    if (hit) {
      cacheHits++;
      answers.set(shape, { entry: hit, cached: true });
      continue;
    }
    const anonymizer = anonymize ? new Anonymizer(representative) : undefined;
    const prompt = promptFor(representative, members.length);
    const sent = anonymizer ? anonymizer.mask(prompt) : prompt;
    for (const backend of chain) {
      if (down.has(backend)) continue;
      const client = await clientOf(backend);
      if (!client) {
        down.add(backend);
        continue;
      }
      const model = ai.backends[backend].model;
      try {
        const answer = await askWithRetries(client, model, sent, ai, tally, sleep);
        const entry: CacheEntry = { backend, model, text: answer.text, at: now().toISOString() };
        cache[hash] = entry;
        answers.set(shape, { entry, cached: false });
        // Kept at once: an interrupted run has paid for this answer already.
        if (options.cacheFile)
          await writePrivateFile(
            options.cacheFile,
            `${JSON.stringify({ version: 1, entries: cache } satisfies CacheFile, null, 2)}\n`,
          );
        break;
      } catch (error) {
        const e = errorObject(error);
        failures.push({ backend, code: e.code, message: e.message });
        down.add(backend);
      }
    }
  }

  const explained: ExplainedFinding[] = findings.map((f) => {
    const shape = shapeOf(f);
    const answer = answers.get(shape);
    if (!answer) return f;
    const text = anonymize ? new Anonymizer(f).unmask(answer.entry.text) : answer.entry.text;
    return {
      ...f,
      explanation: {
        text,
        backend: answer.entry.backend,
        model: answer.entry.model,
        cached: answer.cached,
        sharedBy: groups.get(shape)!.length,
      },
    };
  });

  const usage: BackendUsage[] = [...tally.usage].map(([backend, row]) => {
    const price = ai.backends[backend].price;
    return {
      backend,
      model: row.model,
      requests: row.requests,
      inputTokens: row.input,
      outputTokens: row.output,
      estimatedCostUsd: price ? (row.input * price.input + row.output * price.output) / 1_000_000 : null,
    };
  });
  const costs = usage.map((u) => u.estimatedCostUsd);
  return {
    findings: explained,
    summary: {
      mode,
      backends: chain,
      anonymized: anonymize,
      findings: findings.length,
      groups: groups.size,
      explained: answers.size,
      cacheHits,
      requests: tally.requests,
      inputTokens: usage.reduce((n, u) => n + u.inputTokens, 0),
      outputTokens: usage.reduce((n, u) => n + u.outputTokens, 0),
      estimatedCostUsd: costs.some((c) => c === null)
        ? null
        : costs.reduce<number>((n, c) => n + (c ?? 0), 0),
      usage,
      failures,
    },
  };
}

// ---------------------------------------------------------------- keys

type KeyedBackend = Exclude<AiBackendName, 'ollama'>;

/** The variables each key is read from, first set wins (`up` reads the PLATFORMCTL_ ones into Vault). */
export const KEY_VARIABLES: Readonly<Record<KeyedBackend, readonly string[]>> = {
  gemini: ['GEMINI_API_KEY', 'PLATFORMCTL_GEMINI_API_KEY'],
  openai: ['OPENAI_API_KEY', 'PLATFORMCTL_OPENAI_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY', 'PLATFORMCTL_ANTHROPIC_API_KEY'],
};

/**
 * The fields of Vault `secret/platform/k8sgpt` (seed §14.2 names the first two).
 * TODO(#14): `up` writes only the first two (addons/catalog/k8sgpt.ts); anthropic-api-key must be
 * written to Vault by hand until the catalog's KV demand carries it.
 */
export const VAULT_KEY_FIELDS: Readonly<Record<KeyedBackend, string>> = {
  gemini: 'google-api-key',
  openai: 'openai-api-key',
  anthropic: 'anthropic-api-key',
};

/**
 * Keys from the environment, else from the KV entry `vault` reads (once, and only when a key is
 * not in the environment). A Vault that cannot be read leaves the key missing: the backend is
 * then reported as without a key, not the run failed.
 */
export function keySource(
  env: Readonly<Record<string, string | undefined>>,
  vault?: () => Promise<Record<string, string> | undefined>,
): KeySource {
  let fromVault: Promise<Record<string, string>> | undefined;
  return async (backend) => {
    if (!needsKey(backend)) return undefined;
    const keyed = backend as KeyedBackend;
    for (const name of KEY_VARIABLES[keyed]) {
      const value = env[name]?.trim();
      if (value) return value;
    }
    if (!vault) return undefined;
    fromVault ??= vault().then(
      (data) => data ?? {},
      () => ({}),
    );
    const value = (await fromVault)[VAULT_KEY_FIELDS[keyed]]?.trim();
    return value || undefined;
  };
}

/** The k8sgpt KV entry through the project's running Vault and its root token, if both are there. */
export function projectVaultKeys(project: Project): () => Promise<Record<string, string> | undefined> {
  return async () => {
    const endpoint = await project
      .provider()
      .runningVault?.({ layout: project.layout }, project.platform)
      .catch(() => undefined);
    const secret = await readSecret<{ rootToken?: string }>(project.layout, VAULT_SECRET);
    if (!endpoint || !secret?.rootToken) return undefined;
    const body = await new VaultClient(endpoint, secret.rootToken).read<{
      data: { data: Record<string, string> | null };
    }>(`${KV_MOUNT}/data/${KV_PLATFORM_PREFIX}/${VAULT_KEY}`);
    return body?.data.data ?? undefined;
  };
}

/** The project's spec, environment, Vault and cache around `explainFindings`. */
export function explainProjectFindings(
  project: Project,
  findings: readonly Finding[],
  options: Pick<ExplainOptions, 'mode' | 'backend' | 'anonymize' | 'sleep'> = {},
): Promise<ExplainResult> {
  return explainFindings(findings, {
    ...options,
    ai: project.platform.document.spec.ai,
    keys: keySource(project.env, projectVaultKeys(project)),
    cacheFile: project.layout.explainCache,
  });
}
