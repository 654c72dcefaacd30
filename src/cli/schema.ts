import type { Command } from 'commander';
import { platformJsonSchema } from '../spec/schema.js';
import { type CliIO, EXIT } from './io.js';
import { json } from './options.js';

export function addSchema(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command('schema')
    .description('print the JSON Schema of platform.yaml, for editors (yaml-language-server) and other tools')
    .addHelpText(
      'after',
      '\nExample:\n  platformctl schema > platform.schema.json\n  # then, first line of platform.yaml:\n  # yaml-language-server: $schema=./platform.schema.json',
    )
    .action(() => {
      io.stdout(json(platformJsonSchema()));
      exit(EXIT.ok);
    });
}
