import { describe, expect, test } from '@jest/globals';
import { buildTokenResponse, parseTokenResponse } from '../../src/protocol/token-response.js';

describe('parseTokenResponse', () => {
  test('reads token, and access_token as the Docker token spec allows', () => {
    expect(parseTokenResponse('{"token":"t1"}')).toBe('t1');
    expect(parseTokenResponse('{"access_token":"t2","expires_in":60}')).toBe('t2');
    expect(parseTokenResponse('{"token":"t1","access_token":"t2"}')).toBe('t1');
  });

  test.each([
    ['', 'token/not-json', 'not JSON'],
    ['<html>', 'token/not-json', '"<html>"'],
    ['null', 'token/not-object', 'got null'],
    ['[]', 'token/not-object', 'got []'],
    ['{}', 'token/missing', 'no "token" or "access_token"'],
    ['{"token":""}', 'token/empty', 'refusing to retry without a credential'],
    ['{"token":5}', 'token/not-string', 'got 5'],
  ])('%j fails with %s', (body, code, fragment) => {
    let error: unknown;
    try {
      parseTokenResponse(body);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toContain(fragment);
  });

  test('Ollama-compatible mode ignores access_token', () => {
    expect(() => parseTokenResponse('{"access_token":"t"}', { acceptAccessToken: false })).toThrow(expect.objectContaining({ code: 'token/missing' }));
  });

  test('buildTokenResponse is read back', () => {
    expect(parseTokenResponse(buildTokenResponse('abc', { expiresIn: 300 }))).toBe('abc');
  });
});
