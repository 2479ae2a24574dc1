/** Ollama's client nonce: `auth.NewNonce(crypto/rand, 16)` = 16 random bytes, base64url without padding. */
import { randomBytes } from 'node:crypto';

const NONCE_BYTES = 16;
const NONCE_SHAPE = /^[A-Za-z0-9_-]{22}$/;

export function encodeNonce(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** A fresh nonce; pass `bytes` to make the output deterministic (tests, `oac sign --nonce-hex`). */
export function newNonce(bytes: Uint8Array = randomBytes(NONCE_BYTES)): string {
  return encodeNonce(bytes);
}

/** Whether a received nonce has the shape Ollama produces (22 base64url chars that decode to 16 bytes). */
export function isNonceShape(nonce: string): boolean {
  // 22 chars of base64url carry 132 bits; the last char must leave the 4 spare bits zero to be canonical.
  return NONCE_SHAPE.test(nonce) && encodeNonce(Buffer.from(nonce, 'base64url')) === nonce;
}
