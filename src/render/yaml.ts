/**
 * YAML for every rendered artifact: deterministic, and read the same way by YAML 1.1 readers
 * (kubectl's and Helm's Go parsers, PyYAML) and YAML 1.2 readers.
 */
import { Document, isScalar, Scalar, visit } from 'yaml';

/**
 * Serialising under the YAML 1.1 schema makes the library quote every string a 1.1 reader
 * would take for something else (yes/no/on/off, 0755, 1:30, 2026-01-01...). Plain values that
 * 1.1 reads as strings read as strings in 1.2 too, so the output is safe for both.
 */
export function toYaml(value: unknown): string {
  const document = new Document(value, { version: '1.1' });
  // A plain `<<` key is a merge key to YAML 1.1 readers: the entry would vanish into its parent.
  // The library writes '<<' plain whatever the quoting style, unless the key is tagged as a string.
  visit(document, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === '<<') {
        pair.key.type = Scalar.QUOTE_DOUBLE;
        pair.key.tag = 'tag:yaml.org,2002:str';
      }
    },
  });
  return document.toString({ lineWidth: 0, directives: false });
}

/** Several documents in one file, separated by `---`, as kubectl apply -f reads them. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map(toYaml).join('---\n');
}
