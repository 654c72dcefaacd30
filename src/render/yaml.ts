/**
 * YAML for every rendered artifact: deterministic, and read the same way by YAML 1.1 readers
 * (kubectl's and Helm's Go parsers, PyYAML) and YAML 1.2 readers.
 */
import { Document } from 'yaml';

/**
 * Serialising under the YAML 1.1 schema makes the library quote every string a 1.1 reader
 * would take for something else (yes/no/on/off, 0755, 1:30, 2026-01-01...). Plain values that
 * 1.1 reads as strings read as strings in 1.2 too, so the output is safe for both.
 */
export function toYaml(value: unknown): string {
  return new Document(value, { version: '1.1' }).toString({ lineWidth: 0, directives: false });
}

/** Several documents in one file, separated by `---`, as kubectl apply -f reads them. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map(toYaml).join('---\n');
}
