/**
 * Ed25519 for the harness: signing on @noble/ed25519 (the clients' signer, pure JS), verification on
 * node:crypto (OpenSSL) — an implementation independent of the signer, about ten times faster — with the
 * answer of Go's crypto/ed25519.Verify on every input, because that is what Ollama's servers run.
 *
 * Go's rules (go1.19 src/crypto/ed25519/ed25519.go Verify, src/crypto/internal/edwards25519; unchanged
 * since Go 1.17), as read from the source:
 *  - S must be canonical: sig[63] & 0xe0 == 0, then S < L (Scalar.SetCanonicalBytes);
 *  - A is decoded leniently: y is taken from 255 bits WITHOUT requiring y < p, and x = 0 with the sign
 *    bit set is accepted (Point.SetBytes); small-order and mixed-order A are accepted; the hash
 *    k = SHA-512(R ‖ A ‖ M) uses the bytes as received;
 *  - R is never decoded: [S]B − [k]A is encoded canonically and compared byte for byte with sig[0:32],
 *    so a non-canonical R never verifies, a small-order R can;
 *  - the equation is cofactorless.
 * OpenSSL agrees with Go whenever S, A and R are canonical (test/protocol/ed25519-oracle.test.ts checks
 * this on the edge vectors in specs/vectors/ed25519-edge/), so those go to node:crypto; S or R that
 * Go can never accept are refused before it; a non-canonical A (38 encodings out of 2^256) takes a
 * transcription of Go's algorithm on noble's point arithmetic.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { createHash, createPrivateKey, createPublicKey, verify as opensslVerify, type KeyObject } from 'node:crypto';

ed.hashes.sha512 = sha512;

const encoder = new TextEncoder();

function toBytes(message: string | Uint8Array): Uint8Array {
  return typeof message === 'string' ? encoder.encode(message) : message;
}

/**
 * Pure Ed25519 (no pre-hash), as Go's ssh signer and auth.Sign use it: 64 raw bytes. RFC 8032 §5.1.6 step by
 * step on noble's field and point arithmetic, instead of `ed.sign`, for one reason: `ed.sign` multiplies the
 * base point through a table of 4,224 points that noble builds on first use (about 45 ms and as much again
 * in garbage collection), and a client process (`oac client`, started once per scenario) signs once or
 * twice in its life. Here [n]B is taken as [n/2](2B): 2B is not B, so noble uses its constant-time ladder
 * (about 13 ms cold, 2 ms warm). The bytes are those of `ed.sign` (Ed25519 is deterministic): the golden
 * vectors of specs/vectors/signatures.json and test/protocol/ed25519.test.ts check it.
 * `publicKey`: A, when the caller holds it already (derived from this seed): one multiplication fewer,
 * as Go's ed25519.Sign takes A from the private key instead of deriving it again.
 */
export function signEd25519(seed: Uint8Array, message: string | Uint8Array, publicKey?: Uint8Array): Uint8Array {
  const m = toBytes(message);
  const hashed = sha512(seed);
  const head = hashed.slice(0, 32);
  head[0]! &= 248;
  head[31]! &= 127;
  head[31]! |= 64;
  const s = littleEndian(head) % GROUP_ORDER;
  const A = publicKey ?? baseMultiple(s);
  const r = littleEndian(sha512(concat(hashed.subarray(32), m))) % GROUP_ORDER;
  const R = baseMultiple(r);
  const k = littleEndian(sha512(concat(R, A, m))) % GROUP_ORDER;
  return concat(R, littleEndianBytes((r + k * s) % GROUP_ORDER, 32));
}

let doubledBase: ed.Point | undefined;

/** The encoding of [n]B, for 0 < n < L, by noble's ladder from 2B (see signEd25519). */
function baseMultiple(n: bigint): Uint8Array {
  doubledBase ??= ed.Point.BASE.double();
  return doubledBase.multiply((n * HALF_MOD_ORDER) % GROUP_ORDER).toBytes();
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return ed.etc.concatBytes(...parts);
}

