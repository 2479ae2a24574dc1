/**
 * Real nginx and Caddy (Debian's packages, installed by scripts/setup-system.sh) started in front of a
 * backend for a test, from the same configuration files a user copies out of examples/proxies/.
 *
 * The configurations carry literal placeholder values (documented in examples/proxies/README.md) that
 * a user replaces by hand and that this harness replaces at start:
 *
 * | placeholder in the config                 | replaced by                                                  |
 * |-------------------------------------------|--------------------------------------------------------------|
 * | `127.0.0.1:11434` (Ollama)                | `opts.backend` (its host:port)                               |
 * | nginx `listen 8443`, Caddy `:8443`        | a free port on 127.0.0.1 (Caddy also gets `default_bind`)    |
 * | `/etc/ollama-proxy/server.crt` / `.key`   | `opts.tls` (its valid, expired or wrong-host pair)           |
 * | `/etc/ollama-proxy/client-ca.crt`         | `opts.tls.clientCaCert`                                      |
 * | `/etc/ollama-proxy/htpasswd` (nginx)      | a file made from `opts.basic` with `openssl passwd -apr1`    |
 * | `CHANGE-ME-USER` / `CHANGE-ME-BCRYPT-HASH`| `opts.basic` user and a bcrypt hash of its password (Caddy) |
 * | `CHANGE-ME-API-KEY`                       | `opts.apiKey`                                                |
 *
 * nginx configurations are site files (http context: `server {}`, `map {}`), as a user drops them into
 * /etc/nginx/conf.d/; the harness wraps them in a main nginx.conf whose pid, access log and temp paths
 * live in the server's own temp dir (readable by nginx's `nobody` worker) and whose error log is the
 * server's stderr, RunningProxy.log(). Caddyfiles get `admin off`, `auto_https off` and
 * `default_bind 127.0.0.1` added to their global options, and XDG dirs inside the temp dir.
 *
 * Caddy's Basic hash is bcrypt at cost 4 (`htpasswd -B -C 4`): Caddy verifies it exactly like the cost-14
 * hash of `caddy hash-password`, in a millisecond instead of a second (`caddyHashCost: 'caddy'` uses the
 * real tool). Caddy still spends a cost-14 bcrypt on every request with an UNKNOWN user name (its
 * timing defence), whatever hash is configured: a probe should not send many of those.
 *
 * For the catalogues of examples/proxies/ (ids, probe arguments, expected checks) use
 * test/proxies/catalog.ts: loadCatalog, generateCredentials, startDeployment, probeArguments.
 *
 * @example
 * ```ts
 * import { makeTlsMaterial, startNginx, startCaddy } from '../helpers/proxies.js';
 * import { createLocalOllama } from '../../src/local-ollama/index.js';
 *
 * const tls = await makeTlsMaterial();                       // once per test file: CA, server and client certs
 * const ollama = await createLocalOllama({ port: 0 });
 * const proxy = await startNginx(readFileSync('examples/proxies/nginx/basic.conf', 'utf8'), {
 *   backend: ollama.url, tls, basic: { user: 'alice', password: 'generated-at-test-time' },
 * });
 * // proxy.url is https://127.0.0.1:<port>; trust tls.caCert (e.g. `oac probe proxy.url --ca tls.caCert`)
 * await proxy.stop();                                        // kills nginx, removes its temp dir
 * await ollama.close();
 * await tls.remove();
 * expect(leftovers()).toEqual([]);                           // every temp dir of this process is gone
 * ```
 * A configuration that nginx/Caddy rejects fails startNginx/startCaddy with the server's own message
 * ("proxies: the nginx configuration basic.conf did not start (exit code 1, …); its log: … unknown
 * directive …"); an option the configuration needs but was not given is named before anything starts.
 * Nothing is left behind when a run is interrupted or the jest worker is killed: the servers run under
 * `setpriv --pdeathsig TERM` (they stop when the test process dies, and get Ctrl-C's SIGINT with it),
 * and a janitor process removes this process's temp dirs on the same signals (see JANITOR).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from './process.js';

export interface RunningProxy {
  /**
   * `https://127.0.0.1:<port>` (`http://…` when the configuration has no TLS). A Caddy site with
   * `client_auth` gets `https://localhost:<port>`: Caddy then refuses (421) a request whose Host differs
   * from the TLS server name, and a client sends no server name to an IP address.
   */
  url: string;
  port: number;
  /** The server's temp dir (configuration, logs); removed by stop(). */
  dir: string;
  /** What the server has written to stderr/stdout so far, nginx's error log included (for a failing test's message). */
  log(): string;
  /** Stops the server (bounded: SIGTERM, then SIGKILL after 5 s) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface BasicCredentials {
  user: string;
  password: string;
}

/** Which server certificate the configuration's `/etc/ollama-proxy/server.crt` stands for. */
export type ServerCertificateKind = 'valid' | 'expired' | 'wrong-host';

