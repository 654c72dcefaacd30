/**
 * Which spec a command works on: -f FILE, else ./platform.yaml, else the built-in default.
 */
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { loadBuiltinSpec, loadSpecText, type SpecResult } from '../spec/load.js';
import { type CliIO, UsageError } from './io.js';

export const DEFAULT_SPEC_FILE = 'platform.yaml';

export interface SpecInput {
  readonly result: SpecResult;
  /** What was read, for messages: a path relative to the working directory, "-", or undefined for the default. */
  readonly file?: string;
  /** The source text, for snippets in diagnostics. */
  readonly text?: string;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

export async function readSpec(io: CliIO, file: string | undefined): Promise<SpecInput> {
  const now = io.now();
  if (file === '-') {
    const text = await io.readStdin();
    return { result: loadSpecText(text, { file: '-', now }), file: '-', text };
  }
  if (file !== undefined) {
    const path = resolve(io.cwd, file);
    const text = await readText(path);
    if (text === undefined)
      throw new UsageError(`spec file not found: ${file} (run \`platformctl init\` to create one)`);
    const shown = relative(io.cwd, path) || file;
    return { result: loadSpecText(text, { file: shown, now }), file: shown, text };
  }
  const text = await readText(join(io.cwd, DEFAULT_SPEC_FILE));
  if (text !== undefined)
    return { result: loadSpecText(text, { file: DEFAULT_SPEC_FILE, now }), file: DEFAULT_SPEC_FILE, text };
  return { result: loadBuiltinSpec({ now }) };
}
