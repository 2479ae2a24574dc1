/**
 * The registry's bearer token, from the token response to its use (docs/protocol.md §1.5-1.7): read the
 * token field, send it back unchanged as `Bearer <token>` once, only to the registry that issued it,
 * only for the scope it covers, and fail (not loop) on a second 401.
 */
import type { CheckId } from '../../check-ids.js';
import { HarnessError } from '../../errors.js';
import { credentialShape } from '../../redaction/index.js';
import { check, fail, pass, type Finding } from '../findings.js';
import type { SignatureVerification } from '../../protocol/verify.js';
import { knownKeyFinding } from './direct.js';
import { signatureFindings, type VerifierPolicy } from './signature.js';
import { TOKEN_REQUEST_CHECKS } from './token-request.js';

export const TOKEN_CHECKS = {
  opaque: 'registry/token/opaque',
  noCrossHost: 'registry/token/no-cross-host',
  scopeBound: 'registry/token/scope-bound',
} as const satisfies Record<string, CheckId>;

const TOKEN_RESPONSE_CHECKS = {
  errorSurfaced: 'registry/token-response/error-surfaced',
  // Decided by the client's outcome: the response is ours, what the client makes of it shows.
  tokenField: 'registry/token-response/token-field',
  emptyToken: 'registry/token-response/empty-token',
  accessToken: 'registry/token-response/access-token',
} as const satisfies Record<string, CheckId>;

const RETRY_CHECKS = {
  bearerOnce: 'registry/retry/bearer-once',
  // Decided by request counts and the client's outcome.
  secondFails: 'registry/retry/second-401-fails',
  noSecondToken: 'registry/retry/no-second-token',
} as const satisfies Record<string, CheckId>;

/** A registry resource that does not exist: the client must report it, not retry (client outcome). */
const RESOURCE_CHECKS = {
  notFound: 'registry/not-found',
} as const satisfies Record<string, CheckId>;

/** What a verified token says about its use: where it was issued, when, and for which scopes. */
export interface TokenUse {
  /** Where the token was issued (host + path of its URL) and where this registry's realm is. */
  issuer: string;
  realm: string;
  /** The token URL's ts values, and how long a token is accepted. */
  ts: string[];
  tokenTtlSeconds: number;
  /** The scopes the token was requested for, whether they cover this request, and the scope it needs. */
  scopes: string[];
  covers: boolean;
  action: string;
  repository: string;
  wanted: string;
}

/** What the registry saw of `Authorization: Bearer <token>` on a resource. */
export type BearerTokenObservation =
  | { token: string; decoded: undefined }
  | {
    token: string;
    /** The token split into the URL it was signed for and the `<A>:<B>` that signed it. */
    decoded: { tokenUrl: string; authorization: string };
    /** The signature check, or 'remembered' when this very token was verified before (issued by us). */
    verification: SignatureVerification | 'remembered';
    /** Read only from a token whose signature holds (undefined otherwise: nothing in it can be trusted). */
    use: TokenUse | undefined;
  };

/**
 * Every rule a Bearer token on a registry resource is judged by; the request is allowed only when none
 * fails. Order = priority of the reason reported.
 */
export function bearerTokenFindings(policy: VerifierPolicy, observation: BearerTokenObservation): Finding[] {
  const { token } = observation;
  if (token === '') {
    return [fail(TOKEN_CHECKS.opaque, 'the Bearer token is empty: fetch a token and send it back unchanged', 'Bearer <token>', 'Bearer ')];
  }
  if (observation.decoded === undefined) {
    return [fail(TOKEN_CHECKS.opaque, 'the Bearer token is not one this registry issued: send the token from the token response back unchanged', 'the token as issued', `${token.length} chars`)];
  }
  if (observation.verification !== 'remembered') {
    const broken = signatureFindings(observation.verification, observation.decoded.authorization, TOKEN_CHECKS.opaque).find((f) => !f.ok);
    if (broken !== undefined) return [fail(TOKEN_CHECKS.opaque, `the Bearer token's signature does not verify (was it altered?): ${broken.message}`)];
  }
  const use = observation.use;
  if (use === undefined) throw new HarnessError('rules/bad-observation', 'bearerTokenFindings: a token whose signature holds must come with what it says (use), got none');
  const findings: Finding[] = [pass(TOKEN_CHECKS.opaque, 'the Bearer token is one this registry issued, unaltered')];
  findings.push(check(TOKEN_CHECKS.noCrossHost, use.issuer === use.realm,
    'A token is only sent to the registry that issued it.', use.realm, use.issuer));

  const { ts: tsValues, tokenTtlSeconds } = use;
  const ts = Number(tsValues[0]);
  const age = policy.nowSeconds() - ts;
  const fresh = tsValues.length === 1 && Number.isSafeInteger(ts) && age <= tokenTtlSeconds && -age <= policy.tsWindowSeconds;
  findings.push(check(TOKEN_REQUEST_CHECKS.tsWindow, fresh,
    fresh
      ? `the token is within its lifetime (signed ${age}s ago, accepted for ${tokenTtlSeconds}s)`
      : `the token has expired or is not yet valid: it was signed at ts=${tsValues.join(',')} (${age}s ago) and is accepted for ${tokenTtlSeconds}s; fetch a new token on the 401`,
    `0 <= age <= ${tokenTtlSeconds}s`, `age ${age}s`));

  const keyField = observation.decoded.authorization.slice(0, observation.decoded.authorization.indexOf(':'));
  findings.push(knownKeyFinding(policy, keyField));

  const { scopes, covers, action, repository } = use;
  findings.push(check(TOKEN_CHECKS.scopeBound, covers,
    covers ? `the token covers ${action} on ${repository}` : `a token is bound to the scopes it was requested for: this one covers ${scopes.join(' ') || '(nothing)'}, not ${action} on ${repository}; request a token for the new scope`,
    use.wanted, scopes.join(' ')));
  return findings;
}

/** The retry of a challenged resource request carries its credential without the "Bearer" scheme. */
export function retrySchemeFinding(authorization: string | undefined): Finding | undefined {
  if (authorization === undefined || /^bearer(\s|$)/i.test(authorization)) return undefined;
  // The emulator only sees "not a Bearer token" and challenges again; the rule broken is the retry's form.
  return fail(RETRY_CHECKS.bearerOnce, 'the retry carries its credential without the "Bearer" scheme', 'Authorization: Bearer <token>', credentialShape(authorization));
}

/** Why the token endpoint answered 403: a denied repository the client must surface as "403: <body>". */
export function deniedScopeReason(repository: string): string {
  return `${TOKEN_RESPONSE_CHECKS.errorSurfaced}: access to ${repository} is denied (fault deny-scope); a client must surface "403: <body>"`;
}

/** Why the registry answered 404: the catalogue has no such manifest or blob. */
export function notFoundReason(what: string): string {
  return `${RESOURCE_CHECKS.notFound}: no ${what} in the emulator's catalogue`;
}
