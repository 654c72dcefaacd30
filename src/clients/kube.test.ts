import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeClient, KubeconfigError, kubeconfigFiles, loadKubeconfig } from './kube.js';

// A real TLS server on 127.0.0.1 whose certificate names only kube.internal (so that
// tls-server-name matters), and that answers /version with the Authorization header it got.
const dir = mkdtempSync(join(tmpdir(), 'platformctl-kubeconfig-'));
let server: Server;
let url: string;
const seen: string[] = [];
const rejected = new Set<string>();

beforeAll(async () => {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kube.internal',
    '-addext', 'subjectAltName=DNS:kube.internal',
    '-keyout', join(dir, 'server.key'), '-out', join(dir, 'ca.crt'),
  ], { stdio: 'ignore' }); // prettier-ignore
  server = createServer(
    { cert: readFileSync(join(dir, 'ca.crt')), key: readFileSync(join(dir, 'server.key')) },
    (req, res) => {
      const auth = req.headers.authorization ?? '';
      seen.push(auth);
      res.setHeader('content-type', 'application/json');
      if (rejected.has(auth)) {
        res.statusCode = 401;
        res.end(JSON.stringify({ kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized' }));
        return;
      }
      res.end(JSON.stringify({ gitVersion: 'v1.35.0', auth }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

type User = Record<string, unknown>;
function kubeconfig(
  file: string,
  options: { user: User; cluster?: Record<string, unknown>; context?: string },
) {
  const context = options.context ?? 'lab';
  writeFileSync(
    join(dir, file),
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': context,
      clusters: [
        {
          name: `${context}-cluster`,
          cluster: {
            server: url,
            'certificate-authority': 'ca.crt',
            'tls-server-name': 'kube.internal',
            ...options.cluster,
          },
        },
      ],
      users: [{ name: `${context}-user`, user: options.user }],
      contexts: [{ name: context, context: { cluster: `${context}-cluster`, user: `${context}-user` } }],
    }),
  );
  return join(dir, file);
}

const version = async (client: KubeClient) => (await client.get<{ auth: string }>('/version')).auth;

describe('kubeconfigs, read as kubectl reads them (@kubernetes/client-node) against a real TLS server', () => {
  it('a static token, the CA file relative to the kubeconfig, tls-server-name for a server reached by address', async () => {
    const client = await KubeClient.fromFile(kubeconfig('static.yaml', { user: { token: 'static-token' } }));
    expect(await version(client)).toBe('Bearer static-token');
  });

  it('without tls-server-name the same server fails its certificate check', async () => {
    const file = kubeconfig('no-sni.yaml', {
      user: { token: 't' },
      cluster: { 'tls-server-name': undefined },
    });
    await expect(version(await KubeClient.fromFile(file))).rejects.toThrow(
      /kube\.internal|altnames|certificate/i,
    );
  });

  it('an exec credential plugin: run once while its credential is valid, again after a 401', async () => {
    const counter = join(dir, 'exec-count');
    writeFileSync(counter, '0');
    const plugin = join(dir, 'exec-plugin.mjs');
    // What EKS/GKE/OIDC helpers print: an ExecCredential with a token and its expiry.
    writeFileSync(
      plugin,
      `import { readFileSync, writeFileSync } from 'node:fs';
const n = Number(readFileSync(process.argv[2], 'utf8')) + 1;
writeFileSync(process.argv[2], String(n));
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential',
  status: { token: 'exec-token-' + n, expirationTimestamp: new Date(Date.now() + 3600_000).toISOString() } }));
`,
    );
    const file = kubeconfig('exec.yaml', {
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: [plugin, counter],
          interactiveMode: 'Never',
        },
      },
    });
    const client = await KubeClient.fromFile(file);
    expect(await version(client)).toBe('Bearer exec-token-1');
    expect(await version(client)).toBe('Bearer exec-token-1');
    expect(readFileSync(counter, 'utf8')).toBe('1');
    // The server stops accepting it (revoked, or expired early): one new credential, one retry.
    rejected.add('Bearer exec-token-1');
    expect(await version(client)).toBe('Bearer exec-token-2');
    expect(readFileSync(counter, 'utf8')).toBe('2');
    expect(seen.slice(-2)).toEqual(['Bearer exec-token-1', 'Bearer exec-token-2']);
  });

  it('a plugin that fails is a kubeconfig error carrying what the plugin said', async () => {
    const plugin = join(dir, 'failing-plugin.mjs');
    writeFileSync(plugin, `process.stderr.write('please run aws sso login'); process.exit(3);`);
    const file = kubeconfig('exec-fail.yaml', {
      user: {
        exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin] },
      },
    });
    const error = await version(await KubeClient.fromFile(file)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeconfigError);
    expect((error as KubeconfigError).code).toBe('kube.kubeconfig');
    expect((error as Error).message).toContain('please run aws sso login');
  });

  it('tokenFile is read at request time and trimmed, relative to its kubeconfig', async () => {
    writeFileSync(join(dir, 'token'), 'file-token-1\n');
    const client = await KubeClient.fromFile(kubeconfig('token-file.yaml', { user: { tokenFile: 'token' } }));
    expect(await version(client)).toBe('Bearer file-token-1');
    // Rotated on disk (as a projected token is) and the old one refused: the next request reads it again.
    writeFileSync(join(dir, 'token'), 'file-token-2\n');
    rejected.add('Bearer file-token-1');
    expect(await version(client)).toBe('Bearer file-token-2');
  });

  it('KUBECONFIG lists merge as kubectl merges them: first wins, missing files skipped', async () => {
    const first = kubeconfig('first.yaml', { user: { token: 'first' }, context: 'alpha' });
    const second = kubeconfig('second.yaml', { user: { token: 'second' }, context: 'beta' });
    const shadow = kubeconfig('shadow.yaml', { user: { token: 'shadowed' }, context: 'alpha' });
    const env = { HOME: dir, KUBECONFIG: [first, join(dir, 'missing.yaml'), second, shadow].join(delimiter) };
    expect(kubeconfigFiles(undefined, env)).toEqual([first, second, shadow]);
    const alpha = new KubeClient(await loadKubeconfig(undefined, undefined, env));
    expect(alpha.config.context).toBe('alpha'); // the first file's current-context
    expect(await version(alpha)).toBe('Bearer first');
    expect(await version(new KubeClient(await loadKubeconfig(undefined, 'beta', env)))).toBe('Bearer second');
    expect(kubeconfigFiles('~/x.yaml', env)).toEqual([join(dir, 'x.yaml')]);
  });

  it('a context that is not there names the ones that are', async () => {
    const file = kubeconfig('ctx.yaml', { user: { token: 't' }, context: 'prod-app1' });
    const error = await loadKubeconfig(file, 'prod-ap1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeconfigError);
    expect((error as KubeconfigError).hint).toBe('did you mean prod-app1?');
    await expect(loadKubeconfig(join(dir, 'nope.yaml'))).rejects.toThrow(/cannot read kubeconfig/);
  });

  it('a file loaded again is not parsed again while unchanged, and is read anew once it changes', async () => {
    const file = kubeconfig('reused.yaml', { user: { token: 'before' }, context: 'one' });
    expect(await version(await KubeClient.fromFile(file))).toBe('Bearer before');
    // A second client of the same file, and a context it merged with another file: both as before.
    expect(await version(await KubeClient.fromFile(file))).toBe('Bearer before');
    const other = kubeconfig('reused-other.yaml', { user: { token: 'other' }, context: 'two' });
    const env = { HOME: dir, KUBECONFIG: [file, other].join(delimiter) };
    expect(await version(new KubeClient(await loadKubeconfig(undefined, 'two', env)))).toBe('Bearer other');
    // The merge added file two's entries to its own lists, not to the cached ones of file one.
    await expect(loadKubeconfig(file, 'two')).rejects.toThrow(/has no context "two"/);
    kubeconfig('reused.yaml', { user: { token: 'after' }, context: 'one' });
    expect(await version(await KubeClient.fromFile(file))).toBe('Bearer after');
  });
});
