/**
 * openssh-key-v1: our encoder against ssh-keygen's bytes and against the layout read off by hand;
 * our parser against ssh-keygen's keys and against hand-corrupted files.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from '@jest/globals';
import { keyFromSeed } from '../../src/keys/key.js';
import {
  checkIntFromSeed,
  encodeOpenSshPrivateKey,
  encodeOpenSshPrivateKeyBlob,
  parseOpenSshPrivateKey,
  parseOpenSshPrivateKeyBlob,
} from '../../src/keys/openssh.js';
import { TEST_SEED } from '../../src/keys/test-seed.js';
import { expectKeyError, loadVectors, makeSshKey, sshKeygen, tempDir } from './support.js';

const vectors = loadVectors();
const testKey = keyFromSeed(TEST_SEED);
const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** The base64 body of a PEM file, line breaks removed. */
function pemBody(text: string): string {
  return text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
}

/** A minimal SSH wire reader on Buffer, separate from the code under test. */
function wireReader(buf: Buffer) {
  let off = 0;
  return {
    u32: () => {
      const v = buf.readUInt32BE(off);
      off += 4;
      return v;
    },
    str: () => {
      const n = buf.readUInt32BE(off);
      const v = buf.subarray(off + 4, off + 4 + n);
      off += 4 + n;
      return v;
    },
    raw: (n: number) => {
      const v = buf.subarray(off, off + n);
      off += n;
      return v;
    },
    left: () => buf.length - off,
  };
}

describe('encodeOpenSshPrivateKey: the layout of ssh.MarshalPrivateKey(key, "")', () => {
  const pem = encodeOpenSshPrivateKey(TEST_SEED, testKey.publicKey, { checkInt: 0xdeadbeef });

  test('PEM armour as Go pem.EncodeToMemory writes it: 64-column lines, trailing newline', () => {
    const lines = pem.split('\n');
    expect(lines[0]).toBe('-----BEGIN OPENSSH PRIVATE KEY-----');
    expect(lines.at(-2)).toBe('-----END OPENSSH PRIVATE KEY-----');
    expect(lines.at(-1)).toBe('');
    const body = lines.slice(1, -2);
    expect(body.slice(0, -1).every((l) => l.length === 64)).toBe(true);
    expect(body.at(-1)!.length).toBeGreaterThan(0);
    expect(body.at(-1)!.length).toBeLessThanOrEqual(64);
  });

  test('fields, read back by hand', () => {
    const r = wireReader(Buffer.from(pemBody(pem), 'base64'));
    expect(r.raw(15).toString('latin1')).toBe('openssh-key-v1\0');
    expect(r.str().toString()).toBe('none');
    expect(r.str().toString()).toBe('none');
    expect(r.str()).toHaveLength(0);
    expect(r.u32()).toBe(1);
    expect(r.str().toString('base64')).toBe(vectors.key.pubkey_field);
    const section = r.str();
    expect(r.left()).toBe(0);
    expect(section.length % 8).toBe(0);
    const s = wireReader(section);
    expect([s.u32(), s.u32()]).toEqual([0xdeadbeef, 0xdeadbeef]);
    expect(s.str().toString()).toBe('ssh-ed25519');
    expect(s.str().toString('hex')).toBe(vectors.key.raw_public_key_hex);
    expect(s.str().toString('hex')).toBe(vectors.key.seed_hex + vectors.key.raw_public_key_hex);
    expect(s.str()).toHaveLength(0); // comment "" as Ollama writes it
    // 131 bytes of fields → 5 bytes of padding 1..5 to reach 136.
    expect([...s.raw(s.left())]).toEqual([1, 2, 3, 4, 5]);
  });

  test('ssh-keygen reads it back to the same public key', () => {
    const file = tmp.file('encoded');
    writeFileSync(file, pem, { mode: 0o600 });
    expect(sshKeygen(['-y', '-f', file]).trim()).toBe(testKey.authorizedKeyLine);
  });

  test('byte-identical to ssh-keygen for the same seed, check int and comment (any comment)', () => {
    for (const comment of ['', 'user@host']) {
      const file = tmp.file(`sk-${comment.length}`);
      makeSshKey(file, { comment });
      const theirs = readFileSync(file, 'utf8');
      const parsed = parseOpenSshPrivateKey(theirs);
      expect(parsed.comment).toBe(comment);
      const ours = encodeOpenSshPrivateKey(parsed.seed, parsed.publicKey, { comment, checkInt: parsed.checkInt });
      // Only the armour's line width differs: ssh-keygen wraps at 70, Go at 64.
      expect(pemBody(ours)).toBe(pemBody(theirs));
    }
  });

  test('default check int comes from the seed: a fixed seed always encodes to the same bytes', () => {
    const a = encodeOpenSshPrivateKey(TEST_SEED, testKey.publicKey);
    expect(encodeOpenSshPrivateKey(new Uint8Array(TEST_SEED), keyFromSeed(TEST_SEED).publicKey)).toBe(a);
    expect(parseOpenSshPrivateKey(a).checkInt).toBe(checkIntFromSeed(TEST_SEED));
    expect(checkIntFromSeed(new Uint8Array(32))).not.toBe(checkIntFromSeed(TEST_SEED));
  });

  test('refuses a public key that does not belong to the seed', () => {
    expectKeyError(() => encodeOpenSshPrivateKey(TEST_SEED, new Uint8Array(32)), 'key/invalid-seed', 'does not belong');
  });
});

