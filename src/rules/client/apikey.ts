/**
 * API keys (docs/protocol.md §3): `Authorization: Bearer <key>` on ollama.com's /api/*, never an empty
 * Bearer, never to another origin.
 */
import type { CheckId } from '../../check-ids.js';
import { credentialShape } from '../../redaction/index.js';
import { check, fail, type Finding } from '../findings.js';

export const APIKEY_CHECKS = {
  bearer: 'apikey/bearer',
  originScoped: 'apikey/origin-scoped',
  noEmptyBearer: 'apikey/no-empty-bearer',
} as const satisfies Record<string, CheckId>;

/** An API key as the server judged it: `accepted` is whether it is one the server takes. */
export function apiKeyFinding(key: string, accepted: boolean): Finding {
  if (key === '') return fail(APIKEY_CHECKS.noEmptyBearer, 'Authorization is "Bearer " with nothing after it: an unset API key must not be sent', 'Bearer <api key>', 'Bearer ');
  return check(APIKEY_CHECKS.bearer, accepted, accepted ? 'API key accepted' : 'the API key is not one this server accepts (revoked, mistyped, or meant for another host)', 'Bearer <a configured API key>', `Bearer <${key.length} chars>`);
}

/** "Authorization: Bearer" with nothing after it on a registry resource: an empty credential was sent. */
export function emptyBearerOnResource(authorization: string | undefined): Finding | undefined {
  if (authorization === undefined || !/^bearer\s*$/i.test(authorization)) return undefined;
  return fail(APIKEY_CHECKS.noEmptyBearer, 'the client sent "Authorization: Bearer" with an empty credential', 'a token, or no Authorization at all', credentialShape(authorization));
}

/**
 * In the API-key flow a request without "Bearer <key>" is judged by this flow's rule, not by what the
 * verifier says about a signature it never got. Undefined: the request is an API-key request, judged as such.
 */
export function apiKeyFlowFindings(apiKeyFixture: string | undefined, authorization: string | undefined): Finding[] | undefined {
  if (/^bearer(?:\s+[^:\s]*)?$/i.test(authorization ?? '')) return undefined;
  const shape = authorization === undefined ? '(none)' : credentialShape(authorization);
  if ((apiKeyFixture ?? 'absent') === 'absent') {
    return authorization === undefined ? [] : [fail(APIKEY_CHECKS.bearer, 'no OLLAMA_API_KEY was given, yet the client sent a credential', '(no Authorization)', shape)];
  }
  return [fail(APIKEY_CHECKS.bearer, 'OLLAMA_API_KEY was set but not sent as "Authorization: Bearer <key>"', 'Authorization: Bearer <key>', shape)];
}
