/**
 * Gemini through the Gemini API's `models.generateContent` (REST v1beta, ai.google.dev/api):
 * the key in `x-goog-api-key`, the answer in `candidates[0].content.parts[].text`, the tokens in
 * `usageMetadata` (thinking tokens are billed as output). Errors are `{error: {code, message,
 * status, details}}`; a 429 RESOURCE_EXHAUSTED may carry a RetryInfo `retryDelay` ("38s").
 */
import { excerpt, failureOfStatus, KeyedClient, LlmError, retryAfterMs } from './types.js';
import type { ChatAnswer, ChatRequest } from './types.js';

interface GeminiError {
  readonly error?: {
    readonly code?: number;
    readonly message?: string;
    readonly status?: string;
    readonly details?: ReadonlyArray<{
      readonly '@type'?: string;
      readonly reason?: string;
      readonly retryDelay?: string;
    }>;
  };
}

interface GeminiResponse {
  readonly candidates?: ReadonlyArray<{
    readonly content?: {
      readonly parts?: ReadonlyArray<{ readonly text?: string; readonly thought?: boolean }>;
    };
    readonly finishReason?: string;
  }>;
  readonly promptFeedback?: { readonly blockReason?: string };
  readonly usageMetadata?: {
    readonly promptTokenCount?: number;
    readonly candidatesTokenCount?: number;
    readonly thoughtsTokenCount?: number;
  };
}

export class GeminiClient extends KeyedClient {
  readonly backend = 'gemini' as const;

  async complete(request: ChatRequest): Promise<ChatAnswer> {
    const secrets = this.secrets;
    const { response, body } = await this.post(
      `/v1beta/models/${encodeURIComponent(request.model)}:generateContent`,
      (key) => ({ 'x-goog-api-key': key }),
      {
        systemInstruction: { parts: [{ text: request.system }] },
        contents: [{ role: 'user', parts: [{ text: request.prompt }] }],
        generationConfig: { maxOutputTokens: request.maxOutputTokens, temperature: 0.2 },
      },
      request.timeoutMs,
    );
    if (response.status < 200 || response.status >= 300) {
      const error = (body as GeminiError | undefined)?.error;
      const details = error?.details ?? [];
      const keyInvalid = details.some((d) => d.reason === 'API_KEY_INVALID');
      const delay = details.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
      const fromBody =
        delay && /^\d+(\.\d+)?s$/.test(delay) ? Math.round(parseFloat(delay) * 1000) : undefined;
      throw new LlmError(
        this.backend,
        keyInvalid ? 'auth' : failureOfStatus(response.status),
        `${response.status}${error?.status ? ` ${error.status}` : ''}: ${
          error?.message ? excerpt(error.message, secrets) : excerpt(response.text, secrets)
        }`,
        response.status,
        retryAfterMs(response.headers['retry-after']) ?? fromBody,
      );
    }
    const reply = body as GeminiResponse | undefined;
    const candidate = reply?.candidates?.[0];
    const text = (candidate?.content?.parts ?? [])
      .filter((p) => typeof p.text === 'string' && !p.thought)
      .map((p) => p.text)
      .join('')
      .trim();
    if (!reply || !text)
      throw new LlmError(
        this.backend,
        'malformed',
        reply?.promptFeedback?.blockReason
          ? `the prompt was blocked (${reply.promptFeedback.blockReason})`
          : candidate?.finishReason
            ? `no answer text (finishReason ${candidate.finishReason})`
            : `not a generateContent response: ${excerpt(response.text, secrets)}`,
        response.status,
      );
    const usage = reply.usageMetadata ?? {};
    return {
      text,
      inputTokens: usage.promptTokenCount ?? 0,
      outputTokens: (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
    };
  }
}
