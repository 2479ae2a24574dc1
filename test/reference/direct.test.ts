import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { keyFromSeed, loadOllamaKey, TEST_SEED } from '../../src/keys/index.js';
import { chat, listTags, signedRequest, whoami } from '../../src/reference/index.js';
import { loadGoldenVectors } from '../helpers/vectors.js';
import { rejection } from './helpers/expect-error.js';
import { connectAllTo, loopbackLookup, verifyOllamaAuthorization } from './helpers/oracle.js';
import { makeTestPki, type TestPki } from './helpers/pki.js';
import { ServerPool } from './helpers/registry-server.js';
import { json, type Recorded, type Reply } from './helpers/server.js';

const golden = loadGoldenVectors();
const key = keyFromSeed(TEST_SEED);
const TEST_PUBLIC_KEY = Buffer.from(golden.key.raw_public_key_hex, 'hex');
const NOW = 1700000000;
const now = () => NOW;

const pool = new ServerPool();
let pki: TestPki;
let tmp: string;

beforeAll(() => {
  pki = makeTestPki();
  tmp = mkdtempSync(path.join(tmpdir(), 'oac-ref-direct-'));
});
afterAll(async () => {
  await pool.closeAll();
  rmSync(tmp, { recursive: true, force: true });
});

/** ollama.com stand-in for S1: verifies `<METHOD>,<path>?ts=<ts>` rebuilt from the request line (no base prefix). */
function ollamaCom(reply: (req: Recorded) => Reply = () => json(200, { ok: true })) {
  return (req: Recorded): Reply => {
    const verdict = verifyOllamaAuthorization(req.headers.authorization, `${req.method},${req.target}`);
    return verdict.ok && verdict.publicKey.equals(TEST_PUBLIC_KEY) ? reply(req) : json(401, { error: 'unauthorized' });
  };
}

describe('direct signing: golden vectors on the wire', () => {
  test('POST /api/chat at ts 1700000000 carries exactly vectors.direct_api_client.authorization (raw form)', async () => {
    const server = await pool.plain(ollamaCom(() => json(200, { message: { role: 'assistant', content: 'hi' }, done: true })));
    const body = { model: 'gpt-oss:120b', messages: [{ role: 'user', content: 'hi' }], stream: false };
    const result = await chat(server.origin, key, body, { now });
    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.target).toBe('/api/chat?ts=1700000000');
    expect(req.headers.authorization).toBe(golden.direct_api_client.authorization);
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body.toString('utf8'))).toEqual(body);
    expect(result.signedString).toBe(golden.direct_api_client.signed_string);
    expect(result.messages).toEqual([{ message: { role: 'assistant', content: 'hi' }, done: true }]);
  });

  test('whoami: POST /api/me, no body, exactly vectors.whoami.authorization', async () => {
    const server = await pool.plain(ollamaCom(() => json(200, { name: 'alice', plan: 'free' })));
    const result = await whoami(server.origin, key, { now });
    const req = server.requests[0]!;
    expect([req.method, req.target, req.body.length]).toEqual(['POST', '/api/me?ts=1700000000', 0]);
    expect(req.headers.authorization).toBe(golden.whoami.authorization);
    expect(result.json).toEqual({ name: 'alice', plan: 'free' });
  });

  test('listTags in the desktop app\'s Bearer form: exactly vectors.app_ui_doSelfSigned.authorization', async () => {
    const server = await pool.plain(ollamaCom(() => json(200, { models: [] })));
    const result = await listTags(server.origin, key, { now, headerForm: 'bearer' });
    const req = server.requests[0]!;
    expect([req.method, req.target]).toEqual(['GET', '/api/tags?ts=1700000000']);
    expect(req.headers.authorization).toBe(golden.app_ui_doSelfSigned.authorization);
    expect(verifyOllamaAuthorization(req.headers.authorization, golden.app_ui_doSelfSigned.signed_string)).toMatchObject({ ok: true, form: 'bearer' });
    expect(result.json).toEqual({ models: [] });
  });

  test('over HTTPS to "https://ollama.com" (dialled on loopback): the URL the server sees is vectors.direct_api_client.url', async () => {
    const server = await pool.plain(ollamaCom(() => json(200, { done: true })), { key: pki.serverKey, cert: pki.serverCert });
    await chat('https://ollama.com', key, { model: 'm', messages: [], stream: false }, {
      now, http: { tls: { ca: pki.caCert }, connectTo: connectAllTo(server.port), lookup: loopbackLookup },
    });
    expect(server.requests[0]!.absoluteUrl).toBe(golden.direct_api_client.url);
    expect(server.requests[0]!.headers.authorization).toBe(golden.direct_api_client.authorization);
  });
});

