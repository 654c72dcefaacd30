#!/usr/bin/env node
// Builds the test-harness binaries (Kubernetes control plane, etcd, kwok, helm)
// from the Go wrapper modules in harness/<module>/ into .harness/bin/, and fetches
// files some tests need from Go module zips (the Argo CD CRDs into .harness/crds/).
//
// Every module is keyed by a hash of its go.mod + go.sum, its build parameters
// and the Go toolchain. A module whose key matches .harness/bin/.stamps.json is
// left alone; otherwise its binaries are copied from the machine-level cache
// (shared by all clones on this machine) or, failing that, built with `go build`.
//
// Usage: node harness/build.mjs [--force] [--only kube,etcd,...] [--check]
// See harness/README.md.

import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HARNESS_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.dirname(HARNESS_DIR);
const BIN_DIR = path.join(REPO_ROOT, '.harness', 'bin');
const STAMPS_FILE = path.join(BIN_DIR, '.stamps.json');
const CACHE_ROOT =
  process.env.PLATFORMCTL_HARNESS_CACHE ||
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'platformctl', 'harness');

// Bump when the way binaries are built changes without go.mod, go.sum or ldflags changing.
const RECIPE_VERSION = 1;

// Fixed so that builds are reproducible (upstream stamps the commit date).
const BUILD_DATE = '2000-01-01T00:00:00Z';

// go build -p: more parallel compiles and links mostly cost memory (a kube link
// takes about 2 GB). It does not change the output, so it is not part of the key.
const GO_JOBS = Math.min(os.availableParallelism(), 4);

// Environment for every `go` command: no automatic toolchain downloads, static
// binaries, and no go.work from a parent directory.
const GO_ENV = { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOWORK: 'off' };

/**
 * The wrapper modules. Versions are not repeated here: they are read from each
 * module's go.mod (`pin(...)`), which is the single source of truth.
 *
 * binaries: output name -> main package. ldflags: derived from the pins.
 */
const MODULES = [
  {
    name: 'kube',
    binaries: {
      'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
      'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
      'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
      kubeadm: 'k8s.io/kubernetes/cmd/kubeadm',
      kubectl: 'k8s.io/kubernetes/cmd/kubectl',
    },
    ldflags() {
      const version = kubeVersion();
      // What upstream's hack/lib/version.sh sets; without it, binaries report
      // v0.0.0-master, which breaks kwokctl, kubeadm and chart kubeVersion checks.
      return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
        `-X ${pkg}.gitVersion=${version.tag}`,
        `-X ${pkg}.gitMajor=${version.major}`,
        `-X ${pkg}.gitMinor=${version.minor}`,
        `-X ${pkg}.gitCommit=`,
        `-X ${pkg}.gitTreeState=clean`,
        `-X ${pkg}.buildDate=${BUILD_DATE}`,
      ]);
    },
    verify: verifyKubeStagingReplaces,
  },
  {
    name: 'etcd',
    binaries: {
      etcd: 'go.etcd.io/etcd/server/v3',
      // kwokctl snapshot save/restore uses these two.
      etcdctl: 'go.etcd.io/etcd/etcdctl/v3',
      etcdutl: 'go.etcd.io/etcd/etcdutl/v3',
    },
    ldflags: () => [`-X go.etcd.io/etcd/api/v3/version.GitSHA=${pin('etcd', 'go.etcd.io/etcd/server/v3')}`],
  },
  {
    name: 'kwok',
    binaries: {
      kwok: 'sigs.k8s.io/kwok/cmd/kwok',
      kwokctl: 'sigs.k8s.io/kwok/cmd/kwokctl',
    },
    // Default kubeVersion for clusters: the one built by the kube module.
    ldflags: () => [`-X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${kubeVersion().tag.slice(1)}`],
  },
  {
    name: 'vault',
    binaries: { vault: 'github.com/hashicorp/vault' },
    ldflags: () => [
      `-X github.com/hashicorp/vault/version.Version=${pin('vault', 'github.com/hashicorp/vault').slice(1)}`,
      '-X github.com/hashicorp/vault/version.GitCommit=',
      `-X github.com/hashicorp/vault/version.BuildDate=${BUILD_DATE}`,
    ],
  },
  {
    name: 'cert-manager',
    // The wrapper's own main package (main.go: why it is not upstream's cmd/controller).
    binaries: { 'cert-manager-controller': 'platformctl.local/harness/cert-manager' },
    sources: ['main.go'],
    ldflags: () => [
      `-X github.com/cert-manager/cert-manager/pkg/util.AppVersion=${pin('cert-manager', 'github.com/cert-manager/cert-manager')}`,
    ],
  },
  {
    name: 'external-secrets',
    // Upstream's root package is the controller's main (cmd/controller's cobra command); it has
    // no version variable to stamp.
    binaries: { 'external-secrets-controller': 'github.com/external-secrets/external-secrets' },
  },
  {
    name: 'argocd-crds',
    // Files of a module zip, not binaries: `go mod download` fetches the zip (checked against
    // harness/argocd-crds/go.sum), nothing is compiled. The e2e test of `export gitops`
    // applies these CRDs to a kwok API server.
    download: 'github.com/argoproj/argo-cd/v3',
    files: {
      'application-crd.yaml': 'manifests/crds/application-crd.yaml',
      'applicationset-crd.yaml': 'manifests/crds/applicationset-crd.yaml',
      'appproject-crd.yaml': 'manifests/crds/appproject-crd.yaml',
    },
    outDir: path.join(REPO_ROOT, '.harness', 'crds', 'argocd'),
  },
  {
    name: 'helm',
    binaries: { helm: 'helm.sh/helm/v3/cmd/helm' },
    ldflags() {
      const { major, minor } = kubeVersion();
      return [
        `-X helm.sh/helm/v3/internal/version.version=${pin('helm', 'helm.sh/helm/v3')}`,
        '-X helm.sh/helm/v3/internal/version.gitTreeState=clean',
        // The Kubernetes version `helm template` and `helm lint` assume (default 1.20).
        ...['helm.sh/helm/v3/pkg/chartutil', 'helm.sh/helm/v3/pkg/lint/rules'].flatMap((pkg) => [
          `-X ${pkg}.k8sVersionMajor=${major}`,
          `-X ${pkg}.k8sVersionMinor=${minor}`,
        ]),
      ];
    },
  },
];

