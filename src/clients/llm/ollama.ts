/**
 * A local model through Ollama's `POST /api/chat` (github.com/ollama/ollama docs/api.md) with
 * `stream: false`: one JSON object, the answer in `message.content`, the tokens in
 * `prompt_eval_count`/`eval_count`. No key. Errors are `{error: "..."}` (404: the model is not
 * pulled).
 */
import { endpoint, excerpt, failureOfStatus, LlmError, postJson } from './types.js';
import type { ChatAnswer, ChatRequest, LlmClient } from './types.js';

interface OllamaResponse {
  readonly message?: { readonly content?: string };
  readonly done?: boolean;
  readonly prompt_eval_count?: number;
  readonly eval_count?: number;
  readonly error?: string;
}

export class OllamaClient implements LlmClient {
  readonly backend = 'ollama' as const;
  constructor(readonly baseUrl: string) {}

  async complete(request: ChatRequest): Promise<ChatAnswer> {
    const { response, body } = await postJson(
      this.backend,
      endpoint(this.baseUrl, '/api/chat'),
      {},
      {
        model: request.model,
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.prompt },
        ],
        stream: false,
        options: { num_predict: request.maxOutputTokens, temperature: 0.2 },
      },
      request.timeoutMs,
      [],
    );
    const reply = body as OllamaResponse | undefined;
    if (response.status < 200 || response.status >= 300)
      throw new LlmError(
        this.backend,
        failureOfStatus(response.status),
        `${response.status}: ${excerpt(reply?.error ?? response.text, [])}${
          response.status === 404 ? ` (ollama pull ${request.model})` : ''
        }`,
        response.status,
      );
    const text = reply?.message?.content?.trim();
    if (!text || reply?.done !== true)
      throw new LlmError(
        this.backend,
        'malformed',
        `not a chat response: ${excerpt(response.text, [])}`,
        response.status,
      );
    return { text, inputTokens: reply.prompt_eval_count ?? 0, outputTokens: reply.eval_count ?? 0 };
  }
}
