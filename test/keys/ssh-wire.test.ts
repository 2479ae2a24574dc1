/** The public-key forms on the wire, built from the SSH wire format by hand (RFC 4251 §5) and by ssh-keygen. */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from '@jest/globals';
import { keyFromSeed } from '../../src/keys/key.js';
import {
  authorizedKeyLine,
  decodePublicKeyField,
  fingerprintSha256,
  parseAuthorizedKeyLine,
  publicKeyField,
  sshPublicKeyBlob,
} from '../../src/protocol/ssh-wire.js';
import { TEST_SEED } from '../../src/keys/test-seed.js';
import { expectKeyError, loadVectors, makeSshKey, sshKeygen, tempDir } from './support.js';

const vectors = loadVectors();
const PUB = new Uint8Array(Buffer.from(vectors.key.raw_public_key_hex, 'hex'));

/** uint32 BE length + bytes, written out with Buffer so it does not share code with SshWriter. */
function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function b64(...parts: Buffer[]): string {
  return Buffer.concat(parts).toString('base64');
}

describe('building', () => {
  test('blob = uint32(11) "ssh-ed25519" uint32(32) key, 51 bytes', () => {
    const blob = sshPublicKeyBlob(PUB);
    expect(Buffer.from(blob)).toEqual(Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(Buffer.from(PUB))]));
    expect(blob).toHaveLength(51);
  });

  test('field is 68 chars of std base64 starting AAAAC3NzaC1lZDI1NTE5AAAAI, for any key', () => {
    for (const fill of [0x00, 0x7f, 0xff]) {
      const field = publicKeyField(new Uint8Array(32).fill(fill));
      expect(field).toHaveLength(68);
      expect(field.startsWith('AAAAC3NzaC1lZDI1NTE5AAAAI')).toBe(true);
      expect(field).toMatch(/^[A-Za-z0-9+/]{68}$/);
    }
    expect(publicKeyField(PUB)).toBe(vectors.key.pubkey_field);
  });

  test('authorized key line has no newline; the .pub file is it + "\\n"', () => {
    expect(authorizedKeyLine(PUB)).toBe(vectors.key.id_ed25519_pub_contents.replace(/\n$/, ''));
  });

  test('refuses a public key that is not 32 bytes', () => {
    expect(() => sshPublicKeyBlob(new Uint8Array(31))).toThrow(RangeError);
  });
});

describe('fingerprint', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  test('equals what ssh-keygen -l prints for the same key', () => {
    const file = tmp.file('k');
    makeSshKey(file);
    const line = readFileSync(`${file}.pub`, 'utf8');
    const listed = sshKeygen(['-l', '-E', 'sha256', '-f', `${file}.pub`]).split(' ')[1];
    expect(fingerprintSha256(parseAuthorizedKeyLine(line.trim()).publicKey)).toBe(listed);
  });
});

describe('decodePublicKeyField', () => {
  test('inverse of publicKeyField (golden field → golden raw key)', () => {
    expect(Buffer.from(decodePublicKeyField(vectors.key.pubkey_field)).toString('hex')).toBe(vectors.key.raw_public_key_hex);
    const key = keyFromSeed(new Uint8Array(32).fill(9));
    expect(Buffer.from(decodePublicKeyField(key.publicKeyField))).toEqual(Buffer.from(key.publicKey));
  });

  test('raw 32-byte key in base64 (44 chars): wrong-length, explains the blob', () => {
    const raw = Buffer.from(PUB).toString('base64');
    expect(raw).toHaveLength(44);
    expectKeyError(() => decodePublicKeyField(raw), 'pubkey/wrong-length', 'raw Ed25519 key', '51-byte SSH wire blob', '68');
  });

  test('not base64: base64url alphabet, whitespace, stray characters, missing padding', () => {
    const url = Buffer.from(sshPublicKeyBlob(new Uint8Array(32).fill(0xfb))).toString('base64url');
    expect(url).toMatch(/[-_]/);
    expectKeyError(() => decodePublicKeyField(url), 'pubkey/not-base64', 'base64url');
    expectKeyError(() => decodePublicKeyField(`${vectors.key.pubkey_field} `), 'pubkey/not-base64', 'whitespace');
    expectKeyError(() => decodePublicKeyField('AAAA*AAA'), 'pubkey/not-base64');
    expectKeyError(() => decodePublicKeyField(Buffer.from(PUB).toString('base64').replace(/=+$/, '')), 'pubkey/not-base64', 'multiple of 4');
  });

  test('the whole .pub line instead of its second field', () => {
    expectKeyError(() => decodePublicKeyField(authorizedKeyLine(PUB)), 'pubkey/not-base64', 'without the key type word');
  });

  test('wrong key type string names the type', () => {
    const rsa = b64(sshString(Buffer.from('ssh-rsa')), sshString(Buffer.from([1, 0, 1])), sshString(Buffer.alloc(32, 7)));
    expectKeyError(() => decodePublicKeyField(rsa), 'pubkey/wrong-type', '"ssh-rsa"');
  });

  test('truncated blob and a key of the wrong size are wrong-length', () => {
    const full = Buffer.from(sshPublicKeyBlob(PUB));
    expectKeyError(() => decodePublicKeyField(full.subarray(0, 48).toString('base64')), 'pubkey/wrong-length', 'truncated');
    expectKeyError(() => decodePublicKeyField(b64(sshString(Buffer.from('ssh-ed25519')), sshString(Buffer.alloc(33)))), 'pubkey/wrong-length', '33-byte');
    expectKeyError(() => decodePublicKeyField(''), 'pubkey/wrong-length', '0 bytes');
    expectKeyError(() => decodePublicKeyField('AAAA'), 'pubkey/wrong-length');
  });

  test('bytes after the key are trailing-bytes', () => {
    const blob = Buffer.concat([Buffer.from(sshPublicKeyBlob(PUB)), Buffer.from([0, 0, 0])]);
    expectKeyError(() => decodePublicKeyField(blob.toString('base64')), 'pubkey/trailing-bytes', '3 bytes after', 'trailing junk');
  });

  test('messages never echo the field (it may hold something secret)', () => {
    const secretish = Buffer.alloc(64, 0x42).toString('base64');
    const err = expectKeyError(() => decodePublicKeyField(secretish), 'pubkey/wrong-length');
    expect(err.message).not.toContain(secretish);
  });
});

describe('parseAuthorizedKeyLine', () => {
  test('accepts a comment and trailing newline, as in ssh-keygen .pub files', () => {
    const parsed = parseAuthorizedKeyLine(`${authorizedKeyLine(PUB)} user@host\n`);
    expect(Buffer.from(parsed.publicKey)).toEqual(Buffer.from(PUB));
    expect(parsed.comment).toBe('user@host');
  });

  test('other key types and missing fields are errors', () => {
    expectKeyError(() => parseAuthorizedKeyLine('ssh-rsa AAAAB3NzaC1yc2E='), 'pubkey/wrong-type', '"ssh-rsa"');
    expectKeyError(() => parseAuthorizedKeyLine('ssh-ed25519'), 'pubkey/malformed-line');
    expectKeyError(() => parseAuthorizedKeyLine('  '), 'pubkey/malformed-line', 'empty');
  });

  test('TEST_SEED line matches the golden .pub', () => {
    expect(parseAuthorizedKeyLine(vectors.key.id_ed25519_pub_contents).comment).toBe('');
    expect(keyFromSeed(TEST_SEED).authorizedKeyLine).toBe(vectors.key.id_ed25519_pub_contents.trim());
  });
});