/** A failure with a message meant for the user (no stack trace). */
class HarnessError extends Error {}

class UsageError extends Error {}

// ---------------------------------------------------------------------------
// go.mod helpers

const goModCache = new Map();

function readGoMod(moduleName) {
  if (!goModCache.has(moduleName)) {
    const dir = path.join(HARNESS_DIR, moduleName);
    const read = (file) => {
      try {
        return fs.readFileSync(path.join(dir, file), 'utf8');
      } catch (err) {
        if (err.code === 'ENOENT') throw new HarnessError(`harness/${moduleName}/${file} is missing`);
        throw err;
      }
    };
    goModCache.set(moduleName, { dir, goMod: read('go.mod'), goSum: read('go.sum'), read });
  }
  return goModCache.get(moduleName);
}

/** The version of `modulePath` required by harness/<moduleName>/go.mod. */
function pin(moduleName, modulePath) {
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = readGoMod(moduleName).goMod.match(
    new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm'),
  );
  if (!match) throw new HarnessError(`harness/${moduleName}/go.mod does not require ${modulePath}`);
  return match[1];
}

/** The `h1:` hash harness/<moduleName>/go.sum records for the zip of modulePath@version. */
function goSumHash(moduleName, modulePath, version) {
  const line = readGoMod(moduleName)
    .goSum.split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find(([p, v]) => p === modulePath && v === version);
  if (!line) throw new HarnessError(`harness/${moduleName}/go.sum has no line for ${modulePath} ${version}`);
  return line[2];
}

/** What a module puts in place: its binaries, or the files it fetches. */
function outputsOf(module) {
  return Object.keys(module.binaries ?? module.files);
}

function targetDirOf(module) {
  return module.outDir ?? BIN_DIR;
}

/** The `go` directive of harness/<moduleName>/go.mod, e.g. "1.26.0". */
function requiredGo(moduleName) {
  const match = readGoMod(moduleName).goMod.match(/^go\s+(\S+)/m);
  if (!match) throw new HarnessError(`harness/${moduleName}/go.mod has no go directive`);
  return match[1];
}

function kubeVersion() {
  const tag = pin('kube', 'k8s.io/kubernetes');
  const match = tag.match(/^v(\d+)\.(\d+)\.(\d+)$/);
  if (!match) throw new HarnessError(`harness/kube/go.mod: k8s.io/kubernetes ${tag} is not a release tag`);
  const [, major, minor, patch] = match;
  return { tag, major, minor, patch };
}

/**
 * k8s.io/kubernetes requires its staging modules (k8s.io/api, ...) at v0.0.0,
 * so harness/kube/go.mod replaces each with the matching published v0.<minor>.<patch>.
 * A half-done version bump would silently mix releases; refuse it.
 */
