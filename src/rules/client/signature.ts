/**
 * The verdict on a signature and on its ts, for whichever check a flow names (token request, direct
 * request, issued token): the words are the same in every flow, only the check differs.
 */
import type { CheckId } from '../../check-ids.js';
import { check, fail, type Finding } from '../findings.js';
import { verifySignature, type SignatureVerification, type SignedStringCandidate } from '../../protocol/verify.js';
import { authorizationFormFinding } from './keys.js';

/**
 * The findings of one verification: the form finding plus "not checked" when the value did not parse,
 * else one finding for `checkId` that says which string the signature covers (or that it covers none).
 */
export function signatureFindings(verification: SignatureVerification, value: string | undefined, checkId: CheckId): Finding[] {
  const form = authorizationFormFinding(verification, value);
  if (form !== undefined) return [form, fail(checkId, `signature not checked: ${verification.parseError!.message}`)];
  const { matched, expected } = verification;
  if (matched?.correct) return [check(checkId, true, `signature verifies over ${JSON.stringify(matched.message)}`)];
  if (matched) return [fail(checkId, `the client signed the wrong string: ${matched.label}`, expected?.message, matched.message)];
  return [fail(checkId, 'signature does not verify over the string a correct client signs (nor over any known wrong variant)', expected?.message, '(unknown string)')];
}

/** Verification and its findings in one call (`parsed`/`matched` as verifySignature returns them). */
export function verifyAuthorizationValue(value: string | undefined, candidates: SignedStringCandidate[], checkId: CheckId): SignatureVerification & { findings: Finding[] } {
  const verification = verifySignature(value, candidates);
  return { ...verification, findings: signatureFindings(verification, value, checkId) };
}

/** `ts` must be unix seconds within ±window of the server clock (ollama.com's window is unknown: configurable). */
export function checkTimestamp(id: CheckId, ts: string | undefined, nowSeconds: number, windowSeconds: number): Finding {
  if (ts === undefined) return fail(id, 'no ts parameter in the request URL, so the server cannot rebuild the signed string', 'ts=<unix seconds>', '(none)');
  if (!/^\d+$/.test(ts)) return fail(id, 'ts is not unix seconds in decimal', 'ts=<digits>', `ts=${ts}`);
  const skew = Number(ts) - nowSeconds;
  const within = Math.abs(skew) <= windowSeconds;
  return check(id, within,
    within
      ? `ts is within ±${windowSeconds}s of the server clock (skew ${skew}s)`
      : `ts is ${Math.abs(skew)}s ${skew < 0 ? 'behind' : 'ahead of'} the server clock, outside the ±${windowSeconds}s window`,
    `|ts - ${nowSeconds}| <= ${windowSeconds}`, `ts=${ts} (skew ${skew}s)`);
}

/** What a verifying server knows about time and keys (the emulator's state has these fields). */
export interface VerifierPolicy {
  readonly tsWindowSeconds: number;
  readonly authorizedKeys: ReadonlySet<string> | undefined;
  readonly faults: { readonly staleTs: boolean; readonly unknownKey: boolean };
  nowSeconds(): number;
}

/** The ts rule for `id`, or the stale-ts fault's refusal when the server was told to treat every ts as stale. */
export function timestampFinding(id: CheckId, policy: VerifierPolicy, ts: string | undefined): Finding {
  return policy.faults.staleTs
    ? fail(id, 'ts is outside the accepted window (fault stale-ts: every ts is treated as stale)', `within ±${policy.tsWindowSeconds}s`, `ts=${ts ?? '(none)'}`)
    : checkTimestamp(id, ts, policy.nowSeconds(), policy.tsWindowSeconds);
}
