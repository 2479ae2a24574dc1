/**
 * In-process replay of the shipped cassettes with nothing listening: the reference client runs every
 * flow inside `withCassette`, pointed (through its own connectTo) at the port of an emulator that was
 * started and stopped, so a request Polly failed to intercept would end in ECONNREFUSED instead of
 * passing. A different request fails with the closest-match error, credentials shown only by shape.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { createEmulator } from '../../src/emulator/index.js';
import { formatAuthorization } from '../../src/protocol/authorization.js';
import { parseBearerChallenge } from '../../src/protocol/challenge.js';
import { newNonce } from '../../src/protocol/nonce.js';
import { buildDirectRequest, registrySignedString } from '../../src/protocol/signing.js';
import { buildTokenUrl } from '../../src/protocol/token-url.js';
import {
  CassetteMissError, EMULATED_API_ORIGIN, EMULATED_REGISTRY_ORIGIN, VARIANTS, withCassette, type Cassette,
} from '../../src/recorder/index.js';
import type { FlowContext } from '../../src/recorder/flows.js';
import { listTags, registryRequest, sendRequest, type HttpOptions } from '../../src/reference/index.js';
import { codeOf, freshKey, randomToken } from './support.js';

let http: HttpOptions;
const key = freshKey();
const MANIFEST_URL = `${EMULATED_REGISTRY_ORIGIN}/v2/library/llama3/manifests/latest`;

beforeAll(async () => {
  const emulator = createEmulator({});
  const { port } = await emulator.start();
  await emulator.stop();
  // Every emulated name dials the stopped emulator's port: only Polly can answer.
  http = { connectTo: () => ({ host: '127.0.0.1', port }) };
});

function cassetteFile(cassette: string): Cassette {
  return JSON.parse(readFileSync(join('recordings', cassette), 'utf8')) as Cassette;
}

async function miss(run: () => Promise<unknown>): Promise<CassetteMissError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(CassetteMissError);
    expect(codeOf(err)).toBe('cassette/no-match');
    return err as CassetteMissError;
  }
  throw new Error('expected a cassette miss, the replay succeeded');
}

describe('every shipped cassette replays with the emulator stopped', () => {
  for (const spec of VARIANTS) {
    test(`${spec.cassette}: the ${spec.flow} ${spec.variant} flow succeeds from the cassette alone, using every entry`, async () => {
      const recorded = cassetteFile(spec.cassette);
      const putBody = recorded.log.entries.find((e) => e.request.method === 'PUT')?.request.postData?.text;
      const ctx: FlowContext = {
        registryOrigin: EMULATED_REGISTRY_ORIGIN,
        apiOrigin: EMULATED_API_ORIGIN,
        model: { namespace: 'library', name: 'llama3', tag: 'latest' },
        // Another key and other credentials than the recording's: a replay matches their shape, not their bytes.
        key,
        apiKey: `k${randomToken(30)}`,
        basic: { user: 'someone', pass: randomToken(20) },
        http,
        now: () => Math.floor(Date.now() / 1000),
        nonceBytes: undefined,
        prepared: spec.prepare && putBody !== undefined ? { manifest: putBody } : {},
      };
      const summary = await withCassette(spec.cassette, () => spec.run(ctx), { requireAllUsed: true });
      expect(summary.tokenRequests).toBe(recorded.log.entries.filter((e) => e._oac.role === 'token').length);
    });
  }

  test('a client built on fetch is intercepted too (adapter-fetch): a TypeScript user signing by hand', async () => {
    const { url, signedString } = buildDirectRequest('GET', EMULATED_API_ORIGIN, '/api/tags', Math.floor(Date.now() / 1000));
    const body = await withCassette('direct/tags', async () => {
      const res = await fetch(url, { headers: { Authorization: formatAuthorization(key.publicKeyField, key.sign(signedString), 'raw') } });
      return { status: res.status, json: (await res.json()) as { models: Array<{ name: string }> } };
    });
    expect({ status: body.status, names: body.json.models.map((m) => m.name) }).toEqual({ status: 200, names: ['gpt-oss:120b-cloud', 'qwen3-coder:480b-cloud'] });
  });

  test('the replayed manifest is the recorded body, byte for byte', async () => {
    const result = await withCassette('registry/pull-manifest', () => registryRequest({ url: MANIFEST_URL, key, http }));
    expect(result.response.body.toString('utf8')).toBe(cassetteFile('registry/pull-manifest.har').log.entries[2]!.response.content.text);
  });
});

describe('a request the cassette does not hold fails with the closest match', () => {
  test('another path: the closest entry and the differing field are named', async () => {
    const err = await miss(() => withCassette('registry/pull-manifest', () => registryRequest({ url: `${EMULATED_REGISTRY_ORIGIN}/v2/library/llama3/manifests/other`, key, http })));
    expect(err.message.split('\n')).toEqual([
      `cassette registry/pull-manifest (${join('recordings', 'registry', 'pull-manifest.har')}) has no recorded request matching GET ${EMULATED_REGISTRY_ORIGIN}/v2/library/llama3/manifests/other (request 1 of this replay)`,
      `  closest recorded request: entry 1 (challenge, step 1) GET ${MANIFEST_URL}`,
      '  differs in path: recorded /v2/library/llama3/manifests/latest, sent /v2/library/llama3/manifests/other',
    ]);
    expect(err.message).not.toContain('recordIfMissing');
  });

  test('an altered token on the retry: authorization differs, the token shown only by shape', async () => {
    const err = await miss(() => withCassette('registry/pull-manifest', async () => {
      const first = await sendRequest({ ...http, method: 'GET', url: MANIFEST_URL });
      const challenge = parseBearerChallenge(first.headers['www-authenticate']);
      const tokenUrl = buildTokenUrl({ realm: challenge.realm, service: challenge.service ?? '', scope: challenge.scope ?? '', ts: Math.floor(Date.now() / 1000), nonce: newNonce() });
      const authorization = formatAuthorization(key.publicKeyField, key.sign(registrySignedString(tokenUrl)), 'raw');
      const tokenResponse = await sendRequest({ ...http, method: 'GET', url: tokenUrl, headers: { Authorization: authorization } });
      const token = (JSON.parse(tokenResponse.body.toString('utf8')) as { token: string }).token;
      expect(token).toMatch(/^<token:opaque \d+ chars #1>$/);
      const forged = `${randomToken(30)}${token.length}`;
      await sendRequest({ ...http, method: 'GET', url: MANIFEST_URL, headers: { Authorization: `Bearer ${forged}` } });
    }));
    const lines = err.message.split('\n');
    expect(lines[0]).toContain(`has no recorded request matching GET ${MANIFEST_URL} (request 3 of this replay)`);
    expect(lines[1]).toBe(`  closest recorded request: entry 3 (retry, step 3) GET ${MANIFEST_URL}`);
    expect(lines[2]).toMatch(/^ {2}differs in authorization: recorded "Bearer <token:opaque \d+ chars #1>", sent "Bearer <3\d chars>"$/);
    expect(err.closest?.differences.map((d) => d.field)).toEqual(['authorization']);
  });

  test('a signature in the Bearer form where the recording has the raw form; the key and signature never appear', async () => {
    const err = await miss(() => withCassette('direct/tags', () => listTags(EMULATED_API_ORIGIN, key, { headerForm: 'bearer', http })));
    expect(err.message).toContain('closest recorded request: entry 1 (resource, step 1) GET http://ollama.emulated.test/api/tags?ts=1700000000');
    expect(err.message).toContain('differs in authorization: recorded "<pubkey:ssh-ed25519 68 base64>:<signature:88 base64>", sent "Bearer <68 chars>:<88 chars>"');
    expect(err.message).not.toContain(key.publicKeyField);
  });

  test('the path-ts flavour against the RequestURI cassette: the query differs (a=1&b=2 sorted before ts)', async () => {
    const err = await miss(() => withCassette('direct/request-uri-tags', () => listTags(EMULATED_API_ORIGIN, key, { http })));
    expect(err.message).toContain('differs in query: recorded "a=\\"1\\"&b=\\"2\\"&ts=<unix seconds>", sent "ts=<unix seconds>"');
  });

  test('the same exchange twice: the second one finds its entry already used', async () => {
    const err = await miss(() => withCassette('direct/tags', async () => {
      await listTags(EMULATED_API_ORIGIN, key, { http });
      await listTags(EMULATED_API_ORIGIN, key, { http });
    }));
    expect(err.message).toContain('(request 2 of this replay)');
    expect(err.message).toContain('entry 1 matches it but was already used: the client sent this request more often than the recording did');
  });

  test('a client that swallows the error still gets the miss when withCassette returns', async () => {
    const err = await miss(() => withCassette('apikey/tags', async () => {
      await sendRequest({ ...http, method: 'GET', url: `${EMULATED_API_ORIGIN}/api/version` }).catch(() => undefined);
      return 'swallowed';
    }));
    expect(err.message).toContain('differs in path: recorded /api/tags, sent /api/version');
  });
});

describe('replay options', () => {
  test('requireAllUsed: a client that skips recorded requests fails, naming what it never sent', async () => {
    let error: unknown;
    try {
      await withCassette('registry/pull-manifest', () => sendRequest({ ...http, method: 'GET', url: MANIFEST_URL }), { requireAllUsed: true });
    } catch (err) {
      error = err;
    }
    expect(codeOf(error)).toBe('cassette/unused');
    expect((error as Error).message).toMatch(/the client never sent entry 2 \(token\) GET http:\/\/registry\.emulated\.test\/v2\/token\?nonce=<nonce:22 base64url>&scope=.*; entry 3 \(retry\) GET http:\/\/registry\.emulated\.test\/v2\/library\/llama3\/manifests\/latest$/);
  });
});

describe('loading a cassette', () => {
  test('an unknown name says where it looked and what exists', async () => {
    let error: unknown;
    try {
      await withCassette('registry/pull', async () => undefined);
    } catch (err) {
      error = err;
    }
    expect(codeOf(error)).toBe('cassette/not-found');
    expect((error as Error).message).toContain(`no cassette "registry/pull": ${join('recordings', 'registry', 'pull.har')} does not exist (available: apikey/tags, basic/tags, direct/request-uri-tags, direct/tags, direct/whoami, registry/multiple-scopes, registry/pull-manifest, registry/push-scope)`);
  });

  test('after expiresAt a replay warns (default) or fails (expiry: error)', async () => {
    const later = () => Date.parse('2040-01-01T00:00:00Z');
    const warnings: string[] = [];
    await withCassette('direct/tags', () => listTags(EMULATED_API_ORIGIN, key, { http }), { now: later, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringContaining('cassette direct/tags (recordings/direct/tags.har) expired on 2033-11-11T22:13:20.000Z (recorded 2023-11-14T22:13:20.000Z, origin emulator)')]);
    let error: unknown;
    try {
      await withCassette('direct/tags', async () => undefined, { now: later, expiry: 'error' });
    } catch (err) {
      error = err;
    }
    expect(codeOf(error)).toBe('cassette/expired');
  });
});