function verifyKubeStagingReplaces() {
  const { minor, patch } = kubeVersion();
  const expected = `v0.${minor}.${patch}`;
  const replaces = [
    ...readGoMod('kube').goMod.matchAll(/^\s*(?:replace\s+)?(k8s\.io\/\S+)\s+=>\s+(\S+)\s+(\S+)/gm),
  ];
  const wrong = replaces.filter(([, from, to, version]) => to !== from || version !== expected);
  if (replaces.length === 0 || wrong.length > 0) {
    const list = wrong.map(([, from, to, version]) => `${from} => ${to} ${version}`).join(', ');
    throw new HarnessError(
      `harness/kube/go.mod: every staging module must be replaced with its ${expected} release` +
        (list ? ` (found: ${list})` : ' (no replace directives found)') +
        '; see "Updating versions" in harness/README.md',
    );
  }
}

// ---------------------------------------------------------------------------
// Running go

function shellQuote(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Runs `go args...` in cwd and resolves with its output; rejects with the command line, exit code and output tail. */
function runGo(args, { cwd = REPO_ROOT } = {}) {
  const commandLine = ['go', ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd, env: GO_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.on('error', (err) => {
      if (err.code === 'ENOENT') {
        reject(
          new HarnessError(
            `\`go\` was not found on PATH. Install Go ${minimumGo()} or newer (https://go.dev/dl/).`,
          ),
        );
      } else {
        reject(err);
      }
    });
    child.on('close', (code, signal) => {
      const output = Buffer.concat(chunks).toString('utf8');
      if (code === 0) return resolve(output);
      const tail = output.trimEnd().split('\n').slice(-40).join('\n');
      const status = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const where = path.relative(REPO_ROOT, cwd) || '.';
      reject(new HarnessError(`\`${commandLine}\` (in ${where}) ${status}:\n${tail}`));
    });
  });
}

function parseGoVersion(version) {
  const match = version.match(/^(?:go)?(\d+)(?:\.(\d+))?(?:\.(\d+))?/);
  return match ? match.slice(1).map((part) => Number(part ?? 0)) : null;
}

