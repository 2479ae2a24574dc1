import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { keyFromSeed, loadOllamaKey, TEST_SEED, type OllamaKey } from '../../src/keys/index.js';
import { registryRequest } from '../../src/reference/index.js';
import { loadGoldenVectors } from '../helpers/vectors.js';
import { rejection } from './helpers/expect-error.js';
import { connectAllTo, loopbackLookup, registrySignedStringFor, verifyOllamaAuthorization } from './helpers/oracle.js';
import { makeTestPki, type TestPki } from './helpers/pki.js';
import { MANIFEST, ServerPool, TOKEN } from './helpers/registry-server.js';
import { json, type TestServer } from './helpers/server.js';

const golden = loadGoldenVectors();
const key = keyFromSeed(TEST_SEED);
const TEST_PUBLIC_KEY = Buffer.from(golden.key.raw_public_key_hex, 'hex');
const NOW = 1700000000;
const fixed = { now: () => NOW, nonceBytes: () => Buffer.from(golden.registry.nonce_bytes_hex, 'hex') };
const manifestUrl = (s: TestServer) => `${s.origin}/v2/library/llama3/manifests/latest`;

const pool = new ServerPool();
let pki: TestPki;
let tmp: string;

beforeAll(() => {
  pki = makeTestPki();
  tmp = mkdtempSync(path.join(tmpdir(), 'oac-ref-registry-'));
});
afterAll(async () => {
  await pool.closeAll();
  rmSync(tmp, { recursive: true, force: true });
});

function countingKey(): { source: () => OllamaKey; calls: () => number } {
  let calls = 0;
  return { source: () => { calls++; return key; }, calls: () => calls };
}

