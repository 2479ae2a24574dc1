/**
 * The emulated ollama.com API (docs/protocol.md §2-3): direct signatures in both flavours and both header
 * forms, API keys, proxy-style Basic, and the refusals with Ollama's 401 body. With publicOrigin
 * https://ollama.com and the clock at the vectors' ts, the golden Authorization values verify as is.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { ASSISTANT_REPLY, MAX_BODY_BYTES, type Emulator } from '../../src/emulator/index.js';
import { formatAuthorization } from '../../src/protocol/authorization.js';
import { buildSigninUrl } from '../../src/protocol/signin-url.js';
import { buildDirectRequest, buildRequestUriRequest, directSignedString } from '../../src/protocol/signing.js';
import type { OllamaKey } from '../../src/keys/index.js';
import { nodeVerify } from '../helpers/node-crypto-oracle.js';
import { loadGoldenVectors } from '../helpers/vectors.js';
import {
  Clock, expectReason, expectSchema, freshKey, send, startEmulator, targetOf, TEST_KEY, VECTOR_TS, type RawResponse,
} from './support.js';

const golden = loadGoldenVectors();
const ORIGIN = 'https://ollama.com';
const WINDOW = 7200;
const API_KEY = 'emulator-test-api-key-0123456789abcdef';
const clock = new Clock();
let emulator: Emulator;
let base: string;

beforeAll(async () => {
  ({ emulator, base } = await startEmulator({ publicOrigin: ORIGIN, now: clock.now, tsWindowSeconds: WINDOW, apiKeys: [API_KEY], basic: { user: 'alice', pass: 's3cret' } }));
});
afterAll(async () => {
  await emulator.stop();
});
beforeEach(() => {
  clock.seconds = VECTOR_TS;
});

/** A correct S1 request: sign METHOD,<path>?ts= and send the URL with the same ts. */
function signed(method: string, path: string, opts: { key?: OllamaKey; ts?: number; form?: 'raw' | 'bearer'; sign?: (s: string) => string } = {}): { target: string; authorization: string } {
  const key = opts.key ?? TEST_KEY;
  const built = buildDirectRequest(method, ORIGIN, path, opts.ts ?? clock.seconds);
  const message = opts.sign ? opts.sign(built.signedString) : built.signedString;
  return { target: targetOf(built.url), authorization: formatAuthorization(key.publicKeyField, key.sign(message), opts.form ?? 'raw') };
}

function call(method: string, target: string, authorization: string | undefined, body?: string): Promise<RawResponse> {
  return send(base, target, { method, headers: { ...(authorization ? { Authorization: authorization } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) }, ...(body ? { body } : {}) });
}

const SIGNIN_URL = golden.signin_url.replace('name=my-host', 'name=emulator');

/** 401 with Ollama's body: signin_url present exactly when the key field was a well-formed key. */
function expectUnauthorized(res: RawResponse, checkId: string, fragment: string, signinUrl: string | undefined): void {
  expectReason(res, 401, checkId, fragment);
  const body = expectSchema('ollama-error', res.body);
  expect(body).toEqual(signinUrl === undefined ? { error: 'unauthorized' } : { error: 'unauthorized', signin_url: signinUrl });
}

