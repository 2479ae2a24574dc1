/**
 * TLS rules of `oac probe` (RFC 8446; RFC 8996 deprecates TLS 1.0 and 1.1): which protocol versions
 * complete a handshake, whether the certificate chains to the trusted CA and names the host, whether it
 * is within its validity period, and whether credentials travel over plain http at all.
 */
import { check, type Finding } from '../findings.js';
import type { CheckId } from '../../check-ids.js';
import type { RuleResult } from '../verdicts.js';
import { TLS_VERSIONS, type ProbeCredentials, type TlsObservation, type TlsVersion } from './observations.js';

export const TLS_CHECKS = {
  plaintext: 'probe/tls/plaintext',
  minVersion: 'probe/tls/min-version',
  legacyVersions: 'probe/tls/legacy-versions',
  certificate: 'probe/tls/certificate',
  expiry: 'probe/tls/expiry',
} as const;

export const TLS_CHECK_IDS: readonly CheckId[] = Object.values(TLS_CHECKS);

const LEGACY: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1'];

function rank(v: TlsVersion): number {
  return TLS_VERSIONS.indexOf(v);
}

/** `TLSv1` → `TLS 1.0` (how people and testssl.sh name it). */
export function tlsVersionName(v: TlsVersion): string {
  return v === 'TLSv1' ? 'TLS 1.0' : v.replace('TLSv', 'TLS ');
}

function credentialsSent(c: ProbeCredentials): boolean {
  return c.basic || c.apiKey || c.headers;
}

function plaintext(tls: TlsObservation, creds: ProbeCredentials): Finding[] {
  if (tls.scheme === 'https') return [check(TLS_CHECKS.plaintext, true, 'the probed URL is https: credentials travel inside TLS')];
  if (!credentialsSent(creds)) return [];
  return [check(TLS_CHECKS.plaintext, false, `credentials are sent over plain http to ${tls.host}: anyone on the path can read them`, 'an https:// URL', 'http://')];
}

function versionFindings(tls: TlsObservation): Finding[] {
  const out: Finding[] = [];
  const accepted = tls.attempts.filter((a) => a.accepted).map((a) => a.version);
  const list = accepted.length === 0 ? 'none' : accepted.map(tlsVersionName).join(', ');
  if (tls.expectedMinimum !== undefined) {
    const min = tls.expectedMinimum;
    const below = tls.attempts.filter((a) => a.accepted && rank(a.version) < rank(min));
    out.push(below.length === 0
      ? check(TLS_CHECKS.minVersion, true, `no version below ${tlsVersionName(min)} completes a handshake (accepted: ${list})`)
      : check(TLS_CHECKS.minVersion, false, `${below.map((a) => tlsVersionName(a.version)).join(', ')} completed a handshake, below the expected minimum ${tlsVersionName(min)} (accepted: ${list}). Reproduce: openssl s_client -connect ${tls.host} -${below[0]!.version === 'TLSv1' ? 'tls1' : below[0]!.version.replace('TLSv1.', 'tls1_')} -cipher 'DEFAULT@SECLEVEL=0'`,
        `nothing below ${tlsVersionName(min)}`, `accepted: ${list}`));
  }
  const legacy = tls.attempts.filter((a) => a.accepted && LEGACY.includes(a.version));
  out.push(legacy.length === 0
    ? check(TLS_CHECKS.legacyVersions, true, `TLS 1.0 and 1.1 are refused (accepted: ${list})`)
    : check(TLS_CHECKS.legacyVersions, false, `${legacy.map((a) => tlsVersionName(a.version)).join(' and ')} accepted (RFC 8996 deprecates them)`, 'TLS 1.2 or later only', `accepted: ${list}`));
  return out;
}

function certificateFindings(tls: TlsObservation): Finding[] {
  const cert = tls.certificate!;
  const out: Finding[] = [];
  const problems = [
    ...(cert.chainOk ? [] : [`does not chain to the trusted CA (${cert.chainError ?? 'unverified'})`]),
    ...(cert.hostOk ? [] : [`does not name ${tls.host} (${cert.hostError ?? 'host name mismatch'})`]),
  ];
  out.push(problems.length === 0
    ? check(TLS_CHECKS.certificate, true, `the certificate (${cert.subject}, issued by ${cert.issuer}) chains to the trusted CA and names ${tls.host}`)
    : check(TLS_CHECKS.certificate, false, `the server certificate (${cert.subject}, issued by ${cert.issuer}) ${problems.join(' and ')}`, `a certificate for ${tls.host} from the trusted CA (--ca or the system store)`, problems.join('; ')));
  const now = Date.parse(tls.checkedAt);
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  const valid = Number.isFinite(from) && Number.isFinite(to) && from <= now && now <= to;
  out.push(check(TLS_CHECKS.expiry, valid,
    valid ? `the certificate is valid until ${cert.validTo}` : `the certificate is outside its validity period (${cert.validFrom} → ${cert.validTo}; now ${tls.checkedAt})`,
    'not before ≤ now ≤ not after', `${cert.validFrom} → ${cert.validTo}`));
  return out;
}

export function judgeTls(tls: TlsObservation, creds: ProbeCredentials): RuleResult {
  const findings = plaintext(tls, creds);
  if (tls.scheme === 'http') return { findings, inconclusive: [] };
  if (tls.failure !== undefined) {
    const ids = [TLS_CHECKS.legacyVersions, TLS_CHECKS.certificate, TLS_CHECKS.expiry, ...(tls.expectedMinimum ? [TLS_CHECKS.minVersion] : [])];
    return { findings, inconclusive: ids.map((id) => check(id, false, `the TLS probe could not run: ${tls.failure}`)) };
  }
  findings.push(...versionFindings(tls));
  if (tls.certificate === undefined) {
    const why = 'no TLS handshake completed with any protocol version, so there is no certificate to check';
    return { findings, inconclusive: [check(TLS_CHECKS.certificate, false, why), check(TLS_CHECKS.expiry, false, why)] };
  }
  findings.push(...certificateFindings(tls));
  return { findings, inconclusive: [] };
}

export function tlsNotApplicable(tls: TlsObservation, creds: ProbeCredentials): Map<CheckId, string> {
  const out = new Map<CheckId, string>();
  if (tls.scheme === 'http') {
    for (const id of [TLS_CHECKS.minVersion, TLS_CHECKS.legacyVersions, TLS_CHECKS.certificate, TLS_CHECKS.expiry]) out.set(id, 'the probed URL is http: there is no TLS to check');
    if (!credentialsSent(creds)) out.set(TLS_CHECKS.plaintext, 'no credentials were given, so none travel in plain text');
  } else if (tls.expectedMinimum === undefined) {
    out.set(TLS_CHECKS.minVersion, 'no --expect-tls was given');
  }
  return out;
}
