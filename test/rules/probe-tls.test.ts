/** The TLS rules of `oac probe`: versions, certificate chain and host, expiry, plain http. */
import { describe, expect, test } from '@jest/globals';
import type { ProbeCredentials, ServerCertificate, TlsObservation, TlsVersion } from '../../src/rules/probe/observations.js';
import { judgeTls, TLS_CHECKS, tlsNotApplicable } from '../../src/rules/probe/tls.js';

const BASIC: ProbeCredentials = { basic: true, apiKey: false, headers: false, clientCert: false };
const NONE: ProbeCredentials = { basic: false, apiKey: false, headers: false, clientCert: false };

const GOOD_CERT: ServerCertificate = {
  subject: 'CN=localhost', issuer: 'CN=oac test server CA', validFrom: '2026-01-01T00:00:00.000Z', validTo: '2026-12-31T00:00:00.000Z', chainOk: true, hostOk: true,
};

function observation(accepted: TlsVersion[], overrides: Partial<TlsObservation> = {}): TlsObservation {
  return {
    scheme: 'https',
    host: '127.0.0.1:8443',
    attempts: (['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const).map((version) => ({ version, accepted: accepted.includes(version), detail: accepted.includes(version) ? version : 'alert protocol version' })),
    certificate: GOOD_CERT,
    checkedAt: '2026-06-01T00:00:00.000Z',
    ...overrides,
  };
}

function verdictOf(o: TlsObservation, id: string, creds = BASIC): { ok: boolean; message: string } | 'inconclusive' | undefined {
  const r = judgeTls(o, creds);
  if (r.inconclusive.some((f) => f.id === id)) return 'inconclusive';
  const f = r.findings.find((x) => x.id === id);
  return f && { ok: f.ok, message: f.message };
}

describe('protocol versions', () => {
  test('--expect-tls 1.3 with TLS 1.2 accepted: a MUST failure naming the version and how to reproduce', () => {
    expect(verdictOf(observation(['TLSv1.2', 'TLSv1.3'], { expectedMinimum: 'TLSv1.3' }), TLS_CHECKS.minVersion)).toEqual({
      ok: false,
      message: "TLS 1.2 completed a handshake, below the expected minimum TLS 1.3 (accepted: TLS 1.2, TLS 1.3). Reproduce: openssl s_client -connect 127.0.0.1:8443 -tls1_2 -cipher 'DEFAULT@SECLEVEL=0'",
    });
  });
  test('--expect-tls 1.2 with only 1.2 and 1.3: pass', () => {
    expect(verdictOf(observation(['TLSv1.2', 'TLSv1.3'], { expectedMinimum: 'TLSv1.2' }), TLS_CHECKS.minVersion)).toEqual({
      ok: true, message: 'no version below TLS 1.2 completes a handshake (accepted: TLS 1.2, TLS 1.3)',
    });
  });
  test('no --expect-tls: min-version is not judged, and says why', () => {
    expect(verdictOf(observation(['TLSv1.3']), TLS_CHECKS.minVersion)).toBeUndefined();
    expect(tlsNotApplicable(observation(['TLSv1.3']), BASIC).get(TLS_CHECKS.minVersion)).toBe('no --expect-tls was given');
  });
  test('TLS 1.0 and 1.1 accepted: the legacy SHOULD fails naming both', () => {
    expect(verdictOf(observation(['TLSv1', 'TLSv1.1', 'TLSv1.2']), TLS_CHECKS.legacyVersions)).toEqual({ ok: false, message: 'TLS 1.0 and TLS 1.1 accepted (RFC 8996 deprecates them)' });
  });
  test('TLS 1.0 accepted with --expect-tls 1.2: min-version names the openssl flag for TLS 1.0', () => {
    const v = verdictOf(observation(['TLSv1', 'TLSv1.2'], { expectedMinimum: 'TLSv1.2' }), TLS_CHECKS.minVersion);
    expect(v).toEqual({ ok: false, message: expect.stringContaining('-tls1 -cipher') });
  });
});

describe('certificate', () => {
  test('chain and host right: pass', () => {
    expect(verdictOf(observation(['TLSv1.3']), TLS_CHECKS.certificate)).toEqual({ ok: true, message: 'the certificate (CN=localhost, issued by CN=oac test server CA) chains to the trusted CA and names 127.0.0.1:8443' });
  });
  test('wrong host: fail with the host error', () => {
    const o = observation(['TLSv1.3'], { certificate: { ...GOOD_CERT, subject: 'CN=ollama.example.org', hostOk: false, hostError: "Hostname/IP does not match certificate's altnames" } });
    expect(verdictOf(o, TLS_CHECKS.certificate)).toEqual({
      ok: false,
      message: "the server certificate (CN=ollama.example.org, issued by CN=oac test server CA) does not name 127.0.0.1:8443 (Hostname/IP does not match certificate's altnames)",
    });
  });
  test('untrusted chain: fail with the verification error', () => {
    const o = observation(['TLSv1.3'], { certificate: { ...GOOD_CERT, chainOk: false, chainError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' } });
    expect(verdictOf(o, TLS_CHECKS.certificate)).toEqual({ ok: false, message: 'the server certificate (CN=localhost, issued by CN=oac test server CA) does not chain to the trusted CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE)' });
  });
  test('expired: the expiry MUST fails with the dates', () => {
    const o = observation(['TLSv1.3'], { certificate: { ...GOOD_CERT, validFrom: '2020-01-01T00:00:00.000Z', validTo: '2020-02-01T00:00:00.000Z' } });
    expect(verdictOf(o, TLS_CHECKS.expiry)).toEqual({ ok: false, message: 'the certificate is outside its validity period (2020-01-01T00:00:00.000Z → 2020-02-01T00:00:00.000Z; now 2026-06-01T00:00:00.000Z)' });
  });
  test('within its validity: pass', () => {
    expect(verdictOf(observation(['TLSv1.3']), TLS_CHECKS.expiry)).toEqual({ ok: true, message: 'the certificate is valid until 2026-12-31T00:00:00.000Z' });
  });
  test('no handshake at all: certificate and expiry cannot be decided', () => {
    const o = observation([], { certificate: undefined });
    delete o.certificate;
    expect(verdictOf(o, TLS_CHECKS.certificate)).toBe('inconclusive');
    expect(verdictOf(o, TLS_CHECKS.expiry)).toBe('inconclusive');
  });
  test('the target unreachable: every TLS check is undecidable', () => {
    const o = observation([], { failure: 'cannot connect to 127.0.0.1:8443: ECONNREFUSED' });
    expect(judgeTls(o, BASIC).inconclusive.map((f) => f.id)).toEqual([TLS_CHECKS.legacyVersions, TLS_CHECKS.certificate, TLS_CHECKS.expiry]);
  });
});

describe('plain http', () => {
  const http: TlsObservation = { scheme: 'http', host: '127.0.0.1:8080', attempts: [], checkedAt: '2026-06-01T00:00:00.000Z' };
  test('credentials over http: the SHOULD fails', () => {
    expect(verdictOf(http, TLS_CHECKS.plaintext)).toEqual({ ok: false, message: 'credentials are sent over plain http to 127.0.0.1:8080: anyone on the path can read them' });
  });
  test('https: pass', () => {
    expect(verdictOf(observation(['TLSv1.3']), TLS_CHECKS.plaintext)).toEqual({ ok: true, message: 'the probed URL is https: credentials travel inside TLS' });
  });
  test('http without credentials: nothing to protect, and every TLS check says why it is skipped', () => {
    expect(verdictOf(http, TLS_CHECKS.plaintext, NONE)).toBeUndefined();
    expect(Object.fromEntries(tlsNotApplicable(http, NONE))).toEqual({
      [TLS_CHECKS.minVersion]: 'the probed URL is http: there is no TLS to check',
      [TLS_CHECKS.legacyVersions]: 'the probed URL is http: there is no TLS to check',
      [TLS_CHECKS.certificate]: 'the probed URL is http: there is no TLS to check',
      [TLS_CHECKS.expiry]: 'the probed URL is http: there is no TLS to check',
      [TLS_CHECKS.plaintext]: 'no credentials were given, so none travel in plain text',
    });
  });
});