describe('golden vectors verify against the emulator', () => {
  test('S1 POST /api/me (raw form) answers the user', async () => {
    const res = await call('POST', targetOf(golden.whoami.url), golden.whoami.authorization);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: expect.stringContaining('@'), name: expect.any(String), plan: 'free' });
  });

  test('S3 GET /api/tags (Bearer form) lists the cloud models in ListResponse shape', async () => {
    const res = await call('GET', targetOf(golden.app_ui_doSelfSigned.url), golden.app_ui_doSelfSigned.authorization);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { models: Record<string, unknown>[] };
    expect(body.models[0]).toEqual({
      name: 'gpt-oss:120b-cloud', model: 'gpt-oss:120b-cloud', modified_at: expect.any(String), size: expect.any(Number), digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      details: expect.objectContaining({ family: expect.any(String), parameter_size: expect.any(String), quantization_level: expect.any(String) }),
    });
  });

  test('S1 POST /api/chat streams NDJSON by default: several lines, then done', async () => {
    const res = await call('POST', targetOf(golden.direct_api_client.url), golden.direct_api_client.authorization, JSON.stringify({ model: 'gpt-oss:120b-cloud', messages: [{ role: 'user', content: 'hi' }] }));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson');
    const lines = res.body.trimEnd().split('\n').map((l) => JSON.parse(l) as { message: { content: string }; done: boolean; done_reason?: string });
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.slice(0, -1).every((l) => !l.done)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'stop', message: { role: 'assistant', content: '' } });
    expect(lines.map((l) => l.message.content).join('')).toBe(ASSISTANT_REPLY);
  });

  test('our signatures equal the golden ones for the same inputs (and node:crypto verifies them)', () => {
    for (const [method, path, vector] of [['POST', '/api/chat', golden.direct_api_client], ['POST', '/api/me', golden.whoami]] as const) {
      const { authorization } = signed(method, path);
      expect(authorization).toBe(vector.authorization);
      expect(nodeVerify(TEST_KEY.publicKey, vector.signed_string, Buffer.from(authorization.split(':')[1]!, 'base64'))).toBe(true);
    }
  });
});

