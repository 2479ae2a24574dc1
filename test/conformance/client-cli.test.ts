/**
 * `oac client`, the reference client of exec contract v1, against the emulator (which verifies every
 * signature for real): each action succeeds with the body verbatim on stdout, and fails with exit 1 and
 * one `oac client: <action>: …` line when it should. Most cases call the command's function in-process
 * (with the environment `oac check` gives a client); the last group runs the built CLI as a separate
 * process through runClient, exactly as `oac check` does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runClientAction, type ClientOutcome } from '../../src/cli/client.js';
import { clientEnvironment, prepareHome, runClient, shellQuote, type PreparedHome } from '../../src/conformance/subject.js';
import type { ClientSetup, ExecAction } from '../../src/conformance/types.js';
import { createEmulator, defaultCatalogue, defaultCloudModels, type Emulator } from '../../src/emulator/index.js';
import { keyFromSeed, TEST_SEED } from '../../src/keys/index.js';
import { CLI } from '../helpers/cli.js';
import { makeTestPki, type TestPki } from '../reference/helpers/pki.js';

const registered = keyFromSeed(TEST_SEED);
const API_KEY = 'oac-test-api-key-granted';
const BASIC = { user: 'alice', pass: 's3cret p@ss' };
const MODEL = 'library/llama3:latest';
const catalogue = defaultCatalogue();
const manifest = catalogue.manifests.get(MODEL)!;
const cloudNames = defaultCloudModels().map((m) => m.name);

const dir = mkdtempSync(path.join(tmpdir(), 'oac-client-test-'));
const homes = new Map<ClientSetup['key'], PreparedHome>();
let emulator: Emulator;
let origin: string;
let tlsEmulator: Emulator;
let tlsOrigin: string;
let pki: TestPki;
const files = { ca: path.join(dir, 'ca.pem'), otherCa: path.join(dir, 'other-ca.pem'), cert: path.join(dir, 'client.pem'), key: path.join(dir, 'client.key') };

beforeAll(async () => {
  for (const key of ['present', 'missing', 'passphrase', 'unregistered'] as const) {
    homes.set(key, await prepareHome({ key }, { registeredSeed: TEST_SEED, tmpRoot: dir, keep: false }));
  }
  emulator = createEmulator({ authorizedKeys: [registered.publicKeyField], apiKeys: [API_KEY], basic: BASIC, models: catalogue });
  origin = (await emulator.start()).url;
  pki = makeTestPki();
  writeFileSync(files.ca, pki.caCert);
  writeFileSync(files.otherCa, pki.otherCaCert);
  writeFileSync(files.cert, pki.clientCert);
  writeFileSync(files.key, pki.clientKey);
  tlsEmulator = createEmulator({
    authorizedKeys: [registered.publicKeyField],
    tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requestCert: true },
  });
  tlsOrigin = (await tlsEmulator.start()).url;
});

afterAll(async () => {
  await emulator?.stop();
  await tlsEmulator?.stop();
  await Promise.all([...homes.values()].map((h) => h.cleanup()));
  rmSync(dir, { recursive: true, force: true });
});

interface EnvOptions {
  key?: ClientSetup['key'];
  apiKey?: string;
  caFile?: string;
  clientCert?: { cert: string; key: string };
}

function envFor(action: ExecAction, opts: EnvOptions = {}): NodeJS.ProcessEnv {
  const home = homes.get(opts.key ?? 'present')!.home;
  return clientEnvironment(process.env, { home, action, ...opts });
}

/** Runs the client in-process and returns its outcome plus the requests the emulator saw meanwhile. */
async function run(action: string, target: string, env: NodeJS.ProcessEnv, server: Emulator = emulator) {
  const before = server.log.length;
  const outcome = await runClientAction(action, target, env);
  return { ...outcome, text: outcome.stdout.toString('utf8'), requests: server.log.slice(before) };
}

function expectFailure(outcome: ClientOutcome, action: string, ...fragments: string[]): void {
  expect({ exitCode: outcome.exitCode, stdout: outcome.stdout.toString('utf8') }).toEqual({ exitCode: 1, stdout: '' });
  expect(outcome.stderr.startsWith(`oac client: ${action}: `)).toBe(true);
  expect(outcome.stderr.endsWith('\n')).toBe(true);
  expect(outcome.stderr.slice(0, -1)).not.toContain('\n');
  for (const f of fragments) expect(outcome.stderr).toContain(f);
}

const manifestUrl = (base: string, model = 'library/llama3', tag = 'latest'): string => `${base}/v2/${model}/manifests/${tag}`;

