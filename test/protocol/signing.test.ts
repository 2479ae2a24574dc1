import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  buildDirectRequest, buildRequestUriRequest, EMPTY_BODY_HASH_FIELD, registrySignedString,
} from '../../src/protocol/signing.js';
import { buildSigninUrl } from '../../src/protocol/signin-url.js';
import { loadGoldenVectors } from '../helpers/vectors.js';

const golden = loadGoldenVectors();

describe('signed strings', () => {
  test('the empty-body hash field is base64(hex(sha256(""))), as the vectors and node:crypto agree', () => {
    expect(EMPTY_BODY_HASH_FIELD).toBe(golden.empty_body_hash_field);
    expect(EMPTY_BODY_HASH_FIELD).toBe(Buffer.from(createHash('sha256').update(Buffer.alloc(0)).digest('hex'), 'utf8').toString('base64'));
  });

  test('registry token request: GET,<token URL>,<empty-body hash>', () => {
    expect(registrySignedString(golden.registry.token_url)).toBe(golden.registry.signed_string);
  });

  test.each([
    ['POST', '/api/chat', golden.direct_api_client],
    ['POST', '/api/me', golden.whoami],
    ['GET', '/api/tags', golden.app_ui_doSelfSigned],
  ])('S1 %s %s: METHOD,path?ts= and the URL carries the same ts', (method, path, vector) => {
    const built = buildDirectRequest(method, 'https://ollama.com', path, 1700000000);
    expect(built.signedString).toBe(vector.signed_string);
    expect(built.url).toBe(vector.url);
  });

  test('S1 signs the path constant, not a base-URL prefix, and sorts the base query with ts', () => {
    const built = buildDirectRequest('GET', 'http://127.0.0.1:9/prefix?z=1&a=2', '/api/tags', 7);
    expect(built.signedString).toBe('GET,/api/tags?ts=7');
    expect(built.url).toBe('http://127.0.0.1:9/prefix/api/tags?a=2&ts=7&z=1');
  });

  test('S2 request-uri flavour signs every query param, sorted, with ts overwritten', () => {
    const built = buildRequestUriRequest('POST', 'https://ollama.com/v1/chat/completions?b=2&ts=999&a=1', 1700000000);
    expect(built.signedString).toBe('POST,/v1/chat/completions?a=1&b=2&ts=1700000000');
    expect(built.url).toBe('https://ollama.com/v1/chat/completions?a=1&b=2&ts=1700000000');
  });
});

describe('sign-in URL (direct/signin-url)', () => {
  test('reproduces the golden connect URL', () => {
    const line = golden.key.id_ed25519_pub_contents.trimEnd();
    expect(buildSigninUrl('my-host', line)).toBe(golden.signin_url);
  });

  test('the server PathEscapes the host name, the app QueryEscapes it and adds launch=true', () => {
    expect(buildSigninUrl('my host', 'k')).toBe('https://ollama.com/connect?name=my%20host&key=aw');
    expect(buildSigninUrl('my host', 'k', { variant: 'app' })).toBe('https://ollama.com/connect?name=my+host&key=aw&launch=true');
  });
});
