/** The client of each backend, from its spec entry and (except Ollama) its API key. */
import type { AiBackendName, AiBackendSpec } from '../../spec/types.js';
import { AnthropicClient } from './anthropic.js';
import { GeminiClient } from './gemini.js';
import { OllamaClient } from './ollama.js';
import { OpenAiClient } from './openai.js';
import type { LlmClient } from './types.js';

export * from './types.js';

/** Whether the backend needs an API key (Ollama runs on this machine without one). */
export const needsKey = (backend: AiBackendName): boolean => backend !== 'ollama';

export function llmClient(backend: AiBackendName, spec: AiBackendSpec, key: string | undefined): LlmClient {
  switch (backend) {
    case 'gemini':
      return new GeminiClient(spec.url, key ?? '');
    case 'openai':
      return new OpenAiClient(spec.url, key ?? '');
    case 'anthropic':
      return new AnthropicClient(spec.url, key ?? '');
    case 'ollama':
      return new OllamaClient(spec.url);
  }
}
