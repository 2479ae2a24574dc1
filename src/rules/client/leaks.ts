/**
 * A credential that reached "another host" (the conformance server's second listener): which rule the
 * client broke by sending it there, from the credential's shape and how the client got there.
 */
import { credentialKind, type CredentialKind } from '../../redaction/index.js';
import { fail, type Finding } from '../findings.js';
import { APIKEY_CHECKS } from './apikey.js';
import { BASIC_CHECKS } from './basic.js';
import { DIRECT_CHECKS } from './direct.js';
import type { ScenarioFacts } from './observations.js';
import { TOKEN_CHECKS } from './token.js';
import { REALM_CHECKS } from './token-url.js';

/** The words findings use for each kind (what a report shows as `Authorization: <shape>`). */
const SHAPE_WORD: Record<Exclude<CredentialKind, 'none'>, string> = { basic: 'basic', 'ollama-signature': 'signature', bearer: 'bearer', other: 'other' };

/**
 * A signed token request on the other host came from following a realm (a challenge naming another
 * host) unless the scenario redirected the token request, in which case the client carried it across a
 * redirect. `target`: the request target the other host received.
 */
export function leakFindings(scenario: ScenarioFacts, authorization: string | undefined, target: string): Finding[] {
  return leakFindingsOfKind(scenario, credentialKind(authorization), target);
}

/** The same, from the credential's kind alone (the intercept proxy keeps the kind of a refused request, never its value). */
export function leakFindingsOfKind(scenario: ScenarioFacts, kind: CredentialKind, target: string): Finding[] {
  if (kind === 'none') return [];
  const shape = SHAPE_WORD[kind];
  const redirected = scenario.mutation.some((op) => op.op === 'redirect');
  const id = shape === 'basic' ? BASIC_CHECKS.noCrossHost
    : shape === 'signature'
      ? (scenario.action !== 'registry-manifest' ? DIRECT_CHECKS.signature : redirected || !target.startsWith('/v2/token') ? TOKEN_CHECKS.noCrossHost : REALM_CHECKS.sameHost)
      : scenario.action === 'apikey-tags' ? APIKEY_CHECKS.originScoped : TOKEN_CHECKS.noCrossHost;
  const what = shape === 'signature' ? 'signed Authorization' : shape === 'basic' ? 'Basic credentials' : 'bearer credential';
  return [fail(id, `the client sent its ${what} to another host`, 'no credential sent to another host', `Authorization: ${shape}`)];
}
