/** How `analyze --explain` prints: the explanation under each finding, then the run's summary. */
import type { ExplainedFinding, ExplainSummary } from '../ops/explain.js';

const INDENT = '        ';

/** The lines under a finding: its explanation, or nothing when no backend answered. */
export function explanationText(f: ExplainedFinding): string {
  const e = f.explanation;
  if (!e) return '';
  const source = `${e.backend} ${e.model}${e.cached ? ', cached' : ''}${e.sharedBy > 1 ? `, shared by ${e.sharedBy} findings` : ''}`;
  const body = e.text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .map((line) => `${INDENT}  ${line}`)
    .join('\n');
  return `${INDENT}explain (${source}):\n${body}\n`;
}

const dollars = (usd: number | null) => (usd === null ? 'unknown' : `$${usd.toFixed(usd < 0.01 ? 6 : 4)}`);

export function explainSummaryText(s: ExplainSummary): string {
  const lines = [
    `explain: ${s.explained}/${s.groups} distinct finding(s) explained (mode ${s.mode}: ${s.backends.join(' -> ')}${
      s.anonymized ? ', anonymized' : ''
    }), ${s.cacheHits} from the cache, ${s.requests} request(s), ${s.inputTokens} input + ${s.outputTokens} output tokens, estimated cost ${dollars(s.estimatedCostUsd)}`,
    ...s.failures.map((f) => `  ${f.message} (${f.code})`),
  ];
  return `${lines.join('\n')}\n`;
}
