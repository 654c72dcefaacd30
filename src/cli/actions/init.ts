import { CATALOG } from '../../addons/catalog.js';
import { rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileSystemError, PlatformctlError } from '../../errors.js';
import { loadSpecText } from '../../spec/load.js';
import { platformJsonSchema } from '../../spec/schema.js';
import { documentToYaml, initDocument, SCHEMA_FILE } from '../../spec/write.js';
import type { ActionContext } from '../commands.js';
import { EXIT } from '../io.js';
import { json } from '../report.js';

interface InitFlags {
  file: string;
  force?: boolean;
  schema: boolean;
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

export default async function init(flags: InitFlags, { io }: ActionContext): Promise<number> {
  const now = io.now();
  const writeSchema = flags.schema && flags.file !== '-';
  const text = documentToYaml(initDocument(now, CATALOG), {
    catalog: CATALOG,
    ...(writeSchema ? { schemaFile: SCHEMA_FILE } : {}),
  });
  // The written file must be valid by construction; check anyway so a regression fails loudly.
  const check = loadSpecText(text, { now, catalog: CATALOG });
  if (!check.ok)
    throw new Error(`init produced an invalid spec: ${check.diagnostics.map((d) => d.message).join('; ')}`);
  if (flags.file === '-') {
    io.stdout(text);
    return EXIT.ok;
  }
  const specPath = resolve(io.cwd, flags.file);
  const schemaPath = join(dirname(specPath), SCHEMA_FILE);
  const targets = writeSchema ? [specPath, schemaPath] : [specPath];
  if (!flags.force)
    for (const target of targets)
      if (await exists(target))
        throw new PlatformctlError(
          'init.exists',
          'usage',
          `${target} already exists; use --force to overwrite it`,
        );
  try {
    await writeAtomically(specPath, text);
    if (writeSchema) await writeAtomically(schemaPath, json(platformJsonSchema()));
  } catch (error) {
    throw fileSystemError(error, 'write', specPath);
  }
  io.stdout(
    `wrote ${flags.file}${writeSchema ? ` and ${SCHEMA_FILE}` : ''}; check it with \`platformctl validate\`\n`,
  );
  return EXIT.ok;
}
