import { ANALYZER_NAMES } from '../../ops/analyzer-names.js';
import { didYouMean } from '../../util/suggest.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT } from '../io.js';
import { projectFor } from '../project.js';
import { json } from '../report.js';
import { explainProjectFindings, type ExplainedFinding, type ExplainMode } from '../../ops/explain.js';
import type { AiBackendName } from '../../spec/types.js';
import { explainSummaryText, explanationText } from '../explain-format.js';

interface AnalyzeFlags {
  file?: string;
  provider?: ProviderName;
  cluster?: string[];
  filter?: string[];
  failOn: string;
  output: OutputFormat;
  explain?: boolean;
  backend?: AiBackendName;
  mode?: ExplainMode;
  anonymize?: boolean;
}

const SEVERITIES = ['error', 'warning'];

/** Exit 0 when no finding is at or above --fail-on (default error), 1 otherwise. */
export default async function analyze(flags: AnalyzeFlags, { io }: ActionContext): Promise<number> {
  const unknown = (flags.filter ?? []).filter((f) => !(ANALYZER_NAMES as readonly string[]).includes(f));
  if (unknown.length > 0) {
    for (const name of unknown) {
      const suggestion = didYouMean(name, ANALYZER_NAMES);
      io.stderr(`platformctl: --filter: no analyzer "${name}"${suggestion ? `: ${suggestion}` : ''}\n`);
    }
    io.stderr(`platformctl: the analyzers are ${ANALYZER_NAMES.join(', ')}\n`);
    return EXIT.usage;
  }
  if (!SEVERITIES.includes(flags.failOn)) {
    const suggestion = didYouMean(flags.failOn, SEVERITIES);
    io.stderr(
      `platformctl: --fail-on takes error or warning, not "${flags.failOn}"${suggestion ? `: ${suggestion}` : ''}\n`,
    );
    return EXIT.usage;
  }
  if (!flags.explain && (flags.backend || flags.mode || flags.anonymize)) {
    io.stderr('platformctl: --backend, --mode and --anonymize go with --explain\n');
    return EXIT.usage;
  }
  const project = await projectFor(flags, io);
  const findings = await project.analyze({
    ...(flags.cluster ? { clusters: flags.cluster } : {}),
    ...(flags.filter ? { filter: flags.filter } : {}),
  });
  const explained = flags.explain
    ? await explainProjectFindings(project, findings, {
        ...(flags.mode ? { mode: flags.mode } : {}),
        ...(flags.backend ? { backend: flags.backend } : {}),
        anonymize: flags.anonymize === true,
      })
    : undefined;
  const failing = findings.filter((f) => flags.failOn === 'warning' || f.severity === 'error');
  if (flags.output === 'json')
    io.stdout(
      json({
        findings: explained?.findings ?? findings,
        ...(explained ? { explain: explained.summary } : {}),
      }),
    );
  else {
    for (const f of (explained?.findings ?? findings) as readonly ExplainedFinding[]) {
      io.stdout(
        `${f.severity === 'error' ? 'ERROR' : 'warn '}  [${f.cluster}] ${f.object}: ${f.evidence}\n        fix: ${f.hint}\n`,
      );
      io.stdout(explanationText(f));
    }
    if (explained) io.stdout(`\n${explainSummaryText(explained.summary)}`);
    io.stdout(
      `\n${findings.length} finding(s), ${findings.filter((f) => f.severity === 'error').length} error(s)\n`,
    );
  }
  return failing.length === 0 ? EXIT.ok : EXIT.invalid;
}
