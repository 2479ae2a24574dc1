/**
 * The emulated registry (docs/protocol.md §1), driven with hand-built requests: challenge → signed token
 * request → Bearer retry, and every way the emulator must refuse. With publicOrigin
 * https://registry.ollama.ai and the clock at the vectors' ts, the golden token request verifies as is.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import type { Emulator } from '../../src/emulator/index.js';
import { formatAuthorization } from '../../src/protocol/authorization.js';
import { parseBearerChallenge } from '../../src/protocol/challenge.js';
import { newNonce } from '../../src/protocol/nonce.js';
import { registrySignedString } from '../../src/protocol/signing.js';
import { parseTokenResponse } from '../../src/protocol/token-response.js';
import { buildTokenUrl } from '../../src/protocol/token-url.js';
import { sshPublicKeyBlob, type OllamaKey } from '../../src/keys/index.js';
import { nodeVerify } from '../helpers/node-crypto-oracle.js';
import { loadGoldenVectors } from '../helpers/vectors.js';
import {
  Clock, expectReason, expectSchema, freshKey, send, startEmulator, targetOf, TEST_KEY, VECTOR_TS, type RawResponse,
} from './support.js';

const golden = loadGoldenVectors();
const ORIGIN = 'https://registry.ollama.ai';
const REALM = `${ORIGIN}/v2/token`;
const MANIFEST = '/v2/library/llama3/manifests/latest';
const WINDOW = 7200;
const TTL = 600;

const clock = new Clock();
const otherKey = freshKey();
let emulator: Emulator;
let base: string;

beforeAll(async () => {
  ({ emulator, base } = await startEmulator({
    publicOrigin: ORIGIN,
    now: clock.now,
    tsWindowSeconds: WINDOW,
    tokenTtlSeconds: TTL,
    faults: { denyScopes: ['private/secret'] },
  }));
});
afterAll(async () => {
  await emulator.stop();
});
beforeEach(() => {
  clock.seconds = VECTOR_TS;
});

interface TokenRequest {
  tokenUrl: string;
  authorization: string;
}

/** What a correct client sends to the realm: the protocol core builds it, the key signs it. */
function tokenRequest(scope: string, opts: { key?: OllamaKey; ts?: number; nonce?: string; form?: 'raw' | 'bearer' } = {}): TokenRequest {
  const key = opts.key ?? TEST_KEY;
  const tokenUrl = buildTokenUrl({ realm: REALM, service: 'registry.ollama.ai', scope, ts: opts.ts ?? clock.seconds, nonce: opts.nonce ?? newNonce() });
  return { tokenUrl, authorization: formatAuthorization(key.publicKeyField, key.sign(registrySignedString(tokenUrl)), opts.form ?? 'raw') };
}

function requestToken(req: TokenRequest): Promise<RawResponse> {
  return send(base, targetOf(req.tokenUrl), { headers: { Authorization: req.authorization } });
}

async function tokenFor(scope: string, key: OllamaKey = TEST_KEY): Promise<string> {
  const res = await requestToken(tokenRequest(scope, { key }));
  expect(res.status).toBe(200);
  return parseTokenResponse(res.body);
}

/** A token-endpoint refusal: the status, an EMPTY body (`pull model manifest: 401`), the check id. */
function expectEmpty401(res: RawResponse, checkId: string, fragment?: string): void {
  expectReason(res, 401, checkId, fragment);
  expect(res.body).toBe('');
}

