/**
 * `analyze`: analyzers over a snapshot of a cluster's live objects, each finding with the object,
 * a severity, the evidence (the fields that show it) and a fix hint. Pure: the snapshot in, the
 * findings out; `Project.analyze` takes the snapshot of every cluster at once (analyze-collect.ts).
 * k8sgpt's default set is in analyze-k8s.ts, the platform's own analyzers in analyze-platform.ts.
 * TODO(#14): --explain with LLM backends (section 2), --anonymize, and the MCP server (section 3).
 */
import { K8S_ANALYZERS } from './analyze-k8s.js';
import type { Analyzer, Finding, Snapshot } from './analyze-model.js';
import { PLATFORM_ANALYZERS } from './analyze-platform.js';

export type { Finding, Severity, Snapshot } from './analyze-model.js';

export const ANALYZERS: Readonly<Record<string, Analyzer>> = { ...K8S_ANALYZERS, ...PLATFORM_ANALYZERS };

export { ANALYZER_NAMES } from './analyzer-names.js';

export function analyzeSnapshot(cluster: string, snapshot: Snapshot, filter?: readonly string[]): Finding[] {
  // A kind the cluster serves but that could not be read leaves its analyzers blind: say so.
  const unread = (snapshot.unlisted ?? []).map((u): Finding => ({
    cluster,
    analyzer: 'Snapshot',
    object: `Cluster ${cluster}`,
    severity: 'warning',
    evidence: `could not list ${u.kind}: ${u.error}`,
    hint: 'the analyzers that read it saw nothing: check the credentials of the kubeconfig (RBAC) and the API server',
  }));
  return [
    ...unread,
    ...Object.entries(ANALYZERS)
      .filter(([name]) => !filter || filter.includes(name))
      .flatMap(([, analyzer]) => analyzer(cluster, snapshot)),
  ];
}
