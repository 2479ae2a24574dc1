/**
 * CORS rule of `oac probe` (Fetch standard, CORS protocol; OWASP HTML5 Security Cheat Sheet): a foreign
 * origin must not get `Access-Control-Allow-Origin` (its own origin reflected, or `*`) together with
 * `Access-Control-Allow-Credentials: true`, or any web page a user visits can call the API with the
 * user's credentials. Ollama itself answers a foreign origin with 403 (gin-contrib/cors with its
 * allow-list, server/routes.go@fb30760 L1842-1873); a proxy that reflects the Origin undoes that.
 */
import { check, type Finding } from '../findings.js';
import type { CheckId } from '../../check-ids.js';
import type { RuleResult } from '../verdicts.js';
import { describeOutcome, type CorsAttempt, type CorsObservation } from './observations.js';

export const CORS_CHECKS = {
  foreignOrigin: 'probe/cors/foreign-origin',
} as const;

export const CORS_CHECK_IDS: readonly CheckId[] = Object.values(CORS_CHECKS);

function judgeAttempt(a: CorsAttempt): { finding?: Finding; inconclusive?: Finding } {
  const id = CORS_CHECKS.foreignOrigin;
  const e = a.exchange;
  const what = `${a.kind === 'preflight' ? 'a preflight (OPTIONS)' : 'a GET'} to ${e.route} from Origin ${a.origin}`;
  if (e.outcome.kind === 'timeout' || e.outcome.kind === 'unreachable' || e.outcome.kind === 'not-sent') {
    return { inconclusive: check(id, false, `${what}: no answer to judge (${describeOutcome(e.outcome)})`) };
  }
  const allowed = a.allowOrigin !== undefined && (a.allowOrigin === a.origin || a.allowOrigin.trim() === '*');
  const withCredentials = (a.allowCredentials ?? '').trim().toLowerCase() === 'true';
  const ok = !(allowed && withCredentials);
  const actual = `Access-Control-Allow-Origin: ${a.allowOrigin ?? '(none)'}, Access-Control-Allow-Credentials: ${a.allowCredentials ?? '(none)'}`;
  const message = ok
    ? `${what} gets no credentialed CORS grant (${actual})`
    : `${what} is granted credentialed access (${actual}): any web page can call this API with the visitor's credentials`;
  return { finding: check(id, ok, message, 'no Access-Control-Allow-Origin for a foreign origin together with Access-Control-Allow-Credentials: true', actual) };
}

export function judgeCors(c: CorsObservation): RuleResult {
  const out: RuleResult = { findings: [], inconclusive: [] };
  for (const a of c.attempts) {
    const r = judgeAttempt(a);
    if (r.finding) out.findings.push(r.finding);
    if (r.inconclusive) out.inconclusive.push(r.inconclusive);
  }
  return out;
}
