/**
 * The key Ollama signs with: an Ed25519 seed and everything derived from it. Pure: no file access here
 * (load.ts reads files, generate.ts writes them).
 */
import { publicKeyFromSeed as derivePublicKey, signEd25519 } from '../protocol/ed25519.js';
import { KeyError } from './errors.js';
import { authorizedKeyLine, publicKeyField } from '../protocol/ssh-wire.js';

export const SEED_LENGTH = 32;

export interface OllamaKey {
  /** The 32-byte Ed25519 seed (Go's `ed25519.PrivateKey[:32]`). Not enumerable: it stays out of logs and JSON. */
  readonly seed: Uint8Array;
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** `<A>` of Ollama's `<A>:<B>`: 68 chars of std base64, the .pub file's second field. */
  readonly publicKeyField: string;
  /** `ssh-ed25519 <field>`, no newline (auth.GetPublicKey); the .pub file holds this + "\n". */
  readonly authorizedKeyLine: string;
  /** The file the key was loaded from or written to, if any. */
  readonly path?: string;
  /** Pure Ed25519 over the bytes (strings as UTF-8), as auth.Sign does: the raw 64-byte signature. */
  sign(message: string | Uint8Array): Uint8Array;
}

function checkSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_LENGTH) {
    const got = seed instanceof Uint8Array ? `${seed.length} bytes` : typeof seed;
    throw new KeyError('key/invalid-seed', `an Ed25519 seed is ${SEED_LENGTH} bytes, got ${got}`);
  }
}

/** The public key Ed25519 derives from the seed (what Go stores as `ed25519.PrivateKey[32:]`). */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  checkSeed(seed);
  return derivePublicKey(seed);
}

/** Deterministic (RFC 8032): same seed and message give the same 64 bytes in Go, node:crypto and here. */
export function signWithSeed(seed: Uint8Array, message: string | Uint8Array): Uint8Array {
  checkSeed(seed);
  return signEd25519(seed, message);
}

export function keyFromSeed(seed: Uint8Array, options: { path?: string } = {}): OllamaKey {
  checkSeed(seed);
  // Copies: a caller reusing or zeroing its buffer must not change (or break) this key.
  const ownSeed = new Uint8Array(seed);
  return assembleKey(ownSeed, publicKeyFromSeed(ownSeed), options.path);
}

/** The same key, known by the file it was written to: nothing is derived again. */
export function keyAtPath(key: OllamaKey, path: string): OllamaKey {
  return assembleKey(key.seed, key.publicKey, path);
}

function assembleKey(ownSeed: Uint8Array, publicKey: Uint8Array, path: string | undefined): OllamaKey {
  const key = {
    publicKey,
    publicKeyField: publicKeyField(publicKey),
    authorizedKeyLine: authorizedKeyLine(publicKey),
    ...(path === undefined ? {} : { path }),
    // A (the public key) is passed in: it was derived from this seed when the key was made.
    sign: (message: string | Uint8Array) => signEd25519(ownSeed, message, publicKey),
  };
  // A harness logs requests, findings and objects; a seed that reached a log or a report would be a
  // leaked identity. Non-enumerable keeps it out of JSON.stringify, console.log and jest diffs.
  Object.defineProperty(key, 'seed', { value: ownSeed, enumerable: false, writable: false });
  return Object.freeze(key) as OllamaKey;
}