describe('direct signing: flavours and clock', () => {
  test('request-uri flavour signs the whole RequestURI, query sorted and any ts overwritten', async () => {
    const server = await pool.plain(() => json(200, {}));
    const result = await signedRequest({ baseUrl: server.origin, method: 'GET', path: '/api/update?os=linux&ts=5&arch=amd64', flavour: 'request-uri', key, now });
    const req = server.requests[0]!;
    expect(req.target).toBe('/api/update?arch=amd64&os=linux&ts=1700000000');
    expect(verifyOllamaAuthorization(req.headers.authorization, `GET,${req.target}`)).toMatchObject({ ok: true, form: 'raw' });
    expect(result.signedString).toBe(`GET,${req.target}`);
  });

  test('path-ts flavour signs the API path only, not a base-URL prefix (S1 quirk)', async () => {
    const server = await pool.plain(() => json(200, {}));
    await signedRequest({ baseUrl: `${server.origin}/proxy/`, method: 'GET', path: '/api/tags', key, now });
    const req = server.requests[0]!;
    expect(req.target).toBe('/proxy/api/tags?ts=1700000000');
    expect(verifyOllamaAuthorization(req.headers.authorization, 'GET,/api/tags?ts=1700000000').ok).toBe(true);
    expect(verifyOllamaAuthorization(req.headers.authorization, `GET,${req.target}`).ok).toBe(false);
  });

  test('without now(), ts is the current unix time and is read per request', async () => {
    const server = await pool.plain(() => json(200, {}));
    const before = Math.floor(Date.now() / 1000);
    const a = await signedRequest({ baseUrl: server.origin, method: 'GET', path: '/api/tags', key });
    const after = Math.floor(Date.now() / 1000);
    expect(a.ts).toBeGreaterThanOrEqual(before);
    expect(a.ts).toBeLessThanOrEqual(after);
    expect(server.requests[0]!.target).toBe(`/api/tags?ts=${a.ts}`);
  });
});

describe('direct signing: errors', () => {
  test('401 with signin_url → direct/unauthorized naming the sign-in URL', async () => {
    const signin = golden.signin_url;
    const server = await pool.plain(() => json(401, { error: 'unauthorized', signin_url: signin }));
    const err = await rejection(whoami(server.origin, key, { now }), 'direct/unauthorized');
    expect(err.message).toBe(`401: unauthorized (sign in at ${signin})`);
    expect(err.signinUrl).toBe(signin);
    expect(err.status).toBe(401);
  });

  test('401 with a plain-text body → direct/unauthorized "<status>: <body>"', async () => {
    const server = await pool.plain(() => ({ status: 401, body: 'unauthorized\n' }));
    const err = await rejection(listTags(server.origin, key), 'direct/unauthorized');
    expect(err.message).toBe('401: unauthorized');
    expect(err.signinUrl).toBeUndefined();
  });

  test('500 with a JSON error → direct/http-error "<status>: <error>"', async () => {
    const server = await pool.plain(() => json(500, { error: 'model runner crashed' }));
    const err = await rejection(chat(server.origin, key, { model: 'm', messages: [], stream: false }), 'direct/http-error');
    expect(err.message).toBe('500: model runner crashed');
  });

  test('a 200 that is not JSON → direct/bad-response', async () => {
    const server = await pool.plain(() => ({ status: 200, body: '<html>' }));
    const err = await rejection(whoami(server.origin, key), 'direct/bad-response');
    expect(err.message).toContain('is not JSON');
  });

  test('missing key file → key/missing before any request reaches the server', async () => {
    const server = await pool.plain(() => json(200, {}));
    const missing = path.join(tmp, 'home', '.ollama', 'id_ed25519');
    await rejection(whoami(server.origin, () => loadOllamaKey(missing)), 'key/missing');
    await rejection(chat(server.origin, () => loadOllamaKey(missing), { model: 'm' }, { stream: true }), 'key/missing');
    expect(server.requests).toHaveLength(0);
  });

  test('corrupt key file → key/not-a-key before any request reaches the server', async () => {
    const server = await pool.plain(() => json(200, {}));
    const file = path.join(tmp, 'corrupt_id_ed25519');
    writeFileSync(file, '-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64 at all\n-----END OPENSSH PRIVATE KEY-----\n');
    await rejection(listTags(server.origin, () => loadOllamaKey(file)), 'key/not-a-key');
    expect(server.requests).toHaveLength(0);
  });
});

