/**
 * Which spec an operation works on, and the project directory that goes with it: a file
 * (`-f FILE`), standard input (`-`), `./platform.yaml`, or the built-in default. The project
 * directory is the spec file's directory, or the working directory otherwise.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileSystemError, PlatformctlError } from '../errors.js';
import { CATALOG } from '../addons/catalog.js';
import { loadBuiltinSpec, loadSpecText, type SpecResult } from '../spec/load.js';

export const DEFAULT_SPEC_FILE = 'platform.yaml';
/** Far above any real platform (fifty clusters are about 30 KiB); a larger file is a mistake. */
export const MAX_SPEC_BYTES = 1024 * 1024;

export interface SpecSource {
  /** A path (relative to `cwd`), "-" for `stdin`, or undefined for ./platform.yaml or the default. */
  readonly file?: string;
  readonly cwd: string;
  readonly now: Date;
  readonly readStdin?: () => Promise<string>;
}

export interface SpecInput {
  readonly result: SpecResult;
  /** What was read, for messages: a path relative to the working directory, "-", or undefined for the default. */
  readonly file?: string;
  /** The source text, for snippets in diagnostics. */
  readonly text?: string;
  /** Where .platformctl/ and kubeconfigs/ live. */
  readonly projectDir: string;
}

function checkText(text: string, shown: string): string {
  if (Buffer.byteLength(text) > MAX_SPEC_BYTES)
    throw new PlatformctlError(
      'spec.too-large',
      'input',
      `${shown} is ${(Buffer.byteLength(text) / 1024 / 1024).toFixed(1)} MiB; a platform spec is at most 1 MiB`,
      { hint: 'is this the right file? A spec of fifty clusters is about 30 KiB' },
    );
  if (text.includes('\0'))
    throw new PlatformctlError('spec.binary', 'input', `${shown} is not a text file (it holds NUL bytes)`, {
      hint: 'point -f at platform.yaml',
    });
  return text;
}

async function readText(path: string, shown: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (info.isDirectory())
      throw new PlatformctlError('spec.is-directory', 'input', `${shown} is a directory, not a spec file`);
    if (info.size > MAX_SPEC_BYTES) return checkText('x'.repeat(MAX_SPEC_BYTES + 1), shown);
    return checkText(await readFile(path, 'utf8'), shown);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const failure = fileSystemError(error, 'read', shown);
    // A spec that cannot be read is a matter of how the command was called (exit 2), like a missing one.
    throw failure instanceof PlatformctlError && failure.code.startsWith('fs.')
      ? new PlatformctlError(failure.code, 'usage', failure.message, { cause: error })
      : failure;
  }
}

export async function readSpecInput(source: SpecSource): Promise<SpecInput> {
  const { now, cwd } = source;
  if (source.file === '-') {
    if (!source.readStdin)
      throw new PlatformctlError('usage', 'usage', 'this command cannot read standard input');
    const text = checkText(await source.readStdin(), 'standard input');
    return {
      result: loadSpecText(text, { file: '-', now, catalog: CATALOG }),
      file: '-',
      text,
      projectDir: cwd,
    };
  }
  if (source.file !== undefined) {
    const path = resolve(cwd, source.file);
    const shown = relative(cwd, path) || source.file;
    const text = await readText(path, shown);
    if (text === undefined)
      throw new PlatformctlError('spec.not-found', 'usage', `spec file not found: ${source.file}`, {
        hint: 'run `platformctl init` to create one',
      });
    return {
      result: loadSpecText(text, { file: shown, now, catalog: CATALOG }),
      file: shown,
      text,
      projectDir: dirname(path),
    };
  }
  const text = await readText(join(cwd, DEFAULT_SPEC_FILE), DEFAULT_SPEC_FILE);
  if (text !== undefined)
    return {
      result: loadSpecText(text, { file: DEFAULT_SPEC_FILE, now, catalog: CATALOG }),
      file: DEFAULT_SPEC_FILE,
      text,
      projectDir: cwd,
    };
  return { result: loadBuiltinSpec({ now, catalog: CATALOG }), projectDir: cwd };
}

/** A spec from text, validated against platformctl's own catalog (the library's entry). */
export function loadSpec(text: string, options: { file?: string; now: Date }): SpecResult {
  return loadSpecText(text, { ...options, catalog: CATALOG });
}

/** The built-in default platform (the seed's topology), validated like a file would be. */
export function loadDefaultSpec(options: { now: Date }): SpecResult {
  return loadBuiltinSpec({ ...options, catalog: CATALOG });
}

/** An invalid spec where a valid one is needed; the diagnostics say what is wrong. */
export class SpecInvalidError extends PlatformctlError {
  override readonly name = 'SpecInvalidError';
  constructor(readonly input: SpecInput) {
    const errors = input.result.diagnostics.filter((d) => d.severity === 'error').length;
    super('spec.invalid', 'input', `${input.file ?? 'the built-in default'} is invalid: ${errors} error(s)`, {
      hint: 'run `platformctl validate` for every problem with its line and a fix',
    });
  }

  details(): Record<string, unknown> {
    return { diagnostics: this.input.result.diagnostics };
  }
}