describe('accepted forms', () => {
  test('non-streaming chat answers one ChatResponse', async () => {
    const req = signed('POST', '/api/chat');
    const res = await call('POST', req.target, req.authorization, JSON.stringify({ model: 'gpt-oss:120b-cloud', messages: [], stream: false }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ model: 'gpt-oss:120b-cloud', created_at: new Date(VECTOR_TS * 1000).toISOString(), message: { role: 'assistant', content: ASSISTANT_REPLY }, done: true });
  });

  test('RequestURI flavour with another query parameter (cloud proxy, S2)', async () => {
    const built = buildRequestUriRequest('GET', `${ORIGIN}/api/tags?b=2&a=1`, clock.seconds);
    expect(built.signedString).toBe(`GET,/api/tags?a=1&b=2&ts=${clock.seconds}`);
    const res = await call('GET', targetOf(built.url), formatAuthorization(TEST_KEY.publicKeyField, TEST_KEY.sign(built.signedString)));
    expect(res.status).toBe(200);
  });

  test('path flavour with another query parameter in the URL (S1 signs only path?ts=)', async () => {
    const built = buildDirectRequest('GET', `${ORIGIN}?x=1`, '/api/tags', clock.seconds);
    expect(built.signedString).toBe(`GET,/api/tags?ts=${clock.seconds}`);
    const res = await call('GET', targetOf(built.url), formatAuthorization(TEST_KEY.publicKeyField, TEST_KEY.sign(built.signedString)));
    expect(res.status).toBe(200);
  });

  test('the Bearer form of a signature is accepted and recorded as such', async () => {
    const req = signed('POST', '/api/me', { form: 'bearer' });
    expect((await call('POST', req.target, req.authorization)).status).toBe(200);
    expect(emulator.log.at(-1)!.findings.find((f) => f.id === 'direct/header-form')).toMatchObject({ ok: true, message: expect.stringContaining('Bearer') });
  });

  test('an API key as Bearer', async () => {
    const res = await call('GET', '/api/tags', `Bearer ${API_KEY}`);
    expect(res.status).toBe(200);
    expect(JSON.stringify(emulator.log.at(-1))).not.toContain(API_KEY);
  });

  test('Basic with the configured credentials', async () => {
    const res = await call('POST', '/api/me', `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    expect(res.status).toBe(200);
  });
});

describe('refusals: 401 {"error":"unauthorized"[, "signin_url"]} + X-Oac-Reason', () => {
  test('wrong signature (with the sign-in URL of the key, as ollama.com gives it)', async () => {
    const req = signed('GET', '/api/tags', { sign: () => 'not what was sent' });
    expect(buildSigninUrl('emulator', TEST_KEY.authorizedKeyLine)).toBe(SIGNIN_URL);
    expectUnauthorized(await call('GET', req.target, req.authorization), 'direct/signature', 'does not verify', SIGNIN_URL);
  });

  test('wrong key: authorizedKeys set, another key signs', async () => {
    const strict = await startEmulator({ publicOrigin: ORIGIN, now: clock.now, authorizedKeys: [TEST_KEY.publicKeyField] });
    try {
      const other = freshKey();
      const req = signed('GET', '/api/tags', { key: other });
      const res = await send(strict.base, req.target, { headers: { Authorization: req.authorization } });
      expectUnauthorized(res, 'direct/known-key', 'authorized keys', buildSigninUrl('emulator', other.authorizedKeyLine));
      const mine = signed('GET', '/api/tags');
      expect((await send(strict.base, mine.target, { headers: { Authorization: mine.authorization } })).status).toBe(200);
    } finally {
      await strict.emulator.stop();
    }
  });

  test('stale ts: the server clock is far from ts', async () => {
    const req = signed('GET', '/api/tags');
    clock.seconds += 3 * 86400;
    expectUnauthorized(await call('GET', req.target, req.authorization), 'direct/ts-window', 'skew -259200s', SIGNIN_URL);
  });

  test.each([
    ['exactly at the window passes', WINDOW, 200],
    ['one second past the window fails', WINDOW + 1, 401],
    ['exactly at the window (ts ahead) passes', -WINDOW, 200],
    ['one second past the window (ts ahead) fails', -WINDOW - 1, 401],
  ])('ts window boundary: %s', async (_name, clockAhead, status) => {
    const req = signed('GET', '/api/tags');
    clock.seconds += clockAhead;
    const res = await call('GET', req.target, req.authorization);
    expect(res.status).toBe(status);
    if (status === 401) expectUnauthorized(res, 'direct/ts-window', `skew ${-clockAhead}s`, SIGNIN_URL);
  });

  test('tampered query: ts changed after signing', async () => {
    const req = signed('GET', '/api/tags');
    const target = req.target.replace(`ts=${clock.seconds}`, `ts=${clock.seconds + 1}`);
    expectUnauthorized(await call('GET', target, req.authorization), 'direct/signature', 'does not verify', SIGNIN_URL);
  });

  test('the full URL signed instead of the path: the diagnostic names it', async () => {
    const req = signed('GET', '/api/tags', { sign: (s) => s.replace(',/api/', `,${ORIGIN}/api/`) });
    expectUnauthorized(await call('GET', req.target, req.authorization), 'direct/signature', 'the full URL (scheme://host/path?ts=) instead of the path', SIGNIN_URL);
  });

  test('a body hash appended: the diagnostic names it', async () => {
    const body = JSON.stringify({ model: 'gpt-oss:120b-cloud', messages: [] });
    const hash = Buffer.from(createHash('sha256').update(body).digest('hex')).toString('base64');
    const req = signed('POST', '/api/chat', { sign: (s) => `${s},${hash}` });
    expectUnauthorized(await call('POST', req.target, req.authorization, body), 'direct/no-body-hash', 'body hash appended', SIGNIN_URL);
  });

  test('an SSH wire signature blob: well-formed key, so the sign-in URL is still given', async () => {
    const built = buildDirectRequest('GET', ORIGIN, '/api/tags', clock.seconds);
    const raw = TEST_KEY.sign(built.signedString);
    const wire = Buffer.concat([u32(11), Buffer.from('ssh-ed25519'), u32(64), raw]).toString('base64');
    expectUnauthorized(await call('GET', targetOf(built.url), `${TEST_KEY.publicKeyField}:${wire}`), 'keys/signature-raw', 'SSH signature wire blob', SIGNIN_URL);
  });

  test('the raw 32-byte public key: not a key, so no sign-in URL', async () => {
    const built = buildDirectRequest('GET', ORIGIN, '/api/tags', clock.seconds);
    const authorization = `${Buffer.from(TEST_KEY.publicKey).toString('base64')}:${Buffer.from(TEST_KEY.sign(built.signedString)).toString('base64')}`;
    expectUnauthorized(await call('GET', targetOf(built.url), authorization), 'keys/pubkey-field', 'raw 32-byte key', undefined);
  });

  test('ts signed but missing from the URL', async () => {
    const authorization = formatAuthorization(TEST_KEY.publicKeyField, TEST_KEY.sign(directSignedString('GET', '/api/tags', clock.seconds)));
    expectUnauthorized(await call('GET', '/api/tags', authorization), 'direct/ts-in-url', 'exactly one ts', SIGNIN_URL);
  });

  test('no Authorization at all', async () => {
    const res = await call('GET', `/api/tags?ts=${clock.seconds}`, undefined);
    expectUnauthorized(res, 'auth/header-form', 'no Authorization header', undefined);
  });

  test('a wrong API key', async () => {
    expectUnauthorized(await call('GET', '/api/tags', 'Bearer not-the-key'), 'apikey/bearer', 'not one this server accepts', undefined);
    expect(JSON.stringify(emulator.log.at(-1))).not.toContain('not-the-key');
  });

  test('an empty Bearer', async () => {
    expectUnauthorized(await call('GET', '/api/tags', 'Bearer '), 'apikey/no-empty-bearer', 'nothing after it', undefined);
  });

  test('wrong Basic credentials: 401 with the Basic challenge', async () => {
    const res = await call('POST', '/api/me', `Basic ${Buffer.from('alice:wrong').toString('base64')}`);
    expectUnauthorized(res, 'basic/credentials', 'wrong user name or password', undefined);
    expect(res.headers['www-authenticate']).toBe('Basic realm="ollama"');
  });

  test('Basic against an emulator without Basic configured', async () => {
    const plain = await startEmulator({ publicOrigin: ORIGIN, now: clock.now });
    try {
      const res = await send(plain.base, '/api/tags', { headers: { Authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}` } });
      expectUnauthorized(res, 'basic/credentials', 'takes no Basic credentials', undefined);
      expect(res.headers['www-authenticate']).toBeUndefined();
    } finally {
      await plain.emulator.stop();
    }
  });

  test.each([
    ['staleTs', { staleTs: true }, 'direct/ts-window', 'fault stale-ts'],
    ['unknownKey', { unknownKey: true }, 'direct/known-key', 'fault unknown-key'],
  ])('fault %s', async (_name, faults, checkId, fragment) => {
    const faulty = await startEmulator({ publicOrigin: ORIGIN, now: clock.now, faults });
    try {
      const req = signed('POST', '/api/me');
      expectUnauthorized(await send(faulty.base, req.target, { method: 'POST', headers: { Authorization: req.authorization } }), checkId, fragment, SIGNIN_URL);
    } finally {
      await faulty.emulator.stop();
    }
  });
});

