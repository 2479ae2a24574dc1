/**
 * mTLS rules of `oac probe`: when the deployment requires client certificates (the probe was given
 * --cert/--key), the right credentials without a certificate, or with a certificate from another CA,
 * must not reach Ollama. nginx's `ssl_verify_client optional` is the classic hole: the request goes
 * through to the backend without a certificate.
 */
import { check } from '../findings.js';
import type { CheckId } from '../../check-ids.js';
import type { RuleResult } from '../verdicts.js';
import { describeOutcome, type MtlsObservation, type ProbeCredentials, type ProbeExchange } from './observations.js';

export const MTLS_CHECKS = {
  noClientCert: 'probe/mtls/no-client-cert',
  foreignClientCert: 'probe/mtls/foreign-client-cert',
} as const;

export const MTLS_CHECK_IDS: readonly CheckId[] = Object.values(MTLS_CHECKS);

function refused(id: CheckId, what: string, e: ProbeExchange): RuleResult {
  const request = `${e.method} ${e.route} ${what}`;
  if (e.reach === 'unknown') return { findings: [], inconclusive: [check(id, false, `${request}: cannot tell whether it reached Ollama (${e.reachReason})`)] };
  const ok = e.reach === 'refused';
  const message = ok
    ? `${request} was refused: ${describeOutcome(e.outcome)}`
    : `${request} reached Ollama: ${describeOutcome(e.outcome)}`;
  return { findings: [check(id, ok, message, 'refused (handshake failure or the proxy\'s 400/401/403)', e.reachReason)], inconclusive: [] };
}

/** The right credentials without a client certificate must be refused. */
export function judgeWithoutClientCert(e: ProbeExchange): RuleResult {
  return refused(MTLS_CHECKS.noClientCert, 'with the right credentials but no client certificate', e);
}

/** The right credentials with a client certificate from another CA must be refused. */
export function judgeForeignClientCert(e: ProbeExchange): RuleResult {
  return refused(MTLS_CHECKS.foreignClientCert, 'with the right credentials and a client certificate from another CA', e);
}

export function judgeMtls(m: MtlsObservation): RuleResult {
  const a = judgeWithoutClientCert(m.withoutCertificate);
  const b = judgeForeignClientCert(m.foreignCertificate);
  return { findings: [...a.findings, ...b.findings], inconclusive: [...a.inconclusive, ...b.inconclusive] };
}

export function mtlsNotApplicable(creds: ProbeCredentials, scheme: 'http' | 'https'): Map<CheckId, string> {
  const why = scheme === 'http' ? 'the probed URL is http: no TLS, no client certificates' : 'no --cert/--key was given: the probe does not know that client certificates are required';
  return creds.clientCert && scheme === 'https' ? new Map() : new Map(MTLS_CHECK_IDS.map((id) => [id, why]));
}
