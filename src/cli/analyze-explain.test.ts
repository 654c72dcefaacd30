/**
 * `platformctl analyze --explain` end to end in-process: a kwok spec whose clusters do not exist
 * (so analyze finds each missing cluster, a real finding), every backend pointed at a 127.0.0.1
 * server replaying the APIs' documented responses.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../test-support/cli.js';
import { LlmReplayServer, replayed } from '../test-support/llm-replay.js';

const KEY = 'AIzaSyTEST-cli-gemini-key-0123456789';
let server: LlmReplayServer;
let dir: string;
beforeEach(async () => {
  server = await LlmReplayServer.start();
  dir = tempDir('platformctl-explain-cli-');
  writeFileSync(
    join(dir, 'platform.yaml'),
    [
      'apiVersion: platformctl.dev/v1alpha1',
      'kind: Platform',
      'metadata: { name: explain }',
      'spec:',
      '  provider: kwok',
      '  ai:',
      '    backends:',
      ...['gemini', 'openai', 'anthropic', 'ollama'].flatMap((b) => [
        `      ${b}:`,
        `        url: ${server.url}`,
      ]),
      '',
    ].join('\n'),
  );
});
afterEach(() => server.close());

describe('analyze --explain (replayed documented responses)', () => {
  it('-o json: an explanation on each finding and the run summary; a re-run is answered from the cache', async () => {
    server.script('gemini', replayed('gemini', 'success'));
    const first = await runCli(['analyze', '--explain', '-o', 'json'], {
      cwd: dir,
      env: { GEMINI_API_KEY: KEY },
    });
    expect(first.code).toBe(1); // the clusters do not exist: error findings
    const out = JSON.parse(first.stdout) as {
      findings: Array<{ object: string; explanation?: { backend: string; sharedBy: number } }>;
      explain: {
        groups: number;
        requests: number;
        cacheHits: number;
        inputTokens: number;
        estimatedCostUsd: number;
      };
    };
    expect(out.findings.map((f) => f.object)).toEqual(['Cluster mgmt', 'Cluster app1', 'Cluster app2']);
    // One shape ("does not exist" with the cluster's own name masked): one request for three findings.
    expect(
      out.findings.every((f) => f.explanation?.backend === 'gemini' && f.explanation.sharedBy === 3),
    ).toBe(true);
    expect(out.explain).toMatchObject({ groups: 1, requests: 1, cacheHits: 0, inputTokens: 152 });
    expect(out.explain.estimatedCostUsd).toBeCloseTo((152 * 0.3 + 61 * 2.5) / 1e6, 12);
    expect(first.stdout + first.stderr).not.toContain(KEY);
    const cache = join(dir, '.platformctl', 'explain-cache.json');
    expect(statSync(cache).mode & 0o777).toBe(0o600);
    expect(readFileSync(cache, 'utf8')).not.toContain(KEY);

    const again = await runCli(['analyze', '--explain', '-o', 'json'], {
      cwd: dir,
      env: { GEMINI_API_KEY: KEY },
    });
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse(again.stdout).explain).toMatchObject({ cacheHits: 1, requests: 0 });
  });

  it('text: the explanation under each finding, then tokens and cost; --anonymize sends no cluster name', async () => {
    server.script('gemini', replayed('gemini', 'success'));
    const run = await runCli(['analyze', '--explain', '--anonymize'], {
      cwd: dir,
      env: { GEMINI_API_KEY: KEY },
    });
    expect(run.stdout).toMatch(
      /Cluster mgmt: does not exist\n {8}fix: .*\n {8}explain \(gemini gemini-2\.5-flash, shared by 3 findings\):\n {10}The Pod/,
    );
    expect(run.stdout).toMatch(
      /explain: 1\/1 distinct finding\(s\) explained \(mode routine: gemini -> openai, anonymized\), 0 from the cache, 1 request\(s\), 152 input \+ 61 output tokens, estimated cost \$0\.000198/,
    );
    for (const name of ['mgmt', 'app1', 'app2']) expect(server.requests[0]!.body).not.toContain(name);
  });

  it('a backend that fails and one without a key are reported, and the key is in no output', async () => {
    server.script('gemini', replayed('gemini', 'auth'));
    const run = await runCli(['analyze', '--explain'], { cwd: dir, env: { GEMINI_API_KEY: KEY } });
    expect(run.stdout).toMatch(/explain: 0\/1 distinct finding/);
    expect(run.stdout).toMatch(/\n {2}gemini: 400 INVALID_ARGUMENT: API key not valid.*\(llm\.auth\)/);
    expect(run.stdout).toMatch(/\n {2}openai: no API key: set OPENAI_API_KEY/);
    expect(run.stdout + run.stderr).not.toContain(KEY);
  });

  it('--backend, --mode and --anonymize need --explain', async () => {
    const run = await runCli(['analyze', '--mode', 'deep'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/go with --explain/);
    expect(server.requests).toHaveLength(0);
  });
});
