/**
 * Authentication on ollama.com's `/api/*` (docs/protocol.md §2-3): a direct signature in either flavour
 * (`METHOD,<path>?ts=` or `METHOD,<RequestURI>`, raw or `Bearer ` form), an API key as
 * `Bearer <key>`, or (when configured, emulating a proxied self-hosted Ollama) HTTP Basic.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ProtocolError } from '../errors.js';
import { authorizedKeyLine, decodePublicKeyField } from '../keys/index.js';
import type { Finding } from '../rules/findings.js';
import { buildSigninUrl } from '../protocol/signin-url.js';
import { directSignedString, EMPTY_BODY_HASH_FIELD, requestUriSignedString } from '../protocol/signing.js';
import { verifySignature } from '../protocol/verify.js';
import { apiKeyFinding } from '../rules/client/apikey.js';
import { basicFinding } from '../rules/client/basic.js';
import { directRequestFindings, singleTs, type DirectCandidate } from '../rules/client/direct.js';
import type { EmulatorState } from './options.js';
import { ollamaErrorReply, withReason, type Reply } from './replies.js';
import type { EmulatorRequest } from './request.js';

export type Principal =
  | { kind: 'key'; publicKeyField: string }
  | { kind: 'api-key' }
  | { kind: 'basic'; user: string };

export type ApiAuthResult = { ok: true; principal: Principal; findings: Finding[] } | { ok: false; reply: Reply };

/** The host name the emulator puts in sign-in URLs (Ollama uses os.Hostname()). */
export const SIGNIN_HOSTNAME = 'emulator';
const BASIC_CHALLENGE = 'Basic realm="ollama"';

function bodyHashField(body: Buffer): string {
  return Buffer.from(createHash('sha256').update(body).digest('hex')).toString('base64');
}

/**
 * Correct strings first (S1 path flavour, S2 RequestURI flavour: identical when ts is the only query
 * parameter), then the mistakes seen in the wild (docs/protocol.md §7.2, §8).
 */
function directCandidates(state: EmulatorState, req: EmulatorRequest, ts: string | undefined): DirectCandidate[] {
  const m = req.method;
  const origin = state.origin();
  const otherOrigin = origin.startsWith('https:') ? origin.replace(/^https:/, 'http:') : origin.replace(/^http:/, 'https:');
  const pathTs = ts === undefined ? undefined : `${req.path}?ts=${ts}`;
  const bodyHash = bodyHashField(req.body);
  const list: DirectCandidate[] = [];
  // bodyHash: the wrong string signs the body, which breaks the no-body-hash rule rather than the signature rule.
  const add = (label: string, message: string, correct: boolean, bodyHash = false): void => {
    if (!list.some((c) => c.message === message)) list.push({ label, message, correct, bodyHash });
  };
  if (ts !== undefined) add('METHOD,<path>?ts=<ts>', directSignedString(m, req.path, ts), true);
  add('METHOD,<RequestURI>', requestUriSignedString(m, req.target), true);
  if (pathTs !== undefined) {
    add('the full URL (scheme://host/path?ts=) instead of the path', `${m},${origin}${pathTs}`, false);
    add(`the full URL with ${otherOrigin.split(':')[0]}:// instead of the path`, `${m},${otherOrigin}${pathTs}`, false);
    add('the path with the request body hash appended (",<base64(hex(sha256(body)))>"): the body is never signed', `${m},${pathTs},${bodyHash}`, false, true);
    add('the path with the registry\'s empty-body hash appended: the direct form has no hash field', `${m},${pathTs},${EMPTY_BODY_HASH_FIELD}`, false, true);
    add('the full URL with the request body hash appended', `${m},${origin}${pathTs},${bodyHash}`, false, true);
  }
  add('the full URL (scheme://host/RequestURI) instead of the RequestURI', `${m},${origin}${req.target}`, false);
  add('the path without "?ts=": the signed string must carry the ts the URL carries', `${m},${req.path}`, false);
  return list;
}

/** Sign-in URL for the key named in an Authorization value, when its key field is well-formed. */
function signinUrlFor(authorization: string | undefined): string | undefined {
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
  if (state.basic === undefined) return basicFinding({ configured: false });
  const decoded = Buffer.from(encoded.trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  const passwordOk = colon !== -1 && sameSecret(decoded.slice(colon + 1), state.basic.pass);
  return basicFinding({ configured: true, hasColon: colon !== -1, user, accepted: sameSecret(user, state.basic.user) && passwordOk });
}

function checkApiKey(state: EmulatorState, key: string): Finding {
  return apiKeyFinding(key, key !== '' && [...state.apiKeys].some((k) => sameSecret(k, key)));
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
  const verification = verifySignature(req.authorization, directCandidates(state, req, singleTs(tsValues)));
  const findings = directRequestFindings(state, { tsValues, authorization: req.authorization, verification });
  const parsed = verification.parsed;
  if (findings.some((f) => !f.ok) || !parsed) return { ok: false, reply: unauthorized(state, findings, req.authorization) };
  return { ok: true, principal: { kind: 'key', publicKeyField: parsed.publicKeyField }, findings };
}
