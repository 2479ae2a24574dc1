/**
 * The client-under-test side of `oac check`: the HOME each key setup produces (judged by our key loader
 * and, independently, by ssh-keygen), the exec-contract environment, and running a real process through
 * /bin/sh with timeouts, process-group kills, signals, output caps and argument quoting.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import {
  CA_VARIABLES, clientEnvironment, createSpecialKeys, EXEC_CONTRACT, prepareHome, runClient, shellQuote, specialKeyKinds, TEST_PASSPHRASE, type PreparedHome,
} from '../../src/conformance/subject.js';
import type { ClientSetup, ExecAction } from '../../src/conformance/types.js';
import { HarnessError, OacError } from '../../src/errors.js';
import { keyFromSeed, KeyError, loadOllamaKey, TEST_SEED } from '../../src/keys/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'oac-subject-test-'));
const homes: PreparedHome[] = [];
afterAll(async () => {
  await Promise.all(homes.map((h) => h.cleanup()));
  rmSync(root, { recursive: true, force: true });
});

const registered = keyFromSeed(TEST_SEED);
const silent = { write: () => true };

async function home(key: ClientSetup['key']): Promise<PreparedHome> {
  const prepared = await prepareHome({ key }, { registeredSeed: TEST_SEED, tmpRoot: root, keep: false, log: silent });
  homes.push(prepared);
  return prepared;
}

function loadError(keyPath: string): KeyError {
  try {
    loadOllamaKey(keyPath);
  } catch (err) {
    if (err instanceof KeyError) return err;
    throw err;
  }
  throw new Error(`expected ${keyPath} to be refused, but it loaded`);
}

/** ssh-keygen as an independent reader of the files we (or it) wrote. */
function sshKeygenPublic(keyPath: string, passphrase = ''): { ok: true; line: string } | { ok: false; stderr: string } {
  try {
    const line = execFileSync('ssh-keygen', ['-y', '-P', passphrase, '-f', keyPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, line: line.trim() };
  } catch (err) {
    return { ok: false, stderr: String((err as { stderr?: unknown }).stderr ?? '') };
  }
}

describe('prepareHome: the key each setup puts in HOME', () => {
  test('present: the registered key, as Ollama writes it (0600 private key, .pub line), readable by ssh-keygen', async () => {
    const h = await home('present');
    expect(h.keyPath).toBe(path.join(h.home, '.ollama', 'id_ed25519'));
    const key = loadOllamaKey(h.keyPath);
    expect(key.publicKeyField).toBe(registered.publicKeyField);
    expect(Buffer.from(key.seed).equals(Buffer.from(TEST_SEED))).toBe(true);
    expect(readFileSync(`${h.keyPath}.pub`, 'utf8')).toBe(`${registered.authorizedKeyLine}\n`);
    expect(statSync(h.keyPath).mode & 0o777).toBe(0o600);
    expect(sshKeygenPublic(h.keyPath)).toEqual({ ok: true, line: registered.authorizedKeyLine });
  });

  test('missing: no key file and no .ollama directory → key/missing', async () => {
    const h = await home('missing');
    expect(existsSync(path.join(h.home, '.ollama'))).toBe(false);
    expect(existsSync(h.home)).toBe(true);
    const err = loadError(h.keyPath);
    expect(err.code).toBe('key/missing');
    expect(err.message).toContain('does not exist');
  });

  test('empty: a 0-byte key file → key/empty', async () => {
    const h = await home('empty');
    expect(statSync(h.keyPath).size).toBe(0);
    const err = loadError(h.keyPath);
    expect(err.code).toBe('key/empty');
    expect(err.message).toContain('is empty');
  });

  test('corrupt: a truncated OpenSSH PEM → key/not-a-key, and ssh-keygen cannot read it either', async () => {
    const h = await home('corrupt');
    const text = readFileSync(h.keyPath, 'utf8');
    expect(text.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----\n')).toBe(true);
    expect(text).not.toContain('-----END');
    const err = loadError(h.keyPath);
    expect(err.code).toBe('key/not-a-key');
    expect(err.message).toContain('is not a usable OpenSSH private key');
    expect(sshKeygenPublic(h.keyPath).ok).toBe(false);
  });

  test('passphrase: an encrypted ed25519 key → key/passphrase-protected; ssh-keygen opens it only with the passphrase', async () => {
    const h = await home('passphrase');
    const err = loadError(h.keyPath);
    expect(err.code).toBe('key/passphrase-protected');
    expect(err.message).toContain('passphrase-protected');
    expect(sshKeygenPublic(h.keyPath, '').ok).toBe(false);
    const opened = sshKeygenPublic(h.keyPath, TEST_PASSPHRASE);
    expect(opened.ok && opened.line.startsWith('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI')).toBe(true);
  });

  test('unsupported-type: an RSA key → key/unsupported-type', async () => {
    const h = await home('unsupported-type');
    const err = loadError(h.keyPath);
    expect(err.code).toBe('key/unsupported-type');
    expect(err.message).toContain('not ssh-ed25519');
    expect(readFileSync(`${h.keyPath}.pub`, 'utf8').startsWith('ssh-rsa ')).toBe(true);
  });

  test('unregistered: a valid ed25519 key that is not the registered one', async () => {
    const h = await home('unregistered');
    const key = loadOllamaKey(h.keyPath);
    expect(key.publicKeyField).toMatch(/^AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}$/);
    expect(key.publicKeyField).not.toBe(registered.publicKeyField);
    expect(sshKeygenPublic(h.keyPath)).toEqual({ ok: true, line: key.authorizedKeyLine });
  });

  test('each home is new, under tmpRoot; cleanup removes it and is idempotent', async () => {
    const a = await prepareHome({ key: 'present' }, { registeredSeed: TEST_SEED, tmpRoot: root, keep: false, log: silent });
    const b = await prepareHome({ key: 'present' }, { registeredSeed: TEST_SEED, tmpRoot: root, keep: false, log: silent });
    expect(a.home).not.toBe(b.home);
    expect(path.dirname(a.home)).toBe(root);
    await Promise.all([a.cleanup(), a.cleanup(), b.cleanup()]);
    expect([existsSync(a.home), existsSync(b.home)]).toEqual([false, false]);
  });

  test('keep (OAC_KEEP_TMP=1) leaves the directory and says where on stderr', async () => {
    const lines: string[] = [];
    const h = await prepareHome({ key: 'present' }, { registeredSeed: TEST_SEED, tmpRoot: root, keep: true, log: { write: (t: string) => lines.push(t) } });
    await h.cleanup();
    expect(existsSync(h.keyPath)).toBe(true);
    expect(lines).toEqual([`oac: kept client HOME ${h.home} (OAC_KEEP_TMP=1)\n`]);
    rmSync(h.home, { recursive: true, force: true });
  });

  test('a registered seed that is not 32 bytes is a harness error', async () => {
    const err = await prepareHome({ key: 'present' }, { registeredSeed: new Uint8Array(31), tmpRoot: root }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as OacError).code).toBe('subject/bad-seed');
    expect((err as OacError).message).toContain('got 31');
  });
});

