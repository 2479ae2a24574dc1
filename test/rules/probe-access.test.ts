/**
 * The access and disclosure rules of `oac probe`: each fails on the observation that breaks it and
 * passes otherwise, with the exact message a user reads.
 */
import { describe, expect, test } from '@jest/globals';
import { ACCESS_CHECKS, accessCheckOf, accessNotApplicable, judgeAccess } from '../../src/rules/probe/access.js';
import { judgeDisclosure } from '../../src/rules/probe/disclosure.js';
import type { ExchangePurpose, ProbeExchange } from '../../src/rules/probe/observations.js';
import { exchange } from './probe-fixtures.js';

describe('which check an exchange speaks for', () => {
  test.each<[string, Partial<ProbeExchange> & { family?: 'none' | 'valid' | 'wrong' | 'malformed' | 'key-variant' }, string | undefined]>([
    ['no credentials, a registered method', { family: 'none' }, ACCESS_CHECKS.noCredentials],
    ['no credentials, the stand-in for a method never sent', { family: 'none', purpose: 'stand-in' }, ACCESS_CHECKS.noCredentials],
    ['no credentials, another method', { family: 'none', purpose: 'unregistered-method', method: 'PUT' }, ACCESS_CHECKS.methods],
    ['no credentials, another spelling', { family: 'none', purpose: 'path-spelling', spelling: 'percent-encoded-letter', target: '/%61pi/tags' }, ACCESS_CHECKS.pathSpelling],
    ['a wrong password', { family: 'wrong' }, ACCESS_CHECKS.wrongCredentials],
    ['a malformed Authorization', { family: 'malformed' }, ACCESS_CHECKS.malformedAuthorization],
    ['a key variant', { family: 'key-variant' }, ACCESS_CHECKS.keyVariants],
    ['the right credentials', { family: 'valid' }, ACCESS_CHECKS.validCredentials],
    ['the right credentials on the stand-in', { family: 'valid', purpose: 'stand-in' as ExchangePurpose }, ACCESS_CHECKS.validCredentials],
    ['the right credentials on another spelling (not sent by the plan)', { family: 'valid', spelling: 'query-string' }, undefined],
    ['a version-disclosing route (judged as disclosure)', { family: 'none', versionDisclosing: true }, undefined],
  ])('%s', (_name, overrides, id) => {
    expect(accessCheckOf(exchange(overrides))).toBe(id);
  });
});

describe('requests that must be refused', () => {
  test('refused before Ollama: a pass naming what answered', () => {
    expect(judgeAccess(exchange({ family: 'wrong', reach: 'refused' }))).toEqual({
      findings: [{ id: ACCESS_CHECKS.wrongCredentials, ok: true, message: 'GET /api/tags (a wrong password) was refused before Ollama: 401 <html>401 Authorization Required</html>' }],
      inconclusive: [],
    });
  });

  test('reached Ollama: a failure naming route, method, variant and what came back', () => {
    expect(judgeAccess(exchange({ family: 'none', reach: 'ollama' }))).toEqual({
      findings: [{
        id: ACCESS_CHECKS.noCredentials,
        ok: false,
        message: 'GET /api/tags (no credentials) reached Ollama: 200 {"models":[]}',
        expected: 'refused before it reaches Ollama (the proxy answers 401/403 or closes the connection)',
        actual: 'Ollama\'s own answer to this request: 200 matching ^\\{"models":\\[.*\\]\\}$',
      }],
      inconclusive: [],
    });
  });

  test('a spelling names the target it was sent as', () => {
    const r = judgeAccess(exchange({ family: 'none', reach: 'ollama', purpose: 'path-spelling', spelling: 'percent-encoded-letter', target: '/%61pi/tags' }));
    expect(r.findings[0]!.message).toBe('GET /api/tags (no credentials, spelled /%61pi/tags) reached Ollama: 200 {"models":[]}');
  });

  test('the stand-in says why the registered method was not sent', () => {
    const r = judgeAccess(exchange({ route: '/api/me', method: 'GET', target: '/api/me', family: 'none', reach: 'ollama', purpose: 'stand-in', outcome: { kind: 'response', status: 405, headers: {}, bodySnippet: '405 method not allowed' } }));
    expect(r.findings[0]!.message).toBe('GET /api/me (no credentials, in place of the registered method, which the probe never sends) reached Ollama: 405 405 method not allowed');
  });

  test('undecidable (a timeout): inconclusive, so the verdict is error, not a pass', () => {
    expect(judgeAccess(exchange({ family: 'malformed', reach: 'unknown' }))).toEqual({
      findings: [],
      inconclusive: [{ id: ACCESS_CHECKS.malformedAuthorization, ok: false, message: 'GET /api/tags (a garbage Authorization header): cannot tell whether it reached Ollama (timeout: no answer within 5000 ms)' }],
    });
  });
});

