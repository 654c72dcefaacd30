/**
 * Every command's flags and help, and nothing else: each action is loaded when its command runs,
 * so `platformctl --version` or `validate` never pay for what `up` needs.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliIO } from './io.js';
import { ANALYZER_NAMES } from '../ops/analyzer-names.js';

export type OutputFormat = 'text' | 'json';

/** What an action module exports: it parses nothing, prints its result, and returns the exit code. */
export type Action<F> = (flags: F, context: ActionContext) => Promise<number>;

export interface ActionContext {
  readonly io: CliIO;
  /** The command's positional arguments, as parsed (`backup list`: ['list']). */
  readonly args?: readonly unknown[];
}

export type ActionName =
  | 'init'
  | 'validate'
  | 'schema'
  | 'render'
  | 'export'
  | 'plan'
  | 'up'
  | 'down'
  | 'status'
  | 'addons'
  | 'doctor'
  | 'images'
  | 'charts'
  | 'verify'
  | 'drill'
  | 'analyze'
  | 'backup'
  | 'restore'
  | 'upgrade'
  | 'pki'
  | 'dashboard'
  | 'mcp';

export const fileOption = () =>
  new Option(
    '-f, --file <path>',
    'the platform spec; "-" reads standard input (default: ./platform.yaml, else the built-in default)',
  );

export const clusterOption = () =>
  new Option('--cluster <names>', 'only these clusters (comma-separated)').argParser(list);

export const outputOption = () =>
  new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');

export const providerOption = () =>
  new Option(
    '--provider <name>',
    'the provider (default: the one that created the clusters, else spec.provider)',
  ).choices(['multipass', 'kwok', 'existing']);

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

export const EXIT_CODES_HELP = `
Exit status: 0 success, 1 invalid input (spec, files, values), 2 usage, 3 a step or check failed,
4 another run holds the platform's lock, 5 this machine is not ready (a tool, chart or connection
is missing), 130 interrupted. With -o json, errors are a JSON object on stdout: {"error": {...}}.`;

type Register = (command: Command, action: ActionName) => Command;

