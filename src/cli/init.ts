import { rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultDocument } from '../spec/defaults.js';
import { loadSpecText } from '../spec/load.js';
import { platformJsonSchema } from '../spec/schema.js';
import type { PlatformDocument } from '../spec/types.js';
import { documentToYaml, SCHEMA_FILE } from '../spec/write.js';
import { type CliIO, EXIT, UsageError } from './io.js';
import { json } from './options.js';
import { DEFAULT_SPEC_FILE } from './spec-input.js';

interface InitFlags {
  file: string;
  force?: boolean;
  schema: boolean;
}

/** The seed's platform, with the overrides the spec reference uses as examples. */
export function initDocument(now: Date): PlatformDocument {
  const doc = defaultDocument({ now });
  const workloads = doc.spec.clusters.filter((c) => c.role === 'workload').map((c) => c.name);
  doc.spec.addons = { kyverno: { enabled: true, clusters: workloads }, istio: { enabled: false } };
  return doc;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Write via a temporary file and rename, so an interrupted init never leaves half a file. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${process.pid}.${Date.now()}.tmp`);
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, path);
}

export function addInit(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command('init')
    .description(
      "write a commented platform.yaml with the reference architecture's topology, and its JSON Schema",
    )
    .option('-f, --file <path>', 'where to write the spec; "-" prints it', DEFAULT_SPEC_FILE)
    .option('--force', 'overwrite existing files')
    .option('--no-schema', `do not write ${SCHEMA_FILE} (the editor schema) next to the spec`)
    .action(async (flags: InitFlags) => {
      const now = io.now();
      const writeSchema = flags.schema && flags.file !== '-';
      const text = documentToYaml(initDocument(now), writeSchema ? { schemaFile: SCHEMA_FILE } : {});
      // The written file must be valid by construction; check anyway so a regression fails loudly.
      const check = loadSpecText(text, { now });
      if (!check.ok)
        throw new Error(
          `init produced an invalid spec: ${check.diagnostics.map((d) => d.message).join('; ')}`,
        );
      if (flags.file === '-') {
        io.stdout(text);
        exit(EXIT.ok);
        return;
      }
      const specPath = resolve(io.cwd, flags.file);
      const schemaPath = join(dirname(specPath), SCHEMA_FILE);
      const targets = writeSchema ? [specPath, schemaPath] : [specPath];
      if (!flags.force) {
        for (const target of targets) {
          if (await exists(target))
            throw new UsageError(`${target} already exists; use --force to overwrite it`);
        }
      }
      try {
        await writeAtomically(specPath, text);
        if (writeSchema) await writeAtomically(schemaPath, json(platformJsonSchema()));
      } catch (error) {
        throw new UsageError(`cannot write ${specPath}: ${(error as Error).message}`);
      }
      io.stdout(
        `wrote ${flags.file}${writeSchema ? ` and ${SCHEMA_FILE}` : ''}; check it with \`platformctl validate\`\n`,
      );
      exit(EXIT.ok);
    });
}
