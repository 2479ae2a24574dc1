/**
 * `oac record --intercept -- <command>` as a user runs it (the built CLI, its own process): the user's
 * own client runs unmodified against https://registry.ollama.ai and https://ollama.com, the intercept
 * proxy forwards to HTTPS stand-ins on loopback (emulators with certificates for the real names, reached
 * with --connect-to and trusted with --ca-file), and what was said becomes a cassette through the same
 * pipeline as the reference client's recordings. Nothing here reaches an outside host: the proxy refuses
 * every other destination without resolving it, and the client that ignores the proxy is pinned to a
 * closed loopback port. Each run gets its own TMPDIR, which must be empty afterwards.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { proxyNotUsedMessage } from '../../src/intercept/guidance.js';
import { ollamaKeyFiles, writeOllamaKeyFiles } from '../../src/keys/index.js';
import { lintCassette, loadServableCassette, recordCassette, scanFile, type Cassette } from '../../src/recorder/index.js';
import { recordIntercepted } from '../../src/recorder/intercept-record.js';
import { CLI } from '../helpers/cli.js';
import { runProcess, type ProcessRun } from '../helpers/process.js';
import type { TestPki } from '../reference/helpers/pki.js';
import { startPublicStandIns, type PublicStandIns } from '../helpers/public-stand-ins.js';
import { randomToken } from './support.js';

const REGISTRY_URL = 'https://registry.ollama.ai/v2/library/llama3/manifests/latest';
const PYTHON_CLIENT = ['/usr/bin/python3', 'examples/python/client.py'];
const SHELL_CLIENT = ['examples/shell/client.sh'];

const scratch = mkdtempSync(join(tmpdir(), 'oac-record-intercept-test-'));
const home = join(scratch, 'home');
const keyFiles = ollamaKeyFiles();
const apiKey = `k${randomToken(40)}`;
let standIns: PublicStandIns;
let pki: TestPki;
let caFile: string;
let connectTo: string[];
let registryPort: number;

beforeAll(async () => {
  mkdirSync(home);
  writeOllamaKeyFiles(home, keyFiles);
  standIns = await startPublicStandIns(scratch, { authorizedKeys: [keyFiles.key.publicKeyField], apiKeys: [apiKey] });
  ({ pki, caFile, connectTo, registryPort } = standIns);
});
afterAll(async () => {
  await standIns.stop();
  rmSync(scratch, { recursive: true, force: true });
});

interface RecordRun extends ProcessRun {
  /** What was left in the run's own TMPDIR (must be nothing). */
  leftInTmp: string[];
}

