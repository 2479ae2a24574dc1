/**
 * Redaction: the effective config loses every secret (by name, by content) but keeps paths and settings,
 * with a pointer per removed value; free text loses literal secrets and credential-shaped runs but keeps
 * prose and already-redacted shapes. And the HTML report: self-contained, escaped, no secret.
 */
import { describe, expect, test } from '@jest/globals';
import { REDACTED, redactConfig, redactText } from '../../src/report/effective-config.js';
import { toHtmlReport } from '../../src/report/html.js';
import { run, SECRETS } from './fixture.js';

/** Follows an RFC 6901 pointer. */
function at(value: unknown, pointer: string): unknown {
  return pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).reduce<unknown>((v, key) => (v as Record<string, unknown>)[key], value);
}

describe('redactConfig', () => {
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

  test('pointer escaping (~ and /), numbers under a secret name, empty and boolean values', () => {
    const r = redactConfig({ 'a/b': { 'c~d': { password: 1234 } }, token: '', apiKey: true, list: [{ secret: 'abcdef' }] });
    expect(r.redacted).toEqual(['/a~1b/c~0d/password', '/list/0/secret']);
    expect(r.value).toEqual({ 'a/b': { 'c~d': { password: REDACTED } }, token: '', apiKey: true, list: [{ secret: REDACTED }] });
  });

  test('the input is not modified', () => {
    expect(config['apiKey']).toBe(SECRETS.apiKey);
  });
});

describe('redactText', () => {
  test.each([
    ['a literal secret and its URL-encoded form', 'key=s3cr+t/x and s3cr%2Bt%2Fx', ['s3cr+t/x'], `key=${REDACTED} and ${REDACTED}`],
    ['a Bearer token', 'Authorization: Bearer abc.DEF-123_xyz', [], `Authorization: Bearer ${REDACTED}`],
    ['Basic credentials', 'Authorization: Basic b2FjOnBhc3M=', [], `Authorization: Basic ${REDACTED}`],
    ['an Ollama signature (the public key stays)', `AAAAC3NzaC1lZDI1NTE5AAAAI${'C'.repeat(43)}:${'d'.repeat(86)}==`, [], `AAAAC3NzaC1lZDI1NTE5AAAAI${'C'.repeat(43)}:${REDACTED}`],
    ['a URL password', 'GET http://user:hunter22@host:1/x', [], `GET http://user:${REDACTED}@host:1/x`],
    ['a token field of a JSON body', '{"token":"abc\\"def","expires_in":60}', [], `{"token":"${REDACTED}","expires_in":60}`],
    ['an env assignment', 'env OLLAMA_API_KEY="a b" MY_TOKEN=xyz ./client', [], `env OLLAMA_API_KEY=${REDACTED} MY_TOKEN=${REDACTED} ./client`],
    ['a private key block', 'x\n-----BEGIN PRIVATE KEY-----\nMC4CAQ\n-----END PRIVATE KEY-----\ny', [], `x\n${REDACTED} private key\ny`],
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

describe('toHtmlReport', () => {
  const html = toHtmlReport(run());

  test('self-contained: no script, no external resource, a CSP that forbids loading anything, only in-page links', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(/<script|<link|<img|<iframe|\ssrc=|@import|url\(/i.test(html)).toBe(false);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.length).toBe(7);
    expect(hrefs.every((h) => h!.startsWith('#s'))).toBe(true);
  });

  test('hostile text is escaped, control characters made visible', () => {
    expect(html).not.toContain('<b>&amp;');
    expect(html).toContain('&lt;b&gt;&amp;amp; &quot;double&quot; &#39;single&#39;&lt;/b&gt;');
    expect(html.includes('\u001b')).toBe(false);
  });

  test('summary, failing scenarios open, every verdict listed', () => {
    expect(html).toContain('<title>ollama-auth-conformance 0.1.0: FAILED</title>');
    expect(html).toContain('<details id="s1" open>');
    expect(html).toContain('<details id="s0">');
    expect((html.match(/<tr><td class="v /g) ?? []).length).toBe(7 + 12);
  });

  test('no planted secret', () => {
    for (const [name, secret] of Object.entries(SECRETS)) expect([name, html.includes(secret)]).toEqual([name, false]);
  });
});
