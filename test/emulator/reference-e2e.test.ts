/**
 * End to end: the reference client (src/reference) completes every flow against the emulator, over
 * HTTPS, with the real host names: registry.ollama.ai and ollama.com are dialled at 127.0.0.1 (connectTo)
 * and the emulator's throwaway certificate names them. A correct client must leave no failing finding in
 * the emulator's log; each refusal must reach the caller as the error Ollama users see.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { generateThrowawayCert, type ThrowawayCert } from '../../src/emulator/tls-cert.js';
import { AuthError } from '../../src/errors.js';
import { buildSigninUrl } from '../../src/protocol/signin-url.js';
import {
  apiKeyRequest, basicRequest, chat, listTags, registryRequest, signedRequest, whoami, type HttpOptions,
} from '../../src/reference/index.js';
import { ASSISTANT_REPLY } from '../../src/emulator/index.js';
import { expectSchema, freshKey, TEST_KEY } from './support.js';

const API_KEY = 'e2e-api-key-0123456789';
const REGISTRY = 'https://registry.ollama.ai';
const COM = 'https://ollama.com';
const stranger = freshKey();

let cert: ThrowawayCert;
let registry: Emulator;
let com: Emulator;
let registryHttp: HttpOptions;
let comHttp: HttpOptions;

async function listen(publicOrigin: string, extra: Parameters<typeof createEmulator>[0] = {}): Promise<{ emulator: Emulator; http: HttpOptions }> {
  const emulator = createEmulator({
    publicOrigin,
    tls: { cert: readFileSync(cert.certPath), key: readFileSync(cert.keyPath) },
    ...extra,
  });
  const { port } = await emulator.start();
  return { emulator, http: { tls: { ca: readFileSync(cert.caPath) }, connectTo: () => ({ host: '127.0.0.1', port }) } };
}

beforeAll(async () => {
  cert = generateThrowawayCert(['registry.ollama.ai', 'ollama.com'], mkdtempSync(join(tmpdir(), 'oac-e2e-tls-')));
  ({ emulator: registry, http: registryHttp } = await listen(REGISTRY, { faults: { denyScopes: ['private/secret'] } }));
  ({ emulator: com, http: comHttp } = await listen(COM, {
    authorizedKeys: [TEST_KEY.authorizedKeyLine], apiKeys: [API_KEY], basic: { user: 'alice', pass: 's3cret' },
  }));
});
afterAll(async () => {
  await registry.stop();
  await com.stop();
  rmSync(cert.dir, { recursive: true, force: true });
});

/** Failing findings the emulator recorded since `from`: none for a correct client. */
function failuresSince(emulator: Emulator, from: number): string[] {
  return emulator.log.slice(from).flatMap((e) => e.findings.filter((f) => !f.ok).map((f) => `${e.method} ${e.url.split('?')[0]}: ${f.id}`));
}

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AuthError);
  return err as AuthError;
}

describe('registry flow', () => {
  test('pull: challenge, token, retry; then the same token fetches a blob without a new challenge', async () => {
    const from = registry.log.length;
    const result = await registryRequest({ url: `${REGISTRY}/v2/library/llama3/manifests/latest`, key: TEST_KEY, http: registryHttp });
    expect(result.response.status).toBe(200);
    expect(result.exchanges.map((e) => [e.step, e.status])).toEqual([['resource', 401], ['token', 200], ['retry', 200]]);
    expect(result.tokenUrl).toMatch(/^https:\/\/registry\.ollama\.ai\/v2\/token\?nonce=[A-Za-z0-9_-]{22}&scope=repository%3Alibrary%2Fllama3%3Apull&service=registry\.ollama\.ai&ts=\d+$/);
    const manifest = JSON.parse(result.response.body.toString('utf8')) as { config: { digest: string } };
    const blob = await registryRequest({ url: `${REGISTRY}/v2/library/llama3/blobs/${manifest.config.digest}`, key: TEST_KEY, token: result.token!, http: registryHttp });
    expect(blob.exchanges.map((e) => [e.step, e.status])).toEqual([['resource', 200]]);
    expect(failuresSince(registry, from)).toEqual([]);
  });

  test('push: a manifest PUT goes through the pull,push challenge', async () => {
    const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: {}, layers: [] });
    const result = await registryRequest({ url: `${REGISTRY}/v2/me/mine/manifests/latest`, method: 'PUT', body, key: TEST_KEY, http: registryHttp });
    expect(result.response.status).toBe(201);
    expect(result.tokenUrl).toContain('scope=repository%3Ame%2Fmine%3Apull%2Cpush');
  });

  test('a missing model surfaces as not-found', async () => {
    const err = await rejection(registryRequest({ url: `${REGISTRY}/v2/library/nope/manifests/latest`, key: TEST_KEY, http: registryHttp }));
    expect(err.code).toBe('registry/not-found');
    expect(err.message).toContain('file does not exist');
    expectSchema('oci-errors', err.body!);
  });

  test('a denied repository surfaces as "403: <OCI body>" from the token endpoint', async () => {
    const err = await rejection(registryRequest({ url: `${REGISTRY}/v2/private/secret/manifests/latest`, key: TEST_KEY, http: registryHttp }));
    expect({ code: err.code, status: err.status }).toEqual({ code: 'registry/token-endpoint', status: 403 });
    expect(err.message).toBe('403: {"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}');
  });

  test('a skewed client clock surfaces as a bare "401" (empty body), as `pull model manifest: 401` does', async () => {
    const err = await rejection(registryRequest({
      url: `${REGISTRY}/v2/library/llama3/manifests/latest`, key: TEST_KEY, http: registryHttp, now: () => Math.floor(Date.now() / 1000) - 3 * 86400,
    }));
    expect({ code: err.code, status: err.status, message: err.message, body: err.body }).toEqual({ code: 'registry/token-endpoint', status: 401, message: '401', body: '' });
    expect(registry.log.at(-1)!.reason).toMatch(/^registry\/token-request\/ts-window: /);
  });
});

