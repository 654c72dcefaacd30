/** The PlatformctlError a promise rejects with; fails the test when it resolves or rejects with anything else. */
import { expect } from 'vitest';
import { PlatformctlError } from '../errors.js';

export async function rejection(promise: Promise<unknown>): Promise<PlatformctlError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlatformctlError);
  return error as PlatformctlError;
}
