/**
 * The README's command table is the front door: it lists every command with exactly the options
 * `--help` shows, and the exit codes it documents are the ones the CLI uses.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../errors.js';
import { defineCommands, EXIT_CODES_HELP } from './commands.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

const program = new Command('platformctl');
defineCommands(program, (command) => command);

/**
 * The table rows: first cell `platformctl <name> ...`. A command may have several rows (`backup`
 * and `backup list`): together they name its options.
 */
function readmeRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of README.split('\n')) {
    const match = /^\| `platformctl ([a-z-]+)(.*?)` \|/.exec(line);
    if (match) {
      const earlier = rows.get(match[1]!);
      rows.set(match[1]!, `${earlier === undefined ? '' : `${earlier} `}${match[1]}${match[2]}`);
    }
  }
  return rows;
}

describe('README command table', () => {
  const rows = readmeRows();

  it('lists every command, and only commands that exist', () => {
    expect([...rows.keys()].sort()).toEqual(program.commands.map((c) => c.name()).sort());
  });

  describe.each(program.commands.map((c) => [c.name(), c] as const))('%s', (name, command) => {
    it('names every option --help shows, and no other', () => {
      const row = rows.get(name) ?? '';
      const documented = new Set(
        [...row.matchAll(/(?<![\w-])(--?[a-z][a-z-]*)/g)].map((m) => m[1]!).filter((f) => f !== '-'),
      );
      const options = command.options.filter((o) => o.long !== '--help');
      const missing = options.filter(
        (o) => !documented.has(o.long!) && !(o.short && documented.has(o.short)),
      );
      expect(missing.map((o) => o.long)).toEqual([]);
      const known = new Set(options.flatMap((o) => [o.long, o.short].filter(Boolean)));
      expect([...documented].filter((flag) => !known.has(flag))).toEqual([]);
    });
  });

  it('documents the exit codes the CLI uses', () => {
    for (const [kind, code] of Object.entries(EXIT_CODES)) {
      if (kind === 'ok') continue;
      expect(README, `${kind} = ${code}`).toMatch(new RegExp(`\\b${code}\\b[^|\\n]*`));
      expect(EXIT_CODES_HELP).toContain(String(code));
    }
  });
});
