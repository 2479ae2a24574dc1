/**
 * Access rules of `oac probe`: does a request that should be refused reach Ollama, and do the right
 * credentials? One pure function per exchange; the check a request speaks for follows from why it was
 * sent (purpose) and what it carried (credential family).
 */
import { check, type Finding } from '../findings.js';
import type { CheckId } from '../../check-ids.js';
import type { RuleResult } from '../verdicts.js';
import { describeExchange, describeOutcome, type CredentialFamily, type ProbeCredentials, type ProbeExchange } from './observations.js';

export const ACCESS_CHECKS = {
  noCredentials: 'probe/access/no-credentials',
  methods: 'probe/access/methods',
  wrongCredentials: 'probe/access/wrong-credentials',
  malformedAuthorization: 'probe/access/malformed-authorization',
  keyVariants: 'probe/access/key-variants',
  pathSpelling: 'probe/access/path-spelling',
  validCredentials: 'probe/access/valid-credentials',
} as const;

/** Report order of the access checks. */
export const ACCESS_CHECK_IDS: readonly CheckId[] = Object.values(ACCESS_CHECKS);

const REFUSED_FAMILY_CHECK: Record<Exclude<CredentialFamily, 'none' | 'valid'>, CheckId> = {
  wrong: ACCESS_CHECKS.wrongCredentials,
  malformed: ACCESS_CHECKS.malformedAuthorization,
  'key-variant': ACCESS_CHECKS.keyVariants,
};

/** The check an exchange speaks for (undefined: the access rules do not judge it). */
export function accessCheckOf(e: ProbeExchange): CheckId | undefined {
  if (e.versionDisclosing) return undefined;
  switch (e.credential.family) {
    case 'valid':
      return (e.purpose === 'registered-method' || e.purpose === 'stand-in') && e.spelling === 'canonical' ? ACCESS_CHECKS.validCredentials : undefined;
    case 'none':
      if (e.purpose === 'unregistered-method') return ACCESS_CHECKS.methods;
      if (e.purpose === 'path-spelling') return ACCESS_CHECKS.pathSpelling;
      return ACCESS_CHECKS.noCredentials;
    default:
      return REFUSED_FAMILY_CHECK[e.credential.family];
  }
}

/**
 * The one rule every "must be refused" check applies to an exchange: refused passes, reached Ollama fails,
 * and an exchange that cannot be classified is inconclusive (an `error`, never a guess). The access checks
 * and the disclosure check differ only in how they say it.
 */
export function mustBeRefused(
  id: CheckId,
  e: ProbeExchange,
  wording: { reached: string; expected: string } = { reached: 'reached Ollama', expected: 'refused before it reaches Ollama (the proxy answers 401/403 or closes the connection)' },
): RuleResult {
  const what = describeExchange(e);
  if (e.reach === 'unknown') {
    return { findings: [], inconclusive: [check(id, false, `${what}: cannot tell whether it reached Ollama (${e.reachReason})`)] };
  }
  const refused = e.reach === 'refused';
  const message = refused ? `${what} was refused before Ollama: ${describeOutcome(e.outcome)}` : `${what} ${wording.reached}: ${describeOutcome(e.outcome)}`;
  return { findings: [check(id, refused, message, wording.expected, e.reachReason)], inconclusive: [] };
}

function mustReach(id: CheckId, e: ProbeExchange): RuleResult {
  const what = describeExchange(e);
  if (e.reach === 'ollama') return { findings: [check(id, true, `${what} reached Ollama: ${describeOutcome(e.outcome)}`)], inconclusive: [] };
  // The probe's own input is wrong (or the proxy's upstream is down): every refusal it saw means nothing.
  const finding: Finding = {
    id,
    ok: false,
    message: `the credentials given to the probe did not reach Ollama: ${what} → ${describeOutcome(e.outcome)}; check --basic/--api-key/--header/--cert and the proxy's upstream`,
    expected: 'Ollama\'s own answer to this request',
    actual: e.reachReason,
  };
  return { findings: [], inconclusive: [finding] };
}

/** Findings for one exchange (empty when the access rules do not judge it). */
export function judgeAccess(e: ProbeExchange): RuleResult {
  const id = accessCheckOf(e);
  if (id === undefined) return { findings: [], inconclusive: [] };
  return id === ACCESS_CHECKS.validCredentials ? mustReach(id, e) : mustBeRefused(id, e);
}

/** Access checks that cannot apply with these credentials, and why (their verdict is `skip`). */
export function accessNotApplicable(c: ProbeCredentials): Map<CheckId, string> {
  const out = new Map<CheckId, string>();
  const none = !c.basic && !c.apiKey && !c.headers && !c.clientCert;
  if (none) out.set(ACCESS_CHECKS.validCredentials, 'no credentials were given (--basic, --api-key, --header, --cert): the probe only lists what is open');
  if (!c.basic && !c.apiKey && !c.headers) out.set(ACCESS_CHECKS.wrongCredentials, 'no password, API key or header was given to vary');
  if (!c.basic && !c.apiKey) out.set(ACCESS_CHECKS.malformedAuthorization, 'neither --basic nor --api-key was given: no Authorization scheme to malform');
  if (!c.apiKey) out.set(ACCESS_CHECKS.keyVariants, 'no --api-key was given');
  return out;
}
