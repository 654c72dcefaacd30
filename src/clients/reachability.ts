/**
 * Does a URL answer? One HEAD request with a short timeout, for preflight. Any status below 500
 * except 404 means the server is there (chart indexes answer 200, registries 401, release
 * downloads redirect); a refused connection, a DNS failure or a timeout means it is not.
 */
import { exchange } from './http.js';

export async function probeUrl(
  url: string,
  timeoutMs = 5_000,
): Promise<{ reachable: boolean; detail: string }> {
  try {
    const response = await exchange({ method: 'HEAD', url: new URL(url), timeoutMs });
    const reachable = response.status < 500 && response.status !== 404;
    return { reachable, detail: `HTTP ${response.status}` };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { reachable: false, detail: code ?? message };
  }
}
