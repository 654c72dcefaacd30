/**
 * The upgrade of one kubeadm cluster as data (functional core of `platformctl upgrade`): from
 * the spec's cluster, the version it runs and the nodes as the API reports them, the exact
 * ordered sequence of steps, the pre-checks that refuse an upgrade kubeadm does not support,
 * and the deprecated/removed API findings. No I/O here: src/ops/upgrade.ts runs the steps.
 *
 * The order follows kubeadm's documented workflow (kubernetes.io "Upgrading kubeadm clusters"):
 * the first control plane `kubeadm upgrade apply`, the others `kubeadm upgrade node`, then the
 * workers one by one (cordon, drain, kubeadm, `kubeadm upgrade node`, kubelet/kubectl, restart,
 * uncordon). The seed's script (§20.2) looked for `<cluster>-master*` nodes, which do not exist
 * (correction 28), ran `upgrade apply` on every control plane and never switched the
 * pkgs.k8s.io repository, which is per minor version: a minor upgrade switches it here.
 */
import { PlatformctlError } from '../errors.js';
import type { PlatformCluster } from '../spec/model.js';
import { parseKubernetesVersion, SUPPORTED_MINORS } from '../spec/rules/versions.js';

export const KUBEADM_KEYRING = '/etc/apt/keyrings/kubernetes-apt-keyring.gpg';
export const KUBERNETES_APT_SOURCE = '/etc/apt/sources.list.d/kubernetes.list';

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

export function versionText(v: Version): string {
  return `v${v.major}.${v.minor}.${v.patch}`;
}

