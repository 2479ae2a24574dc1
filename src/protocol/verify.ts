/**
 * Server-side verification: does an Authorization value sign the string a correct client would have
 * signed for this request? When it does not, try the strings that known-wrong clients sign, so the
 * verdict can say what the client actually signed instead of just "signature did not verify".
 */
import { ProtocolError } from '../errors.js';
import { verifyEd25519 } from './ed25519.js';
import { check, fail, type Finding } from './findings.js';
import { credentialShape, parseAuthorization, type ParsedAuthorization } from './authorization.js';
import type { CheckId } from '../check-ids.js';

export interface SignedStringCandidate {
  /** A name for what this string is (`METHOD,path?ts=`, `full URL instead of path`, …). */
  label: string;
  message: string;
  /** Whether a correct client may sign this string. */
  correct: boolean;
}

export interface SignatureVerdict {
  parsed: ParsedAuthorization | undefined;
  /** The candidate the signature verified against, if any. */
  matched: SignedStringCandidate | undefined;
  findings: Finding[];
}

/**
 * @param checkId the rule this signature decides (e.g. `registry/token-request/signature`).
 * @param candidates correct strings first, then diagnostic ones.
 */
export function verifyAuthorizationValue(value: string | undefined, candidates: SignedStringCandidate[], checkId: CheckId): SignatureVerdict {
  let parsed: ParsedAuthorization;
  try {
    parsed = parseAuthorization(value);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    const shapeId = err.code === 'authorization/pubkey' ? 'keys/pubkey-field' : err.code === 'authorization/signature' ? 'keys/signature-raw' : 'auth/header-form';
    return {
      parsed: undefined,
      matched: undefined,
      findings: [fail(shapeId, err.message, '<68-char SSH key field>:<88-char raw signature>', value === undefined ? '(none)' : credentialShape(value)), fail(checkId, `signature not checked: ${err.message}`)],
    };
  }
  const matched = candidates.find((c) => verifyEd25519(parsed.publicKey, c.message, parsed.signature));
  const expected = candidates.find((c) => c.correct);
  const findings: Finding[] = [];
  if (matched?.correct) {
    findings.push(check(checkId, true, `signature verifies over ${JSON.stringify(matched.message)}`));
  } else if (matched) {
    findings.push(fail(checkId, `the client signed the wrong string: ${matched.label}`, expected?.message, matched.message));
  } else {
    findings.push(fail(checkId, 'signature does not verify over the string a correct client signs (nor over any known wrong variant)', expected?.message, '(unknown string)'));
  }
  return { parsed, matched, findings };
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
