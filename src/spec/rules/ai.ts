/**
 * The analyze --explain backends: each URL must be one the HTTP client can call.
 */
import { type Finding, finding } from '../diagnostics.js';
import { AI_BACKEND_NAMES, type PlatformSpec } from '../types.js';

export function checkAi(spec: PlatformSpec): Finding[] {
  return AI_BACKEND_NAMES.flatMap((name): Finding[] => {
    const url = spec.ai.backends[name].url;
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    return parsed && (parsed.protocol === 'https:' || parsed.protocol === 'http:')
      ? []
      : [
          finding(
            'ai.invalid-url',
            ['spec', 'ai', 'backends', name, 'url'],
            `"${url}" is not an http(s) URL`,
            `write the API's base URL, e.g. ${name === 'ollama' ? 'http://127.0.0.1:11434' : 'https://...'}`,
          ),
        ];
  });
}
