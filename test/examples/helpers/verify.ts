/**
 * Judging what a client sent without the project's protocol code: the public key comes from the
 * `.pub` file (and, for the published test seed, from node:crypto itself), signatures are checked with
 * node:crypto, and the expected strings are written out by hand from docs/protocol.md.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from '@jest/globals';
import { nodeVerify } from '../../helpers/node-crypto-oracle.js';

/** base64 of the 64 hex characters of SHA-256(""): the last field of a token request's signed string. */
export const EMPTY_BODY_HASH = Buffer.from(createHash('sha256').update('').digest('hex'), 'utf8').toString('base64');

/** `<A>:<B>`: 68 chars of the SSH wire public key, 88 of the raw 64-byte signature. */
const AUTHORIZATION = /^([A-Za-z0-9+/]{68}):([A-Za-z0-9+/]{86}==)$/;

export interface PublicIdentity {
  /** The `.pub` file's second field. */
  field: string;
  /** The raw 32-byte Ed25519 public key. */
  raw: Buffer;
}

/** From `<home>/.ollama/id_ed25519.pub`: `ssh-ed25519 <base64 of 00 00 00 0b "ssh-ed25519" 00 00 00 20 <32 bytes>>`. */
export function identityFromPubFile(pubPath: string): PublicIdentity {
  const [type, field] = readFileSync(pubPath, 'utf8').trim().split(' ');
  expect(type).toBe('ssh-ed25519');
  const blob = Buffer.from(field!, 'base64');
  expect(blob.length).toBe(51);
  expect(blob.subarray(0, 19).toString('latin1')).toBe('\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20');
  return { field: field!, raw: blob.subarray(19) };
}

/** The public key node:crypto derives from a 32-byte seed (PKCS#8 Ed25519, RFC 8410). */
export function nodePublicFromSeed(seed: Uint8Array): Buffer {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seed)]);
  const spki = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32);
}

/** Asserts `value` is `<A>:<B>` (optionally after `Bearer `) by `who`, with a signature over `message` that node:crypto accepts. */
export function expectSigned(value: string | undefined, who: PublicIdentity, message: string, form: 'raw' | 'bearer' = 'raw'): void {
  expect(typeof value).toBe('string');
  const pair = form === 'bearer' ? value!.replace(/^Bearer /, '') : value!;
  if (form === 'raw') expect(value!.startsWith('Bearer')).toBe(false);
  const m = AUTHORIZATION.exec(pair);
  expect(m).not.toBeNull();
  expect(m![1]).toBe(who.field);
  const signature = Buffer.from(m![2]!, 'base64');
  expect(signature.length).toBe(64);
  expect({ message, verifies: nodeVerify(who.raw, message, signature) }).toEqual({ message, verifies: true });
}

/** `?ts=<unix>` within `slackSeconds` of [before, after] (the clients use the real clock). */
export function expectFreshTs(ts: string | undefined, beforeMs: number, afterMs: number, slackSeconds = 5): number {
  expect(ts).toMatch(/^\d+$/);
  const n = Number(ts);
  expect(n).toBeGreaterThanOrEqual(Math.floor(beforeMs / 1000) - slackSeconds);
  expect(n).toBeLessThanOrEqual(Math.ceil(afterMs / 1000) + slackSeconds);
  return n;
}

/** One line on stderr (ending in a newline), containing every fragment. */
export function expectOneLine(stderr: string, ...fragments: string[]): void {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.slice(0, -1)).not.toContain('\n');
  for (const f of fragments) expect(stderr).toContain(f);
}
