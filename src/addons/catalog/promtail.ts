/**
 * Promtail (seed §12, §5.3, ADR-006), chart grafana/promtail 6.17.1.
 *
 * Deprecated upstream: Grafana Labs has deprecated Promtail in favour of Grafana Alloy, and the
 * chart (`deprecated: true` in Chart.yaml) no longer receives updates. It is kept because the seed
 * asks for it; Alloy is the successor to move to.
 *
 * A DaemonSet reads container logs from the host (hostPath, hence the privileged exemption of the
 * namespace) and pushes them to Loki on the management cluster: through Loki's pinned address
 * from workload clusters (correction 8), by the in-cluster name on the management cluster. Every
 * stream carries `cluster: <name>` (a client external label). Positions are synced every 10 s
 * (§5.3), so after a restart or a Loki outage Promtail resumes where it stopped.
 */
import type { RenderContext } from '../../render/context.js';
import { RESOURCES } from '../../render/sizing.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import { lokiInClusterUrl, lokiPinnedUrl } from './loki.js';
import { CLUSTER_LABEL, detach } from './prometheus.js';

/** §5.3: `positions.sync_period`. */
export const POSITIONS_SYNC_PERIOD = '10s';

/** Where this cluster's Promtail pushes. */
export function lokiPushUrl(ctx: RenderContext): string {
  const base = ctx.cluster.name === ctx.management.name ? lokiInClusterUrl() : lokiPinnedUrl(ctx);
  return `${base}/loki/api/v1/push`;
}

export function renderPromtail(ctx: RenderContext): RenderedAddon {
  return {
    values: detach({
      resources: RESOURCES.small,
      config: {
        clients: [{ url: lokiPushUrl(ctx), external_labels: { [CLUSTER_LABEL]: ctx.cluster.name } }],
        // Rendered verbatim into Promtail's `positions` block (config.file in values.yaml);
        // sync_period is Promtail's positions setting (docs: positions.sync_period, default 10s).
        positions: { filename: '/run/promtail/positions.yaml', sync_period: POSITIONS_SYNC_PERIOD },
      },
    }),
  };
}

export const promtail: AddonDefinition = {
  name: 'promtail',
  title: 'Promtail',
  phase: 'observability',
  namespace: 'logging',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [{ addon: 'loki', on: 'management', why: 'it pushes logs to Loki' }],
  after: [],
  podSecurity: { level: 'privileged', why: 'it reads container logs from the host through hostPath' },
  seed: '§12, §10.2 4.4',
  render: renderPromtail,
};
