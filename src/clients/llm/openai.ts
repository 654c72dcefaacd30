/**
 * OpenAI through the Chat Completions API (`POST /v1/chat/completions`, platform.openai.com/docs/
 * api-reference/chat): the key as a bearer token, the answer in `choices[0].message.content`, the
 * tokens in `usage.prompt_tokens`/`completion_tokens`. Errors are `{error: {message, type, param,
 * code}}`; a 429 is a rate limit unless its code is `insufficient_quota` (no retry helps).
 * Its messages may quote a masked key (`sk-...abcd`): those are cut out too.
 */
import { excerpt, failureOfStatus, KeyedClient, LlmError, retryAfterMs } from './types.js';
import type { ChatAnswer, ChatRequest } from './types.js';

interface OpenAiError {
  readonly error?: { readonly message?: string; readonly type?: string; readonly code?: string | null };
}

interface OpenAiResponse {
  readonly choices?: ReadonlyArray<{ readonly message?: { readonly content?: string | null } }>;
  readonly usage?: { readonly prompt_tokens?: number; readonly completion_tokens?: number };
}

const maskedKeys = (text: string) => text.replace(/\bsk-[A-Za-z0-9*_.-]{4,}/g, '[REDACTED]');

export class OpenAiClient extends KeyedClient {
  readonly backend = 'openai' as const;

  async complete(request: ChatRequest): Promise<ChatAnswer> {
    const secrets = this.secrets;
    const { response, body } = await this.post(
      '/v1/chat/completions',
      (key) => ({ authorization: `Bearer ${key}` }),
      {
        model: request.model,
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.prompt },
        ],
        max_completion_tokens: request.maxOutputTokens,
      },
      request.timeoutMs,
    );
    if (response.status < 200 || response.status >= 300) {
      const error = (body as OpenAiError | undefined)?.error;
      const failure =
        response.status === 429 && error?.code === 'insufficient_quota'
          ? 'quota'
          : failureOfStatus(response.status);
      throw new LlmError(
        this.backend,
        failure,
        `${response.status}${error?.code ? ` ${error.code}` : ''}: ${maskedKeys(
          excerpt(error?.message ?? response.text, secrets),
        )}`,
        response.status,
        retryAfterMs(response.headers['retry-after']),
      );
    }
    const reply = body as OpenAiResponse | undefined;
    const text = reply?.choices?.[0]?.message?.content?.trim();
    if (!text)
      throw new LlmError(
        this.backend,
        'malformed',
        `not a chat completion: ${maskedKeys(excerpt(response.text, secrets))}`,
        response.status,
      );
    return {
      text,
      inputTokens: reply?.usage?.prompt_tokens ?? 0,
      outputTokens: reply?.usage?.completion_tokens ?? 0,
    };
  }
}
