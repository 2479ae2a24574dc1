/**
 * src/redaction, one function at a time: each credential shape to its exact redacted form, in each of the
 * three display forms (vocabulary.ts), plus headers, URLs, bodies, free text and configuration. Credentials
 * are built at test time from random bytes (no secret-shaped literal in the repository).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import {
  REDACTED, LiteralSecrets, credentialKind, credentialShape, credentialValueShape, describeAuthorization, flattenHeaders, isCredentialHeader, isSecretName,
  redactBodyFields, redactConfig, redactHeaders, redactHeaderValuesInText, redactQuery, redactText, redactUrl, redactUserinfo, replaceLiterals,
} from '../../src/redaction/index.js';
import { toHtmlReport } from '../../src/report/html.js';
import { toJunitXml } from '../../src/report/junit.js';
import { run, SECRETS } from '../report/fixture.js';

const b64 = (n: number): string => randomBytes(n).toString('base64');
/** A signed credential as Ollama sends it: the 68-char SSH key field and the 88-char raw signature. */
const PUBKEY = `AAAAC3NzaC1lZDI1NTE5AAAAI${randomBytes(32).toString('base64').slice(0, 43)}`;
const SIGNATURE = b64(64);
const SIGNED = `${PUBKEY}:${SIGNATURE}`;
const API_KEY = randomBytes(20).toString('hex');
const TOKEN = randomBytes(30).toString('base64url');
const BASIC = Buffer.from(`alice:${randomBytes(8).toString('hex')}`).toString('base64');

describe('credential shapes (each display form, exact strings)', () => {
  test.each([
    ['signed, raw', SIGNED, '<68 chars>:<88 chars>', '<157 chars>', '<pubkey>:<signature>'],
    ['signed, Bearer', `Bearer ${SIGNED}`, 'Bearer <68 chars>:<88 chars>', 'Bearer <157 chars>', 'Bearer <pubkey>:<signature>'],
    ['Bearer API key', `Bearer ${API_KEY}`, 'Bearer <40 chars>', 'Bearer <40 chars>', 'Bearer <token: 40 chars>'],
    ['Bearer token', `Bearer ${TOKEN}`, 'Bearer <40 chars>', 'Bearer <40 chars>', 'Bearer <token: 40 chars>'],
    ['Basic user:pass', `Basic ${BASIC}`, `Basic <${BASIC.length} chars>`, `Basic <${BASIC.length} chars>`, `Basic <credentials: ${BASIC.length} chars>`],
    ['a bare key', API_KEY, '<40 chars>', '<40 chars>', '<40 chars>'],
    ['an unknown scheme word is not kept', `Secret ${API_KEY}`, '<6 chars> <40 chars>', '<47 chars>', '<47 chars>'],
  ])('%s', (_name, value, perRun, whole, named) => {
    expect([credentialShape(value), credentialValueShape(value), describeAuthorization(value)]).toEqual([perRun, whole, named]);
  });

  test('credentialShape keeps the scheme word as sent and the ":" structure of a malformed value', () => {
    expect(credentialShape(`bearer x:${TOKEN}:${API_KEY}`)).toBe('bearer <1 chars>:<40 chars>:<40 chars>');
  });
});

describe('credentialKind: the one classifier (leak rules, intercept proxy, recorder)', () => {
  const publicKeyField = `AAAAC3NzaC1lZDI1NTE5AAAAI${'A'.repeat(43)}`;
  const signature = `${'B'.repeat(86)}==`;
  test.each([
    [undefined, 'none'],
    ['', 'none'],
    [`Basic ${Buffer.from('a:b').toString('base64')}`, 'basic'],
    [`${publicKeyField}:${signature}`, 'ollama-signature'],
    // Ollama's desktop app and web-search signers send the same credential after `Bearer ` (docs/protocol.md §2.2).
    [`Bearer ${publicKeyField}:${signature}`, 'ollama-signature'],
    ['Bearer abc', 'bearer'],
    // A short `a:b` is no Ollama signature: the public-key field is always 68 characters.
    ['AAAA:BBBB==', 'other'],
    ['Token x', 'other'],
    ['Bearer', 'other'],
  ])('%j is %s', (authorization, kind) => {
    expect(credentialKind(authorization)).toBe(kind);
  });
});

