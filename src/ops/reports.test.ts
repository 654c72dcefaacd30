import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectLayout } from '../project/layout.js';
import { runCli, tempDir } from '../test-support/cli.js';
import { saveReport, savedReports } from './reports.js';

const SPEC = 'apiVersion: platformctl.dev/v1alpha1\nkind: Platform\nmetadata:\n  name: lab\n';

describe('saved reports', () => {
  it('keeps the latest of each kind, and reads none that is damaged or of another kind', async () => {
    const layout = projectLayout(tempDir());
    expect(await savedReports(layout)).toEqual({});
    const first = {
      kind: 'verify' as const,
      at: '2026-01-01T10:00:00.000Z',
      report: { ok: true, checks: [] },
    };
    await saveReport(layout, first);
    const later = {
      kind: 'verify' as const,
      at: '2026-01-01T11:00:00.000Z',
      clusters: ['app1'],
      report: { ok: false, checks: [{ id: 'vault.unsealed', status: 'fail' as const, evidence: 'sealed' }] },
    };
    await saveReport(layout, later);
    await saveReport(layout, { kind: 'analyze', at: '2026-01-01T12:00:00.000Z', findings: [] });
    expect(await savedReports(layout)).toEqual({
      verify: later,
      analyze: { kind: 'analyze', at: '2026-01-01T12:00:00.000Z', findings: [] },
    });
    expect(layout.reportFile('verify')).toBe(join(layout.stateDir, 'reports', 'verify.json'));
    writeFileSync(layout.reportFile('verify'), '{"kind": "verify", "at": ');
    writeFileSync(layout.reportFile('analyze'), JSON.stringify(later));
    expect(await savedReports(layout)).toEqual({});
  });

  it('`platformctl analyze` and `verify` save what they print under .platformctl/reports/', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'platform.yaml'), SPEC);
    const layout = projectLayout(cwd);
    const analyze = await runCli(['analyze', '--provider', 'kwok', '--cluster', 'app1', '-o', 'json'], {
      cwd,
    });
    // No cluster exists here: that is the finding.
    const printed = JSON.parse(analyze.stdout) as { findings: unknown[] };
    expect(printed.findings).toHaveLength(1);
    const saved = (await savedReports(layout)).analyze!;
    expect(saved).toMatchObject({ kind: 'analyze', clusters: ['app1'], findings: printed.findings });
    expect(Date.parse(saved.at)).not.toBeNaN();
    const verify = await runCli(['verify', '--provider', 'kwok', '-o', 'json'], { cwd });
    expect(verify.code).toBe(1);
    expect((await savedReports(layout)).verify).toMatchObject({
      kind: 'verify',
      report: JSON.parse(verify.stdout) as object,
    });
    expect(readFileSync(layout.reportFile('verify'), 'utf8')).not.toMatch(/token|password/i);
  });
});
