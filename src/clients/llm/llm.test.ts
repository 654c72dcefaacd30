import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorObject } from '../../errors.js';
import { DEFAULT_AI_BACKENDS } from '../../spec/defaults.js';
import type { AiBackendName } from '../../spec/types.js';
import { LlmReplayServer, replayed } from '../../test-support/llm-replay.js';
import { llmClient, LlmError, retryAfterMs, type ChatRequest } from './index.js';

const KEY = 'sk-test-0123456789abcdefghijklmnopqrstuvwxyz-secret';
let server: LlmReplayServer;
beforeAll(async () => {
  server = await LlmReplayServer.start();
});
afterAll(() => server.close());

const client = (backend: AiBackendName) =>
  llmClient(backend, { ...DEFAULT_AI_BACKENDS[backend], url: server.url }, KEY);

const request = (backend: AiBackendName): ChatRequest => ({
  model: DEFAULT_AI_BACKENDS[backend].model,
  system: 'You explain Kubernetes findings.',
  prompt: 'Evidence: container app: CrashLoopBackOff',
  maxOutputTokens: 256,
  timeoutMs: 5_000,
});

async function failure(backend: AiBackendName): Promise<LlmError> {
  const error = await client(backend)
    .complete(request(backend))
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LlmError);
  // The key is in no message, hint or detail, whatever the API echoed.
  expect(JSON.stringify(errorObject(error))).not.toContain(KEY);
  expect(JSON.stringify(errorObject(error))).not.toMatch(/sk-test-\*/);
  return error as LlmError;
}

const last = () => server.requests.at(-1)!;

