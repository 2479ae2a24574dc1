import { describe, expect, test } from '@jest/globals';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from 'node:crypto';
import {
  KEY_CACHE_LIMIT, cachedKeyCount, isCanonicalPointEncoding, isCanonicalScalar, publicKeyFromSeed, signEd25519, verifyEd25519,
} from '../../src/protocol/ed25519.js';

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;
const encode32 = (n: bigint): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const seed = (i: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j) & 0xff);

describe('verifyEd25519 on node:crypto', () => {
  test('accepts the signer\'s signature and refuses it on another message or key', () => {
    const sig = signEd25519(seed(1), 'GET,/v2/token');
    expect(verifyEd25519(publicKeyFromSeed(seed(1)), 'GET,/v2/token', sig)).toBe(true);
    expect(verifyEd25519(publicKeyFromSeed(seed(1)), 'GET,/v2/token2', sig)).toBe(false);
    expect(verifyEd25519(publicKeyFromSeed(seed(2)), 'GET,/v2/token', sig)).toBe(false);
  });

  test('answers false, not an exception, for a key or signature of the wrong length (Go panics on the key)', () => {
    const sig = signEd25519(seed(1), 'm');
    expect(verifyEd25519(publicKeyFromSeed(seed(1)).subarray(0, 31), 'm', sig)).toBe(false);
    expect(verifyEd25519(publicKeyFromSeed(seed(1)), 'm', sig.subarray(0, 63))).toBe(false);
  });

  test('keeps at most KEY_CACHE_LIMIT imported keys however many keys a client sprays', () => {
    const sig = new Uint8Array(64);
    sig.set(publicKeyFromSeed(seed(0)), 0); // any canonical R; S = 0
    for (let i = 0; i < KEY_CACHE_LIMIT + 20; i++) {
      const key = encode32(BigInt(i + 2) * 0x1234567n); // canonical y < p: imported (whether or not a point)
      verifyEd25519(key, 'm', sig);
    }
    expect(cachedKeyCount()).toBeLessThanOrEqual(KEY_CACHE_LIMIT);
    expect(cachedKeyCount()).toBeGreaterThan(0);
  });
});

describe('the pre-checks that keep node:crypto to the inputs where it answers as Go', () => {
  test.each([
    [0n, true], [2n ** 252n, true], [L - 1n, true], [L, false], [L + 1n, false], [2n ** 253n - 1n, false], [2n ** 256n - 1n, false],
  ])('S = %p is canonical: %p', (s, expected) => {
    expect(isCanonicalScalar(encode32(s))).toBe(expected);
  });

  test.each([
    ['y = 0', 0n, true], ['y = p - 1 (order 2)', P - 1n, true], ['y = p', P, false], ['y = p + 18', P + 18n, false],
    ['identity with the sign bit', 1n + 2n ** 255n, false], ['order-2 point with the sign bit', P - 1n + 2n ** 255n, false],
    ['y = 2 with the sign bit', 2n + 2n ** 255n, true],
  ])('%s: canonical encoding %p', (_name, value, expected) => {
    expect(isCanonicalPointEncoding(encode32(value))).toBe(expected);
  });
});

ed.hashes.sha512 = sha512;

describe('signEd25519 (RFC 8032 on noble arithmetic, without its base-point table)', () => {
  test('gives exactly the bytes of noble\'s own ed.sign, for random seeds and messages of every length', () => {
    for (let i = 0; i < 64; i++) {
      const seed = new Uint8Array(randomBytes(32));
      const message = new Uint8Array(randomBytes(i * 3));
      const expected = Buffer.from(ed.sign(message, seed)).toString('hex');
      expect(Buffer.from(signEd25519(seed, message)).toString('hex')).toBe(expected);
      // With A given (as a key passes it), the same bytes.
      expect(Buffer.from(signEd25519(seed, message, publicKeyFromSeed(seed))).toString('hex')).toBe(expected);
    }
  });

  test('RFC 8032 §7.1 TEST 1 (empty message), byte for byte', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    expect(Buffer.from(signEd25519(seed, new Uint8Array())).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });
});