export interface ProxyOptions {
  /** The Ollama the proxy forwards to: a URL (`http://127.0.0.1:1234`) or `host:port`. */
  backend: string;
  /** Needed when the configuration references `/etc/ollama-proxy/*.crt|key`. */
  tls?: TlsMaterial;
  /** Which server certificate to install (default `valid`): the zoo's certificate mistakes. */
  serverCertificate?: ServerCertificateKind;
  /** Needed when the configuration references the htpasswd file (nginx) or CHANGE-ME-USER (Caddy). */
  basic?: BasicCredentials;
  /** The bcrypt cost of the Caddy hash (see caddyPasswordHash); default `fast`. */
  caddyHashCost?: 'fast' | 'caddy';
  /** Needed when the configuration contains CHANGE-ME-API-KEY. */
  apiKey?: string;
  /** Used in error messages (e.g. the example's file name). */
  name?: string;
  /** Milliseconds to wait for the server to accept connections (default 10 000). */
  startTimeoutMs?: number;
}

export interface TlsMaterial {
  dir: string;
  /** The CA that signed every server certificate: what a client trusts (`oac probe --ca`). */
  caCert: string;
  /** For 127.0.0.1 and localhost, valid from now for two days. */
  serverCert: string;
  serverKey: string;
  /** Valid dates, but for the host name ollama.example.org only. */
  wrongHostCert: string;
  wrongHostKey: string;
  /** For 127.0.0.1 and localhost, expired in 2020. */
  expiredCert: string;
  expiredKey: string;
  /** The CA a proxy trusts for client certificates (`ssl_client_certificate`, `trusted_ca_cert_file`). */
  clientCaCert: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate from another CA, which an mTLS proxy must refuse. */
  foreignClientCert: string;
  foreignClientKey: string;
  remove(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Cleanup of everything this module started, also when the run is interrupted or killed.

/** The temp dirs this process made and has not removed yet (see leftovers()). */
const owned = new Set<string>();

/** Every temp dir of this process is named `oac-<what>-<TAG>-XXXXXX`: what the janitor removes. */
const TAG = `p${process.pid}`;

/**
 * The janitor: one small sh per test process, started before its first temp dir, that sleeps until it
 * gets SIGINT/SIGTERM/SIGHUP and then removes every temp dir of this process. It gets SIGINT with the
 * rest of the process group on Ctrl-C, and SIGTERM from the kernel when this process dies in any way
 * (`setpriv --pdeathsig`). After a normal run it finds nothing left to remove. (Jest runs tests in a
 * sandbox whose `process.on` does not reach the real process: signal hooks in here would never run.)
 */
const JANITOR = `base=$1; tag=$2; nap=
trap 'kill "$nap" 2>/dev/null; rm -rf "$base"/oac-*-"$tag"-*; exit 0' INT TERM HUP
while :; do sleep 3600 & nap=$!; wait "$nap"; done`;
let janitor: ChildProcess | undefined;

/** A fresh temp dir `oac-<what>-<TAG>-XXXXXX`, under the janitor's watch. */
function makeOwnedDir(what: string): string {
  janitor ??= spawn('/usr/bin/setpriv', ['--pdeathsig', 'TERM', '--', '/bin/sh', '-c', JANITOR, 'oac-proxies-janitor', tmpdir(), TAG], { stdio: 'ignore' });
  janitor.unref(); // it must not keep a test process alive: it goes when the process goes
  const dir = mkdtempSync(join(tmpdir(), `oac-${what}-${TAG}-`));
  owned.add(dir);
  return dir;
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  owned.delete(dir);
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`; resolves once it has exited. */
async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGTERM, not SIGKILL: nginx's master then stops its workers itself (a killed master orphans them).
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}

/**
 * Temp dirs of this process's servers and TLS material not yet removed (a test can assert that it
 * stopped everything it started: `expect(leftovers()).toEqual([])`).
 */
export function leftovers(): string[] {
  return [...owned];
}

/** A fresh temp dir that nginx's `nobody` worker can enter (mkdtemp makes it 0700). */
function makeServerDir(server: 'nginx' | 'caddy'): string {
  const dir = makeOwnedDir(server);
  chmodSync(dir, 0o755);
  return dir;
}

// ---------------------------------------------------------------------------------------------------
// Credentials

/** An nginx htpasswd line `user:$apr1$…` made by `openssl passwd -apr1` (password on stdin, not argv). */
export async function htpasswdLine(user: string, password: string): Promise<string> {
  assertCredentialPart('user', user);
  const hash = await runChecked('openssl', ['passwd', '-apr1', '-stdin'], { input: `${password}\n` });
  return `${user}:${hash.trim()}`;
}

/**
 * A bcrypt hash for Caddy's `basicauth` block. `cost: 'caddy'` is exactly what a user runs
 * (`caddy hash-password`, bcrypt cost 14: one to two seconds of CPU here, for every distinct wrong
 * password Caddy checks too). The default, `fast`, is the same bcrypt at cost 4 made by Apache's
 * `htpasswd -B -C 4` (Caddy verifies it the same way), so a probe of a Caddy deployment stays fast.
 */
export async function caddyPasswordHash(password: string, opts: { cost?: 'fast' | 'caddy' } = {}): Promise<string> {
  if (opts.cost === 'caddy') {
    return (await runChecked('caddy', ['hash-password'], { input: `${password}\n` })).trim();
  }
  const line = (await runChecked('htpasswd', ['-niBC', '4', 'user'], { input: `${password}\n` })).trim();
  return line.slice('user:'.length);
}

function assertCredentialPart(what: string, value: string): void {
  if (value === '' || /[\s:]/.test(value)) {
    throw new Error(`proxies: the Basic ${what} must be non-empty without whitespace or ':' (got ${JSON.stringify(value)})`);
  }
}

// ---------------------------------------------------------------------------------------------------
// TLS material

const OPENSSL_CONFIG_FOR_EXPIRED = `[ ca ]
default_ca = expired_ca
[ expired_ca ]
dir = DIR
database = DIR/ca-db/index.txt
new_certs_dir = DIR/ca-db
serial = DIR/ca-db/serial
default_md = sha256
policy = anything
copy_extensions = none
unique_subject = no
[ anything ]
commonName = supplied
`;

/**
 * Makes, with openssl, a CA and everything signed by it that the proxy tests need (see TlsMaterial).
 * EC P-256 keys: fast to make, and accepted by every TLS version nginx can be told to offer.
 */
export async function makeTlsMaterial(): Promise<TlsMaterial> {
  const dir = makeOwnedDir('tls');
  const p = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    const makeCa = (name: string, cn: string) =>
      runChecked('openssl', ['req', '-x509', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.crt`), '-days', '2',
        '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    await Promise.all([makeCa('ca', 'oac test server CA'), makeCa('client-ca', 'oac test client CA'), makeCa('foreign-ca', 'oac foreign CA')]);

    const extensions = (altNames: string, usage: 'serverAuth' | 'clientAuth') =>
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=${usage}\n` +
      (altNames ? `subjectAltName=${altNames}\n` : '');
    const makeLeaf = async (name: string, cn: string, ca: string, ext: string) => {
      writeFileSync(p(`${name}.ext`), ext);
      await runChecked('openssl', ['req', '-new', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`]);
      await runChecked('openssl', ['x509', '-req', '-in', p(`${name}.csr`), '-CA', p(`${ca}.crt`), '-CAkey', p(`${ca}.key`),
        '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2', '-sha256', '-extfile', p(`${name}.ext`), '-out', p(`${name}.crt`)]);
    };
    await Promise.all([
      makeLeaf('server', 'localhost', 'ca', extensions('IP:127.0.0.1,DNS:localhost', 'serverAuth')),
      makeLeaf('wrong-host', 'ollama.example.org', 'ca', extensions('DNS:ollama.example.org', 'serverAuth')),
      makeLeaf('client', 'oac test client', 'client-ca', extensions('', 'clientAuth')),
      makeLeaf('foreign-client', 'oac foreign client', 'foreign-ca', extensions('', 'clientAuth')),
      makeExpiredServerCert(dir, ec, extensions('IP:127.0.0.1,DNS:localhost', 'serverAuth')),
    ]);
  } catch (error) {
    removeDir(dir);
    throw error;
  }
  return {
    dir,
    caCert: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    wrongHostCert: p('wrong-host.crt'),
    wrongHostKey: p('wrong-host.key'),
    expiredCert: p('expired.crt'),
    expiredKey: p('expired.key'),
    clientCaCert: p('client-ca.crt'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    foreignClientCert: p('foreign-client.crt'),
    foreignClientKey: p('foreign-client.key'),
    async remove() {
      removeDir(dir);
    },
  };
}