describe('special keys: made once per run by ssh-keygen, copied into each home', () => {
  test('both homes get the same files, with the modes ssh-keygen gives them, and loading them fails as before', async () => {
    const keysDir = mkdtempSync(path.join(root, 'keys-'));
    const specialKeys = createSpecialKeys(keysDir, ['passphrase', 'unsupported-type']);
    const options = { registeredSeed: TEST_SEED, tmpRoot: root, keep: false, log: silent, specialKeys };
    const [a, b, rsa] = await Promise.all([prepareHome({ key: 'passphrase' }, options), prepareHome({ key: 'passphrase' }, options), prepareHome({ key: 'unsupported-type' }, options)]);
    homes.push(a, b, rsa);
    expect(readFileSync(a.keyPath)).toEqual(readFileSync(b.keyPath));
    expect(readdirSync(keysDir).sort()).toEqual(['id_ed25519_passphrase', 'id_ed25519_passphrase.pub', 'id_rsa', 'id_rsa.pub']);
    expect([statSync(a.keyPath).mode & 0o777, statSync(`${a.keyPath}.pub`).mode & 0o777]).toEqual([0o600, 0o644]);
    expect(loadError(a.keyPath).code).toBe('key/passphrase-protected');
    const opened = sshKeygenPublic(b.keyPath, TEST_PASSPHRASE);
    expect(opened.ok && opened.line.startsWith('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI')).toBe(true);
    expect(loadError(rsa.keyPath).code).toBe('key/unsupported-type');
    expect(readFileSync(`${rsa.keyPath}.pub`, 'utf8').startsWith('ssh-rsa ')).toBe(true);
  });

  test('a kind nobody started is made on first use, once', async () => {
    const keysDir = mkdtempSync(path.join(root, 'keys-'));
    const specialKeys = createSpecialKeys(keysDir);
    expect(readdirSync(keysDir)).toEqual([]);
    const [first, second] = await Promise.all([specialKeys.file('unsupported-type'), specialKeys.file('unsupported-type')]);
    expect(first).toBe(path.join(keysDir, 'id_rsa'));
    expect(second).toBe(first);
    expect(readdirSync(keysDir).sort()).toEqual(['id_rsa', 'id_rsa.pub']);
  });

  test('a failure of ssh-keygen started ahead reaches the scenario that needs the key, as a harness error', async () => {
    const specialKeys = createSpecialKeys(path.join(root, 'no-such-dir'), ['passphrase']);
    const err = await prepareHome({ key: 'passphrase' }, { registeredSeed: TEST_SEED, tmpRoot: root, keep: false, log: silent, specialKeys }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as OacError).code).toBe('subject/ssh-keygen');
    expect((err as OacError).message).toMatch(/^ssh-keygen -q -t ed25519 -N secret .* failed: /);
  });

  test('specialKeyKinds names the kinds a selection of scenarios will ask for', () => {
    expect(specialKeyKinds([{ client: { key: 'present' } }, { client: { key: 'unsupported-type' } }])).toEqual(['unsupported-type']);
    expect(specialKeyKinds([{ client: { key: 'passphrase' } }, { client: { key: 'unsupported-type' } }])).toEqual(['passphrase', 'unsupported-type']);
    expect(specialKeyKinds([{ client: { key: 'missing' } }])).toEqual([]);
  });
});