function littleEndianBytes(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

/** RFC 8410 PKCS#8 wrapping of a raw Ed25519 seed: what node:crypto takes as a private key. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The public key of a seed, derived by node:crypto (OpenSSL): about a thousand times faster than noble's
 * first derivation in a process (which builds its base-point tables), and `oac check` derives keys but never
 * signs. The signer stays noble, so a signature the servers verify is made by the other implementation.
 */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

const FIELD_PRIME = 2n ** 255n - 19n;
const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
/** (L + 1) / 2: the inverse of 2 modulo the group order. */
const HALF_MOD_ORDER = (GROUP_ORDER + 1n) / 2n;

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/** S < L, as Go's Scalar.SetCanonicalBytes demands (which also implies sig[63] & 0xe0 == 0). */
export function isCanonicalScalar(bytes: Uint8Array): boolean {
  // Fast answer for almost every S: the top byte of L is 0x10; S < 2^252 is always canonical.
  const top = bytes[31]!;
  if (top < 0x10) return true;
  if (top > 0x10) return false;
  return littleEndian(bytes) < GROUP_ORDER;
}

/**
 * True when the 32 bytes are the one encoding Go's Point.Bytes would produce for their point (if they
 * are a point at all): y < p, and not the sign bit on a point with x = 0 (y = 1 or y = p − 1).
 */
export function isCanonicalPointEncoding(bytes: Uint8Array): boolean {
  const top = bytes[31]! & 0x7f;
  const signBit = (bytes[31]! & 0x80) !== 0;
  // Fast answer for almost every encoding: below 0x7f in the top byte, y < 2^255 - 2^248 < p, and
  // the only x = 0 point left is the identity (y = 1).
  if (top !== 0x7f) return !signBit || !isOne(bytes);
  const y = littleEndian(bytes) & (2n ** 255n - 1n);
  if (y >= FIELD_PRIME) return false;
  return !(signBit && y === FIELD_PRIME - 1n);
}

/** y = 1 in the low 255 bits. */
function isOne(bytes: Uint8Array): boolean {
  if (bytes[0] !== 1 || (bytes[31]! & 0x7f) !== 0) return false;
  for (let i = 1; i < 31; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Go's crypto/ed25519.Verify transcribed on noble's point arithmetic: the path for inputs on which
 * OpenSSL's decoding might not be Go's (a non-canonical A, or a key OpenSSL refuses to import).
 */
export function verifyEd25519LikeGo(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64 || (signature[63]! & 0xe0) !== 0) return false;
  let minusA: ed.Point;
  try {
    // zip215 = true is noble's lenient decoding: y up to 2^255 − 1 and x = 0 with the sign bit, as Go.
    minusA = ed.Point.fromBytes(publicKey, true).negate();
  } catch (err) {
    if (err instanceof Error) return false; // not a point: Go's SetBytes fails the same way
    throw err;
  }
  const s = signature.subarray(32);
  if (!isCanonicalScalar(s)) return false;
  const k = littleEndian(createHash('sha512').update(signature.subarray(0, 32)).update(publicKey).update(message).digest()) % GROUP_ORDER;
  const r = ed.Point.BASE.multiplyUnsafe(littleEndian(s)).add(minusA.multiplyUnsafe(k));
  return Buffer.from(r.toBytes()).equals(signature.subarray(0, 32));
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the 32 raw key bytes follow it. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** How many imported keys we keep: a server sees few keys; the bound keeps a key-spraying client from growing memory. */
export const KEY_CACHE_LIMIT = 1024;
/** Least-recently-used order: Map iteration order is insertion order, a hit re-inserts. */
const keyCache = new Map<string, KeyObject>();

/** The imported key, or undefined when OpenSSL refuses the bytes (then Go's own path decides). */
function opensslKey(publicKey: Uint8Array): KeyObject | undefined {
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('latin1');
  const cached = keyCache.get(id);
  if (cached !== undefined) {
    keyCache.delete(id);
    keyCache.set(id, cached);
    return cached;
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  } catch (err) {
    if (err instanceof Error) return undefined;
    throw err;
  }
  keyCache.set(id, key);
  if (keyCache.size > KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
  return key;
}

/** How many imported keys are cached now (for tests of the bound). */
export function cachedKeyCount(): number {
  return keyCache.size;
}

/**
 * Go's crypto/ed25519.Verify answer. False for a bad signature or malformed input; never throws on
 * attacker-controlled bytes (Go panics on a public key that is not 32 bytes: here that is false).
 */
export function verifyEd25519(publicKey: Uint8Array, message: string | Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  // Go never accepts these; refusing them here also keeps OpenSSL's view of them out of the answer.
  if (!isCanonicalScalar(signature.subarray(32)) || !isCanonicalPointEncoding(signature.subarray(0, 32))) return false;
  const bytes = toBytes(message);
  if (!isCanonicalPointEncoding(publicKey)) return verifyEd25519LikeGo(publicKey, bytes, signature);
  const key = opensslKey(publicKey);
  if (key === undefined) return verifyEd25519LikeGo(publicKey, bytes, signature);
  return opensslVerify(null, bytes, key, signature);
}
