/**
 * Legacy PEM `-----BEGIN PRIVATE KEY-----` (PKCS#8, RFC 8410 for Ed25519). Go's ssh.ParsePrivateKey
 * accepts it, so a user may have put one at ~/.ollama/id_ed25519 (openssl genpkey -algorithm ed25519 makes
 * one) and Ollama signs with it. node:crypto already parses PKCS#8 correctly; no reason to hand-roll ASN.1.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { type KeySource, errorMessage, notAKeyError, unsupportedTypeError } from './errors.js';
import { publicKeyFromSeed } from './key.js';

/** node:crypto's asymmetricKeyType names Go's x509.ParsePKCS8PrivateKey turns into an ssh signer. */
const GO_LOADS = new Set(['rsa', 'ec']);

export function parsePkcs8PrivateKey(der: Uint8Array, source: KeySource = {}): { seed: Uint8Array; publicKey: Uint8Array } {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (err) {
    const reason = errorMessage(err);
    throw notAKeyError(source, `its "PRIVATE KEY" (PKCS#8) block does not parse (${reason})`, undefined);
  }
  const type = keyObject.asymmetricKeyType ?? 'unknown';
  if (type !== 'ed25519') {
    throw unsupportedTypeError(source, `PKCS#8 ${JSON.stringify(type)}`, { goLoads: GO_LOADS.has(type) });
  }
  const jwk = keyObject.export({ format: 'jwk' });
  const seed = new Uint8Array(Buffer.from(jwk.d ?? '', 'base64url'));
  // node derives x from d itself, but RFC 8410 v2 files may carry their own public key: derive ours and
  // compare, as for OpenSSH files, so an inconsistent file is caught here rather than by a verifier.
  const publicKey = publicKeyFromSeed(seed);
  if (Buffer.from(jwk.x ?? '', 'base64url').compare(Buffer.from(publicKey)) !== 0) {
    throw notAKeyError(source, 'the PKCS#8 public key does not match its seed', undefined);
  }
  return { seed, publicKey };
}
