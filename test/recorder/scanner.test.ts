/**
 * The secret scanner refuses every kind of secret planted into a cassette, naming the file, the JSON
 * path and the kind; placeholders pass. Every planted secret is made here, at test time, from fresh
 * random keys and bytes: no secret-shaped literal exists in this file (the repository scan checks it).
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { encodeOpenSshPrivateKey, keyFromSeed, publicKeyFromSeed, TEST_SEED } from '../../src/keys/index.js';
import { encodeNonce } from '../../src/protocol/nonce.js';
import { registrySignedString } from '../../src/protocol/signing.js';
import {
  assertNoSecrets, recordCassette, scanJson, scanString, SecretLeakError, type Cassette, type SecretKind,
} from '../../src/recorder/index.js';
import { codeOf, freshKey, randomToken, tempDir } from './support.js';

const FILE = 'recordings/planted.har';
const shipped = JSON.parse(readFileSync('recordings/registry/pull-manifest.har', 'utf8')) as Cassette;

function clone(): Cassette {
  return JSON.parse(JSON.stringify(shipped)) as Cassette;
}

/** Plants `value` at a JSON pointer-like location and returns the expected refusal. */
function refusal(plant: (c: Cassette) => void): string {
  const doc = clone();
  plant(doc);
  try {
    assertNoSecrets(doc, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(SecretLeakError);
    expect(codeOf(err)).toBe('record/secret-detected');
    return (err as Error).message;
  }
  throw new Error('the scanner accepted a planted secret');
}

function expected(path: string, kind: SecretKind, length: number): string {
  return `refusing to write ${FILE}: ${path} holds ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} (${kind}, ${length} chars); redact it to a <kind:detail> placeholder`;
}

const signer = freshKey();
const tokenUrl = `https://registry.ollama.ai/v2/token?nonce=${encodeNonce(randomBytes(16))}&scope=repository%3Aa%2Fb%3Apull&service=registry.ollama.ai&ts=1700000000`;
const signature = Buffer.from(signer.sign(registrySignedString(tokenUrl))).toString('base64');
const pair = `${signer.publicKeyField}:${signature}`;
const BODY = '/log/entries/0/response/content/text';
const AUTH = '/log/entries/1/request/headers/0/value';

describe('the scanner refuses each planted secret kind', () => {
  test('shipped cassettes hold only placeholders: nothing found', () => {
    expect(scanJson(shipped, FILE)).toEqual([]);
  });

  test('registry-token: base64(token URL):<A>:<B> in a token response body', () => {
    const token = `${Buffer.from(tokenUrl).toString('base64')}:${pair}`;
    expect(refusal((c) => { c.log.entries[1]!.response.content.text = JSON.stringify({ token }); }))
      .toBe(expected('/log/entries/1/response/content/text', 'registry-token', token.length));
  });

  test('signature-pair: an Ollama <pubkey>:<signature> Authorization value', () => {
    expect(refusal((c) => { c.log.entries[1]!.request.headers[0]!.value = pair; })).toBe(expected(AUTH, 'signature-pair', 157));
  });

  test('signature-pair in Bearer form (the desktop app) is still a signature pair', () => {
    expect(refusal((c) => { c.log.entries[1]!.request.headers[0]!.value = `Bearer ${pair}`; })).toBe(expected(AUTH, 'signature-pair', 157));
  });

  test('private-key: OpenSSH armour with a body', () => {
    const seed = randomBytes(32);
    const pem = encodeOpenSshPrivateKey(seed, publicKeyFromSeed(seed));
    const message = refusal((c) => { c.log.entries[0]!.response.content.text = pem; });
    expect(message).toMatch(new RegExp(`^refusing to write ${FILE}: ${BODY} holds a private-key \\(private-key, \\d+ chars\\); redact it`));
  });

  test('private-key: PKCS#8 armour inside a JSON string with \\n escapes (as in source code)', () => {
    const body = randomBytes(48).toString('base64');
    const text = `const k = "-----BEGIN PRIVATE KEY-----\\n${body}\\n-----END PRIVATE KEY-----";`;
    expect(scanString(text).map((h) => h.kind)).toEqual(['private-key']);
    expect(refusal((c) => { c.log.entries[0]!.response.content.text = text; })).toContain(`${BODY} holds a private-key`);
  });

  test('public-key: an ssh-ed25519 public-key field on its own', () => {
    expect(refusal((c) => { c.log.entries[0]!.response.content.text = `{"key":"${signer.publicKeyField}"}`; })).toBe(expected(BODY, 'public-key', 68));
  });

  test('public-key: the key inside a sign-in URL (base64url of the authorized_keys line)', () => {
    const line = Buffer.from(`ssh-ed25519 ${signer.publicKeyField}`).toString('base64url');
    const body = JSON.stringify({ error: 'unauthorized', signin_url: `https://ollama.com/connect?name=host&key=${line}` });
    expect(refusal((c) => { c.log.entries[0]!.response.content.text = body; })).toBe(expected(BODY, 'public-key', line.length));
  });

  test('bearer-token: "Bearer <24+ token chars>" in a header', () => {
    const token = randomToken(40);
    expect(refusal((c) => { c.log.entries[2]!.request.headers[2]!.value = `Bearer ${token}`; }))
      .toBe(expected('/log/entries/2/request/headers/2/value', 'bearer-token', 7 + token.length));
  });

  test('bearer-token: a token field of a token response (any shape a registry issues)', () => {
    const token = `${randomToken(20)}.${randomToken(20)}`;
    const body = JSON.stringify({ access_token: token, expires_in: 300 });
    expect(refusal((c) => { c.log.entries[1]!.response.content.text = body; }))
      .toBe(expected('/log/entries/1/response/content/text', 'bearer-token', `"access_token":"${token}"`.length));
  });

  test('basic-credentials: "Basic base64(user:password)"', () => {
    const credentials = Buffer.from(`alice:${randomToken(16)}`).toString('base64');
    expect(refusal((c) => { c.log.entries[0]!.request.headers[0]!.value = `Basic ${credentials}`; }))
      .toBe(expected('/log/entries/0/request/headers/0/value', 'basic-credentials', 6 + credentials.length));
  });

  test('api-key: known provider shapes (sk-…, AKIA…) and OLLAMA_API_KEY=<value>', () => {
    const sk = `sk-${randomToken(40)}`;
    expect(refusal((c) => { c.log.entries[0]!.response.content.text = `{"note":"${sk}"}`; })).toBe(expected(BODY, 'api-key', sk.length));
    const aws = `AKIA${randomToken(16).toUpperCase()}`;
    expect(refusal((c) => { c.log._oac.notes = `key ${aws} here`; })).toBe(expected('/log/_oac/notes', 'api-key', aws.length));
    const env = `OLLAMA_API_KEY=${randomToken(32)}`;
    expect(refusal((c) => { c.log.entries[0]!.response.content.text = env; })).toBe(expected(BODY, 'api-key', env.length));
  });

  test('nonce: a 22-char nonce in a nonce= parameter of a URL', () => {
    const nonce = encodeNonce(randomBytes(16));
    expect(refusal((c) => { c.log.entries[1]!.request.url = c.log.entries[1]!.request.url.replace('<nonce:22 base64url>', nonce); }))
      .toBe(expected('/log/entries/1/request/url', 'nonce', 6 + 22));
  });

  test('nonce: a HAR query pair named nonce', () => {
    const nonce = encodeNonce(randomBytes(16));
    expect(refusal((c) => { c.log.entries[1]!.request.queryString[0]!.value = nonce; }))
      .toBe(expected('/log/entries/1/request/queryString/0/value', 'nonce', 22));
  });
});

describe('what the scanner accepts', () => {
  test('placeholders of every kind are safe', () => {
    const text = 'Bearer <token:opaque 370 chars #1> <pubkey:ssh-ed25519 68 base64>:<signature:88 base64> nonce=<nonce:22 base64url> Basic <basic:16 base64> Bearer <apikey:45 chars>';
    expect(scanString(text)).toEqual([]);
  });

  test('prose and protocol text that merely mention the shapes are not findings', () => {
    expect(scanString('Bearer realm="https://registry.ollama.ai/v2/token",service="registry.ollama.ai"')).toEqual([]);
    expect(scanString('pattern ^Bearer AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}:[A-Za-z0-9+/]{86}==$')).toEqual([]);
    expect(scanString('Basic realm="ollama"; -----BEGIN OPENSSH PRIVATE KEY----- parse error')).toEqual([]);
  });

  test('published test material is a finding in a cassette, and public only in the repository context', () => {
    const test = keyFromSeed(TEST_SEED);
    const published = `${test.publicKeyField}:${Buffer.from(test.sign('GET,/api/tags?ts=1700000000')).toString('base64')}`;
    const textbookBasic = `Basic ${Buffer.from('user:pass').toString('base64')}`;
    const textbookNonce = `nonce=${encodeNonce(Uint8Array.from({ length: 16 }, (_, i) => i))}`;
    expect(scanString(`${published} ${textbookBasic} ${textbookNonce}`).map((h) => h.kind)).toEqual(['signature-pair', 'basic-credentials', 'nonce']);
    expect(scanString(`${published} ${textbookBasic} ${textbookNonce}`, { context: 'repository' })).toEqual([]);
    // A fresh key is never published material.
    expect(scanString(pair, { context: 'repository' }).map((h) => h.kind)).toEqual(['signature-pair']);
  });
});

describe('the recorder runs the scanner before writing', () => {
  let server: Server;
  let origin: string;
  let planted: string;
  beforeAll(async () => {
    planted = `ghp_${randomToken(36)}`;
    // A local stand-in that leaks a credential in a body the cassette keeps (a debug field, say).
    server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ models: [], debug: `served with ${planted}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a secret the redactor does not know about stops the write: nothing on disk, the error names file, path and kind', async () => {
    const dir = tempDir('scan');
    const out = join(dir, 'apikey', 'tags.har');
    let error: unknown;
    try {
      await recordCassette({ target: origin, flow: 'api-key', apiKey: randomToken(30), out, origin: 'local-stand-in' });
    } catch (err) {
      error = err;
    }
    expect(codeOf(error)).toBe('record/secret-detected');
    expect((error as Error).message).toBe(
      `refusing to write ${out}: /log/entries/0/response/content/text holds an api-key (api-key, ${planted.length} chars); redact it to a <kind:detail> placeholder`,
    );
    expect((error as Error).message).not.toContain(planted);
    expect(existsSync(out)).toBe(false);
  });

  test('an existing cassette is left byte for byte as it was', async () => {
    const dir = tempDir('scan-keep');
    const out = join(dir, 'tags.har');
    writeFileSync(out, 'previous cassette\n');
    let error: unknown;
    try {
      await recordCassette({ target: origin, flow: 'api-key', apiKey: randomToken(30), out, origin: 'local-stand-in' });
    } catch (err) {
      error = err;
    }
    expect(codeOf(error)).toBe('record/secret-detected');
    expect(readFileSync(out, 'utf8')).toBe('previous cassette\n');
  });
});
