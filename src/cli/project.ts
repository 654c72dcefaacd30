/**
 * The project directory: where .platformctl/ (state, logs, secrets) and kubeconfigs/ live.
 * It is the directory of the spec file, or the working directory for the built-in default.
 */
import { dirname, resolve } from 'node:path';
import type { CliIO } from './io.js';
import type { SpecInput } from './spec-input.js';

export function projectDir(io: CliIO, input: SpecInput): string {
  return input.file && input.file !== '-' ? dirname(resolve(io.cwd, input.file)) : io.cwd;
}
