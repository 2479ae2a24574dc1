/**
 * Findings a scenario provokes on purpose are not the client's fault: a shifted server clock makes every
 * ts "stale", an unregistered key is unknown by design, a revoked API key is refused, and so on. The
 * judge leaves them out before it turns findings into verdicts.
 */
import type { CheckId } from '../../check-ids.js';
import { APIKEY_CHECKS } from './apikey.js';
import { BASIC_CHECKS } from './basic.js';
import { DIRECT_CHECKS } from './direct.js';
import type { ScenarioFacts } from './observations.js';
import { TOKEN_REQUEST_CHECKS } from './token-request.js';

export function provokedChecks(scenario: ScenarioFacts): Set<CheckId> {
  const ids = new Set<CheckId>();
  if (scenario.mutation.some((op) => op.op === 'set-clock')) ids.add(TOKEN_REQUEST_CHECKS.tsWindow).add(DIRECT_CHECKS.tsWindow);
  // The emulator decides an unknown key with direct/known-key on the token endpoint too (the catalogue has no
  // registry-specific id), so that one id covers both flows.
  if (scenario.client.key === 'unregistered') ids.add(DIRECT_CHECKS.knownKey);
  const { apiKey, credentials } = scenario.client;
  if (apiKey === 'revoked' || apiKey === 'empty' || apiKey === 'absent') ids.add(APIKEY_CHECKS.bearer);
  if (credentials === 'wrong' || credentials === 'absent') ids.add(BASIC_CHECKS.credentials);
  return ids;
}
