/**
 * SIMULATION, kwok only: the helm post-renderer of every release on a kwok cluster (see
 * loopback-admission.ts). helm runs it as `node post-render-main.js <admission.json>` with the
 * rendered manifests on stdin and applies what it prints.
 */
import { readFileSync } from 'node:fs';
import { rewriteForLoopback } from './loopback-admission.js';

const configPath = process.argv[2];
if (!configPath) throw new Error('usage: post-render-main <admission.json>');
const { port, certificate } = JSON.parse(readFileSync(configPath, 'utf8')) as {
  port: number;
  certificate: string;
};
const input = readFileSync(0, 'utf8');
const { manifest } = rewriteForLoopback(input, { url: `https://127.0.0.1:${port}`, certificate });
process.stdout.write(manifest);
