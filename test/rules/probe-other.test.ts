/** The mTLS, CORS and drift rules of `oac probe`. */
import { describe, expect, test } from '@jest/globals';
import { CORS_CHECKS, judgeCors } from '../../src/rules/probe/cors.js';
import { DRIFT_CHECKS, driftNotApplicable, judgeDrift } from '../../src/rules/probe/drift.js';
import { judgeMtls, MTLS_CHECKS, mtlsNotApplicable } from '../../src/rules/probe/mtls.js';
import type { CorsAttempt, DriftObservation } from '../../src/rules/probe/observations.js';
import { exchange } from './probe-fixtures.js';

describe('mTLS', () => {
  const handshakeRefused = { kind: 'tls-refused' as const, message: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' };
  test('both refused: pass', () => {
    const r = judgeMtls({
      withoutCertificate: exchange({ family: 'valid', reach: 'refused', outcome: handshakeRefused }),
      foreignCertificate: exchange({ family: 'valid', reach: 'refused' }),
    });
    expect(r.findings).toEqual([
      { id: MTLS_CHECKS.noClientCert, ok: true, message: 'GET /api/tags with the right credentials but no client certificate was refused: tls-refused: ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' },
      { id: MTLS_CHECKS.foreignClientCert, ok: true, message: 'GET /api/tags with the right credentials and a client certificate from another CA was refused: 401 <html>401 Authorization Required</html>' },
    ]);
  });
  test('optional client certificates (no certificate reaches Ollama): fail', () => {
    const r = judgeMtls({ withoutCertificate: exchange({ family: 'valid', reach: 'ollama' }), foreignCertificate: exchange({ family: 'valid', reach: 'refused' }) });
    expect(r.findings[0]).toEqual({
      id: MTLS_CHECKS.noClientCert, ok: false,
      message: 'GET /api/tags with the right credentials but no client certificate reached Ollama: 200 {"models":[]}',
      expected: "refused (handshake failure or the proxy's 400/401/403)",
      actual: 'Ollama\'s own answer to this request: 200 matching ^\\{"models":\\[.*\\]\\}$',
    });
  });
  test('any certificate accepted: the foreign one fails', () => {
    const r = judgeMtls({ withoutCertificate: exchange({ family: 'valid', reach: 'refused' }), foreignCertificate: exchange({ family: 'valid', reach: 'ollama' }) });
    expect(r.findings.map((f) => [f.id, f.ok])).toEqual([[MTLS_CHECKS.noClientCert, true], [MTLS_CHECKS.foreignClientCert, false]]);
  });
  test('not applicable without --cert, or over http', () => {
    expect(mtlsNotApplicable({ basic: true, apiKey: false, headers: false, clientCert: false }, 'https').get(MTLS_CHECKS.noClientCert))
      .toBe('no --cert/--key was given: the probe does not know that client certificates are required');
    expect(mtlsNotApplicable({ basic: false, apiKey: false, headers: false, clientCert: true }, 'https').size).toBe(0);
  });
});

describe('CORS (SHOULD)', () => {
  const origin = 'https://oac-probe.invalid';
  const attempt = (allowOrigin: string | undefined, allowCredentials: string | undefined, kind: CorsAttempt['kind'] = 'preflight'): CorsAttempt => ({
    kind, origin, exchange: exchange({ method: 'OPTIONS', reach: 'refused' }),
    ...(allowOrigin !== undefined ? { allowOrigin } : {}), ...(allowCredentials !== undefined ? { allowCredentials } : {}),
  });
  test.each<[string, string | undefined, string | undefined, boolean]>([
    ['the origin reflected with credentials', origin, 'true', false],
    ['* with credentials', '*', 'true', false],
    ['credentials in another case', origin, 'TRUE', false],
    ['the origin without credentials', origin, undefined, true],
    ['nothing at all', undefined, undefined, true],
    ['another origin with credentials', 'https://app.example.org', 'true', true],
  ])('%s', (_name, allowOrigin, allowCredentials, ok) => {
    const r = judgeCors({ attempts: [attempt(allowOrigin, allowCredentials)] });
    expect(r.findings.map((f) => f.ok)).toEqual([ok]);
  });
  test('the failure message names the request and the headers', () => {
    expect(judgeCors({ attempts: [attempt(origin, 'true')] }).findings[0]!.message).toBe(
      "a preflight (OPTIONS) to /api/tags from Origin https://oac-probe.invalid is granted credentialed access (Access-Control-Allow-Origin: https://oac-probe.invalid, Access-Control-Allow-Credentials: true): any web page can call this API with the visitor's credentials",
    );
  });
  test('no answer: inconclusive', () => {
    const a: CorsAttempt = { kind: 'simple', origin, exchange: exchange({ reach: 'unknown' }) };
    expect(judgeCors({ attempts: [a] }).inconclusive.map((f) => f.id)).toEqual([CORS_CHECKS.foreignOrigin]);
  });
});

describe('drift', () => {
  const base: DriftObservation = { recording: 'before.har', recordedAt: '2026-05-01T00:00:00.000Z', pairs: [], unmatched: 0 };
  test('refused then, reaches Ollama now: fail', () => {
    const r = judgeDrift({ ...base, pairs: [{ key: 'GET /api/tags canonical none', before: 'refused', now: exchange({ reach: 'ollama' }) }] });
    expect(r.findings).toEqual([{
      id: DRIFT_CHECKS.newlyOpen, ok: false,
      message: 'GET /api/tags (no credentials) was refused in the recording of 2026-05-01T00:00:00.000Z and reaches Ollama now: 200 {"models":[]}',
      expected: 'refused, as in the recording',
      actual: 'Ollama\'s own answer to this request: 200 matching ^\\{"models":\\[.*\\]\\}$',
    }]);
  });
  test('still refused: pass; open then and now: not drift', () => {
    const r = judgeDrift({ ...base, pairs: [
      { key: 'a', before: 'refused', now: exchange({ reach: 'refused' }) },
      { key: 'b', before: 'ollama', now: exchange({ reach: 'ollama' }) },
    ] });
    expect(r.findings.map((f) => [f.ok, f.message])).toEqual([[true, 'GET /api/tags (no credentials) is still refused']]);
  });
  test('without --drift, or with nothing refused to compare: skip with the reason', () => {
    expect(driftNotApplicable(undefined).get(DRIFT_CHECKS.newlyOpen)).toBe('no --drift FILE was given');
    expect(driftNotApplicable({ ...base, pairs: [{ key: 'b', before: 'ollama', now: exchange({ reach: 'ollama' }) }] }).get(DRIFT_CHECKS.newlyOpen))
      .toBe('the recording before.har has no refused request that this run repeated');
  });
});
