// Copies the dashboard page (src/web/assets: HTML, CSS, JS, icon) into dist/web/assets, where
// the server reads it from in the package. Runs after tsc in `npm run build`.
import { cpSync, rmSync } from 'node:fs';

const from = new URL('../src/web/assets/', import.meta.url);
const to = new URL('../dist/web/assets/', import.meta.url);
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
