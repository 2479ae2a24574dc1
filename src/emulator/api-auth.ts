/**
 * Authentication on ollama.com's `/api/*` (docs/protocol.md §2-3): a direct signature in either flavour
 * (`METHOD,<path>?ts=` or `METHOD,<RequestURI>`, raw or `Bearer ` form), an API key as
 * `Bearer <key>`, or (when configured, emulating a proxied self-hosted Ollama) HTTP Basic.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ProtocolError } from '../errors.js';
import { authorizedKeyLine, decodePublicKeyField } from '../keys/index.js';
import { check, fail, pass, type Finding } from '../protocol/findings.js';
import type { CheckId } from '../check-ids.js';
import { buildSigninUrl } from '../protocol/signin-url.js';
import { directSignedString, EMPTY_BODY_HASH_FIELD, requestUriSignedString } from '../protocol/signing.js';
import { checkTimestamp, verifyAuthorizationValue, type SignedStringCandidate } from '../protocol/verify.js';
import type { EmulatorState } from './options.js';
import { ollamaErrorReply, withReason, type Reply } from './replies.js';
import type { EmulatorRequest } from './request.js';
import { knownKeyFinding } from './token.js';

export type Principal =
  | { kind: 'key'; publicKeyField: string }
  | { kind: 'api-key' }
  | { kind: 'basic'; user: string };

export type ApiAuthResult = { ok: true; principal: Principal; findings: Finding[] } | { ok: false; reply: Reply };

/** The host name the emulator puts in sign-in URLs (Ollama uses os.Hostname()). */
export const SIGNIN_HOSTNAME = 'emulator';
export const BASIC_CHALLENGE = 'Basic realm="ollama"';

function bodyHashField(body: Buffer): string {
  return Buffer.from(createHash('sha256').update(body).digest('hex')).toString('base64');
}

interface DirectCandidate extends SignedStringCandidate {
  /** The check a client fails when its signature matches this (wrong) string. */
  failsCheck: CheckId;
}

/**
 * Correct strings first (S1 path flavour, S2 RequestURI flavour: identical when ts is the only query
 * parameter), then the mistakes seen in the wild (docs/protocol.md §7.2, §8).
 */
export function directCandidates(state: EmulatorState, req: EmulatorRequest, ts: string | undefined): DirectCandidate[] {
  const m = req.method;
  const origin = state.origin();
  const otherOrigin = origin.startsWith('https:') ? origin.replace(/^https:/, 'http:') : origin.replace(/^http:/, 'https:');
  const pathTs = ts === undefined ? undefined : `${req.path}?ts=${ts}`;
  const bodyHash = bodyHashField(req.body);
  const list: DirectCandidate[] = [];
  const add = (label: string, message: string, correct: boolean, failsCheck: CheckId = 'direct/signature'): void => {
    if (!list.some((c) => c.message === message)) list.push({ label, message, correct, failsCheck });
  };
  if (ts !== undefined) add('METHOD,<path>?ts=<ts>', directSignedString(m, req.path, ts), true);
  add('METHOD,<RequestURI>', requestUriSignedString(m, req.target), true);
  if (pathTs !== undefined) {
    add('the full URL (scheme://host/path?ts=) instead of the path', `${m},${origin}${pathTs}`, false);
    add(`the full URL with ${otherOrigin.split(':')[0]}:// instead of the path`, `${m},${otherOrigin}${pathTs}`, false);
    add('the path with the request body hash appended (",<base64(hex(sha256(body)))>"): the body is never signed', `${m},${pathTs},${bodyHash}`, false, 'direct/no-body-hash');
    add('the path with the registry\'s empty-body hash appended: the direct form has no hash field', `${m},${pathTs},${EMPTY_BODY_HASH_FIELD}`, false, 'direct/no-body-hash');
    add('the full URL with the request body hash appended', `${m},${origin}${pathTs},${bodyHash}`, false, 'direct/no-body-hash');
  }
  add('the full URL (scheme://host/RequestURI) instead of the RequestURI', `${m},${origin}${req.target}`, false);
  add('the path without "?ts=": the signed string must carry the ts the URL carries', `${m},${req.path}`, false);
  return list;
}

/** Sign-in URL for the key named in an Authorization value, when its key field is well-formed. */
export function signinUrlFor(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const rest = authorization.replace(/^bearer /i, '');
  const colon = rest.indexOf(':');
  if (colon === -1) return undefined;
  let publicKey: Uint8Array;
  try {
    publicKey = decodePublicKeyField(rest.slice(0, colon));
  } catch (err) {
    // Not a key: nothing to sign in with, so the 401 carries no signin_url (as Ollama's own server does).
    if (err instanceof ProtocolError) return undefined;
    throw err;
  }
  return buildSigninUrl(SIGNIN_HOSTNAME, authorizedKeyLine(publicKey));
}

