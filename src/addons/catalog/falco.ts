import type { RenderContext } from '../../render/context.js';
import { RESOURCES, type ResourceSpec } from '../../render/sizing.js';
import { toYaml } from '../../render/yaml.js';
import type { AddonDefinition, RenderedAddon } from '../definition.js';
import { trivyOperator } from './trivy-operator.js';

/** The file name under the chart's `customRules`; the chart mounts it into /etc/falco/rules.d. */
export const CUSTOM_RULES_FILE = 'platform-rules.yaml';

/** RFC 1918: the seed's "internal" networks for the outbound rule (§19.3). */
const PRIVATE_NETWORKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/**
 * Programs that dump a file's content. The container's own workload reads its projected
 * service-account token routinely (client-go re-reads it every minute): only a read by one
 * of these, or by a process on a terminal, is someone looking at the token.
 */
const SECRET_DUMPERS = [
  'cat',
  'head',
  'tail',
  'less',
  'more',
  'base64',
  'xxd',
  'od',
  'hexdump',
  'strings',
  'cp',
  'dd',
  'tar',
  'grep',
  'awk',
  'sed',
  'vi',
  'vim',
  'nano',
  'curl',
  'wget',
  'nc',
  'ash',
  'bash',
  'dash',
  'ksh',
  'sh',
  'zsh',
  'busybox',
];

/** A Falco list item that contains `/` or `.` must be a quoted string inside the condition language. */
const quoted = (item: string) => `"${item}"`;

/**
 * The seed's custom rules (§13.3, §19.3) with correction 15. The file defines every list and
 * macro it uses under a `platform_` prefix, so it loads even when falcoctl could not fetch the
 * default ruleset, and never redefines one of the default ruleset's names.
 */
