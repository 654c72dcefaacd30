import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CATALOG } from '../addons/catalog.js';
import { defaultDocument } from '../spec/defaults.js';
import type { AiBackendName, AiSpec } from '../spec/types.js';
import { FakeSleeper, TEST_NOW } from '../test-support/clock.js';
import { LlmReplayServer, replayed } from '../test-support/llm-replay.js';
import type { Finding } from './analyze.js';
import { Anonymizer, explainFindings, keySource, shapeOf, type ExplainOptions } from './explain.js';

const KEYS: Record<string, string> = {
  GEMINI_API_KEY: 'AIzaSyTEST-gemini-key-0123456789',
  OPENAI_API_KEY: 'sk-test-openai-key-0123456789',
  ANTHROPIC_API_KEY: 'sk-ant-test-anthropic-key-0123456789',
};

const crashing = (cluster: string, namespace: string, pod: string): Finding => ({
  cluster,
  analyzer: 'Pod',
  object: `Pod ${namespace}/${pod}`,
  severity: 'error',
  evidence: `container app: CrashLoopBackOff (back-off 5m0s restarting failed container=app pod=${pod}_${namespace}(0b3c1d2e-4f5a-6b7c-8d9e-0f1a2b3c4d5e))`,
  hint: 'kubectl describe pod and its logs say why the container cannot run',
});

const pvc: Finding = {
  cluster: 'app2',
  analyzer: 'PersistentVolumeClaim',
  object: 'PersistentVolumeClaim billing/ledger-data',
  severity: 'error',
  evidence: 'Pending (storageClassName fast-ssd)',
  hint: 'the storage class must exist and provision',
};

