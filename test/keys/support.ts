/**
 * Shared by the keys suites: the golden vectors, node:crypto as an independent Ed25519 implementation,
 * ssh-keygen as an independent producer/parser of OpenSSH keys, temp dirs, and one assertion for KeyErrors.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from '@jest/globals';
import { OacError } from '../../src/errors.js';
import { AUTH_VECTORS_FILE, readGoldenFile } from '../helpers/vectors.js';

/** specs/golden/ollama-auth-vectors.json: the Go-produced vectors, vendored with their provenance. */
export const VECTORS_PATH = AUTH_VECTORS_FILE;

export interface SignedVector {
  signed_string: string;
  authorization: string;
}

export interface KeyVectors {
  key: {
    seed_hex: string;
    raw_public_key_hex: string;
    ssh_wire_blob_len: number;
    pubkey_field: string;
    pubkey_field_len: number;
    id_ed25519_pub_contents: string;
    id_ed25519_pub_len: number;
  };
  [section: string]: unknown;
}

export function loadVectors(): KeyVectors {
  const data = readGoldenFile(VECTORS_PATH);
  delete data['provenance'];
  return data as unknown as KeyVectors;
}

/** Every vector section that carries a signed string and the Authorization Go produced for it. */
export function signedVectors(vectors: KeyVectors): Array<[string, SignedVector]> {
  return Object.entries(vectors).filter((entry): entry is [string, SignedVector] => {
    const v = entry[1] as Partial<SignedVector> | null;
    return typeof v === 'object' && v !== null && typeof v.signed_string === 'string' && typeof v.authorization === 'string';
  });
}

// RFC 8410 PKCS#8 prefix for an Ed25519 private key: node:crypto then derives the public key itself,
// so nothing of ours goes into the oracle.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function nodePrivateKey(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function nodePublicKeyFromSeed(seed: Uint8Array): Buffer {
  const jwk = createPublicKey(nodePrivateKey(seed)).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

export function nodePublicKey(raw32: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw32).toString('base64url') }, format: 'jwk' });
}

export const SSH_KEYGEN = '/usr/bin/ssh-keygen';

/** Runs ssh-keygen; fails the test with its stderr if it fails (a missing ssh-keygen must not skip tests). */
export function sshKeygen(args: string[]): string {
  if (!existsSync(SSH_KEYGEN)) throw new Error(`${SSH_KEYGEN} is required by these tests (Debian package openssh-client)`);
  return execFileSync(SSH_KEYGEN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A fresh ssh-keygen key at `file` (and `file.pub`). */
export function makeSshKey(
  file: string,
  options: { type?: string; passphrase?: string; comment?: string; bits?: string; format?: 'PEM' | 'PKCS8' | 'RFC4716' } = {},
): void {
  const args = ['-q', '-t', options.type ?? 'ed25519', '-N', options.passphrase ?? '', '-C', options.comment ?? 'test@example', '-f', file];
  if (options.bits !== undefined) args.push('-b', options.bits);
  if (options.format !== undefined) args.push('-m', options.format);
  sshKeygen(args);
}

export interface TempDir {
  dir: string;
  file(name: string): string;
  cleanup(): void;
}

export function tempDir(): TempDir {
  const dir = mkdtempSync(path.join(tmpdir(), 'oac-keys-'));
  return {
    dir,
    file: (name) => path.join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Calls `fn`, expects it to throw an OacError with `code`, and returns the error for further checks. */
export function expectKeyError(fn: () => unknown, code: string, ...messageParts: string[]): OacError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(OacError);
  const err = thrown as OacError;
  expect({ code: err.code, message: err.message }).toEqual({ code, message: expect.any(String) });
  for (const part of messageParts) expect(err.message).toContain(part);
  // One line: messages go to terminals and single-line logs.
  expect(err.message).not.toMatch(/[\r\n]/);
  return err;
}