describe('registry flow: success', () => {
  test('401 → signed GET of the token URL → one retry with Bearer <token>, as the server verifies independently', async () => {
    const server = await pool.registry();
    const result = await registryRequest({ url: manifestUrl(server), key, now: () => NOW });

    expect(result.response.status).toBe(200);
    expect(JSON.parse(result.response.body.toString('utf8'))).toEqual(MANIFEST);
    expect(server.requests.map((r) => `${r.method} ${r.target.split('?')[0]}`)).toEqual([
      'GET /v2/library/llama3/manifests/latest', 'GET /v2/token', 'GET /v2/library/llama3/manifests/latest',
    ]);
    const [first, tokenReq, retry] = server.requests;
    expect(first!.headers.authorization).toBeUndefined();
    expect(first!.headers.accept).toBe('application/vnd.docker.distribution.manifest.v2+json');

    // The token request: GET, no body, raw "<A>:<B>" (no scheme word), signed over the URL as received.
    expect(tokenReq!.body.length).toBe(0);
    expect(tokenReq!.headers['content-length']).toBeUndefined();
    expect(tokenReq!.headers.authorization).toMatch(/^[A-Za-z0-9+/]{68}:[A-Za-z0-9+/]{86}==$/);
    const verdict = verifyOllamaAuthorization(tokenReq!.headers.authorization, registrySignedStringFor(tokenReq!.absoluteUrl));
    expect(verdict).toMatchObject({ ok: true, form: 'raw' });
    expect(verdict.publicKey.equals(TEST_PUBLIC_KEY)).toBe(true);

    const query = new URLSearchParams(tokenReq!.target.split('?')[1]);
    expect([...query.keys()]).toEqual(['nonce', 'scope', 'service', 'ts']);
    expect(query.get('ts')).toBe(String(NOW));
    expect(query.get('nonce')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(query.get('nonce')!, 'base64url').length).toBe(16);
    expect(query.getAll('scope')).toEqual(['repository:library/llama3:pull']);
    expect(query.get('service')).toBe('registry.test');

    expect(retry!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(result.token).toBe(TOKEN);
    expect(result.tokenUrl).toBe(tokenReq!.absoluteUrl);
  });

  test('golden vector over HTTPS: registry.ollama.ai inputs give exactly the token URL and Authorization Go produced', async () => {
    const server = await pool.registry(
      { challenge: () => `Bearer realm="${golden.registry.realm}",service="${golden.registry.service}",scope="${golden.registry.scope}"` },
      { key: pki.serverKey, cert: pki.serverCert },
    );
    const result = await registryRequest({
      url: 'https://registry.ollama.ai/v2/library/llama3/manifests/latest',
      key,
      ...fixed,
      http: { tls: { ca: pki.caCert }, connectTo: connectAllTo(server.port), lookup: loopbackLookup },
    });
    expect(result.response.status).toBe(200);
    const tokenReq = server.requestsTo('/v2/token')[0]!;
    expect(tokenReq.headers.host).toBe('registry.ollama.ai');
    expect(tokenReq.absoluteUrl).toBe(golden.registry.token_url);
    expect(tokenReq.headers.authorization).toBe(golden.registry.authorization);
    expect(verifyOllamaAuthorization(tokenReq.headers.authorization, golden.registry.signed_string).ok).toBe(true);
    expect(result.tokenUrl).toBe(golden.registry.token_url);
  });

  test('one scope parameter per space-separated scope, realm query kept, keys sorted, escaping as Go', async () => {
    const server = await pool.registry({
      challenge: (s) => `Bearer realm="${s.origin}/v2/token?account=me&z=1",service="svc",scope="repository:a/b:pull repository:c/d:pull"`,
    });
    await registryRequest({ url: manifestUrl(server), key, ...fixed });
    const target = server.requestsTo('/v2/token')[0]!.target;
    expect(target).toBe(
      `/v2/token?account=me&nonce=${golden.registry.nonce}&scope=repository%3Aa%2Fb%3Apull&scope=repository%3Ac%2Fd%3Apull&service=svc&ts=${NOW}&z=1`,
    );
  });

  test('each token request carries a fresh random nonce', async () => {
    const server = await pool.registry();
    await registryRequest({ url: manifestUrl(server), key });
    await registryRequest({ url: manifestUrl(server), key });
    const nonces = server.requestsTo('/v2/token').map((r) => new URLSearchParams(r.target.split('?')[1]).get('nonce'));
    expect(nonces).toHaveLength(2);
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  test('a token already held is sent first; without a challenge the key is never read', async () => {
    const server = await pool.registry();
    const counting = countingKey();
    const result = await registryRequest({ url: manifestUrl(server), key: counting.source, token: TOKEN });
    expect(result.response.status).toBe(200);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(counting.calls()).toBe(0);
    expect(result.tokenUrl).toBeUndefined();
  });

  test('a held token that is refused gets a fresh one; the key is read once, when the challenge arrives', async () => {
    const server = await pool.registry();
    const counting = countingKey();
    const result = await registryRequest({ url: manifestUrl(server), key: counting.source, token: 'stale' });
    expect(result.token).toBe(TOKEN);
    expect(server.requests.map((r) => r.headers.authorization?.slice(0, 12))).toEqual(['Bearer stale', expect.any(String), `Bearer ${TOKEN.slice(0, 5)}`]);
    expect(counting.calls()).toBe(1);
  });

  test('a PUT body is sent again, byte for byte, on the retry', async () => {
    const server = await pool.registry({ resource: () => ({ status: 201 }) });
    const body = Buffer.from('{"schemaVersion":2,"layers":[]}');
    const result = await registryRequest({ url: manifestUrl(server), method: 'PUT', body, key, headers: { 'Content-Type': 'application/json' } });
    expect(result.response.status).toBe(201);
    const puts = server.requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(2);
    expect(puts.map((r) => r.body.toString())).toEqual([body.toString(), body.toString()]);
  });

  test('access_token alone (Docker style) is accepted', async () => {
    const server = await pool.registry({ token: () => json(200, { access_token: TOKEN, expires_in: 300 }) });
    const result = await registryRequest({ url: manifestUrl(server), key });
    expect(result.response.status).toBe(200);
    expect(server.requests[2]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  test('exchanges explain the flow without leaking the signature or the token', async () => {
    const server = await pool.registry();
    const seen: string[] = [];
    const result = await registryRequest({ url: manifestUrl(server), key, onExchange: (e) => seen.push(`${e.step} ${e.status}`) });
    expect(seen).toEqual(['resource 401', 'token 200', 'retry 200']);
    expect(result.exchanges.map((e) => [e.step, e.method, e.status, e.sentHeaders['Authorization']])).toEqual([
      ['resource', 'GET', 401, undefined],
      ['token', 'GET', 200, '<pubkey>:<signature>'],
      ['retry', 'GET', 200, `Bearer <token: ${TOKEN.length} chars>`],
    ]);
    const dump = JSON.stringify(result.exchanges);
    expect(dump).not.toContain(TOKEN);
    expect(dump).not.toContain(server.requests[1]!.headers.authorization!.split(':')[1]);
  });
});

describe('registry flow: the challenge', () => {
  test('401 without WWW-Authenticate → registry/challenge-missing, no token request', async () => {
    const server = await pool.registry({ challenge: () => null });
    const err = await rejection(registryRequest({ url: manifestUrl(server), key }), 'registry/challenge-missing');
    expect(err.message).toContain('answered 401 without a WWW-Authenticate challenge');
    expect(err.status).toBe(401);
    expect(err.body).toContain('authentication required');
    expect(server.requestsTo('/v2/token')).toHaveLength(0);
  });

  test('a Basic-only challenge → registry/challenge-not-bearer', async () => {
    const server = await pool.registry({ challenge: (s) => `Basic realm="${s.origin}/v2/token"` });
    const err = await rejection(registryRequest({ url: manifestUrl(server), key }), 'registry/challenge-not-bearer');
    expect(err.message).toContain('expected a Bearer challenge, got Basic');
    expect(server.requestsTo('/v2/token')).toHaveLength(0);
  });

  test('a Bearer challenge among several field values is found (every WWW-Authenticate line is read)', async () => {
    const server = await pool.registry({ challenge: (s) => ['Basic realm="x"', `Bearer realm="${s.origin}/v2/token",service="svc"`] });
    const result = await registryRequest({ url: manifestUrl(server), key });
    expect(result.response.status).toBe(200);
  });

  test.each([
    ['Bearer realm=', 'challenge/no-realm'],
    ['Bearer realm="",service="svc"', 'challenge/no-realm'],
    ['Bearer realm=,service="svc"', 'challenge/empty-value'],
    ['Bearer realm="http://127.0.0.1/v2/token', 'challenge/unterminated-quote'],
  ])('%s → registry/challenge-malformed (%s), no crash, no token request', async (challenge, parserCode) => {
    const server = await pool.registry({ challenge: () => challenge });
    const err = await rejection(registryRequest({ url: manifestUrl(server), key }), 'registry/challenge-malformed');
    expect(err.message).toContain(`(${parserCode})`);
    expect(err.status).toBe(401);
    expect(server.requestsTo('/v2/token')).toHaveLength(0);
  });
});

describe('registry flow: where the signed request may go', () => {
  test('realm on another host → registry/realm-host, and that host receives zero requests', async () => {
    const evil = await pool.plain(() => json(200, { token: 'stolen' }));
    const server = await pool.registry({ challenge: () => `Bearer realm="http://evil.test:${evil.port}/token",service="svc"` });
    const counting = countingKey();
    const url = `http://registry.test:${server.port}/v2/library/llama3/manifests/latest`;
    const err = await rejection(registryRequest({ url, key: counting.source, http: { lookup: loopbackLookup } }), 'registry/realm-host');
    expect(err.message).toBe(`realm host "evil.test:${evil.port}" does not match original host "registry.test:${server.port}"`);
    expect(evil.requests).toHaveLength(0);
    expect(counting.calls()).toBe(0);
  });

  test('realm on the same host but another port → registry/realm-host', async () => {
    const other = await pool.plain(() => json(200, { token: 'x' }));
    const server = await pool.registry({ challenge: () => `Bearer realm="${other.origin}/v2/token"` });
    const err = await rejection(registryRequest({ url: manifestUrl(server), key }), 'registry/realm-host');
    expect(err.message).toBe(`realm host "${other.hostPort}" does not match original host "${server.hostPort}"`);
    expect(other.requests).toHaveLength(0);
  });

  test('realm with ":443" spelled out vs a request host without port → rejected (exact compare, as Ollama)', async () => {
    const server = await pool.registry(
      { challenge: () => 'Bearer realm="https://registry.ollama.ai:443/v2/token",service="registry.ollama.ai"' },
      { key: pki.serverKey, cert: pki.serverCert },
    );
    const err = await rejection(registryRequest({
      url: 'https://registry.ollama.ai/v2/library/llama3/manifests/latest',
      key,
      http: { tls: { ca: pki.caCert }, connectTo: connectAllTo(server.port), lookup: loopbackLookup },
    }), 'registry/realm-host');
    expect(err.message).toBe('realm host "registry.ollama.ai:443" does not match original host "registry.ollama.ai"');
    expect(server.requestsTo('/v2/token')).toHaveLength(0);
  });

  test('https resource with an http realm on the same host:port → registry/realm-downgrade, nothing sent in clear', async () => {
    const server = await pool.registry(
      { challenge: (s) => `Bearer realm="http://${s.hostPort}/v2/token",service="svc"` },
      { key: pki.serverKey, cert: pki.serverCert },
    );
    const err = await rejection(registryRequest({ url: manifestUrl(server), key, http: { tls: { ca: pki.caCert } } }), 'registry/realm-downgrade');
    expect(err.message).toContain('refusing to send a signed token request over plain http');
    expect(err.message).toContain('policy.allowHttpRealm');
    expect(server.requests).toHaveLength(1);
  });

  test('token endpoint redirecting to another origin: Authorization is not sent there (F-12)', async () => {
    const other = await pool.plain(() => json(200, { token: TOKEN }));
    const server = await pool.registry({ token: (req) => ({ status: 302, headers: { Location: `${other.origin}/issue?${req.target.split('?')[1]}` } }) });
    const result = await registryRequest({ url: manifestUrl(server), key });
    expect(result.response.status).toBe(200);
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
    expect(server.requestsTo('/v2/token')[0]!.headers.authorization).toBeDefined();
    expect(result.exchanges[1]!.redirects).toEqual([expect.stringMatching(new RegExp(`^${other.origin}/issue\\?nonce=`))]);
  });
});

describe('registry flow: token endpoint failures', () => {
  test.each([
    ['401 with an empty body', '401', { status: 401 }, 401],
    ['403 with an OCI error body', '403: {"errors":[{"code":"DENIED","message":"access denied"}]}', json(403, { errors: [{ code: 'DENIED', message: 'access denied' }] }), 403],
    ['500', '500: upstream exploded', { status: 500, body: 'upstream exploded\n' }, 500],
  ])('%s → registry/token-endpoint %j, no retry', async (_name, message, reply, status) => {
    const server = await pool.registry({ token: () => reply });
    const err = await rejection(registryRequest({ url: manifestUrl(server), key }), 'registry/token-endpoint');
    expect(err.message).toBe(message);
    expect(err.status).toBe(status);
    expect(server.requests).toHaveLength(2);
  });

  test('a token endpoint error with signin_url surfaces it', async () => {
    const signin = 'https://ollama.com/connect?name=h&key=k';
    const server = await pool.registry({ token: () => json(401, { error: 'unauthorized', signin_url: signin }) });
    const err = await rejection(registryRequest({ url: manifestUrl(server), key }), 'registry/token-endpoint');
    expect(err.signinUrl).toBe(signin);
  });

  test.each([
    ['non-JSON 200', 'token/not-json', { status: 200, body: '<html>hello</html>' }],
    ['{}', 'token/missing', json(200, {})],
    ['{"token":""}', 'token/empty', json(200, { token: '' })],
    ['{"token":42}', 'token/not-string', json(200, { token: 42 })],
  ])('%s → registry/token-response (%s) and no retry without a credential', async (_name, parserCode, reply) => {
    const server = await pool.registry({ token: () => reply });
    const err = await rejection(registryRequest({ url: manifestUrl(server), key }), 'registry/token-response');
    expect(err.message).toContain(`(${parserCode})`);
    expect(err.status).toBe(200);
    expect(server.requestsTo('/v2/library')).toHaveLength(1);
  });

  test('access_token is refused when policy.acceptAccessToken is false', async () => {
    const server = await pool.registry({ token: () => json(200, { access_token: TOKEN }) });
    const err = await rejection(registryRequest({ url: manifestUrl(server), key, policy: { acceptAccessToken: false } }), 'registry/token-response');
    expect(err.message).toContain('(token/missing)');
  });
});

describe('registry flow: the resource', () => {
  test('still 401 after the token → registry/unauthorized after exactly 1 token request and 2 resource requests', async () => {
    const server = await pool.registry({ accepts: () => false });
    const err = await rejection(registryRequest({ url: manifestUrl(server), key }), 'registry/unauthorized');
    expect(err.message).toContain('unauthorized: access denied');
    expect(err.status).toBe(401);
    expect(server.requestsTo('/v2/token')).toHaveLength(1);
    expect(server.requestsTo('/v2/library')).toHaveLength(2);
  });

  test('404 before any challenge → registry/not-found "file does not exist"', async () => {
    const server = await pool.plain(() => json(404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] }));
    const err = await rejection(registryRequest({ url: manifestUrl(server), key }), 'registry/not-found');
    expect(err.message).toContain('file does not exist');
    expect(err.status).toBe(404);
    expect(err.body).toContain('MANIFEST_UNKNOWN');
  });

  test('404 after the token → registry/not-found', async () => {
    const server = await pool.registry({ resource: () => json(404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] }) });
    const err = await rejection(registryRequest({ url: manifestUrl(server), key }), 'registry/not-found');
    expect(err.message).toContain('file does not exist');
    expect(server.requests).toHaveLength(3);
  });

  test('another error status → registry/http-error "<status>: <body>"', async () => {
    const server = await pool.registry({ resource: () => ({ status: 503, body: 'try later' }) });
    const err = await rejection(registryRequest({ url: manifestUrl(server), key }), 'registry/http-error');
    expect(err.message).toBe('503: try later');
  });
});

describe('registry flow: the key', () => {
  test('missing key file → key/missing; the signed token request is never sent', async () => {
    const server = await pool.registry();
    const missing = path.join(tmp, 'nobody', '.ollama', 'id_ed25519');
    const err = await rejection(registryRequest({ url: manifestUrl(server), key: () => loadOllamaKey(missing) }), 'key/missing');
    expect(err.message).toContain(missing);
    expect(server.requestsTo('/v2/token')).toHaveLength(0);
    expect(server.requests).toHaveLength(1);
  });

  test('empty key file → key/empty; the signed token request is never sent', async () => {
    const server = await pool.registry();
    const file = path.join(tmp, 'empty_id_ed25519');
    writeFileSync(file, '');
    await rejection(registryRequest({ url: manifestUrl(server), key: () => loadOllamaKey(file) }), 'key/empty');
    expect(server.requestsTo('/v2/token')).toHaveLength(0);
  });
});