function compareVersions(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** The newest `go` directive among modules: the oldest Go that builds them all. */
function minimumGo(modules = MODULES) {
  return modules
    .map((module) => requiredGo(module.name))
    .reduce((max, version) =>
      compareVersions(parseGoVersion(version), parseGoVersion(max)) > 0 ? version : max,
    );
}

/** The toolchain facts that go into every key; fails clearly if go is missing or too old. */
async function inspectToolchain(modules) {
  const env = JSON.parse(
    await runGo(['env', '-json', 'GOVERSION', 'GOOS', 'GOARCH', 'GOEXPERIMENT', 'GOFLAGS']),
  );
  const have = parseGoVersion(env.GOVERSION); // null for development toolchains: not checked
  const unmet = modules
    .map((module) => ({ module, need: requiredGo(module.name) }))
    .filter(({ need }) => have && compareVersions(have, parseGoVersion(need)) < 0);
  if (unmet.length > 0) {
    const details = unmet.map(({ module, need }) => `harness/${module.name}/go.mod needs go ${need}`);
    throw new HarnessError(
      `${env.GOVERSION} is too old (${details.join(', ')}). Install Go ${minimumGo(modules)} or newer; ` +
        'GOTOOLCHAIN=local is set, so go does not download a newer toolchain itself.',
    );
  }
  return env;
}

// ---------------------------------------------------------------------------
// Keys, stamps and the machine cache

function buildParams(module) {
  if (module.download) return { recipe: RECIPE_VERSION, download: module.download, files: module.files };
  return {
    recipe: RECIPE_VERSION,
    binaries: module.binaries,
    flags: ['-mod=readonly', '-trimpath', '-buildvcs=false'],
    ldflags: ['-s', '-w', ...(module.ldflags?.() ?? [])].join(' '),
    env: { CGO_ENABLED: GO_ENV.CGO_ENABLED },
  };
}

function moduleKey(module, params, toolchain) {
  const { goMod, goSum, read } = readGoMod(module.name);
  const sources = (module.sources ?? []).map(read);
  const hash = createHash('sha256');
  // A fetched file is the same whatever the toolchain: it is not part of the key.
  const parts = [goMod, goSum, ...sources, JSON.stringify(params)];
  if (!module.download) parts.push(JSON.stringify(toolchain));
  for (const part of parts) {
    hash.update(part).update('\0');
  }
  return `${module.name}-${hash.digest('hex').slice(0, 32)}`;
}

function readStamps() {
  try {
    return JSON.parse(fs.readFileSync(STAMPS_FILE, 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT' || err instanceof SyntaxError) return {};
    throw err;
  }
}

function writeFileAtomic(file, contents) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

function recordStamp(moduleName, stamp) {
  const stamps = readStamps();
  stamps[moduleName] = stamp;
  writeFileAtomic(STAMPS_FILE, `${JSON.stringify(stamps, null, 2)}\n`);
}

/** Why harness/<module> is not current in .harness/bin, or null if it is. */
function staleReason(module, key, stamps) {
  const stamp = stamps[module.name];
  if (!stamp) return 'never built here';
  if (stamp.key !== key) return `inputs changed: ${stamp.key} -> ${key}`;
  for (const name of outputsOf(module)) {
    const size = fileSize(path.join(targetDirOf(module), name));
    if (size === null) return `${name} is missing`;
    if (size !== stamp.sizes?.[name]) return `${name} was modified`;
  }
  return null;
}

function fileSize(file) {
  try {
    return fs.statSync(file).size;
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
}

/** The machine-cache entry for key, if complete. */
function cachedEntry(module, key) {
  const dir = path.join(CACHE_ROOT, key);
  const complete = outputsOf(module).every((name) => fileSize(path.join(dir, name)) !== null);
  return complete ? dir : null;
}

// ---------------------------------------------------------------------------
// Building and installing

/** `go build -o dir/` names a binary after its package path's last element, skipping a /vN suffix. */
function goDefaultBinaryName(pkg) {
  const parts = pkg.split('/');
  return /^v\d+$/.test(parts.at(-1)) && parts.length > 1 ? parts.at(-2) : parts.at(-1);
}

/**
 * `go mod download` of the module's pinned version, outside any module (so that its go.mod's
 * requirements and go version do not matter), then the zip's hash against our go.sum and a copy
 * of its files into staging.
 */
async function downloadInto(module, staging) {
  const version = pin(module.name, module.download);
  const expected = goSumHash(module.name, module.download, version);
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'platformctl-harness-'));
  try {
    const output = await runGo(['mod', 'download', '-json', `${module.download}@${version}`], {
      cwd: outside,
    });
    const info = JSON.parse(output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1));
    if (info.Error) throw new HarnessError(`go mod download ${module.download}@${version}: ${info.Error}`);
    if (info.Sum !== expected)
      throw new HarnessError(
        `${module.download}@${version} has hash ${info.Sum}, but harness/${module.name}/go.sum says ${expected}`,
      );
    for (const [name, file] of Object.entries(module.files)) {
      const source = path.join(info.Dir, file);
      if (fileSize(source) === null)
        throw new HarnessError(
          `${module.download}@${version} has no ${file} (harness/build.mjs: ${module.name})`,
        );
      fs.copyFileSync(source, path.join(staging, name));
    }
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
}

/** Builds module into a new machine-cache entry for key and returns its directory. */
async function buildIntoCache(module, key, params) {
  fs.mkdirSync(CACHE_ROOT, { recursive: true });
  const staging = path.join(CACHE_ROOT, `.tmp-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(staging);
  try {
    if (module.download) await downloadInto(module, staging);
    else await compileInto(module, staging, params);
    // Replaces an existing entry for the same key, which may be incomplete (or was bypassed by --force).
    const entry = path.join(CACHE_ROOT, key);
    fs.rmSync(entry, { recursive: true, force: true });
    fs.renameSync(staging, entry);
    return entry;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** `go build` of the module's binaries into staging, named as MODULES says. */
async function compileInto(module, staging, params) {
  const packages = Object.values(module.binaries);
  const args = [
    'build',
    ...params.flags,
    `-p=${GO_JOBS}`,
    '-ldflags',
    params.ldflags,
    '-o',
    `${staging}/`,
    ...packages,
  ];
  await runGo(args, { cwd: readGoMod(module.name).dir });
  for (const [name, pkg] of Object.entries(module.binaries)) {
    const built = goDefaultBinaryName(pkg);
    if (built !== name) fs.renameSync(path.join(staging, built), path.join(staging, name));
  }
}

/** Copies the outputs of a cache entry into place (atomically per file) and records the stamp. */
function install(module, key, entry) {
  fs.mkdirSync(BIN_DIR, { recursive: true });
  fs.mkdirSync(targetDirOf(module), { recursive: true });
  const sizes = {};
  for (const name of outputsOf(module)) {
    const target = path.join(targetDirOf(module), name);
    const tmp = `${target}.tmp-${process.pid}`;
    fs.copyFileSync(path.join(entry, name), tmp, fs.constants.COPYFILE_FICLONE);
    fs.chmodSync(tmp, module.binaries ? 0o755 : 0o644);
    fs.renameSync(tmp, target);
    sizes[name] = fileSize(target);
  }
  recordStamp(module.name, { key, sizes });
}

// ---------------------------------------------------------------------------
// Output

function formatDuration(ms) {
  if (ms < 1000) return `${ms}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
}

const NAME_WIDTH = Math.max(...MODULES.map((module) => module.name.length));

function log(module, message) {
  console.log(`${module.name.padEnd(NAME_WIDTH)}  ${message}`);
}

/** Runs task, printing a line every minute so that long builds show progress. */
async function withHeartbeat(module, task) {
  const started = Date.now();
  const timer = setInterval(
    () => log(module, `still building (${formatDuration(Date.now() - started)})`),
    60_000,
  );
  try {
    return await task();
  } finally {
    clearInterval(timer);
  }
}

// ---------------------------------------------------------------------------
// Main

const USAGE = `Usage: node harness/build.mjs [options]

Builds the harness binaries into .harness/bin/ and fetches the Argo CD CRDs into .harness/crds/
(modules: ${MODULES.map((m) => m.name).join(', ')}).

Options:
  --only <a,b>  only these modules
  --force       rebuild with go even if current or in the machine cache
  --check       exit 0 if everything is current, 1 if not; builds nothing
  -h, --help    show this help

Environment:
  PLATFORMCTL_HARNESS_CACHE  machine-level binary cache
                             (default: \${XDG_CACHE_HOME:-~/.cache}/platformctl/harness)`;

function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        only: { type: 'string' },
        force: { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(err.message);
  }
  let modules = MODULES;
  if (values.only !== undefined) {
    const names = values.only
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    const unknown = names.filter((name) => !MODULES.some((module) => module.name === name));
    if (names.length === 0 || unknown.length > 0) {
      throw new UsageError(`--only: unknown module(s) ${unknown.join(', ') || '(none given)'}`);
    }
    modules = MODULES.filter((module) => names.includes(module.name));
  }
  if (values.check && values.force) throw new UsageError('--check and --force cannot be combined');
  return { ...values, modules };
}

async function main(argv) {
  const options = parseOptions(argv);
  if (options.help) {
    console.log(USAGE);
    return 0;
  }

  const started = Date.now();
  const toolchain = await inspectToolchain(options.modules);
  const stamps = readStamps();
  const plan = options.modules.map((module) => {
    module.verify?.();
    const params = buildParams(module);
    const key = moduleKey(module, params, toolchain);
    return { module, params, key, reason: options.force ? 'forced' : staleReason(module, key, stamps) };
  });

  if (options.check) {
    for (const { module, key, reason } of plan) {
      const cached = reason && cachedEntry(module, key) ? ', in the machine cache' : '';
      log(module, reason ? `stale: ${reason}${cached}` : 'current');
    }
    return plan.some(({ reason }) => reason) ? 1 : 0;
  }

  console.log(
    `harness: ${toolchain.GOVERSION} ${toolchain.GOOS}/${toolchain.GOARCH} -> ${path.relative(REPO_ROOT, BIN_DIR)}` +
      ` (cache: ${CACHE_ROOT})`,
  );
  for (const { module, params, key, reason } of plan) {
    if (!reason) {
      log(module, 'current');
      continue;
    }
    const moduleStarted = Date.now();
    let entry = options.force ? null : cachedEntry(module, key);
    if (entry) {
      install(module, key, entry);
      log(
        module,
        `copied from the machine cache in ${formatDuration(Date.now() - moduleStarted)} (${reason})`,
      );
      continue;
    }
    log(module, `${module.download ? 'fetching' : 'building'} ${outputsOf(module).join(', ')} (${reason})`);
    entry = await withHeartbeat(module, () => buildIntoCache(module, key, params));
    install(module, key, entry);
    log(module, `${module.download ? 'fetched' : 'built'} in ${formatDuration(Date.now() - moduleStarted)}`);
  }
  console.log(`harness: done in ${formatDuration(Date.now() - started)}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (err instanceof UsageError) {
      console.error(`harness: ${err.message} (see --help)`);
      process.exitCode = 2;
    } else if (err instanceof HarnessError) {
      console.error(`harness: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error(err);
      process.exitCode = 1;
    }
  },
);