describe('routing', () => {
  test('an unknown path is a 404 in Ollama\'s error shape', async () => {
    const res = await call('GET', '/api/nope', undefined);
    expect(res.status).toBe(404);
    expect(expectSchema('ollama-error', res.body)).toEqual({ error: '404 page not found' });
  });

  test('a wrong method is a 405 naming the allowed one', async () => {
    const res = await call('GET', '/api/chat', undefined);
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('POST');
    expect(expectSchema('ollama-error', res.body)).toEqual({ error: '405 method not allowed' });
    const registry = await call('DELETE', '/v2/library/llama3/manifests/latest', undefined);
    expect(registry.status).toBe(405);
    expectSchema('oci-errors', registry.body);
  });

  test('a body over the limit is refused with 413 before any authentication', async () => {
    const res = await call('POST', '/api/chat', undefined, 'x'.repeat(MAX_BODY_BYTES + 1));
    expect(res.status).toBe(413);
    expect(expectSchema('ollama-error', res.body)).toEqual({ error: `request body larger than ${MAX_BODY_BYTES} bytes` });
  });

  test('chat without a model is 400, with an unknown model 404', async () => {
    const req = signed('POST', '/api/chat');
    const missing = await call('POST', req.target, req.authorization, JSON.stringify({ messages: [] }));
    expect(missing.status).toBe(400);
    expect(expectSchema('ollama-error', missing.body)).toEqual({ error: 'model is required' });
    const unknown = await call('POST', req.target, req.authorization, JSON.stringify({ model: 'nope:1b' }));
    expect(unknown.status).toBe(404);
    expect(expectSchema('ollama-error', unknown.body)).toEqual({ error: "model 'nope:1b' not found" });
  });
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