/** `oac record --intercept …` with a private HOME (the test key), OLLAMA_API_KEY set, and a private TMPDIR. */
async function recordIntercept(args: string[], command: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RecordRun> {
  const runTmp = mkdtempSync(join(scratch, 'tmp-'));
  const env = { PATH: process.env['PATH'], HOME: home, TMPDIR: runTmp, OLLAMA_API_KEY: apiKey, ...extraEnv };
  const run = await runProcess(process.execPath, [CLI, 'record', '--intercept', ...args, '--', ...command], { env, timeoutMs: 60_000 });
  const leftInTmp = readdirSync(runTmp);
  rmSync(runTmp, { recursive: true, force: true });
  return { ...run, leftInTmp };
}

function read(path: string): Cassette {
  return JSON.parse(readFileSync(path, 'utf8')) as Cassette;
}

/** Every secret value of these runs, by label (a failure names the label, never the value). */
function secrets(): Record<string, string> {
  return { apiKey, publicKeyField: keyFiles.key.publicKeyField, privateKey: keyFiles.privatePem.split('\n')[1]! };
}

function leaked(text: string): string[] {
  return Object.entries(secrets()).filter(([, value]) => text.includes(value)).map(([label]) => label);
}

function shape(cassette: Cassette): [string, number, string][] {
  return cassette.log.entries.map((e) => [e._oac.role, e.response.status, `${e.request.method} ${e.request.url.replace(/\?.*$/, '')}`]);
}

describe('recording your own client through the intercept proxy', () => {
  test.each([
    ['the Python example', [...PYTHON_CLIENT, 'registry-manifest', REGISTRY_URL]],
    ['the shell example', [...SHELL_CLIENT, 'registry-manifest', REGISTRY_URL]],
  ])('%s: a registry cassette under the real host names, servable, the command in its provenance', async (_name, command) => {
    const out = join(scratch, `registry-${command[0]!.includes('python') ? 'python' : 'shell'}.har`);
    const run = await recordIntercept(['--flow', 'registry', ...connectTo, '--ca-file', caFile, '--out', out], command);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`wrote ${out} (3 entries: challenge, token, retry)\n  new cassette: 3 entries (challenge, token, retry)\n`);
    const cassette = read(out);
    expect(shape(cassette)).toEqual([
      ['challenge', 401, `GET ${REGISTRY_URL}`],
      ['token', 200, 'GET https://registry.ollama.ai/v2/token'],
      ['retry', 200, `GET ${REGISTRY_URL}`],
    ]);
    expect(cassette.log._oac).toMatchObject({
      origin: 'local-stand-in',
      targetHosts: ['registry.ollama.ai'],
      flow: 'registry',
      referenceClient: { name: `intercepted command: ${command.join(' ')}`, version: 'unknown (not reported by the command)' },
    });
    expect(cassette.log._oac.notes).toBe(`registry/pull as the user's own client performs it: recorded by intercepting the command \`${command.join(' ')}\` (oac record --intercept), whose requests the intercept proxy forwarded to https://registry.ollama.ai and https://ollama.com (served by a stand-in via connectTo) (local-stand-in).`);
    // The token request went out signed; the cassette holds placeholders only.
    expect(cassette.log.entries[1]!.request.headers.find((h) => h.name === 'authorization')!.value).toBe('<pubkey:ssh-ed25519 68 base64>:<signature:88 base64>');
    expect(cassette.log.entries[2]!.request.headers.find((h) => h.name === 'authorization')!.value).toMatch(/^Bearer <token:opaque \d+ chars #1>$/);
    expect(lintCassette(out)).toEqual([]);
    expect(scanFile(out)).toEqual([]);
    expect(leaked(readFileSync(out, 'utf8') + run.stdout + run.stderr)).toEqual([]);
    // What `oac check` serves a scenario from: the cassette passes the same gate.
    expect(loadServableCassette(out).cassette.log.entries).toHaveLength(3);
    expect(run.leftInTmp).toEqual([]);
  }, 90_000);

  test('the cassette has the role sequence and statuses of the Polly recording of the same flow', async () => {
    const out = join(scratch, 'registry-compare.har');
    const run = await recordIntercept(['--flow', 'registry', ...connectTo, '--ca-file', caFile, '--out', out], [...PYTHON_CLIENT, 'registry-manifest', REGISTRY_URL]);
    expect(run.code).toBe(0);
    const polly = await recordCassette({
      target: 'live', connectTo: { 'registry.ollama.ai:443': `127.0.0.1:${registryPort}` }, tls: { ca: pki.caCert },
      flow: 'registry', key: keyFiles.key, write: false,
    });
    expect(shape(read(out))).toEqual(shape(polly.cassette));
  });

  test('the api-key flow: OLLAMA_API_KEY, in the environment and in the command line, is redacted everywhere', async () => {
    const out = join(scratch, 'apikey.har');
    // The key on the command line too: provenance quotes the command, redacted.
    const command = ['env', `OLLAMA_API_KEY=${apiKey}`, ...PYTHON_CLIENT, 'apikey-tags', 'https://ollama.com'];
    const run = await recordIntercept(['--flow', 'api-key', ...connectTo, '--ca-file', caFile, '--out', out], command);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const cassette = read(out);
    expect(shape(cassette)).toEqual([['resource', 200, 'GET https://ollama.com/api/tags']]);
    expect(cassette.log.entries[0]!.request.headers.find((h) => h.name === 'authorization')!.value).toBe(`Bearer <apikey:${apiKey.length} chars>`);
    expect(cassette.log._oac.referenceClient!.name).toBe(`intercepted command: env OLLAMA_API_KEY=<redacted> ${PYTHON_CLIENT.join(' ')} apikey-tags https://ollama.com`);
    expect(scanFile(out)).toEqual([]);
    expect(leaked(readFileSync(out, 'utf8') + run.stdout + run.stderr)).toEqual([]);
  }, 60_000);
});

describe('what is not recorded, and why', () => {
  test('a command that ignores the proxy: the no-proxy error with the per-stack guidance, nothing written', async () => {
    const out = join(scratch, 'never-noproxy.har');
    // --noproxy '*' ignores the environment; --connect-to pins the name to a closed loopback port.
    const command = ['curl', '-sS', '--noproxy', '*', '--connect-to', 'registry.ollama.ai:443:127.0.0.1:9', REGISTRY_URL];
    const run = await recordIntercept(['--flow', 'registry', ...connectTo, '--ca-file', caFile, '--out', out], command);
    const proxyUrl = /intercept proxy at (http:\/\/127\.0\.0\.1:\d+)/.exec(run.stderr)?.[1] ?? '(no proxy URL in the message)';
    expect(run.stderr).toBe(`oac: nothing written to ${out}: ${proxyNotUsedMessage(`curl -sS --noproxy '*' --connect-to registry.ollama.ai:443:127.0.0.1:9 ${REGISTRY_URL}`, proxyUrl)}\n`);
    expect(run.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(run.leftInTmp).toEqual([]);
  });

  test('a command that exits non-zero: the error names the exit status and the end of its stderr', async () => {
    const out = join(scratch, 'never-exit.har');
    const command = ['sh', '-c', `curl -sS -o /dev/null ${REGISTRY_URL}; echo 'giving up' >&2; exit 2`];
    const run = await recordIntercept(['--flow', 'registry', ...connectTo, '--ca-file', caFile, '--out', out], command);
    expect(run.stderr).toBe(`oac: nothing written to ${out}: the command exited 2, so its exchange is not a successful registry flow; its stderr ended with:\n  giving up\n`);
    expect(run.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  test('a command that does not exist: a clear error, nothing written', async () => {
    const out = join(scratch, 'never-missing.har');
    const run = await recordIntercept(['--flow', 'registry', ...connectTo, '--ca-file', caFile, '--out', out], ['oac-no-such-command', 'pull']);
    expect(run.stderr).toBe(`oac: nothing written to ${out}: cannot start oac-no-such-command pull: spawn oac-no-such-command ENOENT (is it installed and on PATH? the command runs without a shell)\n`);
    expect(run.code).toBe(1);
    expect(run.leftInTmp).toEqual([]);
  });

  test('a command that also goes elsewhere: the refusal is printed as it happens, and the recording fails', async () => {
    const out = join(scratch, 'never-elsewhere.har');
    const command = ['sh', '-c', `${PYTHON_CLIENT.join(' ')} registry-manifest ${REGISTRY_URL} >/dev/null && curl -s -o /dev/null https://elsewhere.invalid/ping; exit 0`];
    const run = await recordIntercept(['--flow', 'registry', ...connectTo, '--ca-file', caFile, '--out', out], command);
    expect(run.stderr).toBe([
      'oac record: the intercept proxy refused CONNECT elsewhere.invalid:443: elsewhere.invalid is not an intercepted host (only registry.ollama.ai, ollama.com)',
      `oac: nothing written to ${out}: the command also contacted CONNECT elsewhere.invalid:443, which the intercept proxy refused (only registry.ollama.ai and ollama.com over https are recorded): a cassette of a client that also went elsewhere is not a clean record of the registry flow`,
      '',
    ].join('\n'));
    expect(run.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  test('an exchange that is not the flow asked for: what was expected and what was seen', async () => {
    const out = join(scratch, 'never-mismatch.har');
    const run = await recordIntercept(['--flow', 'registry', ...connectTo, '--ca-file', caFile, '--out', out], [...PYTHON_CLIENT, 'cloud-tags', 'https://ollama.com']);
    expect(run.stderr).toBe(`oac: nothing written to ${out}: the exchange has no 401 Bearer challenge, so it is not a registry flow (seen: GET https://ollama.com/api/tags → 200)\n`);
    expect(run.code).toBe(1);
    expect(leaked(run.stderr)).toEqual([]);
  });

  test('without --ca-file the stand-in is not trusted: the upstream failure is the error', async () => {
    const out = join(scratch, 'never-untrusted.har');
    const run = await recordIntercept(['--flow', 'registry', ...connectTo, '--out', out], [...PYTHON_CLIENT, 'registry-manifest', REGISTRY_URL]);
    expect(run.stderr).toContain(`oac: nothing written to ${out}: the upstream failed, so the exchange is incomplete: GET registry.ollama.ai:443/v2/library/llama3/manifests/latest: upstream 127.0.0.1:${registryPort} for registry.ollama.ai failed: `);
    expect(run.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  test.each([
    [['--target', 'http://127.0.0.1:1'], '--intercept forwards to the live host names: --target must be "live" or omitted, got "http://127.0.0.1:1" (to record against a stand-in, pass --connect-to registry.ollama.ai:443:ADDRESS:PORT and --ca-file)'],
    [['--test-key'], '--test-key does not apply to --intercept: the command makes its own requests with its own key, model and clock'],
  ])('usage: %j', async (args, message) => {
    const run = await recordIntercept(['--flow', 'registry', ...args], ['true']);
    expect(run.stderr).toBe(`oac: ${message} (see oac --help)\n`);
    expect(run.code).toBe(2);
  });

  test('--connect-to may only redirect the names the proxy forwards', async () => {
    const run = await recordIntercept(['--flow', 'registry', '--connect-to', 'example.com:443:127.0.0.1:1'], ['true']);
    expect(run.stderr).toBe('oac: with --intercept, --connect-to may only redirect registry.ollama.ai:443 and ollama.com:443 (the names the proxy forwards), got example.com:443\n');
    expect(run.code).toBe(1);
  });

  test('no command after --, and a command without --intercept, are usage errors', async () => {
    const env = { PATH: process.env['PATH'], HOME: home };
    const none = await runProcess(process.execPath, [CLI, 'record', '--intercept', '--flow', 'registry'], { env });
    expect(none.stderr).toBe('oac: --intercept needs the command to record after --, e.g. oac record --intercept --flow registry -- python -m myrouter pull llama3 (see oac --help)\n');
    const without = await runProcess(process.execPath, [CLI, 'record', '--target', 'live', '--flow', 'registry', '--', 'true'], { env });
    expect(without.stderr).toBe('oac: a command after -- is only run with --intercept (oac record --intercept --flow F -- <command>) (see oac --help)\n');
    const noTarget = await runProcess(process.execPath, [CLI, 'record', '--flow', 'registry'], { env });
    expect(noTarget.stderr).toBe('oac: Missing required argument: target (see oac --help)\n');
  });
});

/** Whether `pid` still runs after `ms` (a zombie waiting for a reaper counts as gone: it runs nothing). */
async function runsWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    let state: string | undefined;
    try {
      state = /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (state === undefined || state === 'Z' || state === 'X') return false;
    if (Date.now() > deadline) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the library API: what the proxy captured is what the client read', () => {
  /** An https stand-in for ollama.com that answers /api/tags gzip-compressed, as a live CDN may. */
  async function gzipStandIn(): Promise<{ port: number; close: () => Promise<void> }> {
    const server = https.createServer({ cert: pki.serverCert, key: pki.serverKey }, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ models: [{ name: 'gpt-oss:120b-cloud' }] })));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return {
      port: (server.address() as AddressInfo).port,
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  test('a gzip-compressed response is stored decoded, without its Content-Encoding', async () => {
    const standIn = await gzipStandIn();
    try {
      const result = await recordIntercepted({
        command: ['curl', '-sS', '--fail', '--compressed', '-H', `Authorization: Bearer ${apiKey}`, 'https://ollama.com/api/tags'],
        flow: 'api-key', apiKey, connectTo: { 'ollama.com:443': `127.0.0.1:${standIn.port}` }, ca: pki.caCert,
        env: { PATH: process.env['PATH'], HOME: home }, write: false, log: () => undefined,
      });
      const [entry] = result.cassette.log.entries;
      expect(entry!.response.content.text).toBe('{"models":[{"name":"gpt-oss:120b-cloud"}]}');
      expect(entry!.response.headers.map((h) => h.name)).toEqual(['content-type']);
      expect(entry!.request.headers.find((h) => h.name === 'authorization')!.value).toBe(`Bearer <apikey:${apiKey.length} chars>`);
      expect(result.written).toBe(false);
    } finally {
      await standIn.close();
    }
  });

  test('plain http to an intercepted name is refused: only https is forwarded to the real origin', async () => {
    const lines: string[] = [];
    const out = join(scratch, 'never-http.har');
    let error: unknown;
    try {
      await recordIntercepted({
        command: ['curl', '-sS', 'http://ollama.com/api/tags'], flow: 'api-key', apiKey,
        connectTo: { 'ollama.com:443': '127.0.0.1:9' }, env: { PATH: process.env['PATH'], HOME: home }, out, log: (line) => lines.push(line),
      });
    } catch (err) {
      error = err;
    }
    expect(lines).toEqual(['oac record: the intercept proxy refused GET ollama.com:80/api/tags: plain http to ollama.com is not forwarded to its real origin: only https is recorded']);
    expect((error as Error).message).toBe(`nothing written to ${out}: the command also contacted GET ollama.com:80/api/tags, which the intercept proxy refused (only registry.ollama.ai and ollama.com over https are recorded): a cassette of a client that also went elsewhere is not a clean record of the api-key flow`);
  });
});

describe('Ctrl-C', () => {
  test('kills the command and removes the per-run CA files', async () => {
    const runTmp = mkdtempSync(join(scratch, 'tmp-int-'));
    const pidFile = join(scratch, 'sleeper.pid');
    const env = { PATH: process.env['PATH'], HOME: home, TMPDIR: runTmp };
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [CLI, 'record', '--intercept', '--flow', 'registry', ...connectTo, '--out', join(scratch, 'never-int.har'), '--',
      'sh', '-c', `echo $$ > ${pidFile}; exec sleep 60`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const deadline = Date.now() + 20_000;
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
      if (Date.now() > deadline) throw new Error('the command never started');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // While it runs, the per-run CA is in the run's TMPDIR.
    expect(readdirSync(runTmp)).toEqual([expect.stringMatching(/^oac-record-intercept-/)]);
    const sleeper = Number(readFileSync(pidFile, 'utf8').trim());
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    expect(await runsWithin(sleeper, 5_000)).toBe(false);
    expect(readdirSync(runTmp)).toEqual([]);
    rmSync(runTmp, { recursive: true, force: true });
  });
});