describe('clientEnvironment', () => {
  const base: NodeJS.ProcessEnv = {
    PATH: '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    http_proxy: 'http://proxy:1',
    HTTPS_PROXY: 'http://proxy:2',
    All_Proxy: 'socks5://proxy:3',
    no_proxy: 'example.com',
    NO_PROXY: 'example.org',
    HTTP_PROXY: 'http://proxy:4',
    https_proxy: 'http://proxy:5',
    ALL_PROXY: 'http://proxy:6',
    npm_config_proxy: 'http://proxy:7',
    GLOBAL_AGENT_HTTP_PROXY: 'http://proxy:8',
    OLLAMA_HOST: 'http://elsewhere:11434',
    OLLAMA_API_KEY: 'inherited-key',
    OLLAMA_AUTH: '1',
    OAC_DEBUG: '1',
    OAC_KEEP_TMP: '1',
    SSL_CERT_FILE: '/etc/inherited.pem',
    NODE_EXTRA_CA_CERTS: '/etc/inherited.pem',
    SSL_CERT_DIR: '/etc/ssl/certs',
    HOME: '/root',
  };

  test('removes every proxy variable (any case, npm and global-agent ones too) and inherited OLLAMA_*/OAC_*/CA variables; keeps the rest', () => {
    const env = clientEnvironment(base, { home: '/tmp/h', action: 'registry-manifest' });
    expect(Object.keys(env).filter((n) => /proxy/i.test(n))).toEqual([]);
    expect(env).toEqual({
      PATH: '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      HOME: '/tmp/h',
      USERPROFILE: '/tmp/h',
      OAC_CONTRACT: EXEC_CONTRACT,
      OAC_ACTION: 'registry-manifest',
    });
  });

  test.each<[ExecAction, boolean]>([
    ['registry-manifest', false], ['cloud-tags', true], ['cloud-whoami', true], ['apikey-tags', false], ['basic-tags', false],
  ])('%s: OLLAMA_AUTH=1 only for the signing actions (%s)', (action, signs) => {
    const env = clientEnvironment(base, { home: '/tmp/h', action });
    expect(env['OLLAMA_AUTH']).toBe(signs ? '1' : undefined);
    expect(env['OAC_CONTRACT']).toBe('oac-exec/1');
  });

  test('OLLAMA_API_KEY only when given (the empty string included), never inherited', () => {
    expect(clientEnvironment(base, { home: '/h', action: 'apikey-tags', apiKey: 'granted-key' })['OLLAMA_API_KEY']).toBe('granted-key');
    const empty = clientEnvironment(base, { home: '/h', action: 'apikey-tags', apiKey: '' });
    expect(Object.hasOwn(empty, 'OLLAMA_API_KEY') && empty['OLLAMA_API_KEY'] === '').toBe(true);
    expect(Object.hasOwn(clientEnvironment(base, { home: '/h', action: 'apikey-tags' }), 'OLLAMA_API_KEY')).toBe(false);
  });

  test('a CA sets every CA variable of the contract; a client certificate sets OAC_CLIENT_CERT/KEY; the scenario id is passed', () => {
    const env = clientEnvironment(base, {
      home: '/h', action: 'cloud-tags', caFile: '/tmp/ca.pem', clientCert: { cert: '/tmp/c.pem', key: '/tmp/c.key' }, scenario: 'tls/golden',
    });
    for (const name of CA_VARIABLES) expect([name, env[name]]).toEqual([name, '/tmp/ca.pem']);
    expect([env['OAC_CLIENT_CERT'], env['OAC_CLIENT_KEY'], env['OAC_SCENARIO']]).toEqual(['/tmp/c.pem', '/tmp/c.key', 'tls/golden']);
    expect(env['SSL_CERT_DIR']).toBeUndefined();
  });

  test('what a real client process sees: no proxy variable, the contract variables', async () => {
    const env = clientEnvironment({ ...process.env, ...base, PATH: process.env['PATH'] }, { home: root, action: 'cloud-whoami' });
    const run = await runClient('env; :', 'cloud-whoami', 'http://127.0.0.1:1', env, { timeoutMs: 10_000 });
    expect(run.exitCode).toBe(0);
    const names = run.stdout.split('\n').map((l) => l.split('=')[0]);
    expect(names.filter((n) => n !== undefined && /proxy/i.test(n))).toEqual([]);
    expect(run.stdout).toContain(`\nHOME=${root}\n`);
    expect(run.stdout).toContain('\nOLLAMA_AUTH=1\n');
    expect(run.stdout).not.toContain('OLLAMA_HOST=');
  });
});

