/**
 * Classifies failures: transient ones (timeouts, a busy or restarting API server, refused or
 * reset connections) are retried with backoff; everything else is permanent and stops the steps
 * that depend on it.
 */
import { PlatformctlError, type ErrorDetails } from '../errors.js';
import { CommandError } from '../clients/exec.js';
import { KubeApiError } from '../clients/kube.js';
import type { ErrorInfo } from './types.js';

/** Thrown by a step to say "try again later" explicitly (e.g. a readiness gate not met yet). */
export class TransientError extends PlatformctlError {
  override readonly name = 'TransientError';
  constructor(message: string, details: ErrorDetails = {}) {
    super('step.not-yet', 'failed', message, details);
  }
}

/** A step exceeded its time limit. Transient: the next attempt may be faster. */
export class StepTimeoutError extends PlatformctlError {
  override readonly name = 'StepTimeoutError';
  constructor(
    readonly stepId: string,
    readonly timeoutMs: number,
  ) {
    super('step.timeout', 'failed', `step ${stepId} timed out after ${Math.round(timeoutMs / 1000)}s`);
  }
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
const TRANSIENT_HTTP = new Set([408, 409, 429, 500, 502, 503, 504]);

export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError || error instanceof StepTimeoutError) return true;
  if (error instanceof KubeApiError) return TRANSIENT_HTTP.has(error.status);
  if (error instanceof CommandError) return error.reason === 'timeout';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  return error instanceof Error && /\btimed out\b/.test(error.message);
}

export function errorInfo(error: unknown): ErrorInfo {
  const transient = isTransient(error);
  if (error instanceof CommandError)
    return {
      message: error.message,
      transient,
      commandLine: error.commandLine,
      exitCode: error.exitCode,
      outputTail: error.outputTail,
    };
  return { message: error instanceof Error ? error.message : String(error), transient };
}