describe('direct signing: streaming chat', () => {
  test('NDJSON is read line by line, lines split across chunks included', async () => {
    const server = await pool.plain(ollamaCom(() => ({
      status: 200,
      headers: { 'Content-Type': 'application/x-ndjson' },
      chunks: ['{"message":{"content":"He"},"done":false}\n{"mess', 'age":{"content":"llo"},"done":false}\n', '{"done":true}'],
    })));
    const seen: unknown[] = [];
    const result = await chat(server.origin, key, { model: 'm', messages: [] }, { stream: true, onMessage: (m) => seen.push(m) });
    expect(result.messages).toEqual([
      { message: { content: 'He' }, done: false },
      { message: { content: 'llo' }, done: false },
      { done: true },
    ]);
    expect(seen).toEqual(result.messages);
    expect(server.requests[0]!.headers.accept).toBe('application/x-ndjson');
  });

  test('a line with "error" → direct/stream-error', async () => {
    const server = await pool.plain(() => ({ status: 200, chunks: ['{"message":{"content":"a"}}\n', '{"error":"model \\"m\\" not found"}\n'] }));
    const err = await rejection(chat(server.origin, key, { model: 'm' }, { stream: true }), 'direct/stream-error');
    expect(err.message).toBe('stream error: model "m" not found');
    expect(err.status).toBe(200);
  });

  test('a line that is not JSON → direct/stream-error', async () => {
    const server = await pool.plain(() => ({ status: 200, chunks: ['{"done":false}\n', 'garbage\n'] }));
    const err = await rejection(chat(server.origin, key, { model: 'm' }, { stream: true }), 'direct/stream-error');
    expect(err.message).toContain('line 2 of the stream is not JSON');
  });

  test('an error status with an EMPTY body is still an error (errors/stream-empty-body, ERR-02; Ollama\'s stream returns nil)', async () => {
    const server = await pool.plain(() => ({ status: 500 }));
    const err = await rejection(chat(server.origin, key, { model: 'm' }, { stream: true }), 'direct/http-error');
    expect(err.message).toBe('500');
    expect(err.status).toBe(500);
    expect(err.body).toBe('');
  });

  test('a 401 with an empty body on a stream → direct/unauthorized', async () => {
    const server = await pool.plain(() => ({ status: 401 }));
    const err = await rejection(chat(server.origin, key, { model: 'm' }, { stream: true }), 'direct/unauthorized');
    expect(err.message).toBe('401');
  });

  test('a 401 JSON line with signin_url on a stream surfaces the sign-in URL', async () => {
    const server = await pool.plain(() => ({ status: 401, chunks: [`{"error":"unauthorized","signin_url":"${golden.signin_url}"}\n`] }));
    const err = await rejection(chat(server.origin, key, { model: 'm' }, { stream: true }), 'direct/unauthorized');
    expect(err.signinUrl).toBe(golden.signin_url);
  });
});
