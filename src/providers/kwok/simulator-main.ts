/**
 * SIMULATION process for kwok clusters (see simulator.ts): polls every cluster of the platform
 * once a second until stopped, or until none of its clusters answers for a minute.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KubeClient } from '../../clients/kube.js';
import { startAdmissionStandIn } from './admission-stand-in.js';
import { simulateOnce } from './simulator.js';

interface SimulatorConfig {
  clusters: Array<{ name: string; kubeconfig: string; range: string }>;
  /** The admission stand-in's port, certificate and key (a 0600 file), when it runs here. */
  admission?: string;
}

const configPath = process.argv[2];
if (!configPath) throw new Error('usage: simulator-main <simulator.json>');
const config = JSON.parse(readFileSync(configPath, 'utf8')) as SimulatorConfig;
const logFile = join(dirname(configPath), 'simulator.log');
const log = (line: string) => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);

let stopped = false;
process.on('SIGTERM', () => {
  stopped = true;
});

const admission = config.admission
  ? await startAdmissionStandIn({
      ...(JSON.parse(readFileSync(config.admission, 'utf8')) as {
        port: number;
        certificate: string;
        key: string;
      }),
      log,
    })
  : undefined;

const clients = await Promise.all(
  config.clusters.map(async (c) => ({ ...c, client: await KubeClient.fromFile(c.kubeconfig) })),
);
let lastContact = Date.now();
log(
  `started for ${config.clusters.map((c) => c.name).join(', ')}` +
    (admission ? `, admission stand-in on 127.0.0.1:${(admission.address() as { port: number }).port}` : ''),
);
while (!stopped && Date.now() - lastContact < 60_000) {
  for (const cluster of clients) {
    try {
      for (const change of await simulateOnce(cluster.client, cluster.range))
        log(`${cluster.name}: ${change}`);
      lastContact = Date.now();
    } catch (error) {
      log(`${cluster.name}: ${(error as Error).message}`);
    }
  }
  await new Promise((r) => setTimeout(r, 1000));
}
admission?.closeAllConnections();
admission?.close();
log('stopped');
// The API server's keep-alive connections must not keep a stopped simulation alive.
process.exit(0);
