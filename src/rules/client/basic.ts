/**
 * HTTP Basic in front of a self-hosted Ollama (a reverse proxy): `user:pass` of the URL becomes
 * `Authorization: Basic base64(user:pass)`, sent only to that host.
 */
import type { CheckId } from '../../check-ids.js';
import { credentialShape } from '../../redaction/index.js';
import { check, fail, type Finding } from '../findings.js';

export const BASIC_CHECKS = {
  credentials: 'basic/credentials',
  userinfo: 'basic/userinfo',
  noCrossHost: 'basic/no-cross-host',
} as const satisfies Record<string, CheckId>;

/** What the server made of `Authorization: Basic <value>`. */
export type BasicObservation =
  | { configured: false }
  /** `user`: the decoded user name (the whole value when it has no ":"); `accepted`: user and password match. */
  | { configured: true; hasColon: boolean; user: string; accepted: boolean };

export function basicFinding(observation: BasicObservation): Finding {
  if (!observation.configured) {
    return fail(BASIC_CHECKS.credentials, 'this server takes no Basic credentials on /api/* (start the emulator with basic to emulate a proxied Ollama)', 'a key signature or an API key', 'Basic <credentials>');
  }
  const { accepted, hasColon, user } = observation;
  return check(BASIC_CHECKS.credentials, accepted,
    accepted ? 'Basic credentials accepted' : 'Basic credentials were not accepted: wrong user name or password (or not "base64(user:pass)")',
    'base64(<user>:<pass>) of the configured credentials', hasColon ? `user ${JSON.stringify(user)}` : 'a value without ":"');
}

/**
 * In the Basic flow a request without Basic credentials is judged by this flow's rules, so a client that
 * dropped its user:pass is told so, not told its (absent) key signature is wrong. Undefined: the request
 * carries Basic credentials and is judged as such.
 */
export function basicFlowFindings(credentialsFixture: string | undefined, authorization: string | undefined): Finding[] | undefined {
  if (/^basic\s/i.test(authorization ?? '')) return undefined;
  if ((credentialsFixture ?? 'valid') === 'absent') return [];
  const shape = authorization === undefined ? '(none)' : credentialShape(authorization);
  return [
    fail(BASIC_CHECKS.userinfo, 'the user:pass in the URL did not become Basic credentials', 'Authorization: Basic <base64(user:pass)>', shape),
    fail(BASIC_CHECKS.credentials, 'no Basic credentials were sent to a server that requires them', 'Authorization: Basic <base64(user:pass)>', shape),
  ];
}
