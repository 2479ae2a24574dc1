/**
 * `GET /v2/token?nonce=…&scope=…&service=…&ts=…` (docs/protocol.md §1.3-1.5): everything is decided by the
 * protocol core's checks on the URL as received and on the signature over it. Refusals follow what
 * clients have met in the wild: 401 with an EMPTY body (a skewed clock surfaces as
 * `pull model manifest: 401`, §4.4), 403 with an OCI body for a denied repository.
 */
import { check, fail, pass, type Finding } from '../protocol/findings.js';
import type { CheckId } from '../check-ids.js';
import { goParseUrl, goUrlString } from '../protocol/go-url.js';
import { isNonceShape } from '../protocol/nonce.js';
import { EMPTY_BODY_HASH_FIELD, registrySignedString } from '../protocol/signing.js';
import { buildTokenResponse } from '../protocol/token-response.js';
import { checkTokenUrl, parseTokenUrl } from '../protocol/token-url.js';
import { checkTimestamp, verifyAuthorizationValue, type SignedStringCandidate } from '../protocol/verify.js';
import type { EmulatorState } from './options.js';
import { emptyReply, JSON_TYPE, ociErrorReply, reasonOf, withReason, type Reply } from './replies.js';
import type { EmulatorRequest } from './request.js';
import { issueToken, knownKeyFinding, parseRepositoryScope } from './token.js';

/** Refusals that do not stop the token from being issued (recorded, tolerated). */
const TOLERATED = new Set<CheckId>(['registry/token-request/raw-form']);

/**
 * The correct string first, then what known-wrong clients sign, so a failure can name the mistake.
 * `received` is publicOrigin + the request target, byte for byte.
 */
export function tokenRequestCandidates(received: string, target: string): SignedStringCandidate[] {
  const url = goParseUrl(received);
  const otherScheme = url.scheme === 'https' ? 'http' : 'https';
  const swapped = goUrlString({ ...url, scheme: otherScheme });
  return [
    { label: 'GET,<token URL>,<empty-body hash>', message: registrySignedString(received), correct: true },
    { label: 'the token URL without the ",<empty-body hash>" field', message: `GET,${received}`, correct: false },
    { label: 'POST instead of GET (the 2024 variant Ollama reverted the same day)', message: `POST,${received},${EMPTY_BODY_HASH_FIELD}`, correct: false },
    { label: `the token URL with ${otherScheme}:// while the request came over ${url.scheme}://`, message: registrySignedString(swapped), correct: false },
    { label: 'only the path and query instead of the full token URL', message: registrySignedString(target), correct: false },
    { label: 'the direct-API form METHOD,RequestURI instead of the registry form', message: `GET,${target}`, correct: false },
  ];
}

export function handleTokenRequest(state: EmulatorState, req: EmulatorRequest): Reply {
  if (req.method !== 'GET') {
    const findings = [fail('registry/token-request/method-get', 'the token request must be a GET without a body', 'GET', req.method)];
    return withReason(ociErrorReply(405, 'UNSUPPORTED', `the token endpoint accepts GET, not ${req.method}`, findings, { Allow: 'GET' }));
  }
  const received = state.origin() + req.target;
  const findings: Finding[] = [pass('registry/token-request/method-get', 'the token request is a GET')];
  findings.push(...checkTokenUrl(received, { realm: state.realm(), service: state.service() }));
  const parseable = findings.every((f) => f.id !== 'registry/token-url/parseable' || f.ok);
  const parsed = parseable ? parseTokenUrl(received) : undefined;

  if (parsed) {
    const unusable = parsed.scopes.filter((s) => parseRepositoryScope(s) === undefined);
    findings.push(check('registry/token-url/scope-per-item', parsed.scopes.length > 0 && unusable.length === 0,
      'Each scope is one "repository:<ns>/<model>:<actions>" item from the challenge.',
      'scope=repository:<ns>/<model>:pull[,push]', parsed.scopes.length ? parsed.scopes.map((s) => `scope=${s}`).join('&') : '(none)'));
  }

  const verdict = verifyAuthorizationValue(req.authorization, tokenRequestCandidates(received, req.target), 'registry/token-request/signature');
  findings.push(...verdict.findings);
  if (verdict.parsed) {
    findings.push(check('registry/token-request/raw-form', verdict.parsed.form === 'raw',
      verdict.parsed.form === 'raw' ? 'Authorization is the raw "<pubkey>:<signature>" pair' : 'Authorization carries a "Bearer " prefix; Ollama sends the raw "<pubkey>:<signature>" pair to the token endpoint (tolerated here)',
      '<pubkey>:<signature>', 'Bearer <pubkey>:<signature>'));
  }

  const ts = parsed?.ts.length === 1 ? parsed.ts[0] : undefined;
  findings.push(state.faults.staleTs
    ? fail('registry/token-request/ts-window', 'ts is outside the accepted window (fault stale-ts: every ts is treated as stale)', `within ±${state.tsWindowSeconds}s`, `ts=${ts ?? '(none)'}`)
    : checkTimestamp('registry/token-request/ts-window', ts, state.nowSeconds(), state.tsWindowSeconds));

  const signatureOk = verdict.matched?.correct === true;
  const nonce = parsed?.nonce.length === 1 ? parsed.nonce[0]! : undefined;
  if (signatureOk && nonce !== undefined && isNonceShape(nonce)) {
    const replayed = state.nonces.has(nonce, state.nowSeconds());
    findings.push(check('registry/token-url/nonce-fresh', !replayed,
      replayed ? 'this nonce was already used by an earlier token request (replay): generate 16 fresh random bytes per token request' : 'the nonce has not been seen before',
      'a nonce not seen before', nonce));
    if (!replayed) state.nonces.remember(nonce, state.nowSeconds(), state.tsWindowSeconds);
  }
  if (verdict.parsed) findings.push(knownKeyFinding(state, verdict.parsed.publicKeyField));

  const fatal = findings.find((f) => !f.ok && !TOLERATED.has(f.id));
  if (fatal !== undefined || !verdict.parsed || !parsed) {
    return withReason(emptyReply(401, findings), fatal ? reasonOf(fatal) : undefined);
  }

  const denied = parsed.scopes.map(parseRepositoryScope).find((s) => s !== undefined && state.faults.denyScopes.includes(s.repository));
  if (denied) {
    return withReason(ociErrorReply(403, 'DENIED', 'requested access to the resource is denied', findings),
      `registry/token-response/error-surfaced: access to ${denied.repository} is denied (fault deny-scope); a client must surface "403: <body>"`);
  }
  const token = issueToken(received, verdict.parsed.publicKeyField, verdict.parsed.signatureField);
  return { status: 200, headers: { 'Content-Type': JSON_TYPE }, body: buildTokenResponse(token), findings };
}