function compare(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export class UpgradeError extends PlatformctlError {
  override readonly name = 'UpgradeError';
}

/** A node as the API server reports it: its kubelet's version and whether it is Ready. */
export interface ObservedNode {
  readonly name: string;
  readonly kubeletVersion: string;
  readonly ready: boolean;
  readonly unschedulable?: boolean;
}

/** What runs on a node, exactly as the VM client gets it (argv, no shell unless spelled). */
export type NodeCommand = readonly string[];

export type UpgradeStep =
  | { readonly id: string; readonly kind: 'backup'; readonly title: string }
  | {
      readonly id: string;
      readonly kind: 'kubeadm-plan';
      readonly node: string;
      readonly title: string;
      readonly commands: readonly NodeCommand[];
    }
  | {
      readonly id: string;
      readonly kind: 'cordon' | 'drain' | 'uncordon';
      readonly node: string;
      readonly title: string;
    }
  | {
      readonly id: string;
      readonly kind: 'node-commands';
      readonly node: string;
      readonly title: string;
      readonly commands: readonly NodeCommand[];
    }
  | {
      readonly id: string;
      readonly kind: 'gate';
      readonly node: string;
      readonly title: string;
      readonly version: string;
    };

export interface UpgradePlan {
  readonly cluster: string;
  readonly from: string;
  readonly to: string;
  readonly minorUpgrade: boolean;
  readonly steps: readonly UpgradeStep[];
  /** Nodes the API already reports at the target version: no step for them. */
  readonly skipped: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * The version jump kubeadm supports: the same or the next minor (a patch upgrade), never down,
 * never outside the window platformctl renders for. Throws `upgrade.*` usage/input errors.
 */
export function checkVersionJump(
  currentText: string,
  targetText: string,
): { current: Version; target: Version } {
  const target = parseKubernetesVersion(targetText);
  if (!target)
    throw new UpgradeError(
      'upgrade.invalid-version',
      'usage',
      `"${targetText}" is not a Kubernetes version`,
      {
        hint: 'write --to vMAJOR.MINOR.PATCH, e.g. --to v1.35.1',
      },
    );
  const current = parseKubernetesVersion(currentText);
  if (!current)
    throw new UpgradeError(
      'upgrade.invalid-version',
      'input',
      `the cluster's version "${currentText}" is not a Kubernetes version`,
    );
  if (target.major !== 1 || target.minor < SUPPORTED_MINORS.min || target.minor > SUPPORTED_MINORS.max)
    throw new UpgradeError(
      'upgrade.unsupported-version',
      'input',
      `${versionText(target)} is outside the supported window 1.${SUPPORTED_MINORS.min} to 1.${SUPPORTED_MINORS.max}`,
      { hint: `upgrade to a v1.${SUPPORTED_MINORS.max}.x release at most` },
    );
  if (compare(target, current) < 0)
    throw new UpgradeError(
      'upgrade.downgrade',
      'input',
      `${versionText(target)} is older than ${versionText(current)}: kubeadm does not downgrade`,
      { hint: 'to go back, restore the pre-upgrade etcd snapshot (backups/<cluster>/)' },
    );
  if (target.major !== current.major || target.minor > current.minor + 1)
    throw new UpgradeError(
      'upgrade.skips-minor',
      'input',
      `${versionText(current)} → ${versionText(target)} skips a minor version: kubeadm upgrades one minor at a time`,
      { hint: `upgrade to v${current.major}.${current.minor + 1}.x first` },
    );
  return { current, target };
}

/** The pkgs.k8s.io channel of a minor: `v1.35`. */
export function aptChannel(v: Version): string {
  return `v${v.major}.${v.minor}`;
}

/** Points apt at the target minor's pkgs.k8s.io repository (and its key), as cloud-init wrote it. */
export function aptRepositorySwitch(target: Version): NodeCommand[] {
  const channel = aptChannel(target);
  return [
    [
      'sudo',
      'sh',
      '-c',
      `curl -fsSL https://pkgs.k8s.io/core:/stable:/${channel}/deb/Release.key | gpg --dearmor --yes -o ${KUBEADM_KEYRING}`,
    ],
    [
      'sudo',
      'sh',
      '-c',
      `echo 'deb [signed-by=${KUBEADM_KEYRING}] https://pkgs.k8s.io/core:/stable:/${channel}/deb/ /' > ${KUBERNETES_APT_SOURCE}`,
    ],
  ];
}

/** Unhold, install the target's packages, hold again (kubeadm pins them, cloud-init holds them). */
export function aptInstall(packages: readonly string[], target: Version): NodeCommand[] {
  const pin = `${target.major}.${target.minor}.${target.patch}-*`;
  return [
    ['sudo', 'apt-mark', 'unhold', ...packages],
    ['sudo', 'apt-get', 'update'],
    ['sudo', 'apt-get', 'install', '-y', ...packages.map((p) => `${p}=${pin}`)],
    ['sudo', 'apt-mark', 'hold', ...packages],
  ];
}

export const KUBELET_RESTART: NodeCommand[] = [
  ['sudo', 'systemctl', 'daemon-reload'],
  ['sudo', 'systemctl', 'restart', 'kubelet'],
];

export interface UpgradePlanInput {
  readonly cluster: PlatformCluster;
  /** The version the cluster runs now (the spec's, checked against the API server's). */
  readonly current: string;
  readonly target: string;
  readonly observed: readonly ObservedNode[];
  /** False with --skip-backup: no backup step (and a warning). */
  readonly backup: boolean;
}

/**
 * The exact sequence. A node the API reports at the target version (kubelet) is skipped: the
 * plan is re-made from what is observed on every run, so a re-run after a failure resumes.
 * The first control plane is still the one that runs `kubeadm upgrade apply` unless it is
 * already at the target, in which case the control plane was upgraded and the others take
 * `kubeadm upgrade node`.
 */
export function planUpgrade(input: UpgradePlanInput): UpgradePlan {
  const { current, target } = checkVersionJump(input.current, input.target);
  const to = versionText(target);
  const minorUpgrade = target.minor !== current.minor;
  const byName = new Map(input.observed.map((n) => [n.name, n]));
  const missing = input.cluster.nodes.filter((n) => !byName.has(n.name)).map((n) => n.name);
  if (missing.length > 0)
    throw new UpgradeError(
      'upgrade.nodes-missing',
      'failed',
      `cluster ${input.cluster.name}: the API server does not know node(s) ${missing.join(', ')}`,
      { hint: 'run platformctl up (or verify) until every node is registered and Ready, then upgrade' },
    );
  const atTarget = (name: string) => {
    const v = parseKubernetesVersion(byName.get(name)!.kubeletVersion);
    return v !== undefined && compare(v, target) >= 0;
  };
  const controlPlanes = input.cluster.nodes.filter((n) => n.role === 'control-plane');
  const workers = input.cluster.nodes.filter((n) => n.role === 'worker');
  const skipped = input.cluster.nodes.filter((n) => atTarget(n.name)).map((n) => n.name);
  const warnings: string[] = [];
  if (!input.backup)
    warnings.push('--skip-backup: no etcd snapshot is taken first; the only way back is a snapshot you have');
  if (workers.length === 1 && !atTarget(workers[0]!.name))
    warnings.push(
      `cluster ${input.cluster.name} has a single worker (${workers[0]!.name}): its workloads are down while it is drained (correction 28)`,
    );

  const steps: UpgradeStep[] = [];
  const first = controlPlanes[0];
  if (!first)
    throw new UpgradeError(
      'upgrade.no-control-plane',
      'input',
      `cluster ${input.cluster.name} has no control-plane node`,
    );
  const pending = input.cluster.nodes.filter((n) => !atTarget(n.name));
  if (pending.length > 0) {
    if (input.backup)
      steps.push({
        id: 'backup',
        kind: 'backup',
        title: `etcd snapshot of ${input.cluster.name} before the upgrade`,
      });
    // kubeadm's own pre-check, on the first control plane with the target's kubeadm.
    const planNode = first.name;
    steps.push({
      id: `${planNode}/kubeadm-plan`,
      kind: 'kubeadm-plan',
      node: planNode,
      title: `kubeadm upgrade plan ${to} on ${planNode}`,
      commands: [
        ...(minorUpgrade ? aptRepositorySwitch(target) : []),
        ...aptInstall(['kubeadm'], target),
        ['sudo', 'kubeadm', 'upgrade', 'plan', to],
      ],
    });
  }
  // TODO(#13): kubeadm's guide also drains a control plane before its kubelet's minor upgrade;
  // control planes here carry the NoSchedule taint (only static and DaemonSet pods run there),
  // so they are not drained. Drain them too once the spec lets workloads run on them.
  const applied = atTarget(first.name);
  for (const node of controlPlanes) {
    if (atTarget(node.name)) continue;
    const isFirst = node.name === first.name && !applied;
    steps.push({
      id: `${node.name}/kubeadm`,
      kind: 'node-commands',
      node: node.name,
      title: isFirst ? `kubeadm upgrade apply ${to} on ${node.name}` : `kubeadm upgrade node on ${node.name}`,
      commands: [
        // The plan step already switched the first control plane's repository and kubeadm.
        ...(node.name === first.name
          ? []
          : [...(minorUpgrade ? aptRepositorySwitch(target) : []), ...aptInstall(['kubeadm'], target)]),
        isFirst
          ? ['sudo', 'kubeadm', 'upgrade', 'apply', to, '--yes']
          : ['sudo', 'kubeadm', 'upgrade', 'node'],
      ],
    });
    steps.push(kubeletStep(node.name, target));
    steps.push(gate(node.name, to));
  }
  for (const node of workers) {
    if (atTarget(node.name)) continue;
    steps.push({ id: `${node.name}/cordon`, kind: 'cordon', node: node.name, title: `cordon ${node.name}` });
    steps.push({
      id: `${node.name}/drain`,
      kind: 'drain',
      node: node.name,
      title: `drain ${node.name} (Eviction API, PodDisruptionBudgets respected, DaemonSet pods stay)`,
    });
    steps.push({
      id: `${node.name}/kubeadm`,
      kind: 'node-commands',
      node: node.name,
      title: `kubeadm upgrade node on ${node.name}`,
      commands: [
        ...(minorUpgrade ? aptRepositorySwitch(target) : []),
        ...aptInstall(['kubeadm'], target),
        ['sudo', 'kubeadm', 'upgrade', 'node'],
      ],
    });
    steps.push(kubeletStep(node.name, target));
    steps.push(gate(node.name, to));
    steps.push({
      id: `${node.name}/uncordon`,
      kind: 'uncordon',
      node: node.name,
      title: `uncordon ${node.name}`,
    });
  }
  return {
    cluster: input.cluster.name,
    from: versionText(current),
    to,
    minorUpgrade,
    steps,
    skipped,
    warnings,
  };
}

function kubeletStep(node: string, target: Version): UpgradeStep {
  return {
    id: `${node}/kubelet`,
    kind: 'node-commands',
    node,
    title: `kubelet and kubectl ${versionText(target)} on ${node}, restart kubelet`,
    commands: [...aptInstall(['kubelet', 'kubectl'], target), ...KUBELET_RESTART],
  };
}

function gate(node: string, version: string): UpgradeStep {
  return {
    id: `${node}/gate`,
    kind: 'gate',
    node,
    version,
    title: `wait: ${node} Ready at ${version} and the API server answering /readyz`,
  };
}

// ---------------------------------------------------------------------------------------------
// Deprecated and removed APIs

/**
 * Group/versions Kubernetes removed, by the minor that removed them (kubernetes.io "Deprecated
 * API Migration Guide"). Cumulative: any of these an object still uses fails an upgrade to that
 * minor or later. 1.33 to 1.35 removed no further REST API versions.
 */
export const REMOVED_APIS: ReadonlyArray<{
  readonly apiVersion: string;
  readonly kinds?: readonly string[];
  readonly removedIn: number;
  readonly use: string;
}> = [
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3',
    removedIn: 32,
    use: 'flowcontrol.apiserver.k8s.io/v1',
  },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2',
    removedIn: 29,
    use: 'flowcontrol.apiserver.k8s.io/v1',
  },
  {
    apiVersion: 'storage.k8s.io/v1beta1',
    kinds: ['CSIStorageCapacity'],
    removedIn: 27,
    use: 'storage.k8s.io/v1',
  },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1',
    removedIn: 26,
    use: 'flowcontrol.apiserver.k8s.io/v1',
  },
  { apiVersion: 'autoscaling/v2beta2', removedIn: 26, use: 'autoscaling/v2' },
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob'], removedIn: 25, use: 'batch/v1' },
  { apiVersion: 'discovery.k8s.io/v1beta1', removedIn: 25, use: 'discovery.k8s.io/v1' },
  { apiVersion: 'events.k8s.io/v1beta1', removedIn: 25, use: 'events.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta1', removedIn: 25, use: 'autoscaling/v2' },
  {
    apiVersion: 'policy/v1beta1',
    removedIn: 25,
    use: 'policy/v1 (PodSecurityPolicy: Pod Security Admission)',
  },
  { apiVersion: 'node.k8s.io/v1beta1', removedIn: 25, use: 'node.k8s.io/v1' },
  { apiVersion: 'networking.k8s.io/v1beta1', removedIn: 22, use: 'networking.k8s.io/v1' },
  { apiVersion: 'extensions/v1beta1', removedIn: 22, use: 'apps/v1 or networking.k8s.io/v1' },
  { apiVersion: 'apiextensions.k8s.io/v1beta1', removedIn: 22, use: 'apiextensions.k8s.io/v1' },
  {
    apiVersion: 'admissionregistration.k8s.io/v1beta1',
    removedIn: 22,
    use: 'admissionregistration.k8s.io/v1',
  },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', removedIn: 22, use: 'rbac.authorization.k8s.io/v1' },
];

