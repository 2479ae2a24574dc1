/**
 * loadOllamaKey on real files: ssh-keygen's keys (the ones users have) and each way a key file goes wrong.
 * Every failure asserts the exact code, that the message names the file, and the wording users search for.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { KeyError } from '../../src/keys/errors.js';
import { keyFromSeed } from '../../src/keys/key.js';
import { defaultKeyPath, loadOllamaKey } from '../../src/keys/load.js';
import { encodeOpenSshPrivateKey } from '../../src/keys/openssh.js';
import { TEST_SEED } from '../../src/keys/test-seed.js';
import { expectKeyError, loadVectors, makeSshKey, tempDir } from './support.js';

const vectors = loadVectors();
const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A fresh directory per case so no case sees another's files. */
let n = 0;
function caseDir(): string {
  const dir = tmp.file(`case-${n++}`);
  mkdirSync(dir);
  return dir;
}

describe('defaultKeyPath (Go os.UserHomeDir + .ollama/id_ed25519)', () => {
  test('$HOME on unix', () => {
    expect(defaultKeyPath({ HOME: '/home/u' }, 'linux')).toBe('/home/u/.ollama/id_ed25519');
    expect(defaultKeyPath({ HOME: '/home/u/' }, 'darwin')).toBe('/home/u/.ollama/id_ed25519');
    // The systemd service user of the Linux install (docs/protocol.md §5).
    expect(defaultKeyPath({ HOME: '/usr/share/ollama' }, 'linux')).toBe('/usr/share/ollama/.ollama/id_ed25519');
  });

  test('%USERPROFILE% on Windows, HOME ignored there', () => {
    expect(defaultKeyPath({ USERPROFILE: 'C:\\Users\\u', HOME: '/x' }, 'win32')).toBe('C:\\Users\\u\\.ollama\\id_ed25519');
  });

  test('unset or empty home is a key/no-home error with Go\'s wording', () => {
    expectKeyError(() => defaultKeyPath({}, 'linux'), 'key/no-home', '$HOME is not defined', 'set HOME');
    expectKeyError(() => defaultKeyPath({ HOME: '' }, 'linux'), 'key/no-home', '$HOME is not defined');
    expectKeyError(() => defaultKeyPath({ HOME: '/x' }, 'win32'), 'key/no-home', '%userprofile% is not defined');
  });

  test('loadOllamaKey() without a path reads $HOME/.ollama/id_ed25519', () => {
    const home = caseDir();
    const original = process.env['HOME'];
    process.env['HOME'] = home;
    try {
      const err = expectKeyError(() => loadOllamaKey(), 'key/missing', path.join(home, '.ollama', 'id_ed25519'));
      expect((err as KeyError).path).toBe(path.join(home, '.ollama', 'id_ed25519'));
    } finally {
      process.env['HOME'] = original;
    }
  });
});

describe('keys that load', () => {
  test('ssh-keygen ed25519 (with its .pub beside it): same line as the .pub\'s first two fields', () => {
    const file = path.join(caseDir(), 'id_ed25519');
    makeSshKey(file, { comment: 'me@laptop' });
    const key = loadOllamaKey(file);
    const pub = readFileSync(`${file}.pub`, 'utf8').trim().split(' ');
    expect(key.authorizedKeyLine).toBe(`${pub[0]} ${pub[1]}`);
    expect(key.publicKeyField).toBe(pub[1]);
    expect(key.path).toBe(file);
  });

  test('the golden key file, with no .pub (Ollama never reads it)', () => {
    const file = path.join(caseDir(), 'id_ed25519');
    writeFileSync(file, encodeOpenSshPrivateKey(TEST_SEED, keyFromSeed(TEST_SEED).publicKey));
    const key = loadOllamaKey(file);
    expect(key.publicKeyField).toBe(vectors.key.pubkey_field);
    expect(Buffer.from(key.sign(String((vectors['whoami'] as { signed_string: string }).signed_string))).toString('base64')).toBe(
      (vectors['whoami'] as { authorization: string }).authorization.split(':')[1],
    );
  });
});

