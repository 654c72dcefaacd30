/**
 * Where a cluster ships its metrics, logs and traces, read from its rendered configuration
 * (Prometheus remote-write, promtail's clients, the OpenTelemetry collector's exporters), and
 * what each host names by the platform's addresses: a pinned LoadBalancer address (its loopback
 * twin on kwok, src/render/endpoints.ts), an in-cluster Service name, another address, or a
 * DNS name that must resolve. Pure; Project adds what it observed of each.
 */
import { parse } from 'yaml';

import type { AddonName } from '../addons/names.js';
import { reachableAddress } from '../render/endpoints.js';
import type { Platform } from '../spec/model.js';

export interface ShippingSource {
  readonly source: string;
  readonly url: string;
  readonly host: string;
}

export type HostNames =
  | { readonly kind: 'pinned'; readonly cluster: string; readonly service: string; readonly pinned: string }
  | { readonly kind: 'in-cluster'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'dns' }
  | { readonly kind: 'address' };

type Fields = Record<string, unknown>;
const fields = (v: unknown): Fields =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Fields) : {};
const items = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The host of `http://h:p/x` or of a bare `h:p` (OTLP gRPC endpoints have no scheme). */
export function hostOf(endpoint: string): string | undefined {
  try {
    return (
      new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `dns://${endpoint}`).hostname ||
      undefined
    );
  } catch {
    return undefined;
  }
}

/** Every `remoteWrite` list anywhere in the values (the chart nests it under prometheusSpec). */
function remoteWrites(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(remoteWrites);
  const object = fields(value);
  return Object.entries(object).flatMap(([key, child]) =>
    key === 'remoteWrite'
      ? items(child).flatMap((rw) => {
          const url = fields(rw).url;
          return typeof url === 'string' ? [url] : [];
        })
      : remoteWrites(child),
  );
}

const READERS: ReadonlyArray<{
  readonly addon: AddonName;
  readonly source: string;
  readonly urls: (values: unknown) => string[];
}> = [
  { addon: 'prometheus', source: 'prometheus remote-write', urls: remoteWrites },
  {
    addon: 'promtail',
    source: 'promtail client',
    urls: (values) =>
      items(fields(fields(values).config).clients).flatMap((c) => {
        const url = fields(c).url;
        return typeof url === 'string' ? [url] : [];
      }),
  },
  {
    addon: 'otel-collector',
    source: 'otel-collector exporter',
    urls: (values) =>
      Object.values(fields(fields(fields(values).config).exporters)).flatMap((e) => {
        const endpoint = fields(e).endpoint;
        return typeof endpoint === 'string' ? [endpoint] : [];
      }),
  },
];

/**
 * The shipping endpoints of one cluster's rendered add-ons, for the add-ons `installed` says the
 * last `up` put there (an add-on not installed ships nothing).
 */
export function shippingSources(
  clusterName: string,
  artifacts: ReadonlyMap<string, string>,
  installed: (addon: AddonName) => boolean,
): ShippingSource[] {
  return READERS.filter((r) => installed(r.addon)).flatMap((reader) => {
    const text = artifacts.get(`clusters/${clusterName}/addons/${reader.addon}/values.yaml`);
    if (text === undefined) return [];
    return reader.urls(parse(text) as unknown).flatMap((url) => {
      const host = hostOf(url);
      return host ? [{ source: reader.source, url, host }] : [];
    });
  });
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IN_CLUSTER =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?\.?$/;

/** What a host names on this platform. */
export function classifyHost(platform: Platform, host: string): HostNames {
  if (IPV4.test(host) || host.includes(':')) {
    for (const cluster of platform.clusters)
      for (const [service, pinned] of Object.entries(cluster.addresses.services))
        if (pinned && (host === pinned || host === reachableAddress(platform, pinned)))
          return { kind: 'pinned', cluster: cluster.name, service, pinned };
    return { kind: 'address' };
  }
  const inCluster = IN_CLUSTER.exec(host);
  if (inCluster) return { kind: 'in-cluster', name: inCluster[1]!, namespace: inCluster[3]! };
  return { kind: 'dns' };
}
