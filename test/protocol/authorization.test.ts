import { describe, expect, test } from '@jest/globals';
import { keyFromSeed, TEST_SEED } from '../../src/keys/index.js';
import { AUTHORIZATION_SHAPE, formatAuthorization, parseAuthorization } from '../../src/protocol/authorization.js';
import { checkTimestamp, verifyAuthorizationValue } from '../../src/rules/client/signature.js';
import { nodeVerify } from '../helpers/node-crypto-oracle.js';
import { loadGoldenVectors } from '../helpers/vectors.js';

const golden = loadGoldenVectors();
const key = keyFromSeed(TEST_SEED);
const goldenRawKey = Buffer.from(golden.key.raw_public_key_hex, 'hex');

function errorOf(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected an error');
}

describe('formatAuthorization', () => {
  test.each([
    ['registry', golden.registry],
    ['direct', golden.direct_api_client],
    ['whoami', golden.whoami],
  ])('%s: raw form reproduces the golden value and node:crypto verifies it', (_name, vector) => {
    const value = formatAuthorization(key.publicKeyField, key.sign(vector.signed_string), 'raw');
    expect(value).toBe(vector.authorization);
    expect(value).toMatch(AUTHORIZATION_SHAPE);
    expect(value).toHaveLength(157);
    expect(nodeVerify(goldenRawKey, vector.signed_string, Buffer.from(value.split(':')[1]!, 'base64'))).toBe(true);
  });

  test('Bearer form reproduces the desktop-app golden value', () => {
    const v = golden.app_ui_doSelfSigned;
    expect(formatAuthorization(key.publicKeyField, key.sign(v.signed_string), 'bearer')).toBe(v.authorization);
  });
});

describe('parseAuthorization', () => {
  test('splits and decodes raw and Bearer forms', () => {
    const raw = parseAuthorization(golden.registry.authorization);
    expect(raw.form).toBe('raw');
    expect(Buffer.from(raw.publicKey).toString('hex')).toBe(golden.key.raw_public_key_hex);
    expect(raw.signature).toHaveLength(64);
    expect(parseAuthorization(golden.app_ui_doSelfSigned.authorization).form).toBe('bearer');
  });

  const sig = Buffer.from(golden.registry.authorization.split(':')[1]!, 'base64');
  const sshSigBlob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 64]), sig]);
  test.each([
    [undefined, 'authorization/missing', 'no Authorization header'],
    ['', 'authorization/missing', 'no Authorization header'],
    ['Bearer abc', 'authorization/shape', 'no ":"'],
    [`${goldenRawKey.toString('base64')}:${sig.toString('base64')}`, 'authorization/pubkey', 'raw 32-byte key'],
    [`${golden.key.pubkey_field}:${sshSigBlob.toString('base64')}`, 'authorization/signature', 'SSH signature wire blob'],
    [`${golden.key.pubkey_field}:${sig.toString('base64').replace(/=+$/, '')}`, 'authorization/signature', 'not padded standard base64'],
    [`${golden.key.pubkey_field}:${sig.subarray(0, 48).toString('base64')}`, 'authorization/signature', 'decodes to 48 bytes'],
  ])('%j → %s', (value, code, fragment) => {
    const err = errorOf(() => parseAuthorization(value));
    expect(err.code).toBe(code);
    expect(err.message).toContain(fragment);
  });
});

describe('verifyAuthorizationValue', () => {
  const correct = { label: 'METHOD,path?ts=', message: golden.direct_api_client.signed_string, correct: true };
  const fullUrl = { label: 'full URL signed instead of the path', message: `POST,${golden.direct_api_client.url}`, correct: false };

  test('a correct signature passes the check', () => {
    const verdict = verifyAuthorizationValue(golden.direct_api_client.authorization, [correct, fullUrl], 'direct/signature');
    expect(verdict.findings).toEqual([expect.objectContaining({ id: 'direct/signature', ok: true })]);
  });

  test('a signature over a known wrong string is named', () => {
    const value = formatAuthorization(key.publicKeyField, key.sign(fullUrl.message));
    const verdict = verifyAuthorizationValue(value, [correct, fullUrl], 'direct/signature');
    expect(verdict.findings[0]).toMatchObject({ ok: false, message: 'the client signed the wrong string: full URL signed instead of the path', expected: correct.message, actual: fullUrl.message });
  });

  test('ts changed by one second does not verify (vectors: "ts changed by 1 → fail")', () => {
    const other = { ...correct, message: correct.message.replace('1700000000', '1700000001') };
    const verdict = verifyAuthorizationValue(golden.direct_api_client.authorization, [other], 'direct/signature');
    expect(verdict.findings[0]).toMatchObject({ ok: false, actual: '(unknown string)' });
  });

  test('a malformed value fails the header-form rule and the signature rule', () => {
    const verdict = verifyAuthorizationValue('nonsense', [correct], 'direct/signature');
    expect(verdict.findings.map((f) => [f.id, f.ok])).toEqual([['auth/header-form', false], ['direct/signature', false]]);
  });
});

describe('checkTimestamp', () => {
  test.each([
    ['1000', 1000, 0, true],
    ['1010', 1000, 10, true],
    ['989', 1000, 10, false],
    ['abc', 1000, 10, false],
    [undefined, 1000, 10, false],
  ])('ts=%j now=%d window=%d → ok=%s', (ts, now, window, ok) => {
    expect(checkTimestamp('direct/ts-window', ts, now, window).ok).toBe(ok);
  });
});
