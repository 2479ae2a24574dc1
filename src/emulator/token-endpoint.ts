/**
 * `GET /v2/token?nonce=…&scope=…&service=…&ts=…` (docs/protocol.md §1.3-1.5): the protocol core reads the
 * URL as received and verifies the signature over it; the client rules (src/rules/client/token-request.ts)
 * decide every finding from that. Refusals follow what
 * clients have met in the wild: 401 with an EMPTY body (a skewed clock surfaces as
 * `pull model manifest: 401`, §4.4), 403 with an OCI body for a denied repository.
 */
import { ProtocolError } from '../errors.js';
import { goParseUrl, goUrlString } from '../protocol/go-url.js';
import { isNonceShape } from '../protocol/nonce.js';
import { EMPTY_BODY_HASH_FIELD, registrySignedString } from '../protocol/signing.js';
import { buildTokenResponse } from '../protocol/token-response.js';
import { parseTokenUrl, type ParsedTokenUrl } from '../protocol/token-url.js';
import { verifySignature, type SignedStringCandidate } from '../protocol/verify.js';
import { deniedScopeReason } from '../rules/client/token.js';
import { refusingFinding, tokenRequestFindings, wrongMethodFinding } from '../rules/client/token-request.js';
import type { EmulatorState } from './options.js';
import { emptyReply, JSON_TYPE, ociErrorReply, reasonOf, withReason, type Reply } from './replies.js';
import type { EmulatorRequest } from './request.js';
import { issueToken, parseRepositoryScope } from './token.js';

/**
 * The correct string first, then what known-wrong clients sign, so a failure can name the mistake.
 * `received` is publicOrigin + the request target, byte for byte.
 */
function tokenRequestCandidates(received: string, target: string): SignedStringCandidate[] {
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

/** The URL read back, or undefined when it does not parse (the token-URL rules say why). */
function readTokenUrl(received: string): ParsedTokenUrl | undefined {
  try {
    return parseTokenUrl(received);
  } catch (err) {
    if (err instanceof ProtocolError) return undefined;
    throw err;
  }
}

/** Looks the nonce up (and remembers it) only for a correctly signed request with a well-formed nonce. */
function nonceReplayed(state: EmulatorState, tokenUrl: ParsedTokenUrl | undefined, signatureOk: boolean): boolean | undefined {
  const nonce = tokenUrl?.nonce.length === 1 ? tokenUrl.nonce[0]! : undefined;
  if (!signatureOk || nonce === undefined || !isNonceShape(nonce)) return undefined;
  const replayed = state.nonces.has(nonce, state.nowSeconds());
  if (!replayed) state.nonces.remember(nonce, state.nowSeconds(), state.tsWindowSeconds);
  return replayed;
}

export function handleTokenRequest(state: EmulatorState, req: EmulatorRequest): Reply {
  if (req.method !== 'GET') {
    return withReason(ociErrorReply(405, 'UNSUPPORTED', `the token endpoint accepts GET, not ${req.method}`, [wrongMethodFinding(req.method)], { Allow: 'GET' }));
  }
  const received = state.origin() + req.target;
  const tokenUrl = readTokenUrl(received);
  const verification = verifySignature(req.authorization, tokenRequestCandidates(received, req.target));
  const findings = tokenRequestFindings(state, {
    received,
    realm: state.realm(),
    service: state.service(),
    authorization: req.authorization,
    tokenUrl,
    verification,
    nonceReplayed: nonceReplayed(state, tokenUrl, verification.matched?.correct === true),
    usableScope: (scope) => parseRepositoryScope(scope) !== undefined,
  });
  const fatal = refusingFinding(findings);
  const parsed = verification.parsed;
  if (fatal !== undefined || !parsed || !tokenUrl) {
    return withReason(emptyReply(401, findings), fatal ? reasonOf(fatal) : undefined);
  }

  const denied = tokenUrl.scopes.map(parseRepositoryScope).find((s) => s !== undefined && state.faults.denyScopes.includes(s.repository));
  if (denied) {
    return withReason(ociErrorReply(403, 'DENIED', 'requested access to the resource is denied', findings), deniedScopeReason(denied.repository));
  }
  const token = issueToken(received, parsed.publicKeyField, parsed.signatureField);
  // The signature in the token was verified just now: its use on the retry need not verify it again.
  state.verifiedTokens.remember(token);
  return { status: 200, headers: { 'Content-Type': JSON_TYPE }, body: buildTokenResponse(token), findings };
}
