/**
 * The key file and the form of the Authorization value (docs/protocol.md §0, §2.2): the `<A>` field is the
 * SSH wire blob of an ssh-ed25519 key, `<B>` a raw 64-byte signature, the pair joined by ":". A key the
 * client cannot use must stop it before any request.
 */
import type { CheckId } from '../../check-ids.js';
import { credentialShape } from '../../redaction/index.js';
import { fail, type Finding } from '../findings.js';
import type { SignatureVerification } from '../../protocol/verify.js';

export const KEY_CHECKS = {
  // Decided by what the client process did (scenarios of the keys flow list them): no request shows them.
  defaultPath: 'keys/default-path',
  generateModes: 'keys/generate-modes',
  noOverwrite: 'keys/no-overwrite',
  // Decided from the Authorization value a server received.
  pubkeyField: 'keys/pubkey-field',
  signatureRaw: 'keys/signature-raw',
  headerForm: 'auth/header-form',
  badKeyNoRequest: 'keys/bad-key-no-request',
} as const satisfies Record<string, CheckId>;

/** Which form rule an Authorization value broke, from the parser's error code. */
function shapeCheck(code: string): CheckId {
  if (code === 'authorization/pubkey') return KEY_CHECKS.pubkeyField;
  if (code === 'authorization/signature') return KEY_CHECKS.signatureRaw;
  return KEY_CHECKS.headerForm;
}

/** The form finding of a value that did not parse; undefined when it parsed. */
export function authorizationFormFinding(verification: SignatureVerification, value: string | undefined): Finding | undefined {
  const error = verification.parseError;
  if (error === undefined) return undefined;
  return fail(shapeCheck(error.code), error.message, '<68-char SSH key field>:<88-char raw signature>', value === undefined ? '(none)' : credentialShape(value));
}

/** A signed request is a signature shaped `<A>:<B>` (raw or with "Bearer "), whatever its validity. */
const SIGNED_SHAPE = /^(bearer\s*)?[A-Za-z0-9+/=]+:/i;

/** Key fixtures a correct client can sign with: anything else must fail before any I/O. */
const USABLE_KEYS = new Set(['present', 'unregistered']);

/** A client given an unusable key file (missing, corrupt, passphrase, …) sent a signed request anyway. */
export function badKeyRequestFinding(keyFixture: string, authorization: string | undefined): Finding | undefined {
  if (authorization === undefined || !SIGNED_SHAPE.test(authorization) || USABLE_KEYS.has(keyFixture)) return undefined;
  return fail(KEY_CHECKS.badKeyNoRequest, `the key file is ${keyFixture}, yet the client sent a signed request`, 'no signed request (fail before any I/O)', credentialShape(authorization));
}
