/**
 * Claude through the Anthropic Messages API (`POST /v1/messages`, docs.claude.com/en/api/messages):
 * the key in `x-api-key` with `anthropic-version: 2023-06-01`, the answer in the `text` blocks of
 * `content`, the tokens in `usage.input_tokens`/`output_tokens`. Errors are `{type: "error",
 * error: {type, message}, request_id}`: 401 authentication_error, 403 permission_error, 429
 * rate_limit_error (with retry-after), 529 overloaded_error.
 */
import { excerpt, failureOfStatus, KeyedClient, LlmError, retryAfterMs } from './types.js';
import type { ChatAnswer, ChatRequest } from './types.js';

export const ANTHROPIC_VERSION = '2023-06-01';

interface AnthropicError {
  readonly error?: { readonly type?: string; readonly message?: string };
}

interface AnthropicResponse {
  readonly type?: string;
  readonly content?: ReadonlyArray<{ readonly type?: string; readonly text?: string }>;
  readonly stop_reason?: string;
  readonly usage?: { readonly input_tokens?: number; readonly output_tokens?: number };
}

export class AnthropicClient extends KeyedClient {
  readonly backend = 'anthropic' as const;

  async complete(request: ChatRequest): Promise<ChatAnswer> {
    const secrets = this.secrets;
    const { response, body } = await this.post(
      '/v1/messages',
      (key) => ({ 'x-api-key': key, 'anthropic-version': ANTHROPIC_VERSION }),
      {
        model: request.model,
        max_tokens: request.maxOutputTokens,
        system: request.system,
        messages: [{ role: 'user', content: request.prompt }],
      },
      request.timeoutMs,
    );
    if (response.status < 200 || response.status >= 300) {
      const error = (body as AnthropicError | undefined)?.error;
      throw new LlmError(
        this.backend,
        failureOfStatus(response.status),
        `${response.status}${error?.type ? ` ${error.type}` : ''}: ${excerpt(error?.message ?? response.text, secrets)}`,
        response.status,
        retryAfterMs(response.headers['retry-after']),
      );
    }
    const reply = body as AnthropicResponse | undefined;
    const text = (reply?.content ?? [])
      .filter((block) => block.type === 'text' && typeof block.text === 'string')
      .map((block) => block.text)
      .join('')
      .trim();
    if (reply?.type !== 'message' || !text)
      throw new LlmError(
        this.backend,
        'malformed',
        `not a Messages response: ${excerpt(response.text, secrets)}`,
        response.status,
      );
    return {
      text,
      inputTokens: reply.usage?.input_tokens ?? 0,
      outputTokens: reply.usage?.output_tokens ?? 0,
    };
  }
}
