/**
 * parsePrivateKey: every PEM type Go's ssh.ParseRawPrivateKey dispatches on, with files made by
 * ssh-keygen, openssl (through node:crypto) and by hand.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from '@jest/globals';
import { keyFromSeed } from '../../src/keys/key.js';
import { encodeOpenSshPrivateKey } from '../../src/keys/openssh.js';
import { ollamaKeyFromText, parsePrivateKey } from '../../src/keys/parse.js';
import { TEST_SEED } from '../../src/keys/test-seed.js';
import { expectKeyError, loadVectors, makeSshKey, nodePrivateKey, nodePublicKeyFromSeed, tempDir } from './support.js';

const vectors = loadVectors();
const testPem = encodeOpenSshPrivateKey(TEST_SEED, keyFromSeed(TEST_SEED).publicKey);
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('accepted like Go accepts them', () => {
  test('OpenSSH Ed25519', () => {
    const parsed = parsePrivateKey(testPem);
    expect(parsed.format).toBe('openssh');
    expect(Buffer.from(parsed.publicKey).toString('hex')).toBe(vectors.key.raw_public_key_hex);
  });

  test('text before and after the block, CRLF line ends, 70-column lines (pem.Decode tolerates all)', () => {
    const messy = `some notes\n${testPem.replace(/\n/g, '\r\n')}trailing`;
    expect(ollamaKeyFromText(messy).publicKeyField).toBe(vectors.key.pubkey_field);
    const file = tmp.file('seventy');
    makeSshKey(file);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[1]).toHaveLength(70);
    expect(parsePrivateKey(text).format).toBe('openssh');
  });

  test('PKCS#8 "PRIVATE KEY" Ed25519 (openssl genpkey / node:crypto) gives the same key', () => {
    const pkcs8 = nodePrivateKey(TEST_SEED).export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(pkcs8).toContain('-----BEGIN PRIVATE KEY-----');
    const parsed = parsePrivateKey(pkcs8);
    expect(parsed.format).toBe('pkcs8');
    expect(Buffer.from(parsed.seed)).toEqual(Buffer.from(TEST_SEED));
    expect(ollamaKeyFromText(pkcs8).publicKeyField).toBe(vectors.key.pubkey_field);
  });

  test('a freshly generated PKCS#8 key matches node:crypto\'s own public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const parsed = parsePrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const x = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
    expect(Buffer.from(parsed.publicKey)).toEqual(x);
    expect(nodePublicKeyFromSeed(parsed.seed)).toEqual(x);
  });
});

describe('refused, with the code for the kind of failure', () => {
  test('empty and whitespace-only text', () => {
    for (const text of ['', ' \n\t\r\n']) {
      expectKeyError(() => parsePrivateKey(text, { path: '/h/.ollama/id_ed25519' }), 'key/empty', '/h/.ollama/id_ed25519', 'ssh: no key found');
    }
  });

  test('a .pub line where the private key should be', () => {
    expectKeyError(() => parsePrivateKey(vectors.key.id_ed25519_pub_contents), 'key/not-a-key', 'public key line', 'ssh: no key found');
  });

  test('BEGIN without END (truncated file), and a body that is not base64', () => {
    expectKeyError(() => parsePrivateKey(testPem.slice(0, 120)), 'key/not-a-key', 'no "-----END OPENSSH PRIVATE KEY-----"', 'ssh: no key found');
    const lines = testPem.split('\n');
    lines[2] = lines[2]!.slice(0, 50); // drops characters mid-body: length no longer a multiple of 4
    expectKeyError(() => parsePrivateKey(lines.join('\n')), 'key/not-a-key', 'not valid base64', 'ssh: no key found');
  });

  test('PKCS#1 RSA and SEC 1 EC PEM are unsupported types that Go would load', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
    expectKeyError(() => parsePrivateKey(rsa), 'key/unsupported-type', 'RSA', 'Ollama itself would load it');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'sec1' }).toString();
    expectKeyError(() => parsePrivateKey(ec), 'key/unsupported-type', 'ECDSA');
  });

  test('PKCS#8 of another algorithm names it', () => {
    const x25519 = generateKeyPairSync('x25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expectKeyError(() => parsePrivateKey(x25519), 'key/unsupported-type', '"x25519"');
  });

  test('encrypted PEM: legacy Proc-Type and encrypted PKCS#8', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const legacy = privateKey.export({ format: 'pem', type: 'pkcs1', cipher: 'aes-128-cbc', passphrase: 'pw' }).toString();
    expect(legacy).toContain('Proc-Type: 4,ENCRYPTED');
    expectKeyError(() => parsePrivateKey(legacy), 'key/passphrase-protected', 'legacy PEM encryption', 'ssh: this private key is passphrase protected');
    const encrypted = nodePrivateKey(TEST_SEED).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    expectKeyError(() => parsePrivateKey(encrypted), 'key/passphrase-protected', 'encrypted PKCS#8', 'ENCRYPTED PRIVATE KEY');
  });

  test('a PEM block that is not a private key quotes Go\'s "unsupported key type"', () => {
    const cert = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expectKeyError(() => parsePrivateKey(cert), 'key/not-a-key', '"CERTIFICATE" PEM block', 'ssh: unsupported key type "CERTIFICATE"');
  });

  test('random binary', () => {
    expectKeyError(() => parsePrivateKey(Buffer.from([0, 1, 2, 200, 255, 13, 10]).toString('latin1')), 'key/not-a-key', 'ssh: no key found');
  });
});