/** `openssl x509 -req` can only start a certificate now; `openssl ca` takes explicit past dates. */
async function makeExpiredServerCert(dir: string, ec: string[], ext: string): Promise<void> {
  const p = (name: string) => join(dir, name);
  mkdirSync(p('ca-db'));
  writeFileSync(p('ca-db/index.txt'), '');
  writeFileSync(p('ca-db/serial'), `${randomBytes(8).toString('hex')}\n`);
  writeFileSync(p('expired-ca.cnf'), OPENSSL_CONFIG_FOR_EXPIRED.replaceAll('DIR', dir));
  writeFileSync(p('expired.ext'), ext);
  await runChecked('openssl', ['req', '-new', ...ec, '-keyout', p('expired.key'), '-out', p('expired.csr'), '-subj', '/CN=localhost']);
  await runChecked('openssl', ['ca', '-batch', '-config', p('expired-ca.cnf'), '-cert', p('ca.crt'), '-keyfile', p('ca.key'),
    '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-extfile', p('expired.ext'), '-notext',
    '-in', p('expired.csr'), '-out', p('expired.crt')]);
}

// ---------------------------------------------------------------------------------------------------
// Placeholders

const PLACEHOLDER_DIR = '/etc/ollama-proxy/';
const BACKEND_PLACEHOLDER = '127.0.0.1:11434';
const PORT_PLACEHOLDER = 8443;