/** Adds every command to `program`; `register` wires a command to its lazily loaded action. */
export function defineCommands(program: Command, register: Register): void {
  register(
    program
      .command('init')
      .description(
        "write a commented platform.yaml with the reference architecture's topology, and its JSON Schema",
      )
      .option('-f, --file <path>', 'where to write the spec; "-" prints it', 'platform.yaml')
      .option('--force', 'overwrite existing files')
      .option('--no-schema', 'do not write platform.schema.json (the editor schema) next to the spec'),
    'init',
  );

  register(
    program
      .command('validate')
      .description('check a platform spec and report every problem with its path, line and a fix')
      .addOption(fileOption())
      .addOption(outputOption())
      .option('--budget', 'also print the resource budget: every VM and external service against the host')
      .addHelpText(
        'after',
        '\nExit status: 0 valid (warnings allowed), 1 invalid, 2 usage or I/O error.\n\nExamples:\n  platformctl validate\n  platformctl validate -f lab.yaml --budget\n  platformctl validate -o json | jq \'.diagnostics[] | select(.severity == "error")\'',
      ),
    'validate',
  );

  register(
    program
      .command('schema')
      .description(
        'print the JSON Schema of platform.yaml, for editors (yaml-language-server) and other tools',
      )
      .addHelpText(
        'after',
        '\nExample:\n  platformctl schema > platform.schema.json\n  # then, first line of platform.yaml:\n  # yaml-language-server: $schema=./platform.schema.json',
      ),
    'schema',
  );

  register(
    program
      .command('render')
      .description(
        'write every artifact of the platform (cloud-init, kubeadm, Helm values, manifests, DNS) into a directory',
      )
      .addOption(fileOption())
      .option(
        '--out <dir>',
        'write the tree here (files of an earlier render that are no longer produced, and unchanged, are removed)',
      )
      .option(
        '--diff <dir>',
        'show what would change against an existing tree, writing nothing (exit 1 when it differs)',
      )
      .addOption(outputOption())
      .addHelpText(
        'after',
        '\nExamples:\n  platformctl render --out rendered\n  platformctl render --diff rendered',
      ),
    'render',
  );

  register(
    program
      .command('export')
      .description(
        'write the platform as a Git tree that Argo CD reconciles: a root Application (app of apps), AppProjects, one Application per add-on per cluster in sync waves from the plan, cluster Secrets through External Secrets',
      )
      .argument('<format>', 'gitops', (value: string) => {
        if (value !== 'gitops') throw new InvalidArgumentError('the only format is "gitops"');
        return value;
      })
      .addOption(fileOption())
      .requiredOption(
        '--out <dir>',
        'write the tree here (files of an earlier export that are no longer produced, and unchanged, are removed)',
      )
      .option('--repo-url <url>', 'the Git repository Argo CD clones the tree from (default: a placeholder)')
      .option('--revision <ref>', 'the branch, tag or commit Argo CD follows', 'HEAD')
      .option(
        '--applicationsets',
        'one ApplicationSet per add-on with a cluster generator, instead of one Application per add-on per cluster',
      )
      .addOption(outputOption())
      .addHelpText(
        'after',
        "\nThe tree holds what Argo CD can reconcile; its README.md lists the steps of the plan that only\n`platformctl up` does (Vault's initialisation, generated Secrets).\n\nExamples:\n  platformctl export gitops --out gitops --repo-url https://git.example.com/platform.git --revision main\n  platformctl export gitops --out gitops --applicationsets -o json",
      ),
    'export',
  );

  register(
    program
      .command('plan')
      .description(
        'show the step graph `up` would run: steps per cluster in dependency order, their status, and the critical path',
      )
      .addOption(fileOption())
      .addOption(providerOption())
      .addOption(
        new Option('--format <format>', 'table, or a graph for other tools')
          .choices(['table', 'mermaid', 'dot', 'json'])
          .default('table'),
      )
      .addOption(
        new Option('-o, --output <format>', 'json is the same as --format json').choices(['text', 'json']),
      )
      .option('--check', 'run the live checks of settled steps and mark what drifted (needs the clusters)')
      .addHelpText(
        'after',
        '\nStatus: new (never run), changed (rendered inputs differ from the last run), unchanged, failed;\nwith --check also drifted (the live check found the platform differs from what the step left).\n\nExamples:\n  platformctl plan\n  platformctl plan --format mermaid > plan.mmd\n  platformctl plan --format dot | dot -Tsvg > plan.svg',
      ),
    'plan',
  );

  register(
    program
      .command('up')
      .description(
        'build the platform: run the plan as a dependency graph across clusters, in parallel, resumably; a re-run does only what changed or drifted',
      )
      .addOption(fileOption())
      .addOption(providerOption())
      .option('--dry-run', 'print what would run, change nothing')
      .option(
        '--only <selectors>',
        'run only these (comma-separated: cluster, add-on, cluster/add-on or step id) and what they depend on',
        list,
      )
      .option('--skip <selectors>', 'leave these out, and every step that depends on them', list)
      .option('--concurrency <n>', 'steps at once (default 8; 4 per cluster)')
      .option(
        '--no-prune',
        'keep what the spec no longer wants (by default clusters it no longer lists are deleted first)',
      )
      .option(
        '--yes',
        'also uninstall the releases of add-ons the spec no longer enables (their volumes may hold data)',
      )
      .addOption(outputOption())
      .addHelpText(
        'after',
        `
Each step's log: .platformctl/logs/<run>/<step>.log; state after every step: .platformctl/state.json.
Interrupted (Ctrl-C, a crash)? Run \`up\` again: it continues where it stopped.
${EXIT_CODES_HELP}

Examples:
  platformctl up --provider kwok          # the whole topology on simulated nodes
  platformctl up --dry-run                # what would run, and why
  platformctl up --only app1              # one cluster, with what it needs from mgmt
  platformctl up --skip falco -o json     # one JSON event per line`,
      ),
    'up',
  );

  register(
    program
      .command('doctor')
      .description(
        'check that this machine can run the platform: tools, the provider (Multipass, its daemon, network and VM names), charts, host CPUs, memory and disk; each gap with its fix',
      )
      .addOption(fileOption())
      .addOption(providerOption())
      .addOption(outputOption())
      .addHelpText(
        'after',
        `
Exit status: 0 ready (warnings allowed), 1 a required check failed, 2 usage. \`up\` runs the same
required checks before it creates anything.`,
      ),
    'doctor',
  );

  register(
    program
      .command('images')
      .description(
        'list every container image each cluster will run (the real charts with the rendered values, and the manifests), with the add-ons that use it; unpinned ones are warned about',
      )
      .addOption(fileOption())
      .addOption(providerOption())
      .addOption(clusterOption())
      .addOption(outputOption())
      .addHelpText(
        'after',
        `
The charts come from PLATFORMCTL_CHARTS_DIR (or the mirror recorded by \`up\`), else their repositories.`,
      ),
    'images',
  );

  register(
    program
      .command('charts')
      .description(
        "charts pull --out DIR: write an air-gap mirror of every pinned chart and bundle, checked against the repositories' digests",
      )
      .argument('<action>', 'pull', (value: string) => {
        if (value !== 'pull') throw new InvalidArgumentError('the only action is "pull"');
        return value;
      })
      .option('--out <dir>', 'the mirror directory (files already there with the right digest are kept)')
      .addOption(outputOption())
      .addHelpText(
        'after',
        `
Exit status: 0 the mirror is complete, 3 something could not be fetched (each named with its
repository), 2 usage. Then: PLATFORMCTL_CHARTS_DIR=DIR platformctl up`,
      ),
    'charts',
  );

  register(
    program
      .command('verify')
      .description(
        "check the platform's health: every cluster's API, nodes and steps, LoadBalancers on their pinned addresses, Vault unsealed, each cluster's Vault login, the PKI, ClusterMesh (one CA, every peer at its pinned address) and each workload cluster's endpoints on mgmt (Vault, Thanos Receive, Loki, OTLP)",
      )
      .addOption(fileOption())
      .addOption(providerOption())
      .addOption(clusterOption())
      .option(
        '--watch',
        'verify again until interrupted, printing what changed (-o json: one report per line per run)',
      )
      .option('--interval <duration>', 'time between two runs with --watch, e.g. 10s, 2m (default 10s)')
      .addOption(outputOption())
      .addHelpText(
        'after',
        '\nExit status: 0 nothing failed (warnings and skipped checks allowed), 1 a check failed, 2 usage.\nWith --watch: the status of the last finished run when interrupted (Ctrl-C).',
      ),
    'verify',
  );

  register(
    program
      .command('drill')
      .description(
        "produce a failure of the seed's matrix for real, check what the seed promises while it lasts, recover, and measure the time until verify passes again against the seed's targets: mgmt-down (the management cluster stopped, Vault with it), vault-sealed, etcd-loss <cluster> (its etcd data moved away, the last good snapshot restored), node-loss <node> (its heartbeats stopped until the control plane marks it NotReady, then started again)",
      )
      .argument('<scenario>', 'mgmt-down, vault-sealed, etcd-loss, node-loss')
      .argument(
        '[target]',
        'etcd-loss: the cluster; node-loss: the node (<cluster>-cp-<n>, <cluster>-worker-<n>)',
      )
      .addOption(fileOption())
      .addOption(providerOption())
      .option('--yes', 'do it without asking (required without a terminal)')
      .addOption(outputOption())
      .addHelpText(
        'after',
        '\netcd-loss needs a snapshot of the cluster that verifies (platformctl backup --cluster C); the lost data directory is kept beside the restored one.\nExit status: 0 the drill passed, 3 it did not (recovered too late, or a promise broke), 2 usage, an unknown cluster or node, or a scenario the provider cannot produce, 1 no snapshot to recover from, 4 another run holds the lock.',
      ),
    'drill',
  );

  register(
    program
      .command('analyze')
      .description(
        "find what is wrong on every cluster at once: k8sgpt's default analyzers (pods, workloads, CronJobs, Services, Ingresses and Gateway routes, claims, nodes, webhooks, autoscaler targets, PodDisruptionBudgets, NetworkPolicies) and the platform's own (Vault sealed or unreachable, ExternalSecrets, Certificates, autoscaling mistakes, monitors selecting nothing, shipping to missing hosts, drift against the last up, Pod Security exemptions about to expire)",
      )
      .addOption(fileOption())
      .addOption(providerOption())
      .addOption(clusterOption())
      .option(
        '--filter <analyzers>',
        `only these analyzers (comma-separated): ${ANALYZER_NAMES.join(', ')}`,
        list,
      )
      .option(
        '--fail-on <severity>',
        'exit 1 when a finding is at least this severe: error or warning',
        'error',
      )
      .option(
        '--explain',
        'ask a model to explain each finding (deduplicated; answers cached in .platformctl/explain-cache.json)',
      )
      .addOption(
        new Option('--backend <name>', 'only this model backend, no fallback (default: by --mode)').choices([
          'gemini',
          'openai',
          'anthropic',
          'ollama',
        ]),
      )
      .addOption(
        new Option(
          '--mode <mode>',
          'routine: spec.ai.routine in order, the next on errors or rate limits; deep: spec.ai.deep (default: routine)',
        ).choices(['routine', 'deep']),
      )
      .option('--anonymize', 'replace cluster, namespace and object names before any text goes to a model')
      .addOption(outputOption())
      .addHelpText(
        'after',
        '\nExplanations: keys from GEMINI_API_KEY, OPENAI_API_KEY, ANTHROPIC_API_KEY, else Vault secret/platform/k8sgpt; models in spec.ai.' +
          '\nExit status: 0 no finding at or above --fail-on, 1 otherwise, 2 usage.',
      ),
    'analyze',
  );

  register(
    program
      .command('pki')
      .description(
        "check the PKI's phase 2 (ADR-004) on every cluster with cert-manager: vault-issuer Ready, the bootstrap issuer and its certificates gone, every certificate Ready and outside its renew window, a test certificate issued through Vault and removed with its Secret; shows the expiry of every certificate and CA",
      )
      .argument('<action>', 'check', (value: string) => {
        if (value !== 'check') throw new InvalidArgumentError('the only action is "check"');
        return value;
      })
      .addOption(fileOption())
      .addOption(providerOption())
      .addOption(clusterOption())
      .addOption(outputOption())
      .addHelpText(
        'after',
        '\nExit status: 0 phase 2 is complete (warnings allowed), 1 a check failed (still phase 1, or an issuer or certificate not Ready), 2 usage.',
      ),
    'pki',
  );

  register(
    program
      .command('backup')
      .description(
        "snapshot every cluster's etcd into backups/<cluster>/<time>/ (and with --what vault, Vault's raft storage into backups/vault/<time>/) beside a manifest (SHA-256, size, revision, versions, where it came from), each checked after the copy; `backup list` shows what there is, with age and whether it verifies",
      )
      .argument('[action]', 'list: show the snapshots there are instead of taking one', (value: string) => {
        if (value !== 'list') throw new InvalidArgumentError('the only action is "list"');
        return value;
      })
      .addOption(fileOption())
      .addOption(providerOption())
      .addOption(clusterOption())
      .option(
        '--what <kinds>',
        'what to back up (comma-separated): etcd (default), vault (velero: not yet)',
        list,
      )
      .option(
        '--keep <n|age>',
        'retention per cluster: the newest N snapshots, or those younger than 90m, 36h, 7d, 2w (default 7d); the newest one that verifies is never deleted',
      )
      .addOption(outputOption())
      .addHelpText(
        'after',
        `
Files are 0600 in 0700 directories: a snapshot holds every Secret of its cluster (Vault's, all of
Vault's storage, sealed). Vault's snapshot is taken through its API with the root token from
.platformctl/secrets/vault.json; --cluster selects etcd snapshots only.
Exit status: 0 every snapshot taken and verified, 3 a backup failed (the others are still taken;
also when Vault is not running or this provider cannot reach it), 2 usage (--what velero: not
available yet), 5 etcdutl or etcdctl missing.

Examples:
  platformctl backup                       # every cluster's etcd, retention 7 days
  platformctl backup --what etcd,vault     # and Vault's raft storage
  platformctl backup --cluster mgmt --keep 5
  platformctl backup list -o json`,
      ),
    'backup',
  );

  register(
    program
      .command('restore')
      .description(
        "put a cluster's etcd back to a snapshot `backup` took: preconditions checked and shown first, the API server and etcd stopped, the snapshot restored into a new data directory and swapped in (the old one kept), started again, then verify; a failed step puts everything back",
      )
      .argument('<cluster>', 'the cluster to restore')
      .option(
        '--from <snapshot>',
        'a snapshot id under backups/<cluster>/ (see `backup list`), latest (the newest that verifies), or its directory',
      )
      .option('--yes', 'go ahead without asking (needed when there is no terminal to ask on)')
      .addOption(fileOption())
      .addOption(providerOption())
      .addOption(outputOption())
      .addHelpText(
        'after',
        `
Before anything changes: the snapshot exists, its SHA-256 and \`etcdutl snapshot status\` match its
manifest, it was taken of this platform's cluster; shown with the revision it goes back to and
what is lost (the time since, the live revision). The restore uses \`etcdutl snapshot restore
--bump-revision --mark-compacted\` so that watchers never see the revision go back.
Each step is journalled in .platformctl/restore/<cluster>.json: a restore killed midway is resumed
by the same command (or rolled back by a restore from another snapshot). The time from the start
to a passing verify is reported as the RTO.
Exit status: 0 restored and verify passed, 3 rolled back (the cluster as it was) or verify fails
after the restore, 1 refused before anything changed (the snapshot missing, damaged, another
cluster's; not confirmed), 2 usage (no terminal to confirm on and no --yes), 4 another run holds
the platform's lock, 5 etcdutl or kwokctl missing.

Examples:
  platformctl backup list --cluster mgmt
  platformctl restore mgmt --from 20261203T142248Z
  platformctl restore app1 --from latest --yes -o json`,
      ),
    'restore',
  );

  register(
    program
      .command('upgrade')
      .description(
        "upgrade one kubeadm cluster's Kubernetes by one minor (or a patch): pre-checks, an etcd snapshot, the control planes one by one (kubeadm upgrade apply on the first, upgrade node on the rest), then each worker cordoned, drained through the Eviction API, upgraded and uncordoned; resumable",
      )
      .argument('<cluster>', 'the cluster to upgrade')
      .requiredOption('--to <version>', 'the target version, vMAJOR.MINOR.PATCH (one minor at a time)')
      .option('--dry-run', 'run the pre-checks and print the exact sequence; change nothing')
      .option('--yes', 'run the sequence (without it, upgrade prints it and exits 2)')
      .option('--skip-backup', 'do not take the pre-upgrade etcd snapshot (your rollback is then your own)')
      .option('--drain-timeout <seconds>', 'how long a PodDisruptionBudget may block a drain', '300')
      .addOption(fileOption())
      .addOption(providerOption())
      .addOption(outputOption())
      .addHelpText(
        'after',
        `
Pre-checks: one minor at a time, inside 1.33-1.35, no downgrade; every node Ready; no API the
target removes still requested (the API server's apiserver_requested_deprecated_apis) or rendered.
A real run takes the platform's lock and journals each step in .platformctl/upgrade-<cluster>.json:
run it again after a failure and it resumes; nodes already at the target are skipped. A drain a
PodDisruptionBudget blocks past --drain-timeout stops the run (exit 3, the budget named) and the
node is uncordoned again. spec.kubernetes.version is written when every cluster runs the target.
Rollback: restore the pre-upgrade snapshot in backups/<cluster>/.
Provider kwok: pre-checks and --dry-run only (its harness has one Kubernetes version).
Exit status: 0 upgraded (or a dry run whose checks pass), 1 invalid target or spec, 2 usage or no
--yes, 3 a check or step failed (upgrade.not-supported on kwok/existing), 4 locked.

Examples:
  platformctl upgrade app1 --to v1.35.2 --dry-run
  platformctl upgrade app1 --to v1.35.2 --dry-run -o json
  platformctl upgrade app1 --to v1.35.2 --yes`,
      ),
    'upgrade',
  );

  register(
    program
      .command('dashboard')
      .description(
        'serve a local, read-only web page of the platform: topology, the run graph live while `up` runs, the timeline of the last run, health, drift and links to the platform UIs',
      )
      .addOption(fileOption())
      .addOption(providerOption())
      .option('--port <n>', 'listen on this port of 127.0.0.1 (default: a free one)')
      .option('--open', 'open the page in the default browser')
      .option('--no-token', 'serve without the token (any local program or page may read it)')
      .addHelpText(
        'after',
        `
Listens on 127.0.0.1 only. The printed URL carries a random token; every request needs it (the
first visit turns it into a cookie), others get 401. Runs until Ctrl-C; exit 0, 2 usage.`,
      ),
    'dashboard',
  );

  register(
    program
      .command('mcp')
      .description(
        'serve the platform as MCP tools (status, plan, verify, analyze, objects, events, logs, PromQL, LogQL, TraceQL, explain_failure) for Claude Desktop and other MCP clients: on stdio, or with --http on 127.0.0.1',
      )
      .addOption(fileOption())
      .addOption(providerOption())
      .option('--http', 'serve streamable HTTP on 127.0.0.1 instead of stdio (a bearer token guards it)')
      .option('--port <n>', 'with --http: listen on this port of 127.0.0.1 (default: a free one)')
      .option(
        '--allow-write',
        'also allow the tools that change the cluster: scale_workload, restart_deployment, rerun_step',
      )
      .option(
        '--thanos-url <url>',
        "Thanos Query instead of its Service through the management cluster's API server (env PLATFORMCTL_THANOS_URL)",
      )
      .option(
        '--loki-url <url>',
        "Loki instead of the management cluster's pinned address (env PLATFORMCTL_LOKI_URL)",
      )
      .option(
        '--tempo-url <url>',
        "Tempo instead of the management cluster's pinned address (env PLATFORMCTL_TEMPO_URL)",
      )
      .addHelpText(
        'after',
        `
Read-only unless --allow-write: without it the write tools are not listed and their calls are
refused. Secret values never
appear in an answer. With --http every request needs "Authorization: Bearer <token>", else 401; the
token is generated once and kept 0600 in .platformctl/secrets/mcp-token.json (never printed).

Examples:
  platformctl mcp                          # stdio, for Claude Desktop
  platformctl mcp --http --port 8765       # http://127.0.0.1:8765/mcp`,
      ),
    'mcp',
  );

  register(
    program
      .command('status')
      .description(
        'show the clusters, their nodes and how to reach them, every step with its last outcome, drift found by live checks, and where the logs are',
      )
      .addOption(fileOption())
      .addOption(providerOption())
      .addOption(clusterOption())
      .addOption(new Option('--no-check', 'skip the live drift checks (only what the state file recorded)'))
      .addOption(outputOption())
      .addHelpText(
        'after',
        '\nExit status: 0 healthy, 3 a cluster is down or not ready, a step failed or drifted, or the last run failed.',
      ),
    'status',
  );

  register(
    program
      .command('down')
      .description(
        'delete the clusters the project created, workload clusters first (idempotent: nothing to delete is success); on clusters it does not own (provider existing) remove only what it installed',
      )
      .addOption(fileOption())
      .addOption(providerOption())
      .option(
        '--yes',
        'provider existing: remove what platformctl installed (without it, down lists what it would remove and exits 1)',
      )
      .addOption(outputOption()),
    'down',
  );

  register(
    program
      .command('addons')
      .description(
        'list the add-on catalog: phase, where each may run, where the spec places it, and what it needs',
      )
      .addOption(fileOption())
      .addOption(outputOption()),
    'addons',
  );
}