describe('model API clients against replayed documented responses', () => {
  it('Gemini: generateContent with x-goog-api-key; text and usageMetadata from the documented response', async () => {
    server.script('gemini', replayed('gemini', 'success'));
    const answer = await client('gemini').complete(request('gemini'));
    expect(answer.text).toMatch(/^The Pod anon-ns-1\/anon-obj-1/);
    expect(answer).toMatchObject({ inputTokens: 152, outputTokens: 61 });
    expect(last().path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(last().headers['x-goog-api-key']).toBe(KEY);
    const sent = JSON.parse(last().body) as Record<string, any>;
    expect(sent.contents[0].parts[0].text).toContain('CrashLoopBackOff');
    expect(sent.systemInstruction.parts[0].text).toBe('You explain Kubernetes findings.');
    expect(sent.generationConfig.maxOutputTokens).toBe(256);
  });

  it('Gemini: 429 RESOURCE_EXHAUSTED is a rate limit with the RetryInfo delay; 400 API_KEY_INVALID an auth error; a cut body malformed', async () => {
    server.script(
      'gemini',
      replayed('gemini', 'rate-limit'),
      replayed('gemini', 'auth'),
      replayed('gemini', 'malformed'),
    );
    const limited = await failure('gemini');
    expect(limited).toMatchObject({
      failure: 'rate-limit',
      status: 429,
      retryAfterMs: 38_000,
      retryable: true,
    });
    expect(limited.message).toMatch(/RESOURCE_EXHAUSTED/);
    const auth = await failure('gemini');
    expect(auth).toMatchObject({ failure: 'auth', code: 'llm.auth', kind: 'environment', retryable: false });
    expect(auth.message).toMatch(/API key not valid/);
    expect(await failure('gemini')).toMatchObject({ failure: 'malformed', retryable: false });
  });

  it('OpenAI: chat completions with a bearer token; content and usage from the documented object', async () => {
    server.script('openai', replayed('openai', 'success'));
    const answer = await client('openai').complete(request('openai'));
    expect(answer).toMatchObject({ inputTokens: 148, outputTokens: 58 });
    expect(last().path).toBe('/v1/chat/completions');
    expect(last().headers.authorization).toBe(`Bearer ${KEY}`);
    const sent = JSON.parse(last().body) as { model: string; messages: Array<{ role: string }> };
    expect(sent.model).toBe('gpt-4o-mini');
    expect(sent.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('OpenAI: 429 rate_limit_exceeded retries, insufficient_quota does not; the masked key of a 401 is cut out', async () => {
    server.script(
      'openai',
      replayed('openai', 'rate-limit'),
      replayed('openai', 'quota'),
      replayed('openai', 'auth'),
      replayed('openai', 'malformed'),
    );
    expect(await failure('openai')).toMatchObject({ failure: 'rate-limit', retryable: true });
    expect(await failure('openai')).toMatchObject({ failure: 'quota', code: 'llm.quota', retryable: false });
    const auth = await failure('openai');
    expect(auth).toMatchObject({ failure: 'auth', status: 401 });
    expect(auth.message).toMatch(/Incorrect API key provided: \[REDACTED\]/);
    expect(await failure('openai')).toMatchObject({ failure: 'malformed' });
  });

  it('Anthropic: Messages with x-api-key and anthropic-version; text blocks and usage from the documented response', async () => {
    server.script('anthropic', replayed('anthropic', 'success'));
    const answer = await client('anthropic').complete(request('anthropic'));
    expect(answer).toMatchObject({ inputTokens: 171, outputTokens: 66 });
    expect(last().path).toBe('/v1/messages');
    expect(last().headers['x-api-key']).toBe(KEY);
    expect(last().headers['anthropic-version']).toBe('2023-06-01');
    const sent = JSON.parse(last().body) as { system: string; max_tokens: number };
    expect(sent).toMatchObject({ system: 'You explain Kubernetes findings.', max_tokens: 256 });
  });

  it('Anthropic: 429 with retry-after, 529 overloaded, 401 authentication_error, a cut body', async () => {
    server.script(
      'anthropic',
      replayed('anthropic', 'rate-limit'),
      replayed('anthropic', 'overloaded'),
      replayed('anthropic', 'auth'),
      replayed('anthropic', 'malformed'),
    );
    expect(await failure('anthropic')).toMatchObject({ failure: 'rate-limit', retryAfterMs: 3_000 });
    expect(await failure('anthropic')).toMatchObject({ failure: 'overloaded', status: 529, retryable: true });
    expect(await failure('anthropic')).toMatchObject({ failure: 'auth', status: 401 });
    expect(await failure('anthropic')).toMatchObject({ failure: 'malformed' });
  });

  it('Ollama: /api/chat without streaming and without a key; a model not pulled says how to pull it', async () => {
    server.script(
      'ollama',
      replayed('ollama', 'success'),
      replayed('ollama', 'not-found'),
      replayed('ollama', 'malformed'),
    );
    const answer = await client('ollama').complete(request('ollama'));
    expect(answer).toMatchObject({ inputTokens: 26, outputTokens: 298 });
    expect(last().headers.authorization).toBeUndefined();
    expect(JSON.parse(last().body)).toMatchObject({ model: 'llama3.2', stream: false });
    const missing = await failure('ollama');
    expect(missing).toMatchObject({ failure: 'request', status: 404 });
    expect(missing.message).toMatch(/ollama pull llama3\.2/);
    expect(await failure('ollama')).toMatchObject({ failure: 'malformed' });
  });

  it('a backend that does not answer is unreachable (retryable), and the key is not in the message', async () => {
    const closed = await LlmReplayServer.start();
    const url = closed.url;
    await closed.close();
    const error = await llmClient('openai', { ...DEFAULT_AI_BACKENDS.openai, url }, KEY)
      .complete(request('openai'))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'unreachable', retryable: true });
    expect(JSON.stringify(errorObject(error))).not.toContain(KEY);
  });
});

describe('timeouts', () => {
  it('a backend that accepts but never answers fails as unreachable after the timeout', async () => {
    server.script('anthropic', { status: 200, hang: true });
    const started = Date.now();
    const error = await client('anthropic')
      .complete({ ...request('anthropic'), timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'unreachable', retryable: true });
    expect((error as Error).message).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Wed, 21 Oct 2026 07:28:10 GMT', Date.parse('2026-10-21T07:28:00Z'))).toBe(10_000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