describe('registry-manifest', () => {
  test('completes the challenge flow and prints the manifest byte for byte', async () => {
    const r = await run('registry-manifest', manifestUrl(origin), envFor('registry-manifest'));
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect(r.text).toBe(manifest);
    expect(r.requests.map((e) => [e.url.split('?')[0], e.status])).toEqual([
      ['/v2/library/llama3/manifests/latest', 401], ['/v2/token', 200], ['/v2/library/llama3/manifests/latest', 200],
    ]);
    expect(r.requests[1]!.findings.filter((f) => !f.ok)).toEqual([]);
    expect(r.requests[1]!.headers['authorization']).toBe('<68 chars>:<88 chars>');
  });

  test('no key: fails after the challenge, before any token request (the key is read only when needed)', async () => {
    const r = await run('registry-manifest', manifestUrl(origin), envFor('registry-manifest', { key: 'missing' }));
    expectFailure(r, 'registry-manifest', 'id_ed25519 does not exist');
    expect(r.requests.map((e) => e.status)).toEqual([401]);
  });

  test('an unregistered key: the token endpoint\'s 401 is surfaced', async () => {
    const r = await run('registry-manifest', manifestUrl(origin), envFor('registry-manifest', { key: 'unregistered' }));
    expectFailure(r, 'registry-manifest', '401');
    expect(r.requests.map((e) => e.status)).toEqual([401, 401]);
  });

  test('a model that does not exist → file does not exist (404)', async () => {
    const r = await run('registry-manifest', manifestUrl(origin, 'library/nope'), envFor('registry-manifest'));
    expectFailure(r, 'registry-manifest', 'file does not exist', '404');
  });
});

describe('cloud-tags and cloud-whoami (direct signatures)', () => {
  test('cloud-tags: GET /api/tags signed the direct way (raw form, ts in the URL); the body is printed verbatim', async () => {
    const r = await run('cloud-tags', origin, envFor('cloud-tags'));
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect((JSON.parse(r.text) as { models: Array<{ name: string }> }).models.map((m) => m.name)).toEqual(cloudNames);
    expect(r.requests).toHaveLength(1);
    const req = r.requests[0]!;
    expect([req.method, req.status, req.headers['authorization']]).toEqual(['GET', 200, '<68 chars>:<88 chars>']);
    expect(req.url).toMatch(/^\/api\/tags\?ts=\d+$/);
    expect(req.findings.filter((f) => !f.ok)).toEqual([]);
  });

  test('cloud-tags with an unregistered key: exit 1 with the status and the signin_url', async () => {
    const r = await run('cloud-tags', origin, envFor('cloud-tags', { key: 'unregistered' }));
    expectFailure(r, 'cloud-tags', '401', 'unauthorized', 'https://ollama.com/connect?name=emulator&key=');
  });

  test('cloud-whoami: POST /api/me signed, body printed', async () => {
    const r = await run('cloud-whoami', origin, envFor('cloud-whoami'));
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect(r.requests.map((e) => [e.method, e.url.replace(/\d+$/, 'N'), e.status])).toEqual([['POST', '/api/me?ts=N', 200]]);
    expect(JSON.parse(r.text)).toEqual(expect.any(Object));
  });

  test('cloud-whoami with a passphrase-protected key: exit 1 and nothing sent', async () => {
    const r = await run('cloud-whoami', origin, envFor('cloud-whoami', { key: 'passphrase' }));
    expectFailure(r, 'cloud-whoami', 'passphrase-protected');
    expect(r.requests).toEqual([]);
  });
});

describe('apikey-tags', () => {
  test('sends Authorization: Bearer $OLLAMA_API_KEY to the target (the stand-in for ollama.com)', async () => {
    const r = await run('apikey-tags', origin, envFor('apikey-tags', { apiKey: API_KEY }));
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect(r.requests.map((e) => [e.url, e.status, e.headers['authorization']])).toEqual([['/api/tags', 200, `Bearer <${API_KEY.length} chars>`]]);
  });

  test('a revoked key: the 401 is surfaced', async () => {
    const r = await run('apikey-tags', origin, envFor('apikey-tags', { apiKey: 'revoked-key' }));
    expectFailure(r, 'apikey-tags', '401', 'unauthorized');
  });

  test('an empty key is never sent as "Bearer "; an unset one is an error too', async () => {
    const empty = await run('apikey-tags', origin, envFor('apikey-tags', { apiKey: '' }));
    expectFailure(empty, 'apikey-tags', 'OLLAMA_API_KEY is empty');
    expect(empty.requests).toEqual([]);
    const unset = await run('apikey-tags', origin, envFor('apikey-tags'));
    expectFailure(unset, 'apikey-tags', 'OLLAMA_API_KEY is not set');
    expect(unset.requests).toEqual([]);
  });
});

