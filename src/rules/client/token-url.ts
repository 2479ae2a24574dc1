/**
 * The registry challenge and the token URL built from it (docs/protocol.md §1.2-1.4; registryChallenge.URL()
 * in ollama/ollama server/auth.go@fb30760): the realm's host and query, one service, one scope per item,
 * ts, a fresh nonce, sorted keys, Go's form escaping; and the token request goes to the resource's host.
 */
import type { CheckId } from '../../check-ids.js';
import { ProtocolError } from '../../errors.js';
import { parseBearerChallenge } from '../../protocol/challenge.js';
import { check, fail, type Finding } from '../findings.js';
import { goParseUrl } from '../../protocol/go-url.js';
import { inspectTokenUrl, type TokenUrlExpectations } from '../../protocol/token-url.js';

const CHALLENGE_CHECKS = {
  // Decided by the client's outcome and request counts: the challenge is ours, what the client does with it shows.
  read: 'registry/challenge/read',
  quotedValues: 'registry/challenge/quoted-values',
  tokenValues: 'registry/challenge/token-values',
  emptyValue: 'registry/challenge/empty-value',
  nonBearer: 'registry/challenge/non-bearer',
  missing: 'registry/challenge/missing',
} as const satisfies Record<string, CheckId>;

const TOKEN_URL_CHECKS = {
  parseable: 'registry/token-url/parseable',
  realm: 'registry/token-url/realm',
  realmQueryKept: 'registry/token-url/realm-query-kept',
  service: 'registry/token-url/service',
  scopePerItem: 'registry/token-url/scope-per-item',
  ts: 'registry/token-url/ts',
  nonceShape: 'registry/token-url/nonce-shape',
  nonceFresh: 'registry/token-url/nonce-fresh',
  sortedQuery: 'registry/token-url/sorted-query',
  formEscaping: 'registry/token-url/form-escaping',
} as const satisfies Record<string, CheckId>;

export const REALM_CHECKS = {
  sameHost: 'registry/realm/same-host',
} as const satisfies Record<string, CheckId>;

/** One finding per rule of a received token URL (absolute, as the client signed it), ok or not. */
export function tokenUrlFindings(received: string, expect: TokenUrlExpectations): Finding[] {
  const seen = inspectTokenUrl(received, expect);
  if (!seen.parseable) return [check(TOKEN_URL_CHECKS.parseable, false, `token URL does not parse: ${seen.error}`, 'a URL', received)];
  const findings = [
    check(TOKEN_URL_CHECKS.realm, seen.realm.ok, 'The token request goes to the realm from the challenge.', seen.realm.expected, seen.realm.actual),
    check(TOKEN_URL_CHECKS.realmQueryKept, seen.realmQuery.ok, "The realm's own query parameters are kept in the token URL.", seen.realmQuery.expected, seen.realmQuery.actual),
  ];
  if (seen.service) {
    findings.push(check(TOKEN_URL_CHECKS.service, seen.service.ok, 'The token URL carries exactly one service parameter equal to the challenge service.', seen.service.expected, seen.service.actual));
  }
  if (seen.scope) {
    findings.push(check(TOKEN_URL_CHECKS.scopePerItem, seen.scope.ok, 'One scope parameter per space-separated scope of the challenge, in order.', seen.scope.expected, seen.scope.actual));
  }
  findings.push(
    check(TOKEN_URL_CHECKS.ts, seen.ts.ok, 'The token URL carries one ts parameter: unix seconds in decimal.', seen.ts.expected, seen.ts.actual),
    check(TOKEN_URL_CHECKS.nonceShape, seen.nonce.ok, 'The token URL carries one nonce: 16 random bytes, base64url without padding (22 chars).', seen.nonce.expected, seen.nonce.actual),
    check(TOKEN_URL_CHECKS.sortedQuery, seen.order.ok, 'Query keys are sorted ascending, as url.Values.Encode() sorts them.', seen.order.expected, seen.order.actual),
    check(TOKEN_URL_CHECKS.formEscaping, seen.escaping.ok, 'Query values are form-escaped as Go url.QueryEscape does (":" → %3A, "/" → %2F, space → +).', seen.escaping.expected, seen.escaping.actual),
  );
  return findings;
}

/** The emulator's own scope rule (its challenge has one scope): each scope is one usable repository item. */
export function scopeItemsFinding(scopes: readonly string[], usable: (scope: string) => boolean): Finding {
  const unusable = scopes.filter((s) => !usable(s));
  return check(TOKEN_URL_CHECKS.scopePerItem, scopes.length > 0 && unusable.length === 0,
    'Each scope is one "repository:<ns>/<model>:<actions>" item from the challenge.',
    'scope=repository:<ns>/<model>:pull[,push]', scopes.length ? scopes.map((s) => `scope=${s}`).join('&') : '(none)');
}

export function nonceFreshFinding(nonce: string, replayed: boolean): Finding {
  return check(TOKEN_URL_CHECKS.nonceFresh, !replayed,
    replayed ? 'this nonce was already used by an earlier token request (replay): generate 16 fresh random bytes per token request' : 'the nonce has not been seen before',
    'a nonce not seen before', nonce);
}

/** The realm and scope of the Bearer challenge a client was sent, when they parse (a malformed one decides nothing here). */
function challengeSent(fields: string[]): { realm: string; scope?: string } | undefined {
  try {
    const { realm, scope } = parseBearerChallenge(fields);
    goParseUrl(realm);
    return scope === undefined ? { realm } : { realm, scope };
  } catch (err) {
    if (err instanceof ProtocolError) return undefined;
    throw err;
  }
}

/**
 * The challenge the client was actually sent (after the scenario's mutation) decides the rules that copy
 * it: one scope parameter per space-separated scope, in order (several-scopes scenarios), and the realm's
 * own query kept (the emulator's golden realm has none). Their verdicts replace the emulator's.
 */
export function challengeCopySupersedes(findings: readonly Finding[], challengeFields: string[], receivedTokenUrl: string): Finding[] {
  const challenged = challengeSent(challengeFields);
  if (challenged === undefined) return [...findings];
  const copied: CheckId[] = [TOKEN_URL_CHECKS.realmQueryKept, ...(challenged.scope !== undefined ? [TOKEN_URL_CHECKS.scopePerItem] : [])];
  return [...findings.filter((f) => !copied.includes(f.id)), ...tokenUrlFindings(receivedTokenUrl, challenged).filter((f) => copied.includes(f.id))];
}

/** The reason a resource request without a usable Bearer token is challenged. */
export function challengeReason(authorization: string | undefined): string {
  return `${CHALLENGE_CHECKS.read}: authentication required: ${authorization === undefined ? 'no Authorization header' : 'Authorization is not a Bearer token'}; answer the challenge`;
}

/**
 * The realm named this listener under another host string (F-03) and the client followed it: the
 * realm-host rule is broken. Its signature covers the other name, so the signature verdict would only be
 * an echo of the same mistake: same-host supersedes it.
 */
export function sameHostSupersedes(findings: readonly Finding[], signatureCheck: CheckId, hostHeader: string, resourceHost: string): Finding[] {
  return [
    ...findings.filter((f) => f.id !== signatureCheck),
    fail(REALM_CHECKS.sameHost, `the client sent its signed token request to host "${hostHeader}", not the resource host "${resourceHost}"`, `host ${resourceHost}`, `host ${hostHeader}`),
  ];
}