describe('headers', () => {
  test('credential headers by name (exact and by pattern), challenges are not credentials', () => {
    for (const name of ['Authorization', 'proxy-authorization', 'Cookie', 'set-cookie', 'X-API-Key', 'X-Auth-Token', 'x-session-id']) expect([name, isCredentialHeader(name)]).toEqual([name, true]);
    for (const name of ['WWW-Authenticate', 'proxy-authenticate', 'content-type', 'user-agent', 'host']) expect([name, isCredentialHeader(name)]).toEqual([name, false]);
  });

  test('redactHeaders reduces credential values, keeps names and lists, drops undefined', () => {
    const out = redactHeaders({ Authorization: `Bearer ${TOKEN}`, 'Set-Cookie': ['a=1', 'bb=22'], 'X-Api-Key': API_KEY, Accept: 'application/json', Gone: undefined, 'Content-Length': 12 });
    expect(out).toEqual({ Authorization: 'Bearer <40 chars>', 'Set-Cookie': ['<3 chars>', '<5 chars>'], 'X-Api-Key': '<40 chars>', Accept: 'application/json', 'Content-Length': '12' });
    expect(flattenHeaders(redactHeaders({ Cookie: ['a=1', 'b=2'], Authorization: `Basic ${BASIC}` }, credentialValueShape)))
      .toEqual({ cookie: '<3 chars>, <3 chars>', authorization: `Basic <${BASIC.length} chars>` });
  });

  test('header values quoted in a message lose the value, keep the scheme', () => {
    expect(redactHeaderValuesInText(`{"authorization": "Bearer ${TOKEN}", "cookie":"s=${API_KEY}"}`)).toBe('{"authorization": "Bearer <redacted>", "cookie":"<redacted>"}');
  });
});

describe('URLs', () => {
  test('userinfo: the password (redactUrl) or all of it (redactUserinfo); credential query values', () => {
    expect(redactUrl(`http://alice:${API_KEY}@127.0.0.1:1/api/tags?api_key=${API_KEY}&page=2`)).toBe(`http://alice:${REDACTED}@127.0.0.1:1/api/tags?api_key=${REDACTED}&page=2`);
    expect(redactUserinfo(`bad URL "http://alice:${API_KEY}@h/\u0001"`)).toBe('bad URL "http://<redacted>@h/\u0001"');
    expect(redactQuery(`/api/tags?token=${TOKEN}&x=1`)).toBe('/api/tags?token=<40 chars>&x=1');
  });
});

describe('literals and bodies', () => {
  test('a known secret goes in every form a URL or form body gives it, longest first', () => {
    const book = new LiteralSecrets();
    book.add('s3cr+t x', '<A>');
    book.add('s3cr', '<B>');
    expect(book.redact('s3cr+t x | s3cr%2Bt%20x | s3cr%2Bt+x | s3cr')).toBe('<A> | <A> | <A> | <B>');
    expect(replaceLiterals('abc abcd', ['abc', 'abcd'], () => '*')).toBe('abc *');
  });

  test('secret JSON fields (token, access_token, refresh_token, password, api_key, …) lose their value', () => {
    const body = JSON.stringify({ token: TOKEN, access_token: TOKEN, refresh_token: 'r', password: 'p', api_key: API_KEY, expires_in: 60, model: 'x' });
    expect(redactBodyFields(body)).toBe('{"token":"<redacted>","access_token":"<redacted>","refresh_token":"<redacted>","password":"<redacted>","api_key":"<redacted>","expires_in":60,"model":"x"}');
    // The length is that of the JSON string as written (escapes included), as the conformance server reports it.
    expect(redactBodyFields('{"token": "ab\\"c"}', (v) => `<token:${v.length} chars>`)).toBe('{"token": "<token:5 chars>"}');
  });
});