describe('basic-tags', () => {
  const withCredentials = (user: string, pass: string): string => origin.replace('://', `://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@`);

  test('sends the URL\'s user:pass as HTTP Basic, never in the request line', async () => {
    const r = await run('basic-tags', withCredentials(BASIC.user, BASIC.pass), envFor('basic-tags'));
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect(r.requests.map((e) => [e.url, e.status])).toEqual([['/api/tags', 200]]);
    expect(r.requests[0]!.headers['authorization']).toMatch(/^Basic </);
  });

  test('a wrong password → exit 1 with the 401; the password is not in the message', async () => {
    const r = await run('basic-tags', withCredentials(BASIC.user, 'wrong-password'), envFor('basic-tags'));
    expectFailure(r, 'basic-tags', '401');
    expect(r.stderr).not.toContain('wrong-password');
  });

  test('no credentials in the URL → exit 1 before any request', async () => {
    const r = await run('basic-tags', origin, envFor('basic-tags'));
    expectFailure(r, 'basic-tags', 'no Basic credentials');
    expect(r.requests).toEqual([]);
  });
});

describe('TLS: OAC_CA_FILE and OAC_CLIENT_CERT/KEY', () => {
  test('with the CA and the client certificate the signed request succeeds', async () => {
    const r = await run('cloud-tags', tlsOrigin, envFor('cloud-tags', { caFile: files.ca, clientCert: { cert: files.cert, key: files.key } }), tlsEmulator);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect(r.requests.map((e) => e.status)).toEqual([200]);
  });

  test('another CA: the server certificate is refused (TLS error), nothing reaches the server', async () => {
    const r = await run('cloud-tags', tlsOrigin, envFor('cloud-tags', { caFile: files.otherCa, clientCert: { cert: files.cert, key: files.key } }), tlsEmulator);
    expectFailure(r, 'cloud-tags', 'TLS handshake failed');
    expect(r.requests).toEqual([]);
  });

  test('the CA but no client certificate: the server refuses (400 client certificate required)', async () => {
    const r = await run('cloud-tags', tlsOrigin, envFor('cloud-tags', { caFile: files.ca }), tlsEmulator);
    expectFailure(r, 'cloud-tags', '400', 'client certificate required');
  });

  test('an OAC_CA_FILE that cannot be read is an error naming it', async () => {
    const env = envFor('cloud-tags', { caFile: path.join(dir, 'missing-ca.pem') });
    const r = await run('cloud-tags', tlsOrigin, env, tlsEmulator);
    expectFailure(r, 'cloud-tags', 'cannot read OAC_CA_FILE=', 'missing-ca.pem');
  });
});

describe('unsupported actions', () => {
  test('exit 3 with "unsupported action <name>" on stderr, nothing on stdout', async () => {
    const r = await run('registry-push', origin, envFor('registry-manifest'));
    expect(r.exitCode).toBe(3);
    expect(r.text).toBe('');
    expect(r.stderr).toBe('oac client: unsupported action registry-push (this client implements registry-manifest, cloud-tags, cloud-whoami, apikey-tags, basic-tags)\n');
    expect(r.requests).toEqual([]);
  });
});

describe('the built CLI as a process (oac client …, run the way oac check runs clients)', () => {
  const command = `${shellQuote(process.execPath)} ${shellQuote(CLI)} client`;
  const exec = (action: string, target: string, env: NodeJS.ProcessEnv) => runClient(command, action, target, env, { timeoutMs: 20_000 });

  test('success: exit 0, the manifest on stdout byte for byte, nothing on stderr', async () => {
    const r = await exec('registry-manifest', manifestUrl(origin), envFor('registry-manifest'));
    expect({ exitCode: r.exitCode, stderr: r.stderr, stdout: r.stdout }).toEqual({ exitCode: 0, stderr: '', stdout: manifest });
  });

  test('failure: exit 1 and exactly one stderr line', async () => {
    const r = await exec('cloud-tags', origin, envFor('cloud-tags', { key: 'unregistered' }));
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^oac client: cloud-tags: 401: unauthorized \(sign in at https:\/\/ollama\.com\/connect\?[^\n]*\)\n$/);
  });

  test('unknown action: exit 3 with "unsupported action"', async () => {
    const r = await exec('no-such-action', origin, envFor('cloud-tags'));
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('unsupported action no-such-action');
  });
});