/**
 * Running pids among `pids`. A killed orphan stays a zombie until init reaps it (in a container, maybe
 * never): it runs nothing and holds nothing, so state Z counts as gone.
 */
function alive(pids: number[]): number[] {
  return pids.filter((pid) => {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    // "<pid> (<comm>) <state> …": comm may contain spaces and parentheses, so split after the last ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z';
  });
}

/**
 * Waits (up to 2 s) until none of `pids` runs. SIGKILL closes a process's pipes (which is when runClient
 * returns) a moment before the process turns into a zombie, so "gone" is checked with a short poll.
 */
async function stillRunning(pids: number[], marker: string): Promise<number[]> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const left = [...new Set([...alive(pids), ...alive(processesWith(marker))])];
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Processes whose command line mentions `marker` (the sleeps below use a unique duration). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch (err) {
      // The process ended between readdir and read: it is not running, which is all we ask.
      if (['ENOENT', 'ESRCH'].includes((err as NodeJS.ErrnoException).code ?? '')) continue;
      throw err;
    }
    if (cmdline.split('\0').includes(marker)) found.push(Number(entry));
  }
  return found;
}

const env = { ...process.env };

describe('runClient', () => {
  test('the target reaches the client byte for byte, whatever shell syntax it contains', async () => {
    const target = `http://127.0.0.1:1/v2/a b/'q'/"dq"/$HOME/\`id\`/$(id)/\\n/;&&|*?[x]{a,b}~/\ttab\nnewline/é漢/-n`;
    const action = `--weird 'action'`;
    const run = await runClient(`printf '%s\\0'`, action, target, env, { timeoutMs: 10_000 });
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split('\0')).toEqual([action, target, '']);
    expect(run.command).toBe(`printf '%s\\0' ${shellQuote(action)} ${shellQuote(target)}`);
  });

  test('exit code, stdout and stderr of a normal client; stdin is at EOF (a reader does not hang)', async () => {
    const run = await runClient(`cat; echo body; echo 'oac client: failed' >&2; exit 3; :`, 'cloud-tags', 'http://x', env, { timeoutMs: 10_000 });
    expect(run).toMatchObject({ exitCode: 3, signal: null, timedOut: false, killed: false, stdout: 'body\n', stderr: 'oac client: failed\n' });
    expect(run.spawnError).toBeUndefined();
    expect(run.durationMs).toBeLessThan(10_000);
  });

  test('the environment given is the one the client gets', async () => {
    const run = await runClient('printf %s "$HOME:$OAC_CONTRACT"; :', 'a', 't', { PATH: process.env['PATH'], HOME: '/some/home', OAC_CONTRACT: 'oac-exec/1' }, { timeoutMs: 10_000 });
    expect(run.stdout).toBe('/some/home:oac-exec/1');
  });

  test('a client that sleeps forever is killed at the timeout, with its children', async () => {
    const marker = `1000.${process.pid}1`;
    const timeoutMs = 500;
    const started = Date.now();
    const run = await runClient(`sh -c 'sleep ${marker} & echo $!; echo $$; sleep ${marker}'`, 'registry-manifest', 'http://x', env, { timeoutMs });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(timeoutMs + 3_000);
    expect(run).toMatchObject({ timedOut: true, killed: true, exitCode: null, signal: 'SIGTERM' });
    const pids = run.stdout.trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    expect(await stillRunning(pids, marker)).toEqual([]);
  });

  test('a client that ignores SIGTERM is SIGKILLed after the grace period', async () => {
    const marker = `1000.${process.pid}2`;
    const started = Date.now();
    const run = await runClient(`trap '' TERM; sleep ${marker} & wait; :`, 'a', 't', env, { timeoutMs: 300, killGraceMs: 500 });
    const elapsed = Date.now() - started;
    expect(run).toMatchObject({ timedOut: true, killed: true, signal: 'SIGKILL' });
    expect(elapsed).toBeGreaterThanOrEqual(800);
    expect(elapsed).toBeLessThan(300 + 500 + 3_000);
    expect(await stillRunning([], marker)).toEqual([]);
  });

  test('a client that exits but leaves a child holding stdout: done at once, exit 0, the child is killed', async () => {
    const marker = `1000.${process.pid}3`;
    const started = Date.now();
    const run = await runClient(`sleep ${marker} & echo $!; exit 0; :`, 'a', 't', env, { timeoutMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(run).toMatchObject({ exitCode: 0, timedOut: false, killed: false });
    expect(await stillRunning([Number(run.stdout.trim())], marker)).toEqual([]);
  });

  test('a client that crashes with a signal is reported with the signal (not as a timeout or a harness kill)', async () => {
    const run = await runClient('kill -SEGV $$; :', 'cloud-tags', 'http://x', env, { timeoutMs: 10_000 });
    expect(run).toMatchObject({ exitCode: null, signal: 'SIGSEGV', timedOut: false, killed: false });
  });

  test('huge output is capped (1 MiB each by default) and the truncation is noted', async () => {
    const run = await runClient(`head -c 3145728 /dev/zero | tr '\\0' a; head -c 2000000 /dev/zero | tr '\\0' b >&2; :`, 'a', 't', env, { timeoutMs: 20_000 });
    expect(run.exitCode).toBe(0);
    const [kept, ...rest] = run.stdout.split('\n');
    expect(kept).toBe('a'.repeat(1024 * 1024));
    expect(rest).toEqual(['[oac: stdout truncated: kept the first 1048576 bytes, dropped 2097152 more]', '']);
    expect(run.stderr.startsWith('b'.repeat(1024 * 1024) + '\n[oac: stderr truncated: kept the first 1048576 bytes, dropped 951424 more]')).toBe(true);
  });

  test('a smaller cap is honoured; output under the cap is untouched', async () => {
    const over = await runClient('printf 0123456789; :', 'a', 't', env, { timeoutMs: 10_000, maxOutputBytes: 4 });
    expect(over.stdout).toBe('0123\n[oac: stdout truncated: kept the first 4 bytes, dropped 6 more]\n');
    const under = await runClient('printf 0123; :', 'a', 't', env, { timeoutMs: 10_000, maxOutputBytes: 4 });
    expect(under.stdout).toBe('0123');
  });

  test('a client that cannot be started is a spawnError (no exit code), never a crash of the harness', async () => {
    const noShell = await runClient('true', 'a', 't', env, { timeoutMs: 10_000, shell: '/nonexistent/sh' });
    expect(noShell).toMatchObject({ exitCode: null, signal: null, timedOut: false, killed: false });
    expect(noShell.spawnError).toContain('ENOENT');
    expect(noShell.spawnError).toContain('/nonexistent/sh');
    const noDir = await runClient('true', 'a', 't', env, { timeoutMs: 10_000, cwd: path.join(root, 'no-such-dir') });
    expect(noDir.spawnError).toContain('no-such-dir');
  });

  test('a command the shell cannot find is the client\'s failure (exit 127), not a spawn error', async () => {
    const run = await runClient('/nonexistent/client', 'a', 't', env, { timeoutMs: 10_000 });
    expect(run.exitCode).toBe(127);
    expect(run.spawnError).toBeUndefined();
    expect(run.stderr).toContain('/nonexistent/client');
  });

  test('shellQuote refuses a NUL byte (the OS cannot pass one)', () => {
    expect(() => shellQuote('a\0b')).toThrow(HarnessError);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
  });
});

describe('the harness dying does not leave clients behind', () => {
  const built = path.resolve('dist/conformance/subject.js');

  test.each(['SIGINT', 'SIGTERM'] as const)('%s to the harness kills the running client\'s process group, then the harness dies of it', async (signal) => {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does)`);
    const marker = `1000.${process.pid}${signal === 'SIGINT' ? 5 : 6}`;
    // A harness of its own (runClient from the build), so that it can be interrupted without touching jest.
    const script = `import { runClient } from ${JSON.stringify(pathToFileURL(built).href)};
      runClient('sleep ${marker} & sleep ${marker}; :', 'a', 't', process.env, { timeoutMs: 60000 });`;
    const harness = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const ended = new Promise<NodeJS.Signals | null>((resolve) => harness.on('exit', (_code, sig) => resolve(sig)));
    const deadline = Date.now() + 10_000;
    while (processesWith(marker).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(processesWith(marker)).toHaveLength(2);
    harness.kill(signal);
    expect(await ended).toBe(signal);
    expect(await stillRunning([], marker)).toEqual([]);
  });
});