export function customRules(ctx: RenderContext): unknown[] {
  const networks = [
    ...new Set([
      ...PRIVATE_NETWORKS,
      ctx.platform.network.nodeSubnet.text,
      ctx.cluster.podCIDR.text,
      ctx.cluster.serviceCIDR.text,
    ]),
  ];
  // Containers that legitimately read host Kubernetes configuration: the control plane's static
  // pods and kube-vip (kube-system), and Trivy's node collector, which mounts /etc/kubernetes.
  const kubeconfigReaders = [
    'kube-system',
    ...(ctx.enabled('trivy-operator') ? [trivyOperator.namespace] : []),
  ];
  return [
    { list: 'platform_crypto_miners', items: ['xmrig', 'minerd', 'cpuminer'] },
    { list: 'platform_kubernetes_clients', items: ['kubectl', 'helm', 'k9s'] },
    // Replaces the seed's undefined `known_binary`: image repositories allowed to run binaries
    // that are not part of the image (e.g. ones that install packages at start). Empty by default.
    { list: 'platform_drift_allowed_images', items: [] },
    { list: 'platform_secret_dumpers', items: SECRET_DUMPERS },
    { list: 'platform_kubernetes_config_namespaces', items: kubeconfigReaders },
    { list: 'platform_internal_networks', items: networks.map(quoted) },
    { macro: 'platform_spawned_process', condition: 'evt.type in (execve, execveat)' },
    { macro: 'platform_container', condition: 'container.id != host' },
    {
      macro: 'platform_open_read',
      condition:
        "evt.type in (open, openat, openat2) and evt.is_open_read=true and fd.typechar='f' and fd.num>=0",
    },
    {
      // Falco's `outbound` (falco-rules 5.x) without its built-in RFC 1918 exclusion; the rule
      // below excludes platform_internal_networks instead.
      macro: 'platform_outbound',
      condition: [
        '((evt.type = connect or (evt.type in (sendto, sendmsg) and fd.l4proto != tcp and fd.connected=false and fd.name_changed=true))',
        'and (fd.typechar = 4 or fd.typechar = 6)',
        'and (fd.ip != "0.0.0.0" and fd.net != "127.0.0.0/8")',
        'and (evt.rawres >= 0 or evt.res = EINPROGRESS))',
      ].join('\n'),
    },
    {
      rule: 'Cryptocurrency Mining Detected',
      desc: 'A known cryptocurrency miner, or a process talking the stratum mining protocol (seed §13.3).',
      condition:
        'platform_spawned_process and (proc.name in (platform_crypto_miners) or proc.cmdline contains "stratum+tcp")',
      output:
        'Cryptocurrency mining detected | user=%user.name command=%proc.cmdline container=%container.name image=%container.image.repository k8s_ns=%k8s.ns.name k8s_pod=%k8s.pod.name',
      priority: 'CRITICAL',
      tags: ['crypto', 'mining'],
    },
    {
      rule: 'Container Drift Detected',
      desc: [
        'An executable that is not part of the container image was started: it lives in the',
        "container's writable overlay layer (seed §13.3; correction 15 replaces the undefined",
        'known_binary with the is_exe_upper_layer field and the platform_drift_allowed_images list).',
        'Fileless execution from memfd is left to the default ruleset.',
      ].join(' '),
      condition: [
        'platform_spawned_process and platform_container',
        'and proc.is_exe_upper_layer=true',
        'and proc.is_exe_from_memfd=false',
        'and not container.image.repository in (platform_drift_allowed_images)',
      ].join('\n'),
      output:
        'Container drift detected | user=%user.name command=%proc.cmdline exe=%proc.exepath container=%container.name image=%container.image.repository k8s_ns=%k8s.ns.name k8s_pod=%k8s.pod.name',
      priority: 'WARNING',
      tags: ['drift', 'container'],
    },
    {
      rule: 'Kubernetes Client Tool Execution in Container',
      desc: 'kubectl, helm or k9s started inside a container (seed §19.3).',
      condition:
        'platform_spawned_process and platform_container and proc.name in (platform_kubernetes_clients)',
      output:
        'Kubernetes client tool run in a container | user=%user.name command=%proc.cmdline container=%container.name image=%container.image.repository k8s_ns=%k8s.ns.name k8s_pod=%k8s.pod.name',
      priority: 'WARNING',
      tags: ['k8s', 'container'],
    },
    {
      rule: 'Sensitive Mount Detected',
      desc: [
        'A container opened host Kubernetes configuration under /etc/kubernetes (outside the',
        'namespaces that must), or someone read mounted secrets under /var/run/secrets with a',
        'dump tool or from a terminal (seed §19.3). Correction 15: only file opens for reading',
        "count, and the workload's own routine reads of its service-account token do not.",
      ].join(' '),
      condition: [
        'platform_open_read and platform_container and (',
        '  (fd.name startswith "/etc/kubernetes/" and not k8s.ns.name in (platform_kubernetes_config_namespaces))',
        '  or ((fd.name startswith "/var/run/secrets/" or fd.name startswith "/run/secrets/")',
        '      and (proc.tty != 0 or proc.name in (platform_secret_dumpers))))',
      ].join('\n'),
      output:
        'Sensitive path read in a container | path=%fd.name process=%proc.name command=%proc.cmdline terminal=%proc.tty container=%container.name image=%container.image.repository k8s_ns=%k8s.ns.name k8s_pod=%k8s.pod.name',
      priority: 'CRITICAL',
      tags: ['filesystem', 'secrets', 'container'],
    },
    {
      rule: 'Outbound Connection to Unknown IP',
      desc: "A container connected to an address outside the private networks and the platform's own ranges (seed §19.3).",
      condition: 'platform_outbound and platform_container and not fd.snet in (platform_internal_networks)',
      output:
        'Outbound connection from a container | ip=%fd.sip port=%fd.sport proto=%fd.l4proto process=%proc.name container=%container.name image=%container.image.repository k8s_ns=%k8s.ns.name k8s_pod=%k8s.pod.name',
      priority: 'NOTICE',
      tags: ['network', 'container'],
    },
  ];
}

/** A fresh copy per container, so that the values YAML carries no anchors and aliases. */
const resources = (spec: ResourceSpec) => ({ requests: { ...spec.requests }, limits: { ...spec.limits } });

export const falco: AddonDefinition = {
  name: 'falco',
  title: 'Falco',
  phase: 'backup-security',
  namespace: 'falco',
  scope: 'any',
  defaultPlacement: 'all',
  requires: [],
  after: [],
  podSecurity: { level: 'privileged', why: 'syscall monitoring needs privileged pods' },
  seed: '§13.3, §19.3, §10.2 6.4 (correction 15)',
  plan: { releaseSeconds: 60 },
  render: (ctx: RenderContext): RenderedAddon => ({
    values: {
      // Multipass runs Ubuntu LTS cloud images (kernel >= 5.8 with BTF): the CO-RE modern eBPF
      // probe needs no kernel headers and no driver build, so the chart skips the loader.
      driver: { kind: 'modern_ebpf' },
      resources: resources(RESOURCES.falco),
      falcoctl: {
        artifact: {
          install: { resources: resources(RESOURCES.small) },
          follow: { resources: resources(RESOURCES.small) },
        },
      },
      // One JSON object per alert: Promtail ships it to Loki as a structured line.
      falco: { json_output: true },
      customRules: { [CUSTOM_RULES_FILE]: toYaml(customRules(ctx)) },
    },
  }),
};