describe('the right credentials', () => {
  test('reaching Ollama passes', () => {
    expect(judgeAccess(exchange({ family: 'valid', reach: 'ollama' }))).toEqual({
      findings: [{ id: ACCESS_CHECKS.validCredentials, ok: true, message: 'GET /api/tags (the right credentials) reached Ollama: 200 {"models":[]}' }],
      inconclusive: [],
    });
  });

  test.each(['refused', 'unknown'] as const)('%s: the probe\'s own input is wrong (inconclusive → error)', (reach) => {
    const r = judgeAccess(exchange({ family: 'valid', reach }));
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toHaveLength(1);
    expect(r.inconclusive[0]!.message).toMatch(/^the credentials given to the probe did not reach Ollama: GET \/api\/tags \(the right credentials\) → .*; check --basic\/--api-key\/--header\/--cert and the proxy's upstream$/);
  });
});

describe('which access checks apply', () => {
  test('no credentials: only what needs none', () => {
    expect([...accessNotApplicable({ basic: false, apiKey: false, headers: false, clientCert: false }).keys()]).toEqual([
      ACCESS_CHECKS.validCredentials, ACCESS_CHECKS.wrongCredentials, ACCESS_CHECKS.malformedAuthorization, ACCESS_CHECKS.keyVariants,
    ]);
  });
  test('Basic: key variants do not apply', () => {
    expect(accessNotApplicable({ basic: true, apiKey: false, headers: false, clientCert: false })).toEqual(new Map([[ACCESS_CHECKS.keyVariants, 'no --api-key was given']]));
  });
  test('an API key: everything applies', () => {
    expect(accessNotApplicable({ basic: false, apiKey: true, headers: false, clientCert: false }).size).toBe(0);
  });
  test('a client certificate alone: wrong and malformed credentials do not apply', () => {
    expect([...accessNotApplicable({ basic: false, apiKey: false, headers: false, clientCert: true }).keys()]).toEqual([
      ACCESS_CHECKS.wrongCredentials, ACCESS_CHECKS.malformedAuthorization, ACCESS_CHECKS.keyVariants,
    ]);
  });
});

describe('version disclosure (SHOULD)', () => {
  const version = { route: '/api/version', target: '/api/version', versionDisclosing: true } as const;
  test('an anonymous answer from Ollama fails', () => {
    expect(judgeDisclosure(exchange({ ...version, reach: 'ollama', outcome: { kind: 'response', status: 200, headers: {}, bodySnippet: '{"version":"0.12.6"}' } }))).toEqual({
      findings: [{
        id: 'probe/disclosure/version',
        ok: false,
        message: 'GET /api/version (no credentials) answers without credentials and discloses Ollama: 200 {"version":"0.12.6"}',
        expected: 'refused without credentials',
        actual: 'Ollama\'s own answer to this request: 200 matching ^\\{"models":\\[.*\\]\\}$',
      }],
      inconclusive: [],
    });
  });
  test('refused passes', () => {
    expect(judgeDisclosure(exchange({ ...version, reach: 'refused' })).findings).toEqual([
      { id: 'probe/disclosure/version', ok: true, message: 'GET /api/version (no credentials) was refused before Ollama: 401 <html>401 Authorization Required</html>' },
    ]);
  });
  test('requests with credentials, and other routes, are not its business', () => {
    expect(judgeDisclosure(exchange({ ...version, family: 'valid', reach: 'ollama' }))).toEqual({ findings: [], inconclusive: [] });
    expect(judgeDisclosure(exchange({ reach: 'ollama' }))).toEqual({ findings: [], inconclusive: [] });
  });
});