function unauthorized(state: EmulatorState, findings: Finding[], authorization: string | undefined): Reply {
  const signinUrl = signinUrlFor(authorization);
  const headers: Record<string, string> = state.basic ? { 'WWW-Authenticate': BASIC_CHALLENGE } : {};
  return withReason(ollamaErrorReply(401, 'unauthorized', findings, signinUrl ? { signin_url: signinUrl } : {}, headers));
}

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

function checkBasic(state: EmulatorState, encoded: string): Finding {
  if (state.basic === undefined) {
    return fail('basic/credentials', 'this server takes no Basic credentials on /api/* (start the emulator with basic to emulate a proxied Ollama)', 'a key signature or an API key', 'Basic <credentials>');
  }
  const decoded = Buffer.from(encoded.trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  const passwordOk = colon !== -1 && sameSecret(decoded.slice(colon + 1), state.basic.pass);
  const ok = sameSecret(user, state.basic.user) && passwordOk;
  return check('basic/credentials', ok,
    ok ? 'Basic credentials accepted' : 'Basic credentials were not accepted: wrong user name or password (or not "base64(user:pass)")',
    'base64(<user>:<pass>) of the configured credentials', colon === -1 ? 'a value without ":"' : `user ${JSON.stringify(user)}`);
}

function checkApiKey(state: EmulatorState, key: string): Finding {
  if (key === '') return fail('apikey/no-empty-bearer', 'Authorization is "Bearer " with nothing after it: an unset API key must not be sent', 'Bearer <api key>', 'Bearer ');
  const ok = [...state.apiKeys].some((k) => sameSecret(k, key));
  return check('apikey/bearer', ok, ok ? 'API key accepted' : 'the API key is not one this server accepts (revoked, mistyped, or meant for another host)', 'Bearer <a configured API key>', `Bearer <${key.length} chars>`);
}

export function authenticateApi(state: EmulatorState, req: EmulatorRequest): ApiAuthResult {
  const authorization = req.authorization;
  const basic = authorization === undefined ? undefined : /^basic\s+(.*)$/is.exec(authorization);
  if (basic) {
    const finding = checkBasic(state, basic[1]!);
    if (finding.ok) return { ok: true, principal: { kind: 'basic', user: state.basic!.user }, findings: [finding] };
    return { ok: false, reply: unauthorized(state, [finding], undefined) };
  }
  const bearerRest = authorization === undefined ? undefined : /^bearer(?:\s+(.*))?$/is.exec(authorization);
  if (bearerRest && !(bearerRest[1] ?? '').includes(':')) {
    const finding = checkApiKey(state, (bearerRest[1] ?? '').trim());
    if (finding.ok) return { ok: true, principal: { kind: 'api-key' }, findings: [finding] };
    return { ok: false, reply: unauthorized(state, [finding], undefined) };
  }
  return checkDirectSignature(state, req);
}

function checkDirectSignature(state: EmulatorState, req: EmulatorRequest): ApiAuthResult {
  const tsValues = req.query.get('ts') ?? [];
  const ts = tsValues.length === 1 ? tsValues[0] : undefined;
  const findings: Finding[] = [check('direct/ts-in-url', ts !== undefined && /^\d+$/.test(ts),
    'The request URL carries exactly one ts (unix seconds), so the server can rebuild the signed string.',
    '?ts=<unix seconds>', tsValues.length ? tsValues.map((t) => `ts=${t}`).join('&') : '(no ts in the URL)')];

  const candidates = directCandidates(state, req, ts);
  const verdict = verifyAuthorizationValue(req.authorization, candidates, 'direct/signature');
  const wrong = verdict.matched && !verdict.matched.correct ? (verdict.matched as DirectCandidate) : undefined;
  if (wrong && wrong.failsCheck !== 'direct/signature') {
    findings.push(fail(wrong.failsCheck, `the client signed ${wrong.label}`, candidates[0]?.message, wrong.message));
  }
  findings.push(...verdict.findings);
  if (verdict.parsed) {
    findings.push(pass('direct/header-form', `Authorization is in ${verdict.parsed.form === 'raw' ? 'raw "<pubkey>:<signature>"' : '"Bearer <pubkey>:<signature>"'} form (both are accepted)`));
    findings.push(state.faults.staleTs
      ? fail('direct/ts-window', 'ts is outside the accepted window (fault stale-ts: every ts is treated as stale)', `within ±${state.tsWindowSeconds}s`, `ts=${ts ?? '(none)'}`)
      : checkTimestamp('direct/ts-window', ts, state.nowSeconds(), state.tsWindowSeconds));
    findings.push(knownKeyFinding(state, verdict.parsed.publicKeyField));
  }
  if (findings.some((f) => !f.ok) || !verdict.parsed) return { ok: false, reply: unauthorized(state, findings, req.authorization) };
  return { ok: true, principal: { kind: 'key', publicKeyField: verdict.parsed.publicKeyField }, findings };
}
