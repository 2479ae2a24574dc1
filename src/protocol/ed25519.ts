/**
 * The one crypto library: @noble/ed25519, pinned. Synchronous use needs its sha512 hook set once
 * (noble 3: `ed.hashes.sha512`; the 2.x `etc.sha512Sync` throws).
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

ed.hashes.sha512 = sha512;

const encoder = new TextEncoder();

export function toBytes(message: string | Uint8Array): Uint8Array {
  return typeof message === 'string' ? encoder.encode(message) : message;
}

/** Pure Ed25519 (no pre-hash), as Go's ssh signer and auth.Sign use it: 64 raw bytes. */
export function signEd25519(seed: Uint8Array, message: string | Uint8Array): Uint8Array {
  return ed.sign(toBytes(message), seed);
}

export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  return ed.getPublicKey(seed);
}

/** False for a bad signature or a malformed point; never throws on attacker-controlled bytes. */
export function verifyEd25519(publicKey: Uint8Array, message: string | Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return ed.verify(signature, toBytes(message), publicKey);
  } catch (err) {
    // noble throws on points that are not on the curve: for a verifier that is simply "does not verify".
    if (err instanceof Error) return false;
    throw err;
  }
}