interface Substituted {
  text: string;
  usesTls: boolean;
}

/**
 * The hashes a configuration needs, made before the server's temp dir exists: they take subprocesses
 * (and a second for a cost-14 bcrypt), and a dir made earlier would be left behind by an interrupt
 * arriving meanwhile, before any wrapper guards it.
 */
interface Hashed {
  htpasswd?: string;
  caddyHash?: string;
}

async function hashCredentials(config: string, opts: ProxyOptions, server: 'nginx' | 'caddy'): Promise<Hashed> {
  const hashed: Hashed = {};
  if (config.includes(`${PLACEHOLDER_DIR}htpasswd`)) {
    if (!opts.basic) throw new Error(`proxies: ${describe(opts, server)} references ${PLACEHOLDER_DIR}htpasswd: give opts.basic`);
    hashed.htpasswd = await htpasswdLine(opts.basic.user, opts.basic.password);
  }
  if (config.includes('CHANGE-ME-USER') || config.includes('CHANGE-ME-BCRYPT-HASH')) {
    if (!opts.basic) throw new Error(`proxies: ${describe(opts, server)} contains CHANGE-ME-USER/CHANGE-ME-BCRYPT-HASH: give opts.basic`);
    assertCredentialPart('user', opts.basic.user);
    hashed.caddyHash = await caddyPasswordHash(opts.basic.password, { cost: opts.caddyHashCost });
  }
  return hashed;
}

