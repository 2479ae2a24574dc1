/**
 * The key and its signatures against two implementations that are not ours: the Go-produced golden
 * vectors (x/crypto/ssh, what Ollama runs) and node:crypto (OpenSSL).
 */
import { createHash, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { keyFromSeed, publicKeyFromSeed, signWithSeed } from '../../src/keys/key.js';
import { TEST_SEED } from '../../src/keys/test-seed.js';
import { loadVectors, nodePrivateKey, nodePublicKey, nodePublicKeyFromSeed, signedVectors } from './support.js';

const vectors = loadVectors();

describe('golden vectors (Go, x/crypto/ssh)', () => {
  const key = keyFromSeed(TEST_SEED);

  test('TEST_SEED is the published seed 0x01..0x20', () => {
    expect(Buffer.from(TEST_SEED).toString('hex')).toBe(vectors.key.seed_hex);
  });

  test('raw public key', () => {
    expect(Buffer.from(key.publicKey).toString('hex')).toBe(vectors.key.raw_public_key_hex);
  });

  test('68-char public-key field', () => {
    expect(key.publicKeyField).toBe(vectors.key.pubkey_field);
    expect(key.publicKeyField).toHaveLength(vectors.key.pubkey_field_len);
    expect(Buffer.from(key.publicKeyField, 'base64')).toHaveLength(vectors.key.ssh_wire_blob_len);
  });

  test('the 81-byte .pub contents are authorizedKeyLine + "\\n"', () => {
    const pub = `${key.authorizedKeyLine}\n`;
    expect(pub).toBe(vectors.key.id_ed25519_pub_contents);
    expect(Buffer.byteLength(pub)).toBe(vectors.key.id_ed25519_pub_len);
  });

  const cases = signedVectors(vectors);
  test('the vectors file has signed strings to check', () => {
    expect(cases.map(([name]) => name)).toEqual(expect.arrayContaining(['registry', 'direct_api_client', 'whoami']));
  });

  test.each(cases)('%s: signature reproduced byte for byte', (_name, vector) => {
    const value = vector.authorization.replace(/^Bearer /, '');
    const [field, signature] = value.split(':');
    expect(field).toBe(vectors.key.pubkey_field);
    expect(Buffer.from(key.sign(vector.signed_string)).toString('base64')).toBe(signature);
  });
});

describe('node:crypto as an independent Ed25519 oracle', () => {
  // Seeds that are not the test seed, so nothing depends on one special value.
  const seeds = [TEST_SEED, new Uint8Array(32), new Uint8Array(32).fill(0xff), createHash('sha256').update('oac').digest()];
  const messages: Array<string | Uint8Array> = [
    '',
    'GET,/api/tags?ts=1700000000',
    'POST,/api/me?ts=1700000000',
    'ünïcödé ✓ 🦙',
    new Uint8Array([0, 1, 2, 255]),
    'x'.repeat(10_000),
  ];

  test.each(seeds.map((s) => [Buffer.from(s).toString('hex').slice(0, 8), s] as const))('seed %s…: same public key', (_label, seed) => {
    expect(Buffer.from(publicKeyFromSeed(seed))).toEqual(nodePublicKeyFromSeed(seed));
  });

  test.each(seeds.map((s) => [Buffer.from(s).toString('hex').slice(0, 8), s] as const))(
    'seed %s…: our signatures verify with node:crypto and equal its own',
    (_label, seed) => {
      const key = keyFromSeed(seed);
      const verifier = nodePublicKey(nodePublicKeyFromSeed(seed));
      const signer = nodePrivateKey(seed);
      for (const message of messages) {
        const bytes = typeof message === 'string' ? Buffer.from(message, 'utf8') : Buffer.from(message);
        const ours = key.sign(message);
        expect(ours).toHaveLength(64);
        expect(nodeVerify(null, bytes, verifier, ours)).toBe(true);
        expect(Buffer.from(ours)).toEqual(nodeSign(null, bytes, signer));
      }
    },
  );

  test('strings are signed as their UTF-8 bytes', () => {
    const message = 'naïve ✓';
    expect(Buffer.from(signWithSeed(TEST_SEED, message))).toEqual(nodeSign(null, Buffer.from(message, 'utf8'), nodePrivateKey(TEST_SEED)));
  });

  test('a signature for another message does not verify (the oracle can say no)', () => {
    const sig = keyFromSeed(TEST_SEED).sign('GET,/a');
    expect(nodeVerify(null, Buffer.from('GET,/b'), nodePublicKey(nodePublicKeyFromSeed(TEST_SEED)), sig)).toBe(false);
  });
});

describe('OllamaKey object', () => {
  test('keeps the seed out of JSON and logs, but readable as .seed', () => {
    const key = keyFromSeed(TEST_SEED);
    expect(Buffer.from(key.seed)).toEqual(Buffer.from(TEST_SEED));
    expect(JSON.stringify(key)).not.toContain('"seed"');
    expect(Object.keys(key)).not.toContain('seed');
  });

  test('copies the seed: changing the caller\'s buffer later does not change the key', () => {
    const seed = new Uint8Array(TEST_SEED);
    const key = keyFromSeed(seed);
    seed.fill(0);
    expect(key.publicKeyField).toBe(vectors.key.pubkey_field);
    expect(Buffer.from(key.seed).toString('hex')).toBe(vectors.key.seed_hex);
  });

  test('rejects a seed that is not 32 bytes', () => {
    expect(() => keyFromSeed(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'key/invalid-seed' }));
    expect(() => keyFromSeed(new Uint8Array(64))).toThrow(/32 bytes, got 64 bytes/);
  });
});