let server: LlmReplayServer;
let dir: string;
let sleeper: FakeSleeper;
beforeEach(async () => {
  server = await LlmReplayServer.start();
  dir = await mkdtemp(join(tmpdir(), 'platformctl-explain-'));
  sleeper = new FakeSleeper();
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** The default spec.ai, every backend pointed at the replay server. */
function ai(overrides: Partial<AiSpec> = {}): AiSpec {
  const spec = defaultDocument({ now: TEST_NOW, catalog: CATALOG }).spec.ai;
  for (const b of Object.keys(spec.backends) as AiBackendName[]) spec.backends[b].url = server.url;
  return { ...spec, ...overrides };
}

const options = (extra: Partial<ExplainOptions> = {}): ExplainOptions => ({
  ai: ai(),
  keys: keySource(KEYS),
  cacheFile: join(dir, '.platformctl', 'explain-cache.json'),
  sleep: sleeper.sleep,
  now: () => TEST_NOW,
  ...extra,
});

const noKeyIn = (text: string) => {
  for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
};

describe('analyze --explain against replayed documented responses', () => {
  it('routine: Gemini rate-limited (RetryInfo 38s, past the 30s it waits) falls back to OpenAI; tokens and cost from its usage', async () => {
    server.script('gemini', replayed('gemini', 'rate-limit')).script('openai', replayed('openai', 'success'));
    const { findings, summary } = await explainFindings(
      [crashing('app1', 'shop', 'web-7d4b9c-x2x9z')],
      options(),
    );
    expect(server.requestsFor('gemini')).toHaveLength(1);
    expect(server.requestsFor('openai')).toHaveLength(1);
    expect(sleeper.waits).toEqual([]);
    expect(findings[0]!.explanation).toMatchObject({
      backend: 'openai',
      model: 'gpt-4o-mini',
      cached: false,
    });
    expect(summary).toMatchObject({
      mode: 'routine',
      backends: ['gemini', 'openai'],
      requests: 2,
      explained: 1,
      inputTokens: 148,
      outputTokens: 58,
    });
    expect(summary.failures).toEqual([
      expect.objectContaining({ backend: 'gemini', code: 'llm.rate-limit' }),
    ]);
    // gpt-4o-mini at $0.15/$0.60 per million tokens; the failed Gemini request counted no tokens.
    expect(summary.estimatedCostUsd).toBeCloseTo((148 * 0.15 + 58 * 0.6) / 1e6, 12);
  });

  it('retries with exponential backoff (1s, 2s) without Retry-After, and waits what Retry-After says', async () => {
    server.script(
      'openai',
      replayed('openai', 'rate-limit'),
      replayed('openai', 'rate-limit'),
      replayed('openai', 'success'),
    );
    const deep = await explainFindings([pvc], options({ mode: 'deep' }));
    expect(deep.findings[0]!.explanation?.backend).toBe('openai');
    expect(sleeper.waits).toEqual([1000, 2000]);
    expect(deep.summary.requests).toBe(3);

    server.script('anthropic', replayed('anthropic', 'rate-limit'), replayed('anthropic', 'success'));
    const claude = await explainFindings(
      [crashing('mgmt', 'vault', 'vault-0')],
      options({ backend: 'anthropic' }),
    );
    expect(claude.findings[0]!.explanation?.backend).toBe('anthropic');
    expect(sleeper.waits).toEqual([1000, 2000, 3000]);
  });

  it('gives up a backend after its retries and moves on; one that failed is not asked again in the run', async () => {
    server.script(
      'gemini',
      replayed('gemini', 'malformed'), // not retryable: straight to the next backend
    );
    server.script('openai', replayed('openai', 'success'), replayed('openai', 'success'));
    const { findings, summary } = await explainFindings(
      [crashing('app1', 'shop', 'web-1'), pvc],
      options({ ai: ai({ retries: 1 }) }),
    );
    expect(findings.map((f) => f.explanation?.backend)).toEqual(['openai', 'openai']);
    expect(server.requestsFor('gemini')).toHaveLength(1);
    expect(summary.failures.map((f) => f.code)).toEqual(['llm.malformed']);
  });

  it('deduplicates findings of one shape: one request, the answer on each, and a re-run from the cache sends nothing', async () => {
    server.script('gemini', replayed('gemini', 'success'));
    const findings = [
      crashing('app1', 'shop', 'web-7d4b9c-x2x9z'),
      crashing('app1', 'shop', 'web-7d4b9c-k8p2q'),
      crashing('app2', 'shop', 'web-5f6a7b-m3n4o'),
    ];
    expect(new Set(findings.map(shapeOf)).size).toBe(1);
    const first = await explainFindings(findings, options());
    expect(server.requests).toHaveLength(1);
    expect(first.summary).toMatchObject({ groups: 1, explained: 1, cacheHits: 0 });
    expect(first.findings.map((f) => f.explanation?.sharedBy)).toEqual([3, 3, 3]);
    expect(JSON.parse(server.requests[0]!.body).contents[0].parts[0].text).toContain(
      '3 objects on the platform show the same problem',
    );

    const cache = join(dir, '.platformctl', 'explain-cache.json');
    expect((await stat(cache)).mode & 0o777).toBe(0o600);
    noKeyIn(await readFile(cache, 'utf8'));

    const again = await explainFindings(findings, options());
    expect(server.requests).toHaveLength(1); // nothing sent
    expect(again.summary).toMatchObject({ cacheHits: 1, requests: 0, inputTokens: 0, estimatedCostUsd: 0 });
    expect(again.findings[0]!.explanation).toMatchObject({ cached: true, backend: 'gemini' });
    expect(again.findings[0]!.explanation?.text).toBe(first.findings[0]!.explanation?.text);
  });

  it('--anonymize: no cluster, namespace or object name leaves the machine, and the answer names them again', async () => {
    server.script('gemini', replayed('gemini', 'success'));
    const finding = crashing('app1', 'payments', 'checkout-api-7d4b9c-x2x9z');
    const names = new Anonymizer(finding).names;
    expect(names).toEqual(expect.arrayContaining(['app1', 'payments', 'checkout-api-7d4b9c-x2x9z', 'app']));
    const { findings, summary } = await explainFindings([finding], options({ anonymize: true }));
    const sent = server.requests[0]!.body;
    for (const name of ['app1', 'payments', 'checkout-api-7d4b9c-x2x9z']) expect(sent).not.toContain(name);
    expect(sent).toContain('anon-ns-1/anon-obj-1');
    expect(summary.anonymized).toBe(true);
    // The replayed answer speaks of anon-ns-1/anon-obj-1 on anon-cluster-1.
    const text = findings[0]!.explanation!.text;
    expect(text).toContain('The Pod payments/checkout-api-7d4b9c-x2x9z on app1 restarts');
    expect(text).toContain('kubectl logs -n payments checkout-api-7d4b9c-x2x9z --previous');
    expect(text).not.toMatch(/anon-/);
  });

  it('--anonymize with a shared answer maps it back to each finding of the shape with its own names', async () => {
    server.script('gemini', replayed('gemini', 'success'));
    const { findings } = await explainFindings(
      [crashing('app1', 'shop', 'web-1'), crashing('app2', 'blog', 'wordpress-0')],
      options({ anonymize: true }),
    );
    expect(server.requests).toHaveLength(1);
    expect(findings[0]!.explanation!.text).toContain('The Pod shop/web-1 on app1');
    expect(findings[1]!.explanation!.text).toContain('The Pod blog/wordpress-0 on app2');
  });

  it('a backend without a key is skipped without a request, and says where the key goes', async () => {
    server.script('openai', replayed('openai', 'success'));
    const { findings, summary } = await explainFindings(
      [pvc],
      options({ keys: keySource({ OPENAI_API_KEY: KEYS.OPENAI_API_KEY }) }),
    );
    expect(server.requestsFor('gemini')).toHaveLength(0);
    expect(findings[0]!.explanation?.backend).toBe('openai');
    expect(summary.failures[0]).toMatchObject({ backend: 'gemini', code: 'llm.no-key' });
    expect(summary.failures[0]!.message).toMatch(/GEMINI_API_KEY.*google-api-key.*secret\/platform\/k8sgpt/);
  });

  it('when every backend fails, findings stay unexplained and no key appears in any output or error', async () => {
    server.script('gemini', replayed('gemini', 'auth')).script('openai', replayed('openai', 'auth'));
    const result = await explainFindings([pvc], options());
    expect(result.findings[0]!.explanation).toBeUndefined();
    expect(result.summary.failures.map((f) => f.code)).toEqual(['llm.auth', 'llm.auth']);
    expect(result.summary.estimatedCostUsd).toBe(0);
    noKeyIn(JSON.stringify(result));
    // The keys did go where each API documents them, and nowhere else in the request.
    expect(server.requestsFor('gemini')[0]!.headers['x-goog-api-key']).toBe(KEYS.GEMINI_API_KEY);
    for (const r of server.requests) noKeyIn(r.body + r.path);
  });

  it('Ollama needs no key; a model without a price makes the cost unknown', async () => {
    server.script('ollama', replayed('ollama', 'success'));
    const spec = ai();
    spec.backends.ollama = { model: 'qwen3:8b', url: server.url };
    const { summary } = await explainFindings(
      [pvc],
      options({ ai: spec, backend: 'ollama', keys: keySource({}) }),
    );
    expect(summary).toMatchObject({
      requests: 1,
      inputTokens: 26,
      outputTokens: 298,
      estimatedCostUsd: null,
    });
  });
});

describe('API keys', () => {
  it('come from the environment first, then Vault secret/platform/k8sgpt (read once, only when needed)', async () => {
    let reads = 0;
    const keys = keySource({ OPENAI_API_KEY: ' sk-env ', PLATFORMCTL_GEMINI_API_KEY: '' }, () => {
      reads++;
      return Promise.resolve({ 'google-api-key': 'AIza-vault', 'openai-api-key': 'sk-vault' });
    });
    expect(await keys('openai')).toBe('sk-env');
    expect(reads).toBe(0);
    expect(await keys('gemini')).toBe('AIza-vault');
    expect(await keys('anthropic')).toBeUndefined();
    expect(reads).toBe(1);
    expect(await keys('ollama')).toBeUndefined();
  });

  it('a Vault that cannot be read leaves the key missing instead of failing the run', async () => {
    const keys = keySource({}, () => Promise.reject(new Error('connect ECONNREFUSED')));
    expect(await keys('gemini')).toBeUndefined();
  });
});