/** Copies/makes the files the configuration references under /etc/ollama-proxy/ and rewrites the paths. */
function provideReferencedFiles(config: string, dir: string, opts: ProxyOptions, server: 'nginx' | 'caddy', hashed: Hashed): string {
  const referenced = new Set([...config.matchAll(/\/etc\/ollama-proxy\/([A-Za-z0-9._-]+)/g)].map((m) => m[1]));
  const filesDir = join(dir, 'etc');
  mkdirSync(filesDir, { mode: 0o755 });
  for (const name of referenced) {
    const target = join(filesDir, name);
    if (name === 'htpasswd') {
      writeFileSync(target, `${hashed.htpasswd}\n`, { mode: 0o644 });
      continue;
    }
    const source = tlsFileFor(name, opts, server);
    copyFileSync(source, target);
    chmodSync(target, 0o644);
  }
  return config.replaceAll(PLACEHOLDER_DIR, `${filesDir}/`);
}

function tlsFileFor(name: string, opts: ProxyOptions, server: 'nginx' | 'caddy'): string {
  const tls = opts.tls;
  if (!tls) throw new Error(`proxies: ${describe(opts, server)} references ${PLACEHOLDER_DIR}${name}: give opts.tls (makeTlsMaterial())`);
  const kind = opts.serverCertificate ?? 'valid';
  const serverPair = { valid: [tls.serverCert, tls.serverKey], expired: [tls.expiredCert, tls.expiredKey], 'wrong-host': [tls.wrongHostCert, tls.wrongHostKey] }[kind];
  const files: Record<string, string> = {
    'server.crt': serverPair[0],
    'server.key': serverPair[1],
    'client-ca.crt': tls.clientCaCert,
    'ca.crt': tls.caCert,
  };
  const file = files[name];
  if (!file) {
    throw new Error(`proxies: ${describe(opts, server)} references ${PLACEHOLDER_DIR}${name}; known files: htpasswd, ${Object.keys(files).join(', ')}`);
  }
  return file;
}

function backendHostPort(backend: string): string {
  const hostPort = /^https?:\/\//.test(backend) ? new URL(backend).host : backend;
  if (!/^[A-Za-z0-9.-]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/.test(hostPort)) {
    throw new Error(`proxies: opts.backend must be a URL or host:port, got ${JSON.stringify(backend)}`);
  }
  return hostPort;
}

