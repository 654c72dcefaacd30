/**
 * Finds the binaries a provider runs: the harness build (.harness/bin), or the user's PATH
 * (e.g. kwokctl installed on a Mac). Nothing is downloaded at run time.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PlatformctlError } from '../errors.js';

/** The .harness/bin of the platformctl checkout this module belongs to. */
export const PACKAGE_HARNESS_BIN = fileURLToPath(new URL('../../.harness/bin/', import.meta.url));

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface BinarySearch {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly projectDir: string;
}

/** Where each binary is, searching $PLATFORMCTL_BIN_DIR, the harness builds, then PATH; throws naming all missing ones. */
export function findBinaries<const T extends readonly string[]>(
  names: T,
  search: BinarySearch,
): Record<T[number], string> {
  const dirs = [
    ...(search.env.PLATFORMCTL_BIN_DIR ? [search.env.PLATFORMCTL_BIN_DIR] : []),
    join(search.projectDir, '.harness/bin'),
    PACKAGE_HARNESS_BIN,
    ...(search.env.PATH ?? '').split(delimiter).filter(Boolean),
  ];
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    const path = dirs.map((dir) => join(dir, name)).find(executable);
    if (path) found[name] = path;
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new PlatformctlError('binary.missing', 'environment', `missing ${missing.join(', ')}`, {
      hint:
        'build them from Go modules with `npm run harness` (in the platformctl checkout), ' +
        'or put them on PATH, or point PLATFORMCTL_BIN_DIR at a directory holding them',
    });
  }
  return found as Record<T[number], string>;
}
