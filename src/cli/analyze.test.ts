/** `analyze`'s usage errors: found before any cluster is contacted, exit 2 with a suggestion. */
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../test-support/cli.js';

describe('platformctl analyze usage', () => {
  it('an unknown --filter name is exit 2, suggesting the analyzer meant and listing them all', async () => {
    const run = await runCli(['analyze', '--filter', 'Pod,Vualt,ExternalSecrets'], { cwd: tempDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--filter: no analyzer "Vualt": did you mean "Vault"?');
    expect(run.stderr).toContain('--filter: no analyzer "ExternalSecrets": did you mean "ExternalSecret"?');
    expect(run.stderr).not.toContain('"Pod"');
    expect(run.stderr).toMatch(/the analyzers are Pod, Workload, CronJob, .*PodSecurityExemption\n/);
    expect(run.stdout).toBe('');
  });

  it('--fail-on takes error or warning', async () => {
    const run = await runCli(['analyze', '--fail-on', 'warnign'], { cwd: tempDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--fail-on takes error or warning, not "warnign": did you mean "warning"?');
  });

  it('--help names the new analyzers', async () => {
    const run = await runCli(['analyze', '--help'], { cwd: tempDir() });
    expect(run.code).toBe(0);
    for (const name of ['CronJob', 'NetworkPolicy', 'Vault', 'Autoscaling', 'Drift', 'PodSecurityExemption'])
      expect(run.stdout.replace(/\s+/g, ' ')).toContain(name);
  });
});