function substitute(config: string, dir: string, port: number, opts: ProxyOptions, server: 'nginx' | 'caddy', hashed: Hashed): Substituted {
  let text = provideReferencedFiles(config, dir, opts, server, hashed);
  text = text.replaceAll(BACKEND_PLACEHOLDER, backendHostPort(opts.backend));

  let usesTls: boolean;
  if (server === 'nginx') {
    const listen = new RegExp(`\\blisten\\s+${PORT_PLACEHOLDER}\\b`, 'g');
    if (!listen.test(text)) throw new Error(`proxies: ${describe(opts, server)} has no "listen ${PORT_PLACEHOLDER}" line for the harness to move to a free port`);
    usesTls = new RegExp(`\\blisten\\s+${PORT_PLACEHOLDER}\\b[^;]*\\bssl\\b`).test(text);
    text = text.replace(listen, `listen 127.0.0.1:${port}`);
  } else {
    const site = new RegExp(`:${PORT_PLACEHOLDER}\\b`, 'g');
    if (!site.test(text)) throw new Error(`proxies: ${describe(opts, server)} has no ":${PORT_PLACEHOLDER}" site address for the harness to move to a free port`);
    usesTls = /^\s*tls\s/m.test(text);
    text = text.replace(site, `:${port}`);
  }

  if (text.includes('CHANGE-ME-API-KEY')) {
    if (!opts.apiKey) throw new Error(`proxies: ${describe(opts, server)} contains CHANGE-ME-API-KEY: give opts.apiKey`);
    if (!/^[A-Za-z0-9._~+/=-]+$/.test(opts.apiKey)) throw new Error(`proxies: opts.apiKey must be a token68-like string, got ${JSON.stringify(opts.apiKey)}`);
    text = text.replaceAll('CHANGE-ME-API-KEY', opts.apiKey);
  }
  if (opts.basic && hashed.caddyHash !== undefined) {
    text = text.replaceAll('CHANGE-ME-USER', opts.basic.user).replaceAll('CHANGE-ME-BCRYPT-HASH', hashed.caddyHash);
  }
  const left = text.match(/CHANGE-ME[A-Za-z0-9-]*/);
  if (left) throw new Error(`proxies: ${describe(opts, server)} still contains the placeholder ${left[0]} that the harness does not know`);
  return { text, usesTls };
}

function describe(opts: ProxyOptions, server: 'nginx' | 'caddy'): string {
  return opts.name ? `the ${server} configuration ${opts.name}` : `the ${server} configuration`;
}

// ---------------------------------------------------------------------------------------------------
// Servers

function nginxMainConfig(dir: string, siteFile: string): string {
  return `# written by test/helpers/proxies.ts: everything this nginx writes stays in ${dir}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr notice;
events { worker_connections 256; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/tmp/client_body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
    include ${siteFile};
}
`;
}

/** Starts Debian's nginx with `config` (a site file, http context) in front of `opts.backend`. */
export async function startNginx(config: string, opts: ProxyOptions): Promise<RunningProxy> {
  const hashed = await hashCredentials(config, opts, 'nginx');
  return startWithFreePort('nginx', opts, (dir, port) => {
    const { text, usesTls } = substitute(config, dir, port, opts, 'nginx', hashed);
    mkdirSync(join(dir, 'tmp'), { mode: 0o755 });
    writeFileSync(join(dir, 'site.conf'), text);
    writeFileSync(join(dir, 'nginx.conf'), nginxMainConfig(dir, join(dir, 'site.conf')));
    // -e stderr: errors before the configuration is read must not go to the system-wide /var/log/nginx;
    // with `error_log stderr` everything nginx reports arrives in RunningProxy.log().
    const args = ['-p', dir, '-e', 'stderr', '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'];
    return { command: '/usr/sbin/nginx', args, env: process.env, usesTls, host: '127.0.0.1' };
  });
}

const CADDY_TEST_GLOBALS = ['admin off', 'auto_https off', 'default_bind 127.0.0.1'];

/** Adds the harness's global options to the Caddyfile's global block (or a new one). */
function withCaddyTestGlobals(caddyfile: string): string {
  const lines = caddyfile.split('\n');
  const first = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (first >= 0 && lines[first].trim() === '{') {
    const present = CADDY_TEST_GLOBALS.filter((g) => lines.some((l) => l.trim().startsWith(g.split(' ')[0])));
    if (present.length > 0) throw new Error(`proxies: the Caddyfile's global block already sets ${present.join(', ')}: the harness sets these itself`);
    lines.splice(first + 1, 0, ...CADDY_TEST_GLOBALS.map((g) => `\t${g}`));
    return lines.join('\n');
  }
  return `{\n${CADDY_TEST_GLOBALS.map((g) => `\t${g}`).join('\n')}\n}\n\n${caddyfile}`;
}

