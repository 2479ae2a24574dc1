/**
 * Direct requests to ollama.com's /api/* signed with the key (docs/protocol.md §2): `METHOD,<path>?ts=`
 * or `METHOD,<RequestURI>`, raw or "Bearer " form, a fresh ts each time, from a key the server knows.
 */
import type { CheckId } from '../../check-ids.js';
import { credentialShape } from '../../redaction/index.js';
import { check, fail, pass, type Finding } from '../findings.js';
import type { SignatureVerification, SignedStringCandidate } from '../../protocol/verify.js';
import { KEY_CHECKS } from './keys.js';
import { signatureFindings, timestampFinding, type VerifierPolicy } from './signature.js';

export const DIRECT_CHECKS = {
  signature: 'direct/signature',
  tsInUrl: 'direct/ts-in-url',
  requestUri: 'direct/request-uri', // decided by the client's outcome (the RequestURI scenarios list it)
  noBodyHash: 'direct/no-body-hash',
  headerForm: 'direct/header-form',
  freshTs: 'direct/fresh-ts',
  tsWindow: 'direct/ts-window',
  knownKey: 'direct/known-key',
  signinUrl: 'direct/signin-url', // decided by the client's outcome (does its error show the signin_url)
  signWhen: 'direct/sign-when',
} as const satisfies Record<string, CheckId>;

/** A string the direct verifier tries; `bodyHash`: a wrong string that signs the body (the no-body-hash rule). */
export interface DirectCandidate extends SignedStringCandidate {
  bodyHash: boolean;
}

/** Is the key allowed in? (`direct/known-key` serves both flows: the catalogue has no registry-specific id.) */
export function knownKeyFinding(policy: VerifierPolicy, publicKeyField: string): Finding {
  if (policy.faults.unknownKey) {
    return fail(DIRECT_CHECKS.knownKey, 'the key is not known to this server (fault unknown-key: every key is treated as unknown)', 'a registered key', publicKeyField);
  }
  if (policy.authorizedKeys !== undefined && !policy.authorizedKeys.has(publicKeyField)) {
    return fail(DIRECT_CHECKS.knownKey, 'the key is not in this server\'s authorized keys: register the public key (ollama.com/settings/keys) or use the key that is', 'a key from authorized_keys', publicKeyField);
  }
  return pass(DIRECT_CHECKS.knownKey, 'the key is known to this server');
}

/** What the direct verifier saw of one signed /api/* request. */
export interface DirectObservation {
  /** Every `ts` value of the request URL. */
  tsValues: string[];
  authorization: string | undefined;
  verification: SignatureVerification<DirectCandidate>;
}

/** The single decimal ts of the URL, else undefined (the verifier then has no ts to rebuild the string with). */
export function singleTs(tsValues: readonly string[]): string | undefined {
  return tsValues.length === 1 ? tsValues[0] : undefined;
}

/** Every rule a direct request is judged by, in the order the first failure is reported. */
export function directRequestFindings(policy: VerifierPolicy, observation: DirectObservation): Finding[] {
  const { tsValues, authorization, verification } = observation;
  const ts = singleTs(tsValues);
  const findings: Finding[] = [check(DIRECT_CHECKS.tsInUrl, ts !== undefined && /^\d+$/.test(ts),
    'The request URL carries exactly one ts (unix seconds), so the server can rebuild the signed string.',
    '?ts=<unix seconds>', tsValues.length ? tsValues.map((t) => `ts=${t}`).join('&') : '(no ts in the URL)')];
  const wrong = verification.matched !== undefined && !verification.matched.correct ? verification.matched : undefined;
  if (wrong?.bodyHash) {
    findings.push(fail(DIRECT_CHECKS.noBodyHash, `the client signed ${wrong.label}`, verification.expected?.message, wrong.message));
  }
  findings.push(...signatureFindings(verification, authorization, DIRECT_CHECKS.signature));
  const parsed = verification.parsed;
  if (parsed) {
    findings.push(pass(DIRECT_CHECKS.headerForm, `Authorization is in ${parsed.form === 'raw' ? 'raw "<pubkey>:<signature>"' : '"Bearer <pubkey>:<signature>"'} form (both are accepted)`));
    findings.push(timestampFinding(DIRECT_CHECKS.tsWindow, policy, ts));
    findings.push(knownKeyFinding(policy, parsed.publicKeyField));
  }
  return findings;
}

/** Ed25519 is deterministic: the same Authorization twice means the same ts and string signed twice. */
export function freshTsFinding(repeated: boolean): Finding {
  return check(DIRECT_CHECKS.freshTs, !repeated,
    'Each signed request carries its own ts (and so its own signature).', 'a new ts per request', 'the same ts and signature as an earlier request');
}

/**
 * "<scheme> <A>:<B>" with a scheme other than Bearer: the verifier reads the scheme word as part of the
 * key field, so its key-field and signature verdicts only echo the wrong form; the form is the one verdict.
 */
export function schemeWordSupersedes(findings: Finding[], authorization: string): Finding[] {
  const scheme = /^([^\s:]+)\s+\S/.exec(authorization)?.[1];
  if (scheme === undefined || scheme.toLowerCase() === 'bearer') return findings;
  return [
    ...findings.filter((f) => f.id !== KEY_CHECKS.pubkeyField && f.id !== DIRECT_CHECKS.signature),
    fail(DIRECT_CHECKS.headerForm, `Authorization starts with the scheme word "${scheme}": a direct request sends "<A>:<B>" or "Bearer <A>:<B>"`, '<A>:<B> or Bearer <A>:<B>', credentialShape(authorization)),
  ];
}

/**
 * OLLAMA_AUTH=1 is set for the cloud actions: a correct client signs even for a host that is not
 * ollama.com. What the verifier then says about the missing signature (no header, no ts, nothing to
 * verify) echoes that, so only its passing findings stay beside the sign-when failure.
 */
export function signWhenSupersedes(findings: readonly Finding[]): Finding[] {
  return [fail(DIRECT_CHECKS.signWhen, 'OLLAMA_AUTH=1 was set, but the request carries no signature', 'Authorization: <pubkey>:<signature>', '(none)'), ...findings.filter((f) => f.ok)];
}