describe('redactText (free text)', () => {
  test.each([
    ['a literal secret and its URL-encoded form', 'key=s3cr+t/x and s3cr%2Bt%2Fx', ['s3cr+t/x'], `key=${REDACTED} and ${REDACTED}`],
    ['a Bearer token', 'Authorization: Bearer abc.DEF-123_xyz', [], `Authorization: Bearer ${REDACTED}`],
    ['Basic credentials', 'Authorization: Basic b2FjOnBhc3M=', [], `Authorization: Basic ${REDACTED}`],
    ['an Ollama signature (the public key stays)', `AAAAC3NzaC1lZDI1NTE5AAAAI${'C'.repeat(43)}:${'d'.repeat(86)}==`, [], `AAAAC3NzaC1lZDI1NTE5AAAAI${'C'.repeat(43)}:${REDACTED}`],
    ['a URL password', 'GET http://user:hunter22@host:1/x', [], `GET http://user:${REDACTED}@host:1/x`],
    ['a token field of a JSON body', '{"token":"abc\\"def","expires_in":60}', [], `{"token":"${REDACTED}","expires_in":60}`],
    ['an env assignment', 'env OLLAMA_API_KEY="a b" MY_TOKEN=xyz ./client', [], `env OLLAMA_API_KEY=${REDACTED} MY_TOKEN=${REDACTED} ./client`],
    ['a private key block', 'x\n-----BEGIN PRIVATE KEY-----\nMC4CAQ\n-----END PRIVATE KEY-----\ny', [], `x\n${REDACTED} private key\ny`],
    ['an OpenSSH private key block', 'k=-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\nNzaA==\n-----END OPENSSH PRIVATE KEY-----', [], `k=${REDACTED} private key`],
    ['a passphrase the run knows', 'unlock with correct-horse-battery', ['correct-horse-battery'], `unlock with ${REDACTED}`],
  ])('%s', (_name, input, secrets, expected) => {
    expect(redactText(input, secrets)).toBe(expected);
    expect(redactText(expected, secrets)).toBe(expected);
  });

  test.each([
    'Basic credentials are required',
    'a Bearer challenge with realm',
    'Authorization: Bearer <token: 40 chars>',
    'Authorization: <68 chars>:<88 chars>',
    'Basic <credentials: 12 chars>',
    'curl -H "Authorization: Bearer $OLLAMA_API_KEY" url',
    'env OLLAMA_API_KEY=$KEY MY_TOKEN="${TOKEN}" ./client',
  ])('leaves %j alone', (text) => {
    expect(redactText(text)).toBe(text);
  });
});

/** Follows an RFC 6901 pointer. */
function at(value: unknown, pointer: string): unknown {
  return pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).reduce<unknown>((v, key) => (v as Record<string, unknown>)[key], value);
}

describe('redactConfig (configuration objects)', () => {
  const config = run().config;
  const { value, redacted } = redactConfig(config, run().secrets);

  test('every secret is gone from the value', () => {
    const text = JSON.stringify(value);
    for (const [name, secret] of Object.entries(SECRETS)) expect([name, text.includes(secret)]).toEqual([name, false]);
  });

  test('exactly these values were replaced, and each pointer leads to a redacted value', () => {
    expect([...redacted].sort()).toEqual([
      '/apiKey', '/basic/pass', '/basic/user', '/client', '/clientKeyPem', '/headers/Authorization', '/proxyUrl',
      '/registryTokens/0', '/registryTokens/1', '/seedHex',
    ]);
    for (const pointer of redacted) expect([pointer, String(at(value, pointer)).includes(REDACTED)]).toEqual([pointer, true]);
  });

  test('paths, settings and prose stay; a URL keeps everything but its password', () => {
    expect(value).toMatchObject({
      jobs: 2, timeoutMs: 20000, tokenTtl: 3600, strict: false,
      keyPath: '/home/u/.ollama/id_ed25519', clientKey: '/tmp/pki/client.key',
      headers: { Accept: 'application/json', Authorization: REDACTED },
      proxyUrl: `http://oac:${REDACTED}@127.0.0.1:3128`,
      clientKeyPem: `${REDACTED} private key\n`,
      note: 'Basic credentials are checked',
    });
  });

  test('pointer escaping (~ and /), numbers under a secret name, empty and boolean values; names that are secrets', () => {
    const r = redactConfig({ 'a/b': { 'c~d': { password: 1234 } }, token: '', apiKey: true, list: [{ secret: 'abcdef' }] });
    expect(r.redacted).toEqual(['/a~1b/c~0d/password', '/list/0/secret']);
    expect(r.value).toEqual({ 'a/b': { 'c~d': { password: REDACTED } }, token: '', apiKey: true, list: [{ secret: REDACTED }] });
    expect(['OLLAMA_API_KEY', 'registryPassword', 'basic', 'seedHex', 'passphrase'].map(isSecretName)).toEqual([true, true, true, true, true]);
    expect(['keyPath', 'clientKey', 'timeoutMs'].map(isSecretName)).toEqual([false, false, false]);
  });

  test('the input is not modified', () => {
    expect(config['apiKey']).toBe(SECRETS.apiKey);
  });
});

describe('the report renderers use it', () => {
  test('no planted secret of the fixture run in report.html or junit.xml', () => {
    for (const [output, text] of [['report.html', toHtmlReport(run())], ['junit.xml', toJunitXml(run())]] as const) {
      for (const [name, secret] of Object.entries(SECRETS)) expect([output, name, text.includes(secret)]).toEqual([output, name, false]);
    }
  });
});
