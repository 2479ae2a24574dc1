/**
 * Property tests of the key readers: any text or bytes handed to them (a random file, a corrupted or cut
 * id_ed25519, a PKCS#8 file with flipped bytes) gives a key or a KeyError/ProtocolError, never an untyped
 * throw; and a key written by this project reads back to the same seed, public key and comment.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { publicKeyFromSeed } from '../../src/keys/key.js';
import { encodeOpenSshPrivateKey, encodeOpenSshPrivateKeyBlob, parseOpenSshPrivateKey, parseOpenSshPrivateKeyBlob } from '../../src/keys/openssh.js';
import { ollamaKeyFromText, parsePrivateKey } from '../../src/keys/parse.js';
import { decodePem, encodePem } from '../../src/keys/pem.js';
import { parsePkcs8PrivateKey } from '../../src/keys/pkcs8.js';
import { authorizedKeyLine, decodePublicKeyField, parseAuthorizedKeyLine, publicKeyField } from '../../src/protocol/ssh-wire.js';
import { anyBytes, anyString, check, mutated, mutatedBytes, PROPERTY_TIMEOUT_MS, typedOnly } from './support.js';

const SEED = new Uint8Array(32).map((_, i) => i * 7 + 1);
const PUBLIC = publicKeyFromSeed(SEED);
const OPENSSH_TEXT = encodeOpenSshPrivateKey(SEED, PUBLIC, { comment: 'oac@test' });
const OPENSSH_BLOB = encodeOpenSshPrivateKeyBlob(SEED, PUBLIC, { comment: 'oac@test' });
/** The same key as PKCS#8, made by node:crypto (an independent encoder). */
const PKCS8_PEM = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), SEED]), format: 'der', type: 'pkcs8' })
  .export({ format: 'pem', type: 'pkcs8' }) as string;
const PKCS8_DER = decodePem(PKCS8_PEM).block!.bytes;
const VALID_TEXTS = [OPENSSH_TEXT, PKCS8_PEM, `${authorizedKeyLine(PUBLIC)} user@host\n`, '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----\n'];

describe('key files', () => {
  test('parsePrivateKey, ollamaKeyFromText, parseOpenSshPrivateKey, decodePem: any text throws only typed errors', () => {
    check('keys', 'any text', fc.property(fc.oneof(anyString(), mutated(VALID_TEXTS)), (text) => {
      typedOnly(() => parsePrivateKey(text, { path: '/k' }));
      typedOnly(() => ollamaKeyFromText(text));
      typedOnly(() => parseOpenSshPrivateKey(text));
      typedOnly(() => decodePem(text));
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('openssh-key-v1 and PKCS#8 bytes, corrupted or random: a key or a typed error', () => {
    check('keys', 'any bytes', fc.property(fc.oneof(anyBytes(), mutatedBytes(OPENSSH_BLOB), mutatedBytes(PKCS8_DER)), (bytes) => {
      typedOnly(() => parseOpenSshPrivateKeyBlob(bytes));
      typedOnly(() => parsePkcs8PrivateKey(bytes));
      // The same bytes inside each PEM armour reach the parsers through the file path users take.
      typedOnly(() => parsePrivateKey(encodePem('OPENSSH PRIVATE KEY', bytes)));
      typedOnly(() => parsePrivateKey(encodePem('PRIVATE KEY', bytes)));
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('public-key forms: decodePublicKeyField and parseAuthorizedKeyLine throw only typed errors', () => {
    const field = publicKeyField(PUBLIC);
    check('keys', 'public key forms', fc.property(fc.oneof(anyString(), mutated([field, authorizedKeyLine(PUBLIC)])), (text) => {
      typedOnly(() => decodePublicKeyField(text));
      typedOnly(() => parseAuthorizedKeyLine(text));
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('encodeOpenSshPrivateKey → parsePrivateKey gives back the seed, the public key and the comment', () => {
    const comment = fc.string({ unit: 'grapheme', maxLength: 40 });
    check('keys', 'write → read round trip', fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), comment, fc.option(fc.nat(), { nil: undefined }), (seed, c, checkInt) => {
      const pub = publicKeyFromSeed(seed);
      const parsed = parsePrivateKey(encodeOpenSshPrivateKey(seed, pub, { comment: c, ...(checkInt === undefined ? {} : { checkInt }) }));
      expect(parsed.format).toBe('openssh');
      expect(Buffer.from(parsed.seed).equals(Buffer.from(seed))).toBe(true);
      expect(Buffer.from(parsed.publicKey).equals(Buffer.from(pub))).toBe(true);
      expect(parsed.comment).toBe(c);
      expect(Buffer.from(decodePublicKeyField(publicKeyField(pub))).equals(Buffer.from(pub))).toBe(true);
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('encodePem → decodePem gives back the type and the bytes', () => {
    const type = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ '.split('')), minLength: 1, maxLength: 20 }).filter((t) => t.trim() === t);
    check('keys', 'PEM round trip', fc.property(type, anyBytes(), (t, bytes) => {
      const decoded = decodePem(encodePem(t, bytes));
      expect(decoded.block?.type).toBe(t);
      expect(Buffer.from(decoded.block!.bytes).equals(Buffer.from(bytes))).toBe(true);
    }));
  }, PROPERTY_TIMEOUT_MS);
});

describe('the comment of a key ssh-keygen wrote (bug found by the round trip above)', () => {
  test('a non-ASCII comment reads back as ssh-keygen -C was given it (UTF-8), not as Latin-1 mojibake', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oac-keys-comment-'));
    try {
      const file = join(dir, 'id_ed25519');
      const made = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'jöhn@hôst 😀', '-f', file], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
      expect([made.status, made.stderr]).toEqual([0, '']);
      expect(parsePrivateKey(readFileSync(file, 'utf8')).comment).toBe('jöhn@hôst 😀');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
