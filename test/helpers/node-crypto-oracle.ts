/** node:crypto as an Ed25519 implementation independent of @noble/ed25519, used as the tests' oracle. */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export function nodePublicKey(raw32: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw32).toString('base64url') }, format: 'jwk' });
}

export function nodeVerify(raw32: Uint8Array, message: string | Uint8Array, signature: Uint8Array): boolean {
  return verify(null, Buffer.from(message), nodePublicKey(raw32), signature);
}

export function nodeSign(seed: Uint8Array, publicKey: Uint8Array, message: string | Uint8Array): Buffer {
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(seed).toString('base64url'), x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  });
  return sign(null, Buffer.from(message), key);
}
