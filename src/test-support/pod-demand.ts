/**
 * What the pods of a cluster ask the scheduler for, from the objects the charts and manifests
 * render: for the sizing test, which holds the default node sizes to what the real charts request.
 */
import type { KubeObject } from '../kube/objects.js';
import type { PlatformCluster } from '../spec/model.js';

export interface Demand {
  /** millicores */
  cpu: number;
  /** MiB */
  memory: number;
}

interface Container {
  resources?: { requests?: { cpu?: string | number; memory?: string | number } };
}
interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  tolerations?: Array<{ key?: string; operator?: string; effect?: string }>;
  nodeSelector?: Record<string, string>;
}

export function millicores(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const text = String(value);
  return text.endsWith('m') ? Number(text.slice(0, -1)) : Math.round(Number(text) * 1000);
}

export function mebibytes(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const text = String(value);
  const units: Record<string, number> = {
    Ki: 1 / 1024,
    Mi: 1,
    Gi: 1024,
    K: 1e3 / 2 ** 20,
    M: 1e6 / 2 ** 20,
    G: 1e9 / 2 ** 20,
  };
  const match = /^([\d.]+)([KMG]i?)?$/.exec(text);
  if (!match) throw new Error(`cannot read the quantity ${text}`);
  return Number(match[1]) * (match[2] ? units[match[2]]! : 1 / 2 ** 20);
}

/** A pod's effective request: its containers together, or its largest init container if larger. */
export function podRequest(spec: PodSpec): Demand {
  const sum = (containers: Container[] = []) =>
    containers.reduce(
      (d, c) => ({
        cpu: d.cpu + millicores(c.resources?.requests?.cpu),
        memory: d.memory + mebibytes(c.resources?.requests?.memory),
      }),
      { cpu: 0, memory: 0 },
    );
  const running = sum(spec.containers);
  const init = (spec.initContainers ?? []).map((c) => sum([c]));
  return {
    cpu: Math.max(running.cpu, ...init.map((d) => d.cpu)),
    memory: Math.max(running.memory, ...init.map((d) => d.memory)),
  };
}

/** Whether a pod may run on a control-plane node (kubeadm's NoSchedule taint). */
export function toleratesControlPlane(spec: PodSpec): boolean {
  return (spec.tolerations ?? []).some(
    (t) =>
      (t.operator === 'Exists' && (t.key === undefined || t.key === '')) ||
      t.key === 'node-role.kubernetes.io/control-plane',
  );
}

export interface ClusterDemand {
  /** Pods that need a worker: Deployments and StatefulSets × replicas, DaemonSets once per worker. */
  readonly workers: Demand;
  /** Deployments and StatefulSets that tolerate the control plane: on a worker or a control plane. */
  readonly anywhere: Demand;
  /** What each control-plane node runs of the platform's DaemonSets. */
  readonly perControlPlane: Demand;
  /** workload name → request × count, for the failure message. */
  readonly items: ReadonlyArray<{
    name: string;
    demand: Demand;
    where: 'workers' | 'every node' | 'any node';
  }>;
}

const OPERATED = new Set(['Prometheus', 'PrometheusAgent', 'Alertmanager', 'ThanosRuler']);
const RELOADER: Container = { resources: { requests: { cpu: '10m', memory: '50Mi' } } };

/** The long-running pods the objects make on the cluster (Jobs finish and are left out). */
export function clusterDemand(cluster: PlatformCluster, objects: readonly KubeObject[]): ClusterDemand {
  const workerCount = cluster.nodes.filter((n) => n.role === 'worker').length;
  const workers: Demand = { cpu: 0, memory: 0 };
  const perControlPlane: Demand = { cpu: 0, memory: 0 };
  const anywhere: Demand = { cpu: 0, memory: 0 };
  const items: Array<{ name: string; demand: Demand; where: 'workers' | 'every node' | 'any node' }> = [];
  for (const object of objects) {
    const spec = (object as { spec?: { replicas?: number; template?: { spec?: PodSpec } } }).spec;
    const pod = spec?.template?.spec;
    if (!pod) {
      // The Prometheus operator makes a StatefulSet from these, with a config-reloader beside
      // the server (the operator's default request: 10m, 50Mi).
      const operated = object as { spec?: { replicas?: number; resources?: Container['resources'] } };
      if (OPERATED.has(object.kind) && object.apiVersion.startsWith('monitoring.coreos.com/')) {
        const replicas = operated.spec?.replicas ?? 1;
        const request = podRequest({ containers: [{ resources: operated.spec?.resources ?? {} }, RELOADER] });
        workers.cpu += request.cpu * replicas;
        workers.memory += request.memory * replicas;
        items.push({
          name: `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`,
          demand: { cpu: request.cpu * replicas, memory: request.memory * replicas },
          where: 'workers',
        });
      }
      continue;
    }
    const request = podRequest(pod);
    const name = `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (object.kind === 'DaemonSet') {
      workers.cpu += request.cpu * workerCount;
      workers.memory += request.memory * workerCount;
      if (toleratesControlPlane(pod)) {
        perControlPlane.cpu += request.cpu;
        perControlPlane.memory += request.memory;
      }
      items.push({ name, demand: request, where: 'every node' });
    } else if (object.kind === 'Deployment' || object.kind === 'StatefulSet') {
      const replicas = spec.replicas ?? 1;
      const bucket = toleratesControlPlane(pod) ? anywhere : workers;
      bucket.cpu += request.cpu * replicas;
      bucket.memory += request.memory * replicas;
      items.push({
        name,
        demand: { cpu: request.cpu * replicas, memory: request.memory * replicas },
        where: bucket === anywhere ? 'any node' : 'workers',
      });
    }
  }
  return { workers, anywhere, perControlPlane, items };
}
