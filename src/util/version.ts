/** Dotted version numbers as tools print them (`1.15.1+mac`, `v3.20.2`). */

/** `1.15.1+mac` or `v3.20.2` → [1, 15, 1]; undefined when it is not a version. */
export function versionNumbers(text: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

export function atLeast(version: readonly number[], minimum: readonly number[]): boolean {
  for (let i = 0; i < minimum.length; i++) {
    if ((version[i] ?? 0) !== minimum[i]) return (version[i] ?? 0) > minimum[i]!;
  }
  return true;
}
