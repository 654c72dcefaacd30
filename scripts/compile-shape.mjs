// Compiles the spec's JSON Schema into dist/spec/shape-validator.js with Ajv's standalone code,
// so that `platformctl validate` neither loads TypeBox and Ajv nor compiles at start
// (src/spec/shape.ts). Runs after tsc in `npm run build`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';

const dist = new URL('../dist/spec/', import.meta.url);
const { PlatformDocumentSchema } = await import(new URL('schema.js', dist).href);
const { SHAPE_AJV_OPTIONS } = await import(new URL('shape.js', dist).href);
const ajv = new Ajv({ ...SHAPE_AJV_OPTIONS, code: { source: true, esm: true } });
let code = (standalone.default ?? standalone)(ajv, ajv.compile(PlatformDocumentSchema));
// Ajv's ESM output still requires its runtime helpers; give them as imports.
const helpers = [
  ...new Set([...code.matchAll(/require\("(ajv\/dist\/runtime\/[a-z0-9]+)"\)/g)].map((m) => m[1])),
];
helpers.forEach((path, i) => {
  code = code.replaceAll(`require("${path}")`, `__runtime${i}`);
});
const imports = helpers.map((path, i) => `import __runtime${i} from '${path}.js';`).join('\n');
const target = fileURLToPath(new URL('shape-validator.js', dist));
writeFileSync(target, `${imports}\n${code.replace('"use strict";', '')}\n`);
