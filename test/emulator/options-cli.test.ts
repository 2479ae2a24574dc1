/** Options, durations, authorized_keys files, TLS, and `oac emulate`'s argument handling and output. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createEmulator, parseAuthorizedKeys, parseDuration, type Emulator, type EmulatorEvent } from '../../src/emulator/index.js';
import { generateThrowawayCert } from '../../src/emulator/tls-cert.js';
import { emulatorOptionsFromArgs, formatEventLine, parseBasic, parseFaults, runEmulate, type EmulateArgs } from '../../src/cli/emulate.js';
import { OacError } from '../../src/errors.js';
import { validate } from '../../src/specs/validate.js';
import { formatAuthorization } from '../../src/protocol/authorization.js';
import { buildDirectRequest } from '../../src/protocol/signing.js';
import { expectSchema, freshKey, send, targetOf, TEST_KEY } from './support.js';

function expectOacError(fn: () => unknown, code: string, fragment: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(OacError);
  expect({ code: (caught as OacError).code, hasFragment: (caught as OacError).message.includes(fragment) }).toEqual({ code, hasFragment: true });
}

const dir = mkdtempSync(path.join(tmpdir(), 'oac-emulator-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('schema checks used by every suite', () => {
  test('bite: the other error shape, an empty token and a non-URI signin_url are invalid', () => {
    expect(validate('ollama-error', { errors: [{ code: 'DENIED' }] }).ok).toBe(false);
    expect(validate('oci-errors', { error: 'unauthorized' }).ok).toBe(false);
    expect(validate('token-response', { token: '' }).ok).toBe(false);
    expect(validate('ollama-error', { error: 'unauthorized', signin_url: 'not a uri' }).ok).toBe(false);
  });
});

describe('parseDuration', () => {
  test.each([
    ['90', 90], ['90s', 90], ['15m', 900], ['2h', 7200], ['1d', 86400], ['1h30m', 5400], [' 0 ', 0],
  ])('%s → %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  test.each(['', '2 h', '-5m', '1.5h', '2w', 'h', '2hours'])('%j is refused with a clear error', (text) => {
    expectOacError(() => parseDuration(text), 'emulator/bad-duration', 'expected a duration like 90, 90s, 15m, 2h');
  });
});

describe('authorized keys', () => {
  test('parses lines with comments and blank lines into public-key fields', () => {
    const other = freshKey();
    const text = `# allowed\n${TEST_KEY.authorizedKeyLine} alice@laptop\n\n${other.authorizedKeyLine}\n`;
    expect(parseAuthorizedKeys(text)).toEqual(new Set([TEST_KEY.publicKeyField, other.publicKeyField]));
  });

  test('a bad line is refused with its line number', () => {
    expectOacError(() => parseAuthorizedKeys(`${TEST_KEY.authorizedKeyLine}\nssh-rsa AAAAB3Nza\n`), 'emulator/bad-authorized-keys', 'line 2');
  });

  test('createEmulator refuses a malformed authorizedKeys entry and other bad options', () => {
    expectOacError(() => createEmulator({ authorizedKeys: [Buffer.from(TEST_KEY.publicKey).toString('base64')] }), 'emulator/bad-authorized-keys', 'raw Ed25519 key');
    expectOacError(() => createEmulator({ publicOrigin: 'https://ollama.com/api' }), 'emulator/bad-option', 'no path');
    expectOacError(() => createEmulator({ tsWindowSeconds: -1 }), 'emulator/bad-option', 'tsWindowSeconds');
    expectOacError(() => createEmulator({ apiKeys: [''] }), 'emulator/bad-option', 'must not be empty');
  });

  test('origin is unknown before start() unless publicOrigin is given', () => {
    expectOacError(() => createEmulator().origin, 'emulator/not-started', 'call start() first');
    expect(createEmulator({ publicOrigin: 'https://ollama.com' }).origin).toBe('https://ollama.com');
  });
});

describe('CLI argument handling', () => {
  const defaults: EmulateArgs = { port: 0, host: '127.0.0.1', 'ts-window': '2h', 'token-ttl': '1h' };

  test('faults, basic, windows and keys map onto emulator options', () => {
    const keysFile = path.join(dir, 'authorized_keys');
    writeFileSync(keysFile, `${TEST_KEY.authorizedKeyLine} test\n`);
    const { options } = emulatorOptionsFromArgs({
      ...defaults, 'ts-window': '90s', 'authorized-keys': keysFile, 'api-key': ['k1', 'k2'], basic: 'bob:pa:ss',
      fault: ['stale-ts', 'deny-scope=library/llama3', 'unknown-key'],
    });
    expect(options).toMatchObject({
      tsWindowSeconds: 90, tokenTtlSeconds: 3600, apiKeys: ['k1', 'k2'], basic: { user: 'bob', pass: 'pa:ss' },
      faults: { staleTs: true, unknownKey: true, denyScopes: ['library/llama3'] },
    });
    expect(options.authorizedKeys).toEqual(new Set([TEST_KEY.publicKeyField]));
  });

  test('bad values are usage errors that say what was expected', () => {
    expectOacError(() => parseFaults(['deny-scope=llama3']), 'cli/usage', 'deny-scope=<ns>/<model>');
    expectOacError(() => parseFaults(['slow']), 'cli/usage', 'stale-ts, unknown-key');
    expectOacError(() => parseBasic('nopass'), 'cli/usage', '<user>:<pass>');
    expectOacError(() => emulatorOptionsFromArgs({ ...defaults, cert: 'c.pem' }), 'cli/usage', '--cert and --key go together');
    expectOacError(() => emulatorOptionsFromArgs({ ...defaults, 'ts-window': 'soon' }), 'emulator/bad-duration', 'got "soon"');
  });

  test('the per-request line names method, path (no query), status and failing check ids', () => {
    const event: EmulatorEvent = {
      at: '2023-11-14T22:13:20.000Z', method: 'GET', url: '/v2/token?nonce=abc&ts=1', headers: {}, status: 401,
      findings: [{ id: 'registry/token-request/signature', ok: false, message: 'x' }, { id: 'direct/known-key', ok: true, message: 'y' }],
    };
    expect(formatEventLine(event)).toBe('GET /v2/token 401 registry/token-request/signature');
    expect(formatEventLine({ ...event, status: 200, findings: [] })).toBe('GET /v2/token 200');
  });
});

describe('oac emulate --tls (throwaway CA)', () => {
  let emulator: Emulator;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));

  beforeAll(async () => {
    emulator = await runEmulate({ port: 0, host: '127.0.0.1', tls: true, 'ts-window': '2h', 'token-ttl': '1h', 'api-key': ['cli-key'] }, { stdout, stderr });
  });
  afterAll(async () => {
    await emulator.stop();
    const caLine = out.split('\n').find((l) => l.startsWith('ca-cert '));
    if (caLine !== undefined) rmSync(path.dirname(caLine.slice('ca-cert '.length)), { recursive: true, force: true });
  });

  test('prints "listening on https://127.0.0.1:<port>" and the CA path; a client trusting that CA gets through', async () => {
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^listening on https:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toMatch(/^ca-cert \/.+ca\.pem$/);
    const base = lines[0]!.slice('listening on '.length);
    const ca = readFileSync(lines[1]!.slice('ca-cert '.length));
    // openssl, not our code, says what the CA is.
    expect(execFileSync('openssl', ['x509', '-noout', '-text'], { input: ca }).toString()).toContain('CA:TRUE');
    const res = await send(base, '/api/tags', { ca, headers: { Authorization: 'Bearer cli-key' } });
    expect(res.status).toBe(200);
    const refused = await send(base, '/api/tags', { ca, headers: { Authorization: 'Bearer wrong' } });
    expect(refused.status).toBe(401);
    expect(err.trimEnd().split('\n')).toEqual(['GET /api/tags 200', 'GET /api/tags 401 apikey/bearer']);
    expect(err).not.toContain('cli-key');
  });

  test('a client that does not trust the CA fails the handshake', async () => {
    const base = out.split('\n')[0]!.slice('listening on '.length);
    await expect(send(base, '/api/tags')).rejects.toThrow(/self-signed|unable to verify|certificate/i);
  });
});

describe('TLS client certificates (tls/client-cert)', () => {
  test('with requestCert, a request without a certificate is refused with 400; with one from the CA it passes', async () => {
    const server = generateThrowawayCert([], mkdtempSync(path.join(dir, 'srv-')));
    const clientDir = mkdtempSync(path.join(dir, 'cli-'));
    // The client certificate, signed by a CA the emulator trusts (the throwaway CA doubles as client CA here).
    execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=client'], { cwd: clientDir, stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-req', '-in', 'client.csr', '-CA', server.caPath, '-CAkey', path.join(server.dir, 'ca.key'), '-CAcreateserial', '-out', 'client.pem', '-days', '1'], { cwd: clientDir, stdio: 'ignore' });
    const ca = readFileSync(server.caPath);
    const emulator = createEmulator({
      publicOrigin: 'https://ollama.com',
      tls: { cert: readFileSync(server.certPath), key: readFileSync(server.keyPath), ca, requestCert: true },
      apiKeys: ['k'],
    });
    const { url } = await emulator.start();
    try {
      const without = await send(url, '/api/tags', { ca, headers: { Authorization: 'Bearer k' } });
      expect({ status: without.status, reason: without.headers['x-oac-reason']?.toString().split(':')[0] }).toEqual({ status: 400, reason: 'tls/client-cert' });
      expectSchema('ollama-error', without.body);
      const withCert = await send(url, '/api/tags', {
        ca, cert: readFileSync(path.join(clientDir, 'client.pem')), key: readFileSync(path.join(clientDir, 'client.key')), headers: { Authorization: 'Bearer k' },
      });
      expect(withCert.status).toBe(200);
    } finally {
      await emulator.stop();
    }
  });
});

describe('listening origin', () => {
  test('without publicOrigin, realm and signatures use the listening origin', async () => {
    const emulator = createEmulator();
    const { url, port } = await emulator.start();
    try {
      expect(url).toBe(`http://127.0.0.1:${port}`);
      expect(emulator.origin).toBe(url);
      const challenge = await send(url, '/v2/library/llama3/manifests/latest');
      expect(challenge.headers['www-authenticate']).toBe(`Bearer realm="${url}/v2/token",service="127.0.0.1:${port}",scope="repository:library/llama3:pull"`);
      const built = buildDirectRequest('POST', url, '/api/me', Math.floor(Date.now() / 1000));
      const res = await send(url, targetOf(built.url), { method: 'POST', headers: { Authorization: formatAuthorization(TEST_KEY.publicKeyField, TEST_KEY.sign(built.signedString)) } });
      expect(res.status).toBe(200);
    } finally {
      await emulator.stop();
    }
  });
});
