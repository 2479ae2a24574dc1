/**
 * Server-side verification: does an Authorization value sign the string a correct client would have
 * signed for this request? When it does not, try the strings that known-wrong clients sign, so a rule
 * can say what the client actually signed instead of just "signature did not verify". This module only
 * answers what happened (parsed or why not, which candidate matched); which check that decides, and the
 * words a user reads, belong to the rules (src/rules/client/signature.ts).
 */
import { ProtocolError } from '../errors.js';
import { verifyEd25519 } from './ed25519.js';
import { parseAuthorization, type ParsedAuthorization } from './authorization.js';

export interface SignedStringCandidate {
  /** A name for what this string is (`METHOD,path?ts=`, `full URL instead of path`, …). */
  label: string;
  message: string;
  /** Whether a correct client may sign this string. */
  correct: boolean;
}

export interface SignatureVerification<C extends SignedStringCandidate = SignedStringCandidate> {
  /** The value split and decoded; undefined when it did not parse (then nothing was verified). */
  parsed: ParsedAuthorization | undefined;
  /** Why the value did not parse: the ProtocolError code (`authorization/pubkey`, …) and its message. */
  parseError: { code: string; message: string } | undefined;
  /** The candidate the signature verified against, if any. */
  matched: C | undefined;
  /** The first correct candidate: the string the client should have signed. */
  expected: C | undefined;
}

/** @param candidates correct strings first, then diagnostic ones. */
export function verifySignature<C extends SignedStringCandidate>(value: string | undefined, candidates: readonly C[]): SignatureVerification<C> {
  const expected = candidates.find((c) => c.correct);
  let parsed: ParsedAuthorization;
  try {
    parsed = parseAuthorization(value);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return { parsed: undefined, parseError: { code: err.code, message: err.message }, matched: undefined, expected };
  }
  const matched = candidates.find((c) => verifyEd25519(parsed.publicKey, c.message, parsed.signature));
  return { parsed, parseError: undefined, matched, expected };
}