export interface ApiFinding {
  readonly source: 'metrics' | 'manifest';
  readonly apiVersion: string;
  readonly resource: string;
  /** The minor that removes it (metrics: `removed_release`), when known. */
  readonly removedRelease?: string;
  /** Where it comes from: the rendered file, or the metric. */
  readonly where: string;
  /** True when the target version no longer serves it: the upgrade is refused. */
  readonly blocks: boolean;
}

/**
 * `apiserver_requested_deprecated_apis{group,version,resource,subresource,removed_release}` from
 * the API server's /metrics text: what clients requested that is deprecated, and whether the
 * target removes it. A gauge of 1 means "requested since the API server started".
 */
export function deprecatedApisFromMetrics(metrics: string, target: Version): ApiFinding[] {
  const out: ApiFinding[] = [];
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_requested_deprecated_apis{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!] as const),
    );
    const value = Number(line.slice(line.lastIndexOf('}') + 1).trim());
    if (!(value > 0)) continue;
    const apiVersion = labels.group ? `${labels.group}/${labels.version}` : (labels.version ?? '');
    const removed = labels.removed_release ? parseMinor(labels.removed_release) : undefined;
    out.push({
      source: 'metrics',
      apiVersion,
      resource: labels.subresource ? `${labels.resource}/${labels.subresource}` : (labels.resource ?? ''),
      ...(labels.removed_release ? { removedRelease: labels.removed_release } : {}),
      where: 'apiserver_requested_deprecated_apis',
      blocks: removed !== undefined && removed <= target.minor,
    });
  }
  return out;
}

function parseMinor(release: string): number | undefined {
  const m = /^1\.(\d+)$/.exec(release.trim());
  return m ? Number(m[1]) : undefined;
}

/** The objects platformctl renders/applies (path, apiVersion, kind) against REMOVED_APIS. */
export function removedApisInObjects(
  objects: ReadonlyArray<{ readonly path: string; readonly apiVersion: string; readonly kind: string }>,
  target: Version,
): ApiFinding[] {
  return objects.flatMap((o) => {
    const hit = REMOVED_APIS.find(
      (r) =>
        r.apiVersion === o.apiVersion &&
        (!r.kinds || r.kinds.includes(o.kind)) &&
        r.removedIn <= target.minor,
    );
    return hit
      ? [
          {
            source: 'manifest' as const,
            apiVersion: o.apiVersion,
            resource: o.kind,
            removedRelease: `1.${hit.removedIn}`,
            where: `${o.path} (use ${hit.use})`,
            blocks: true,
          },
        ]
      : [];
  });
}
