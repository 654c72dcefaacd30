import { Option } from 'commander';

export type OutputFormat = 'text' | 'json';

export const fileOption = () =>
  new Option(
    '-f, --file <path>',
    'the platform spec; "-" reads standard input (default: ./platform.yaml, else the built-in default)',
  );

export const outputOption = () =>
  new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