/** Starts Debian's Caddy (2.6) with the Caddyfile `config` in front of `opts.backend`. */
export async function startCaddy(config: string, opts: ProxyOptions): Promise<RunningProxy> {
  const hashed = await hashCredentials(config, opts, 'caddy');
  return startWithFreePort('caddy', opts, (dir, port) => {
    const { text, usesTls } = substitute(config, dir, port, opts, 'caddy', hashed);
    writeFileSync(join(dir, 'Caddyfile'), withCaddyTestGlobals(text));
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
    const args = ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'];
    // With client_auth, Caddy turns strict_sni_host on: it answers 421 when the Host differs from the TLS
    // server name, and a client connecting to an IP address sends no server name at all. Connect by name.
    const host = /^\s*client_auth\b/m.test(text) ? 'localhost' : '127.0.0.1';
    return { command: '/usr/bin/caddy', args, env, usesTls, host };
  });
}

interface Launch {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  usesTls: boolean;
  /** The host name of RunningProxy.url (the server listens on 127.0.0.1 either way). */
  host: '127.0.0.1' | 'localhost';
}

/** Another process may take the free port between our look-up and the server's bind: try again then. */
async function startWithFreePort(server: 'nginx' | 'caddy', opts: ProxyOptions, prepare: (dir: string, port: number) => Launch): Promise<RunningProxy> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(server, opts, prepare);
    } catch (error) {
      if (attempt < 3 && error instanceof PortTakenError) continue;
      throw error;
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(server: 'nginx' | 'caddy', opts: ProxyOptions, prepare: (dir: string, port: number) => Launch): Promise<RunningProxy> {
  const port = await freePort();
  const dir = makeServerDir(server);
  let launch: Launch;
  try {
    launch = prepare(dir, port);
  } catch (error) {
    removeDir(dir);
    throw error;
  }

  // setpriv --pdeathsig: when this (jest worker) process dies in any way, the kernel sends the server
  // SIGTERM instead of leaving it running.
  const child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'TERM', '--', launch.command, ...launch.args], {
    env: launch.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-64_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => output;

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await terminate(child, 5_000);
    removeDir(dir);
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
  let childError: Error | undefined;
  child.once('error', (e) => (childError = e));
  for (;;) {
    if (childError || child.exitCode !== null || child.signalCode !== null) {
      if (!childError) await exited;
      await stop();
      if (/address already in use/i.test(output)) throw new PortTakenError(`port ${port} was taken`);
      throw new Error(
        `proxies: ${describe(opts, server)} did not start (${childError ? childError.message : `exit code ${child.exitCode}, signal ${child.signalCode}`}); its log:\n${output}`,
      );
    }
    if (await accepts(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`proxies: ${describe(opts, server)} did not accept connections on 127.0.0.1:${port} within ${opts.startTimeoutMs ?? 10_000} ms; its log:\n${output}`);
    }
    await sleep(25);
  }
  const scheme = launch.usesTls ? 'https' : 'http';
  return { url: `${scheme}://${launch.host}:${port}`, port, dir, log, stop };
}

/**
 * Ports this process has handed out. Caddy binds with SO_REUSEPORT, so a second Caddy given the same port
 * binds too and silently takes half of the connections (seen as a 421 from the wrong site); the kernel
 * can give a just-closed ephemeral port back, so with dozens of servers started at once we must not.
 */
const handedOut = new Set<number>();

async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        const found = typeof address === 'object' && address ? address.port : 0;
        probe.close(() => resolve(found));
      });
    });
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runChecked(command: string, args: string[], opts: { input?: string } = {}): Promise<string> {
  const run = opts.input === undefined ? await runProcess(command, args, { timeoutMs: 30_000 }) : await runWithInput(command, args, opts.input);
  if (run.code !== 0) {
    throw new Error(`proxies: ${command} ${args.join(' ')} failed (exit ${run.code ?? run.signal}):\n${run.stderr}${run.stdout}`);
  }
  return run.stdout;
}

/** runProcess has no stdin; passwords go to openssl/htpasswd on stdin so they never show in `ps`. */
function runWithInput(command: string, args: string[], input: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(input);
  });
}
