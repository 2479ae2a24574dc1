/**
 * Property tests of every protocol parser: under any input (arbitrary text, and mutations of valid input)
 * each returns or throws an OacError subclass, nothing else; and build → parse gives back what was built.
 * OAC_PROPERTY_RUNS sets the inputs per property (default 200; scripts/property-long.mjs runs 100000).
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { formatAuthorization, parseAuthorization } from '../../src/protocol/authorization.js';
import { parseLegacyImagesGo, parseLegacyXTransfer } from '../../src/protocol/challenge-legacy.js';
import { formatChallenge, parseBearerChallenge, parseChallenges } from '../../src/protocol/challenge.js';
import { goEncodeValues, goParseQuery, goParseUrl, goPathUnescape, goPathEscape, goQueryEscape, goQueryUnescape, goRequestUri, goUrlString } from '../../src/protocol/go-url.js';
import { encodeNonce, isNonceShape } from '../../src/protocol/nonce.js';
import { buildSigninUrl, parseSigninUrl } from '../../src/protocol/signin-url.js';
import { buildTokenResponse, parseTokenResponse } from '../../src/protocol/token-response.js';
import { buildTokenUrl, parseTokenUrl, urlHost } from '../../src/protocol/token-url.js';
import { publicKeyField } from '../../src/protocol/ssh-wire.js';
import { anyBytes, anyString, check, mutated, PROPERTY_TIMEOUT_MS, typedOnly } from './support.js';

const GOLDEN_CHALLENGES = [
  'Bearer realm="https://registry.ollama.ai/v2/token",service="registry.ollama.ai",scope="repository:library/llama3:pull"',
  'Bearer realm=https://r.example/token, service=r.example, scope="repository:a/b:pull repository:c/d:push"',
  'Basic realm="x", Bearer realm="http://127.0.0.1:1/v2/token?account=oac",error="invalid_token"',
  'Newauth abc==, Bearer realm="a\\"b\\\\c"',
];
const TOKEN_URLS = [
  `https://registry.ollama.ai/v2/token?nonce=${'A'.repeat(22)}&scope=repository%3Alibrary%2Fllama3%3Apull&service=registry.ollama.ai&ts=1700000000`,
  'http://127.0.0.1:8080/v2/token?account=oac&scope=a&scope=b&service=&ts=1&nonce=x',
  'http://[::1]:1/t%2Fx/y?q=%ZZ&a;b=c#frag',
];
const hostChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789.-'.split(''));
const host = fc.tuple(fc.string({ unit: hostChar, minLength: 1, maxLength: 20 }), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([h, port]) => (port === undefined ? h : `${h}:${port}`));
const pathSegment = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.~'.split('')), maxLength: 10 });
const unicodeText = fc.string({ unit: 'grapheme', maxLength: 40 });

describe('challenge (WWW-Authenticate)', () => {
  test('parseChallenges / parseBearerChallenge: any field values, strict or not, throw only typed errors', () => {
    check('challenge', 'any input', fc.property(fc.oneof(anyString(), mutated(GOLDEN_CHALLENGES)), fc.array(anyString(60), { maxLength: 3 }), fc.boolean(), (value, more, strict) => {
      typedOnly(() => parseChallenges(value, { strict }));
      typedOnly(() => parseChallenges([value, ...more], { strict }));
      typedOnly(() => parseBearerChallenge(value, { strict }));
      typedOnly(() => parseBearerChallenge([value, ...more]));
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('formatChallenge → parseBearerChallenge gives back realm, service, scope and extras', () => {
    const token = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789!#$%&\'*+-.^_`|~'.split('')), minLength: 1, maxLength: 12 });
    const spec = fc.record({
      realm: unicodeText.filter((r) => r !== ''),
      service: fc.option(unicodeText, { nil: undefined }),
      scope: fc.option(unicodeText, { nil: undefined }),
      extra: fc.dictionary(token.filter((k) => !['realm', 'service', 'scope'].includes(k.toLowerCase())), unicodeText, { maxKeys: 3 }),
    });
    check('challenge', 'format → parse round trip', fc.property(spec, fc.constantFrom('always' as const, 'when-needed' as const), (s, quote) => {
      const lowerKeys = Object.keys(s.extra).map((k) => k.toLowerCase());
      fc.pre(new Set(lowerKeys).size === lowerKeys.length);
      const header = typedOnly(() => formatChallenge(s, { quote }));
      if (header instanceof Error) {
        // Only a value no quoted-string can carry (a control character) is refused.
        expect(header.code).toBe('challenge/unformattable');
        expect(JSON.stringify(s)).toMatch(/\\u00[01][0-9a-f]|\\[bfnrt]|\u007f/);
        return;
      }
      const parsed = parseBearerChallenge(header);
      expect(parsed.realm).toBe(s.realm);
      expect(parsed.service).toBe(s.service);
      expect(parsed.scope).toBe(s.scope);
      for (const [k, v] of Object.entries(s.extra)) expect(parsed.params[k.toLowerCase()]).toBe(v);
    }));
  }, PROPERTY_TIMEOUT_MS);
});

describe("Ollama's legacy challenge parsers (images.go, x/transfer)", () => {
  test('any text or bytes: a result or LegacyParserPanic, nothing else', () => {
    check('challenge-legacy', 'any input', fc.property(fc.oneof(anyString(), mutated(GOLDEN_CHALLENGES)), anyBytes(), (text, bytes) => {
      for (const input of [text, bytes]) {
        typedOnly(() => parseLegacyImagesGo(input));
        typedOnly(() => parseLegacyXTransfer(input));
      }
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('a challenge Ollama itself writes reads back through both legacy parsers', () => {
    const plain = fc.string({ unit: fc.constantFrom(...'abcXYZ019:/._-é'.split('')), maxLength: 30 });
    check('challenge-legacy', 'format → parse round trip', fc.property(plain, plain, plain, (realm, service, scope) => {
      const header = `Bearer realm="${realm}",service="${service}",scope="${scope}"`;
      for (const parse of [parseLegacyImagesGo, parseLegacyXTransfer]) expect(parse(header)).toEqual({ realm, service, scope });
    }));
  }, PROPERTY_TIMEOUT_MS);
});

describe('Authorization', () => {
  const seedKey = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const signature = fc.uint8Array({ minLength: 64, maxLength: 64 });

  test('parseAuthorization: any value throws only typed errors', () => {
    const valid = `${publicKeyField(new Uint8Array(32).fill(7))}:${Buffer.alloc(64, 9).toString('base64')}`;
    check('authorization', 'any input', fc.property(fc.oneof(anyString(), mutated([valid, `Bearer ${valid}`]), fc.constant(undefined)), (value) => {
      typedOnly(() => parseAuthorization(value));
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('formatAuthorization → parseAuthorization gives back the key, the signature and the form', () => {
    check('authorization', 'format → parse round trip', fc.property(seedKey, signature, fc.constantFrom('raw' as const, 'bearer' as const), (key, sig, form) => {
      const field = publicKeyField(key);
      const parsed = parseAuthorization(formatAuthorization(field, sig, form));
      expect(parsed.form).toBe(form);
      expect(parsed.publicKeyField).toBe(field);
      expect(Buffer.from(parsed.publicKey).equals(Buffer.from(key))).toBe(true);
      expect(Buffer.from(parsed.signature).equals(Buffer.from(sig))).toBe(true);
    }));
  }, PROPERTY_TIMEOUT_MS);
});

describe('token URL and Go net/url', () => {
  test('parseTokenUrl, goParseUrl, goParseQuery, urlHost, the unescapers: any text throws only typed errors', () => {
    check('token-url', 'any input', fc.property(fc.oneof(anyString(), mutated(TOKEN_URLS)), (raw) => {
      typedOnly(() => parseTokenUrl(raw));
      typedOnly(() => urlHost(raw));
      const url = typedOnly(() => goParseUrl(raw));
      if (!(url instanceof Error)) {
        goUrlString(url);
        goRequestUri(url);
      }
      typedOnly(() => goParseQuery(raw));
      typedOnly(() => goQueryUnescape(raw));
      typedOnly(() => goPathUnescape(raw));
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('buildTokenUrl → parseTokenUrl gives back service, every scope, ts, nonce and the realm (its own query kept)', () => {
    const realm = fc.record({
      scheme: fc.constantFrom('http', 'https'),
      host,
      path: fc.array(pathSegment, { maxLength: 3 }).map((s) => (s.length ? `/${s.join('/')}` : '')),
      query: fc.array(fc.tuple(fc.constantFrom('account', 'client', 'x'), unicodeText), { maxLength: 2 }),
    });
    const input = fc.record({ realm, service: unicodeText, scope: unicodeText, ts: fc.integer({ min: 0, max: 2 ** 40 }), nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }).map(encodeNonce) });
    check('token-url', 'build → parse round trip', fc.property(input, (i) => {
      const query = i.realm.query.map(([k, v]) => `${k}=${goQueryEscape(v)}`).join('&');
      const realmUrl = `${i.realm.scheme}://${i.realm.host}${i.realm.path}${query ? `?${query}` : ''}`;
      const built = buildTokenUrl({ realm: realmUrl, service: i.service, scope: i.scope, ts: i.ts, nonce: i.nonce });
      const parsed = parseTokenUrl(built);
      expect(parsed.url.host).toBe(i.realm.host);
      expect(parsed.url.path).toBe(i.realm.path);
      expect(parsed.service).toEqual([i.service]);
      expect(parsed.scopes).toEqual(i.scope.split(' '));
      expect(parsed.ts).toEqual([String(i.ts)]);
      expect(parsed.nonce).toEqual([i.nonce]);
      expect(isNonceShape(parsed.nonce[0]!)).toBe(true);
      const realmQuery = new Map<string, string[]>();
      for (const [k, v] of i.realm.query) realmQuery.set(k, [...(realmQuery.get(k) ?? []), v]);
      expect(parsed.other).toEqual(realmQuery);
      // Encode is canonical: building from the parsed parts gives the same bytes.
      expect(goEncodeValues(goParseQuery(parsed.url.rawQuery).values)).toBe(parsed.url.rawQuery);
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('goQueryEscape / goPathEscape → their unescape give back any Unicode text', () => {
    check('go-url', 'escape → unescape round trip', fc.property(unicodeText, (s) => {
      expect(goQueryUnescape(goQueryEscape(s))).toBe(s);
      expect(goPathUnescape(goPathEscape(s))).toBe(s);
    }));
  }, PROPERTY_TIMEOUT_MS);
});

describe('token response', () => {
  test('parseTokenResponse: any body, with or without access_token, throws only typed errors', () => {
    const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v));
    const objects = fc.dictionary(fc.constantFrom('token', 'access_token', 'expires_in', 'x'), fc.jsonValue({ maxDepth: 1 })).map((o) => JSON.stringify(o));
    check('token-response', 'any input', fc.property(fc.oneof(anyString(), json, objects, mutated([buildTokenResponse('abc.def', { expiresIn: 300 }), '{"access_token":"x"}'])), fc.boolean(), (body, acceptAccessToken) => {
      typedOnly(() => parseTokenResponse(body, { acceptAccessToken }));
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('buildTokenResponse → parseTokenResponse gives back any non-empty token', () => {
    check('token-response', 'build → parse round trip', fc.property(fc.string({ unit: 'binary', minLength: 1 }), fc.option(fc.integer(), { nil: undefined }), (token, expiresIn) => {
      expect(parseTokenResponse(buildTokenResponse(token, expiresIn === undefined ? {} : { expiresIn }))).toBe(token);
    }));
  }, PROPERTY_TIMEOUT_MS);
});

describe('sign-in URL', () => {
  const valid = buildSigninUrl('my-host', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB user@host');
  test('parseSigninUrl: any text throws only typed errors', () => {
    check('signin-url', 'any input', fc.property(fc.oneof(anyString(), mutated([valid, buildSigninUrl('a b+c', 'k', { variant: 'app' })])), (raw) => {
      typedOnly(() => parseSigninUrl(raw));
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('buildSigninUrl → parseSigninUrl gives back the base, the host name, the key line and the variant', () => {
    const base = fc.tuple(fc.constantFrom('https', 'http'), host, fc.array(pathSegment.filter((s) => s !== ''), { maxLength: 2 }))
      .map(([scheme, h, path]) => `${scheme}://${h}${path.map((p) => `/${p}`).join('')}`);
    check('signin-url', 'build → parse round trip', fc.property(base, unicodeText, unicodeText, fc.constantFrom('server' as const, 'app' as const), (b, hostname, line, variant) => {
      expect(parseSigninUrl(buildSigninUrl(hostname, line, { base: b, variant }))).toEqual({ base: b, hostname, authorizedKeyLine: line, variant });
    }));
  }, PROPERTY_TIMEOUT_MS);
});

describe('parseSigninUrl on the shapes Ollama writes (server/routes.go@fb30760 L242, app/auth/connect.go L25)', () => {
  test('the server and app variants, a host name holding "&" and "+", and the errors a user sees', () => {
    const line = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB user@host';
    expect(parseSigninUrl(buildSigninUrl('a&b+c', line))).toEqual({ base: 'https://ollama.com', hostname: 'a&b+c', authorizedKeyLine: line, variant: 'server' });
    expect(parseSigninUrl(buildSigninUrl('my mac', line, { variant: 'app' }))).toEqual({ base: 'https://ollama.com', hostname: 'my mac', authorizedKeyLine: line, variant: 'app' });
    expect(() => parseSigninUrl('https://ollama.com/signin?name=x&key=eA')).toThrow('sign-in URL "https://ollama.com/signin?name=x&key=eA": expected the path to end in /connect, got "/signin"');
    expect(() => parseSigninUrl('https://ollama.com/connect?key=eA')).toThrow('sign-in URL "https://ollama.com/connect?key=eA": expected the query "name=…&key=…" (the app adds "&launch=true")');
    expect(() => parseSigninUrl('https://ollama.com/connect?name=x&key=a+b')).toThrow('sign-in URL "https://ollama.com/connect?name=x&key=a+b": expected key to be unpadded base64url, got 3 characters that are not');
  });
});
