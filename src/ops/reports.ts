/**
 * The latest `verify` report and `analyze` findings, saved under the project's `.platformctl/`
 * each time one runs (from a terminal, a script or the MCP server), so the dashboard shows what
 * they found and when without running them again. They hold what `-o json` prints: no secrets.
 */
import { readFile } from 'node:fs/promises';
import type { ProjectLayout } from '../project/layout.js';
import { writePrivateFile } from '../providers/shared/private-files.js';
import type { Finding } from './analyze.js';
import type { VerifyReport } from './verify.js';

interface Scope {
  /** When it ran. */
  readonly at: string;
  /** The clusters it looked at, when not all (`--cluster`). */
  readonly clusters?: readonly string[];
}

export interface SavedVerify extends Scope {
  readonly kind: 'verify';
  readonly report: VerifyReport;
}

export interface SavedAnalyze extends Scope {
  readonly kind: 'analyze';
  /** The analyzers it ran, when not all (`--filter`). */
  readonly filter?: readonly string[];
  readonly findings: readonly Finding[];
}

export type SavedReport = SavedVerify | SavedAnalyze;

export interface SavedReports {
  readonly verify?: SavedVerify;
  readonly analyze?: SavedAnalyze;
}

/** Replaces the saved report of its kind (a rename: a reader never sees half of one). */
export async function saveReport(layout: ProjectLayout, report: SavedReport): Promise<void> {
  await writePrivateFile(layout.reportFile(report.kind), `${JSON.stringify(report, null, 2)}\n`);
}

async function readSaved<K extends SavedReport['kind']>(
  layout: ProjectLayout,
  kind: K,
): Promise<Extract<SavedReport, { kind: K }> | undefined> {
  const text = await readFile(layout.reportFile(kind), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const saved = JSON.parse(text) as SavedReport;
    return saved.kind === kind && typeof saved.at === 'string'
      ? (saved as Extract<SavedReport, { kind: K }>)
      : undefined;
  } catch {
    // A damaged file is no report: the next run replaces it.
    return undefined;
  }
}

/** The latest saved report of each kind; absent when none ran yet here. */
export async function savedReports(layout: ProjectLayout): Promise<SavedReports> {
  const [verify, analyze] = await Promise.all([readSaved(layout, 'verify'), readSaved(layout, 'analyze')]);
  return { ...(verify ? { verify } : {}), ...(analyze ? { analyze } : {}) };
}
