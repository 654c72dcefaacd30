/**
 * One base for every error platformctl means to report: a stable `code` that scripts and MCP
 * clients can match on, a `kind` that decides the exit code, an optional `hint` (what to do
 * about it) and the `cause`. Anything that is not a PlatformctlError is a bug and is reported
 * as an internal error with its stack.
 */

/**
 * What kind of failure it is, and so the exit code (documented in the README):
 * - `input` (1): the spec, a file or a value given to platformctl is wrong;
 * - `usage` (2): how the command was called (flags, arguments);
 * - `failed` (3): an operation on the platform failed (a step, a check, an external command);
 * - `locked` (4): another run holds the platform's lock;
 * - `environment` (5): this machine is not ready (a tool, a chart or a connection is missing);
 * - `interrupted` (130): cancelled by Ctrl-C or a signal.
 */
export type ErrorKind = 'input' | 'usage' | 'failed' | 'locked' | 'environment' | 'interrupted';

export const EXIT_CODES: Readonly<Record<ErrorKind | 'ok', number>> = {
  ok: 0,
  input: 1,
  usage: 2,
  failed: 3,
  locked: 4,
  environment: 5,
  interrupted: 130,
};

export interface ErrorDetails {
  readonly hint?: string;
  readonly cause?: unknown;
}

export class PlatformctlError extends Error {
  override readonly name: string = 'PlatformctlError';
  readonly hint?: string;

  constructor(
    /** Stable, dotted, e.g. `render.unsafe-path`; never reworded once released. */
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    if (details.hint !== undefined) this.hint = details.hint;
  }
}

/** The exit code of the command line for an error: by its kind, 2 for one that is not ours (a bug). */
export function exitCodeOf(error: unknown): number {
  return error instanceof PlatformctlError ? EXIT_CODES[error.kind] : EXIT_CODES.usage;
}

/** The structured form of an error, for `-o json` and MCP: never a stack trace. */
export interface ErrorObject {
  readonly code: string;
  readonly kind: ErrorKind | 'internal';
  readonly message: string;
  readonly hint?: string;
  readonly exitCode: number;
  /** Extra fields of specific errors (a failed command's line, exit code and output tail). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Errors that carry more than a message expose it here, for `errorObject`. */
export interface HasDetails {
  details(): Readonly<Record<string, unknown>>;
}

function hasDetails(error: unknown): error is HasDetails {
  return typeof (error as Partial<HasDetails> | null)?.details === 'function';
}

export function errorObject(error: unknown): ErrorObject {
  if (error instanceof PlatformctlError)
    return {
      code: error.code,
      kind: error.kind,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      exitCode: exitCodeOf(error),
      ...(hasDetails(error) ? { details: error.details() } : {}),
    };
  return {
    code: 'internal',
    kind: 'internal',
    message: error instanceof Error ? error.message : String(error),
    exitCode: EXIT_CODES.usage,
  };
}

/** The file-system error codes a user can cause (a path onto a file, a read-only directory, ...). */
const FS_CODES: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EEXIST: 'already exists',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/**
 * A file-system failure the user can fix, as an input error naming the path and what is wrong
 * in words; anything else is returned unchanged (and stays an internal error).
 */
export function fileSystemError(error: unknown, what: string, path: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !(code in FS_CODES)) return error;
  return new PlatformctlError(
    `fs.${code.toLowerCase()}`,
    'input',
    `cannot ${what} ${path}: ${FS_CODES[code]}`,
    {
      cause: error,
    },
  );
}