describe('round trip', () => {
  test('encode → parse gives back seed, public key, comment and check int', () => {
    for (let i = 0; i < 20; i++) {
      const seed = new Uint8Array(randomBytes(32));
      const key = keyFromSeed(seed);
      const comment = i % 2 === 0 ? '' : `c${'x'.repeat(i)}`; // varies the padding length
      const checkInt = randomBytes(4).readUInt32BE(0);
      const parsed = parseOpenSshPrivateKey(encodeOpenSshPrivateKey(seed, key.publicKey, { comment, checkInt }));
      expect(Buffer.from(parsed.seed)).toEqual(Buffer.from(seed));
      expect(Buffer.from(parsed.publicKey)).toEqual(Buffer.from(key.publicKey));
      expect(parsed.comment).toBe(comment);
      expect(parsed.checkInt).toBe(checkInt);
    }
  });
});

describe('parseOpenSshPrivateKey on ssh-keygen keys', () => {
  test('unencrypted ed25519: derived line equals the first two fields of ssh-keygen\'s .pub', () => {
    const file = tmp.file('real');
    makeSshKey(file, { comment: 'someone@somewhere' });
    const parsed = parseOpenSshPrivateKey(readFileSync(file, 'utf8'), { path: file });
    const pubFields = readFileSync(`${file}.pub`, 'utf8').trim().split(' ');
    expect(keyFromSeed(parsed.seed).authorizedKeyLine).toBe(pubFields.slice(0, 2).join(' '));
    expect(parsed.comment).toBe('someone@somewhere');
  });
});

describe('corrupt files are key/not-a-key with the reason and Go\'s wording', () => {
  const good = Buffer.from(encodeOpenSshPrivateKeyBlob(TEST_SEED, testKey.publicKey, { checkInt: 0x11223344 }));
  const check = Buffer.from('1122334411223344', 'hex');

  function parseMutated(mutate: (b: Buffer) => Buffer | void) {
    const copy = Buffer.from(good);
    const out = mutate(copy) ?? copy;
    return () => parseOpenSshPrivateKeyBlob(new Uint8Array(out), { path: '/k/id_ed25519' });
  }

  test('the unmutated blob parses (so each case below fails for its own reason)', () => {
    expect(Buffer.from(parseOpenSshPrivateKeyBlob(good).seed)).toEqual(Buffer.from(TEST_SEED));
  });

  test('check ints differ', () => {
    expectKeyError(
      parseMutated((b) => void b.writeUInt32BE(0x11223345, b.indexOf(check) + 4)),
      'key/not-a-key',
      '/k/id_ed25519',
      'check ints differ',
      'ssh: malformed OpenSSH key',
    );
  });

  test('padding is not 1, 2, 3, …', () => {
    expectKeyError(parseMutated((b) => void (b[b.length - 1] = 9)), 'key/not-a-key', 'padding', 'ssh: padding not as expected');
  });

  test('stored public key differs from the one the seed gives', () => {
    const pubAt = good.indexOf(Buffer.from(testKey.publicKey));
    expectKeyError(parseMutated((b) => void (b[pubAt] ^= 1)), 'key/not-a-key', 'does not match the one derived from its seed');
  });

  test('truncated anywhere', () => {
    for (const cut of [20, 40, 70, good.length - 20]) {
      expectKeyError(parseMutated((b) => b.subarray(0, cut)), 'key/not-a-key', 'truncated');
    }
  });

  test('wrong magic, two keys', () => {
    expectKeyError(parseMutated((b) => void (b[0] = 0x4f)), 'key/not-a-key', 'openssh-key-v1', 'ssh: invalid openssh private key format');
    const numKeysAt = 15 + 8 + 8 + 4;
    expectKeyError(parseMutated((b) => void b.writeUInt32BE(2, numKeysAt)), 'key/not-a-key', '2 keys', 'ssh: multi-key files are not supported');
  });

  test('in-memory data is named "key data" when no path is given', () => {
    expectKeyError(() => parseOpenSshPrivateKeyBlob(new Uint8Array(good.subarray(0, 30))), 'key/not-a-key', 'key data is not');
  });
});