describe('challenge', () => {
  test('a manifest GET without a token gets 401, the Bearer challenge for its pull scope and an OCI body', async () => {
    const res = await send(base, MANIFEST);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="${REALM}",service="registry.ollama.ai",scope="repository:library/llama3:pull"`);
    expect(expectSchema('oci-errors', res.body)).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    expectReason(res, 401, 'registry/challenge/read', 'no Authorization header');
    const challenge = parseBearerChallenge(res.headers['www-authenticate']);
    expect(challenge).toMatchObject({ realm: REALM, service: 'registry.ollama.ai', scope: 'repository:library/llama3:pull' });
  });

  test('a manifest PUT is challenged for pull,push', async () => {
    const res = await send(base, '/v2/me/mine/manifests/latest', { method: 'PUT', body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="${REALM}",service="registry.ollama.ai",scope="repository:me/mine:pull,push"`);
    expectSchema('oci-errors', res.body);
  });

  test('a HEAD is challenged too, with no body', async () => {
    const res = await send(base, MANIFEST, { method: 'HEAD' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('scope="repository:library/llama3:pull"');
    expect(res.body).toBe('');
  });
});

describe('token endpoint: happy path', () => {
  test('the golden token request (Go-produced bytes) verifies and is echoed into the token', async () => {
    const res = await send(base, targetOf(golden.registry.token_url), { headers: { Authorization: golden.registry.authorization } });
    expect(res.status).toBe(200);
    expect(res.headers['x-oac-reason']).toBeUndefined();
    const body = expectSchema('token-response', res.body);
    expect(body).toEqual({ token: `${Buffer.from(golden.registry.token_url).toString('base64')}:${golden.registry.authorization}` });
  });

  test('a request built from the parsed challenge with the vectors\' inputs equals the golden bytes', async () => {
    const challenge = parseBearerChallenge((await send(base, MANIFEST)).headers['www-authenticate']);
    const nonce = newNonce(Buffer.from(golden.registry.nonce_bytes_hex, 'hex'));
    const built = tokenRequest(challenge.scope!, { nonce, ts: golden.registry.ts });
    expect(built.tokenUrl).toBe(golden.registry.token_url);
    // Independent oracle: node:crypto verifies the signature over the golden signed string.
    const sig = Buffer.from(built.authorization.split(':')[1]!, 'base64');
    expect(nodeVerify(TEST_KEY.publicKey, golden.registry.signed_string, sig)).toBe(true);
    expect(built.authorization).toBe(golden.registry.authorization);
  });

  test('challenge → token → Bearer retry returns the manifest, and its blobs match their digests', async () => {
    const challenge = parseBearerChallenge((await send(base, MANIFEST)).headers['www-authenticate']);
    const token = await tokenFor(challenge.scope!);
    const res = await send(base, MANIFEST, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const digest = `sha256:${createHash('sha256').update(res.body).digest('hex')}`;
    expect(res.headers['docker-content-digest']).toBe(digest);
    const manifest = JSON.parse(res.body) as { schemaVersion: number; mediaType: string; config: { digest: string; size: number }; layers: { mediaType: string; digest: string; size: number }[] };
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.layers.map((l) => l.mediaType)).toContain('application/vnd.ollama.image.model');
    for (const d of [manifest.config, ...manifest.layers]) {
      const blob = await send(base, `/v2/library/llama3/blobs/${d.digest}`, { headers: { Authorization: `Bearer ${token}` } });
      expect(blob.status).toBe(200);
      expect(Buffer.byteLength(blob.body, 'latin1') > 0).toBe(true);
      expect(Number(blob.headers['content-length'])).toBe(d.size);
    }
  });

  test('the token is the signed token URL, base64, followed by the token request\'s own <A>:<B>', async () => {
    const req = tokenRequest('repository:library/llama3:pull');
    const token = parseTokenResponse((await requestToken(req)).body);
    const [url64, a, b] = token.split(':');
    expect(Buffer.from(url64!, 'base64').toString('utf8')).toBe(req.tokenUrl);
    expect(`${a}:${b}`).toBe(req.authorization);
  });

  test('a manifest the catalogue lacks is an OCI 404 MANIFEST_UNKNOWN once authorised', async () => {
    const token = await tokenFor('repository:library/nope:pull');
    const res = await send(base, '/v2/library/nope/manifests/latest', { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(404);
    expect(expectSchema('oci-errors', res.body)).toEqual({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
    expectReason(res, 404, 'registry/not-found', 'library/nope:latest');
  });

  test('an unknown blob is an OCI 404 BLOB_UNKNOWN', async () => {
    const token = await tokenFor('repository:library/llama3:pull');
    const res = await send(base, `/v2/library/llama3/blobs/sha256:${'0'.repeat(64)}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(404);
    expect(expectSchema('oci-errors', res.body)).toEqual({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] });
  });

  test('HEAD with a token answers 200 with the manifest\'s length and no body', async () => {
    const token = await tokenFor('repository:library/llama3:pull');
    const get = await send(base, MANIFEST, { headers: { Authorization: `Bearer ${token}` } });
    const head = await send(base, MANIFEST, { method: 'HEAD', headers: { Authorization: `Bearer ${token}` } });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.body)));
  });

  test('push: a pull token is refused for PUT, a pull,push token stores the manifest', async () => {
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: {}, layers: [] });
    const pullToken = await tokenFor('repository:me/mine:pull');
    const refused = await send(base, '/v2/me/mine/manifests/v1', { method: 'PUT', body: manifest, headers: { Authorization: `Bearer ${pullToken}` } });
    expectReason(refused, 401, 'registry/token/scope-bound', 'not push on me/mine');
    expect(refused.headers['www-authenticate']).toContain('scope="repository:me/mine:pull,push"');
    expectSchema('oci-errors', refused.body);

    const pushToken = await tokenFor('repository:me/mine:pull,push');
    const put = await send(base, '/v2/me/mine/manifests/v1', { method: 'PUT', body: manifest, headers: { Authorization: `Bearer ${pushToken}` } });
    expect(put.status).toBe(201);
    expect(put.headers['docker-content-digest']).toBe(`sha256:${createHash('sha256').update(manifest).digest('hex')}`);
    const get = await send(base, '/v2/me/mine/manifests/v1', { headers: { Authorization: `Bearer ${pushToken}` } });
    expect(get.body).toBe(manifest);
  });

  test('a Bearer-prefixed token request is tolerated but recorded as a raw-form failure', async () => {
    const req = tokenRequest('repository:library/llama3:pull', { form: 'bearer' });
    const res = await requestToken(req);
    expect(res.status).toBe(200);
    expectSchema('token-response', res.body);
    const event = emulator.log.at(-1)!;
    expect(event.findings.find((f) => f.id === 'registry/token-request/raw-form')).toMatchObject({ ok: false });
    expect(event.headers['authorization']).toBe('Bearer <68 chars>:<88 chars>');
  });
});

describe('token endpoint: refusals (401, empty body, X-Oac-Reason)', () => {
  const SCOPE = 'repository:library/llama3:pull';

  test('wrong signature', async () => {
    const req = tokenRequest(SCOPE);
    const bogus = formatAuthorization(TEST_KEY.publicKeyField, TEST_KEY.sign('something else'));
    expectEmpty401(await requestToken({ ...req, authorization: bogus }), 'registry/token-request/signature', 'does not verify');
  });

  test('tampered query: a parameter changed after signing', async () => {
    const req = tokenRequest(SCOPE);
    const tampered = req.tokenUrl.replace('llama3', 'mistral');
    expect(tampered).not.toBe(req.tokenUrl);
    expectEmpty401(await requestToken({ ...req, tokenUrl: tampered }), 'registry/token-request/signature', 'does not verify');
  });

  test('stale ts (client clock a day behind)', async () => {
    const res = await requestToken(tokenRequest(SCOPE, { ts: clock.seconds - 86400 }));
    expectEmpty401(res, 'registry/token-request/ts-window', 'skew -86400s');
  });

  test.each([
    ['exactly at the window in the past passes', -WINDOW, 200],
    ['exactly at the window in the future passes', WINDOW, 200],
    ['one second past the window in the past fails', -WINDOW - 1, 401],
    ['one second past the window in the future fails', WINDOW + 1, 401],
  ])('ts window boundary: %s', async (_name, skew, status) => {
    const res = await requestToken(tokenRequest(SCOPE, { ts: clock.seconds + skew }));
    expect(res.status).toBe(status);
    if (status === 401) expectEmpty401(res, 'registry/token-request/ts-window', `skew ${skew}s`);
    else expectSchema('token-response', res.body);
  });

  test('replayed nonce: the same signed request twice', async () => {
    const req = tokenRequest(SCOPE);
    expect((await requestToken(req)).status).toBe(200);
    expectEmpty401(await requestToken(req), 'registry/token-url/nonce-fresh', 'already used');
  });

  test('a reused nonce with a new ts and a fresh signature is still a replay', async () => {
    const nonce = newNonce();
    expect((await requestToken(tokenRequest(SCOPE, { nonce }))).status).toBe(200);
    expectEmpty401(await requestToken(tokenRequest(SCOPE, { nonce, ts: clock.seconds + 1 })), 'registry/token-url/nonce-fresh');
  });

  test('a request that fails verification does not burn its nonce', async () => {
    const req = tokenRequest(SCOPE);
    const bogus = formatAuthorization(TEST_KEY.publicKeyField, TEST_KEY.sign('x'));
    expect((await requestToken({ ...req, authorization: bogus })).status).toBe(401);
    expect((await requestToken(req)).status).toBe(200);
  });

  test('signed without the empty-body hash field: the diagnostic names it', async () => {
    const req = tokenRequest(SCOPE);
    const authorization = formatAuthorization(TEST_KEY.publicKeyField, TEST_KEY.sign(`GET,${req.tokenUrl}`));
    expectEmpty401(await requestToken({ ...req, authorization }), 'registry/token-request/signature', 'without the ",<empty-body hash>" field');
  });

  test('signed as POST: the diagnostic names it', async () => {
    const req = tokenRequest(SCOPE);
    const authorization = formatAuthorization(TEST_KEY.publicKeyField, TEST_KEY.sign(registrySignedString(req.tokenUrl).replace(/^GET,/, 'POST,')));
    expectEmpty401(await requestToken({ ...req, authorization }), 'registry/token-request/signature', 'POST instead of GET');
  });

  test('signed over http:// while the request came over https://: the diagnostic names it', async () => {
    const req = tokenRequest(SCOPE);
    const authorization = formatAuthorization(TEST_KEY.publicKeyField, TEST_KEY.sign(registrySignedString(req.tokenUrl.replace(/^https:/, 'http:'))));
    expectEmpty401(await requestToken({ ...req, authorization }), 'registry/token-request/signature', 'http:// while the request came over https://');
  });

  test('SSH wire signature blob instead of the raw 64 bytes', async () => {
    const req = tokenRequest(SCOPE);
    const raw = TEST_KEY.sign(registrySignedString(req.tokenUrl));
    const wire = Buffer.concat([u32(11), Buffer.from('ssh-ed25519'), u32(64), raw]);
    const authorization = `${TEST_KEY.publicKeyField}:${wire.toString('base64')}`;
    expectEmpty401(await requestToken({ ...req, authorization }), 'keys/signature-raw', 'SSH signature wire blob');
  });

  test('raw 32-byte public key instead of the SSH key blob', async () => {
    const req = tokenRequest(SCOPE);
    const sig = TEST_KEY.sign(registrySignedString(req.tokenUrl));
    const authorization = `${Buffer.from(TEST_KEY.publicKey).toString('base64')}:${Buffer.from(sig).toString('base64')}`;
    expect(sshPublicKeyBlob(TEST_KEY.publicKey).length).toBe(51);
    expectEmpty401(await requestToken({ ...req, authorization }), 'keys/pubkey-field', 'raw 32-byte key');
  });

  test('no Authorization header', async () => {
    const req = tokenRequest(SCOPE);
    expectEmpty401(await send(base, targetOf(req.tokenUrl)), 'auth/header-form', 'no Authorization header');
  });

  test('unsorted query, even when the client signed what it sent', async () => {
    const nonce = newNonce();
    const tokenUrl = `${REALM}?service=registry.ollama.ai&scope=repository%3Alibrary%2Fllama3%3Apull&ts=${clock.seconds}&nonce=${nonce}`;
    const authorization = formatAuthorization(TEST_KEY.publicKeyField, TEST_KEY.sign(registrySignedString(tokenUrl)));
    expectEmpty401(await requestToken({ tokenUrl, authorization }), 'registry/token-url/sorted-query');
  });

  test('a scope that is not repository:<name>:<actions>', async () => {
    expectEmpty401(await requestToken(tokenRequest('-')), 'registry/token-url/scope-per-item');
  });

  test('a nonce of the wrong shape', async () => {
    expectEmpty401(await requestToken(tokenRequest(SCOPE, { nonce: 'short' })), 'registry/token-url/nonce-shape');
  });

  test('POST to the token endpoint is 405 (method-get)', async () => {
    const req = tokenRequest(SCOPE);
    const res = await send(base, targetOf(req.tokenUrl), { method: 'POST', headers: { Authorization: req.authorization } });
    expectReason(res, 405, 'registry/token-request/method-get');
    expectSchema('oci-errors', res.body);
  });

  test('denied scope: 403 with the OCI DENIED body', async () => {
    const res = await requestToken(tokenRequest('repository:private/secret:pull'));
    expectReason(res, 403, 'registry/token-response/error-surfaced', 'private/secret');
    expect(expectSchema('oci-errors', res.body)).toEqual({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] });
  });
});

describe('token use', () => {
  test('a token reused for another repository gets the other repository\'s challenge', async () => {
    const token = await tokenFor('repository:library/llama3:pull');
    const res = await send(base, '/v2/library/mistral/manifests/latest', { headers: { Authorization: `Bearer ${token}` } });
    expectReason(res, 401, 'registry/token/scope-bound', 'covers repository:library/llama3:pull, not pull on library/mistral');
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="${REALM}",service="registry.ollama.ai",scope="repository:library/mistral:pull"`);
    expectSchema('oci-errors', res.body);
  });

  test('a token reused after its TTL is challenged again; one second before, it is accepted', async () => {
    const token = await tokenFor('repository:library/llama3:pull');
    clock.seconds += TTL;
    expect((await send(base, MANIFEST, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    clock.seconds += 1;
    const res = await send(base, MANIFEST, { headers: { Authorization: `Bearer ${token}` } });
    expectReason(res, 401, 'registry/token-request/ts-window', 'expired');
    expect(res.headers['www-authenticate']).toContain('scope="repository:library/llama3:pull"');
  });

  test('an altered token is refused (tokens are opaque: send them back unchanged)', async () => {
    const token = await tokenFor('repository:library/llama3:pull');
    const [url64, a, b] = token.split(':');
    const widened = Buffer.from(Buffer.from(url64!, 'base64').toString('utf8').replace('llama3', 'mistral')).toString('base64');
    const res = await send(base, '/v2/library/mistral/manifests/latest', { headers: { Authorization: `Bearer ${widened}:${a}:${b}` } });
    expectReason(res, 401, 'registry/token/opaque', 'does not verify');
  });

  test('garbage and empty Bearer tokens are refused as not issued here', async () => {
    expectReason(await send(base, MANIFEST, { headers: { Authorization: 'Bearer not-a-token' } }), 401, 'registry/token/opaque', 'not one this registry issued');
    expectReason(await send(base, MANIFEST, { headers: { Authorization: 'Bearer ' } }), 401, 'registry/token/opaque', 'empty');
  });

  test('a token issued by another registry host is refused here', async () => {
    const other = await startEmulator({ publicOrigin: 'https://evil.example', now: clock.now });
    try {
      const tokenUrl = buildTokenUrl({ realm: 'https://evil.example/v2/token', service: 'evil.example', scope: 'repository:library/llama3:pull', ts: clock.seconds, nonce: newNonce() });
      const authorization = formatAuthorization(TEST_KEY.publicKeyField, TEST_KEY.sign(registrySignedString(tokenUrl)));
      const issued = await send(other.base, targetOf(tokenUrl), { headers: { Authorization: authorization } });
      expect(issued.status).toBe(200);
      const res = await send(base, MANIFEST, { headers: { Authorization: `Bearer ${parseTokenResponse(issued.body)}` } });
      expectReason(res, 401, 'registry/token/no-cross-host', 'evil.example');
    } finally {
      await other.emulator.stop();
    }
  });
});

describe('keys and faults', () => {
  test('authorizedKeys: another key is refused with direct/known-key, the listed key passes', async () => {
    const strict = await startEmulator({ publicOrigin: ORIGIN, now: clock.now, authorizedKeys: [TEST_KEY.authorizedKeyLine] });
    try {
      const other = tokenRequest('repository:library/llama3:pull', { key: otherKey });
      const refused = await send(strict.base, targetOf(other.tokenUrl), { headers: { Authorization: other.authorization } });
      expectEmpty401(refused, 'direct/known-key', 'authorized keys');
      const mine = tokenRequest('repository:library/llama3:pull');
      expect((await send(strict.base, targetOf(mine.tokenUrl), { headers: { Authorization: mine.authorization } })).status).toBe(200);
    } finally {
      await strict.emulator.stop();
    }
  });

  test.each([
    ['staleTs', { staleTs: true }, 'registry/token-request/ts-window', 'fault stale-ts'],
    ['unknownKey', { unknownKey: true }, 'direct/known-key', 'fault unknown-key'],
  ])('fault %s', async (_name, faults, checkId, fragment) => {
    const faulty = await startEmulator({ publicOrigin: ORIGIN, now: clock.now, faults });
    try {
      const req = tokenRequest('repository:library/llama3:pull');
      const res = await send(faulty.base, targetOf(req.tokenUrl), { headers: { Authorization: req.authorization } });
      expectEmpty401(res, checkId, fragment);
    } finally {
      await faulty.emulator.stop();
    }
  });
});

describe('event log', () => {
  test('records method, target, status and findings, with credentials reduced to their shape', async () => {
    const token = await tokenFor('repository:library/llama3:pull');
    await send(base, MANIFEST, { headers: { Authorization: `Bearer ${token}` } });
    const event = emulator.log.at(-1)!;
    expect(event).toMatchObject({ method: 'GET', url: MANIFEST, status: 200 });
    expect(event.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['registry/token/opaque', 'registry/token/scope-bound']));
    expect(event.headers['authorization']).toMatch(/^Bearer <\d+ chars>:<68 chars>:<88 chars>$/);
    const everything = JSON.stringify(emulator.log);
    const signature = token.split(':')[2]!;
    expect(everything).not.toContain(signature);
    expect(everything).not.toContain(token.split(':')[0]!);
  });
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