describe('each failure has its code, names the path, and quotes Ollama', () => {
  test('missing file → key/missing', () => {
    const file = path.join(caseDir(), 'nope', 'id_ed25519');
    expectKeyError(() => loadOllamaKey(file), 'key/missing', file, `open ${file}: no such file or directory`, 'oac keygen');
  });

  test('empty file and whitespace-only file → key/empty', () => {
    const dir = caseDir();
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '');
    expectKeyError(() => loadOllamaKey(empty), 'key/empty', empty, 'ssh: no key found');
    const blank = path.join(dir, 'blank');
    writeFileSync(blank, '\n  \n');
    expectKeyError(() => loadOllamaKey(blank), 'key/empty', blank, 'ssh: no key found');
  });

  test('random garbage → key/not-a-key', () => {
    const file = path.join(caseDir(), 'id_ed25519');
    writeFileSync(file, Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919) % 256)));
    expectKeyError(() => loadOllamaKey(file), 'key/not-a-key', file, 'ssh: no key found');
  });

  test('truncated key file (cut mid-body, END line lost) → key/not-a-key', () => {
    const dir = caseDir();
    const full = path.join(dir, 'full');
    makeSshKey(full);
    const file = path.join(dir, 'id_ed25519');
    writeFileSync(file, readFileSync(full, 'utf8').slice(0, 150));
    expectKeyError(() => loadOllamaKey(file), 'key/not-a-key', file, 'ssh: no key found');
  });

  test('truncated base64 inside intact armour → key/not-a-key', () => {
    const dir = caseDir();
    const full = path.join(dir, 'full');
    makeSshKey(full);
    const lines = readFileSync(full, 'utf8').split('\n');
    const file = path.join(dir, 'id_ed25519');
    // Keep the BEGIN line, the first two body lines (140 chars: valid base64, incomplete key) and END.
    writeFileSync(file, [lines[0], lines[1], lines[2], '-----END OPENSSH PRIVATE KEY-----', ''].join('\n'));
    expectKeyError(() => loadOllamaKey(file), 'key/not-a-key', file, 'truncated');
  });

  test('ssh-keygen -N secret → key/passphrase-protected', () => {
    const file = path.join(caseDir(), 'id_ed25519');
    makeSshKey(file, { passphrase: 'secret' });
    expectKeyError(
      () => loadOllamaKey(file),
      'key/passphrase-protected',
      `key file ${file} is passphrase-protected`,
      'ssh: this private key is passphrase protected',
      'Ollama keys are unencrypted',
    );
  });

  test('ssh-keygen -t rsa → key/unsupported-type naming ssh-rsa', () => {
    const file = path.join(caseDir(), 'id_ed25519');
    makeSshKey(file, { type: 'rsa', bits: '1024' });
    expectKeyError(() => loadOllamaKey(file), 'key/unsupported-type', file, '"ssh-rsa"', 'ssh-ed25519');
  });

  test('ssh-keygen -t ecdsa → key/unsupported-type naming ecdsa-sha2-nistp256', () => {
    const file = path.join(caseDir(), 'id_ed25519');
    makeSshKey(file, { type: 'ecdsa' });
    expectKeyError(() => loadOllamaKey(file), 'key/unsupported-type', file, '"ecdsa-sha2-nistp256"');
  });

  test('ssh-keygen -t rsa -m PEM ("RSA PRIVATE KEY") → key/unsupported-type', () => {
    const file = path.join(caseDir(), 'id_ed25519');
    makeSshKey(file, { type: 'rsa', bits: '1024', format: 'PEM' });
    expect(readFileSync(file, 'utf8')).toContain('-----BEGIN RSA PRIVATE KEY-----');
    expectKeyError(() => loadOllamaKey(file), 'key/unsupported-type', file, 'RSA');
  });

  test('a .pub from another key → key/pub-mismatch naming both files and both fingerprints', () => {
    const dir = caseDir();
    const file = path.join(dir, 'id_ed25519');
    makeSshKey(file);
    makeSshKey(path.join(dir, 'other'));
    copyFileSync(path.join(dir, 'other.pub'), `${file}.pub`);
    const err = expectKeyError(() => loadOllamaKey(file), 'key/pub-mismatch', `${file}.pub`, `key file ${file}`, 'SHA256:', 'ssh-keygen -y -f');
    expect((err as KeyError).path).toBe(`${file}.pub`);
    // The check is the default, and only runs when asked.
    expect(loadOllamaKey(file, { checkPub: false }).path).toBe(file);
  });

  test('a .pub that holds no ed25519 key → key/pub-mismatch', () => {
    const dir = caseDir();
    const file = path.join(dir, 'id_ed25519');
    makeSshKey(file);
    writeFileSync(`${file}.pub`, 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 x@y\n');
    expectKeyError(() => loadOllamaKey(file), 'key/pub-mismatch', `${file}.pub`, '"ssh-rsa"');
  });

  test('a directory in place of the file → key/unreadable with the OS error', () => {
    const file = path.join(caseDir(), 'id_ed25519');
    mkdirSync(file);
    expectKeyError(() => loadOllamaKey(file), 'key/unreadable', file, 'EISDIR', `read ${file}: is a directory`);
  });

  test('a directory in place of the .pub → key/unreadable naming the .pub', () => {
    const file = path.join(caseDir(), 'id_ed25519');
    writeFileSync(file, encodeOpenSshPrivateKey(TEST_SEED, keyFromSeed(TEST_SEED).publicKey));
    mkdirSync(`${file}.pub`);
    expectKeyError(() => loadOllamaKey(file), 'key/unreadable', `${file}.pub`, 'EISDIR', 'checkPub: false');
    expect(loadOllamaKey(file, { checkPub: false }).publicKeyField).toBe(vectors.key.pubkey_field);
  });
});