describe('ollama.com flows', () => {
  test('whoami, tags (raw and Bearer form), request-uri flavour: all accepted with no failing finding', async () => {
    const from = com.log.length;
    const me = await whoami(COM, TEST_KEY, { http: comHttp });
    expect(me.json).toMatchObject({ plan: 'free' });
    const tags = await listTags(COM, TEST_KEY, { http: comHttp, headerForm: 'bearer' });
    expect((tags.json as { models: { name: string }[] }).models.map((m) => m.name)).toContain('gpt-oss:120b-cloud');
    const uri = await signedRequest({ baseUrl: COM, method: 'GET', path: '/api/tags?b=2&a=1', flavour: 'request-uri', key: TEST_KEY, http: comHttp });
    expect(uri.signedString).toMatch(/^GET,\/api\/tags\?a=1&b=2&ts=\d+$/);
    expect(failuresSince(com, from)).toEqual([]);
  });

  test('chat, streamed and not', async () => {
    const streamed = await chat(COM, TEST_KEY, { model: 'gpt-oss:120b-cloud', messages: [{ role: 'user', content: 'hi' }] }, { http: comHttp, stream: true });
    expect(streamed.messages.length).toBeGreaterThan(2);
    expect(streamed.messages.map((m) => (m['message'] as { content: string }).content).join('')).toBe(ASSISTANT_REPLY);
    expect(streamed.messages.at(-1)).toMatchObject({ done: true });
    const single = await chat(COM, TEST_KEY, { model: 'gpt-oss:120b-cloud', messages: [], stream: false }, { http: comHttp });
    expect(single.messages).toEqual([expect.objectContaining({ done: true, message: { role: 'assistant', content: ASSISTANT_REPLY } })]);
  });

  test('a key that is not authorized gets 401 with the sign-in URL of that key', async () => {
    const err = await rejection(whoami(COM, stranger, { http: comHttp }));
    expect({ code: err.code, status: err.status, signinUrl: err.signinUrl }).toEqual({
      code: 'direct/unauthorized', status: 401, signinUrl: buildSigninUrl('emulator', stranger.authorizedKeyLine),
    });
    expectSchema('ollama-error', err.body!);
    expect(com.log.at(-1)!.reason).toMatch(/^direct\/known-key: /);
  });

  test('API key: accepted; a wrong one is a 401 apikey error', async () => {
    const ok = await apiKeyRequest({ baseUrl: COM, method: 'GET', path: '/api/tags', apiKey: API_KEY, http: comHttp });
    expect(ok.response.status).toBe(200);
    const err = await rejection(apiKeyRequest({ baseUrl: COM, method: 'GET', path: '/api/tags', apiKey: 'wrong-key', http: comHttp }));
    expect({ code: err.code, status: err.status, message: err.message }).toEqual({ code: 'apikey/unauthorized', status: 401, message: '401: unauthorized' });
  });

  test('Basic from the URL userinfo: accepted; wrong password is a 401', async () => {
    const ok = await basicRequest({ url: 'https://alice:s3cret@ollama.com', path: '/api/tags', http: comHttp });
    expect(ok.response.status).toBe(200);
    const err = await rejection(basicRequest({ url: 'https://alice:nope@ollama.com', path: '/api/tags', http: comHttp }));
    expect({ code: err.code, status: err.status }).toEqual({ code: 'basic/unauthorized', status: 401 });
    expect(com.log.at(-1)!.reason).toMatch(/^basic\/credentials: /);
  });
});
