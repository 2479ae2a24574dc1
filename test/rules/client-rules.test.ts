/** The client rules (src/rules/client): observations in, findings out, with the exact words a user reads. */
import { describe, expect, test } from '@jest/globals';
import type { Finding } from '../../src/rules/findings.js';
import { apiKeyFinding, apiKeyFlowFindings } from '../../src/rules/client/apikey.js';
import { basicFinding, basicFlowFindings } from '../../src/rules/client/basic.js';
import { freshTsFinding, knownKeyFinding, schemeWordSupersedes, signWhenSupersedes } from '../../src/rules/client/direct.js';
import { badKeyRequestFinding } from '../../src/rules/client/keys.js';
import { leakFindings } from '../../src/rules/client/leaks.js';
import { outcomeViolations, type ProcessOutcome } from '../../src/rules/client/outcome.js';
import { provokedChecks } from '../../src/rules/client/provoked.js';
import { clientRequestFindings, type RequestObservation } from '../../src/rules/client/request.js';
import { checkTimestamp } from '../../src/rules/client/signature.js';
import { downgradeSupersedes } from '../../src/rules/client/tls.js';
import { sameHostSupersedes, tokenUrlFindings } from '../../src/rules/client/token-url.js';

const KEY_FIELD = `AAAAC3NzaC1lZDI1NTE5AAAAI${'A'.repeat(43)}`;
const signed = `${KEY_FIELD}:${'B'.repeat(86)}==`;
const scenario = (action: string, client: { key?: string; apiKey?: string; credentials?: string } = {}, ops: string[] = []) =>
  ({ action, client: { key: 'present', ...client }, mutation: ops.map((op) => ({ op })) });
const pass = (id: string): Finding => ({ id, ok: true, message: `${id} holds` } as Finding);

describe('keys and the Authorization form', () => {
  test('a client given an unusable key file must not send a signed request', () => {
    expect(badKeyRequestFinding('corrupt', signed)).toEqual({
      id: 'keys/bad-key-no-request', ok: false,
      message: 'the key file is corrupt, yet the client sent a signed request',
      expected: 'no signed request (fail before any I/O)', actual: '<68 chars>:<88 chars>',
    });
  });
  test('a usable key, or no credential, is not judged by this rule', () => {
    expect(badKeyRequestFinding('present', signed)).toBeUndefined();
    expect(badKeyRequestFinding('missing', undefined)).toBeUndefined();
  });
});

describe('direct requests', () => {
  test('the same signature twice breaks fresh-ts; a new one passes', () => {
    expect(freshTsFinding(true)).toEqual({ id: 'direct/fresh-ts', ok: false, message: 'Each signed request carries its own ts (and so its own signature).', expected: 'a new ts per request', actual: 'the same ts and signature as an earlier request' });
    expect(freshTsFinding(false)).toEqual({ id: 'direct/fresh-ts', ok: true, message: 'Each signed request carries its own ts (and so its own signature).' });
  });
  test('a scheme word other than Bearer supersedes the key-field and signature verdicts', () => {
    const findings = [{ id: 'keys/pubkey-field', ok: false, message: 'x' }, { id: 'direct/signature', ok: false, message: 'y' }, pass('direct/ts-in-url')] as Finding[];
    const out = schemeWordSupersedes(findings, `Signature ${signed}`);
    expect(out.map((f) => f.id)).toEqual(['direct/ts-in-url', 'direct/header-form']);
    expect(out[1]!.message).toBe('Authorization starts with the scheme word "Signature": a direct request sends "<A>:<B>" or "Bearer <A>:<B>"');
    expect(schemeWordSupersedes(findings, `Bearer ${signed}`)).toBe(findings);
  });
  test('sign-when supersedes what the verifier says about a missing signature, keeping its passes', () => {
    const out = signWhenSupersedes([pass('direct/known-key'), { id: 'direct/ts-in-url', ok: false, message: 'no ts' } as Finding]);
    expect(out).toEqual([
      { id: 'direct/sign-when', ok: false, message: 'OLLAMA_AUTH=1 was set, but the request carries no signature', expected: 'Authorization: <pubkey>:<signature>', actual: '(none)' },
      pass('direct/known-key'),
    ]);
  });
  test('an unknown key is named, and why', () => {
    const policy = { tsWindowSeconds: 60, authorizedKeys: new Set(['other']), faults: { staleTs: false, unknownKey: false }, nowSeconds: () => 0 };
    expect(knownKeyFinding(policy, KEY_FIELD)).toMatchObject({ id: 'direct/known-key', ok: false, message: "the key is not in this server's authorized keys: register the public key (ollama.com/settings/keys) or use the key that is" });
  });
  test('a ts outside the window says by how much and in which direction', () => {
    expect(checkTimestamp('direct/ts-window', '1000', 5000, 600)).toEqual({ id: 'direct/ts-window', ok: false, message: 'ts is 4000s behind the server clock, outside the ±600s window', expected: '|ts - 5000| <= 600', actual: 'ts=1000 (skew -4000s)' });
  });
});

describe('API keys and Basic', () => {
  test('an empty Bearer is its own rule; a wrong key is apikey/bearer', () => {
    expect(apiKeyFinding('', false)).toMatchObject({ id: 'apikey/no-empty-bearer', message: 'Authorization is "Bearer " with nothing after it: an unset API key must not be sent' });
    expect(apiKeyFinding('abc', false)).toEqual({ id: 'apikey/bearer', ok: false, message: 'the API key is not one this server accepts (revoked, mistyped, or meant for another host)', expected: 'Bearer <a configured API key>', actual: 'Bearer <3 chars>' });
    expect(apiKeyFinding('abc', true)).toEqual({ id: 'apikey/bearer', ok: true, message: 'API key accepted' });
  });
  test('in the API-key flow, a signature instead of the key is judged by the API-key rule', () => {
    expect(apiKeyFlowFindings('granted', signed)).toEqual([expect.objectContaining({ id: 'apikey/bearer', message: 'OLLAMA_API_KEY was set but not sent as "Authorization: Bearer <key>"' })]);
    expect(apiKeyFlowFindings('absent', undefined)).toEqual([]);
    expect(apiKeyFlowFindings('granted', 'Bearer key')).toBeUndefined();
  });
  test('in the Basic flow, no Basic credentials break userinfo and credentials', () => {
    expect(basicFlowFindings('valid', undefined)!.map((f) => [f.id, f.message])).toEqual([
      ['basic/userinfo', 'the user:pass in the URL did not become Basic credentials'],
      ['basic/credentials', 'no Basic credentials were sent to a server that requires them'],
    ]);
    expect(basicFinding({ configured: true, hasColon: true, user: 'alice', accepted: false })).toMatchObject({ ok: false, actual: 'user "alice"' });
  });
});

describe('supersession on the registry and over TLS', () => {
  test('same-host supersedes the token-request signature', () => {
    const out = sameHostSupersedes([{ id: 'registry/token-request/signature', ok: false, message: 'x' } as Finding], 'registry/token-request/signature', 'localhost:1', '127.0.0.1:1');
    expect(out).toEqual([{ id: 'registry/realm/same-host', ok: false, message: 'the client sent its signed token request to host "localhost:1", not the resource host "127.0.0.1:1"', expected: 'host 127.0.0.1:1', actual: 'host localhost:1' }]);
  });
  test('a downgrade supersedes every other failure of the request', () => {
    const out = downgradeSupersedes([pass('direct/known-key'), { id: 'direct/fresh-ts', ok: false, message: 'x' } as Finding], 'api');
    expect(out.map((f) => [f.id, f.ok])).toEqual([['direct/known-key', true], ['tls/no-downgrade', false]]);
    expect(out[1]!.message).toBe('a api request carrying credentials came over plain http to a server the client reached over https');
    expect(downgradeSupersedes([], 'token')[0]!.id).toBe('registry/realm/no-downgrade');
  });
  test('a token URL with its keys out of order is told so, and which order is right', () => {
    const findings = tokenUrlFindings(`http://h/v2/token?ts=1&service=h&scope=s&nonce=${'A'.repeat(22)}`, { realm: 'http://h/v2/token', service: 'h' });
    expect(findings.find((f) => f.id === 'registry/token-url/sorted-query')).toEqual({ id: 'registry/token-url/sorted-query', ok: false, message: 'Query keys are sorted ascending, as url.Values.Encode() sorts them.', expected: 'nonce,scope,service,ts', actual: 'ts,service,scope,nonce' });
    expect(tokenUrlFindings('http://h/v2/token?%zz', { realm: 'http://h/v2/token' }).find((f) => !f.ok)?.id).toBeDefined();
  });
});

describe('one request through the conformance rules', () => {
  const base: RequestObservation = { role: 'api', authorization: undefined, emulatorFindings: [], afterOurRedirect: false, lastChallenge: undefined, receivedUrl: 'http://127.0.0.1:1/api/tags', hostHeader: '127.0.0.1:1', resourceHost: '127.0.0.1:1', repeatedAuthorization: false, overPlainHttp: false };
  test('an unsigned cloud request breaks sign-when', () => {
    expect(clientRequestFindings(scenario('cloud-tags'), base).map((f) => f.id)).toEqual(['direct/sign-when']);
  });
  test('a request after our own redirect without a credential is not judged', () => {
    expect(clientRequestFindings(scenario('cloud-tags'), { ...base, afterOurRedirect: true })).toEqual([]);
  });
  test('a retried resource request without the Bearer scheme breaks bearer-once', () => {
    const out = clientRequestFindings(scenario('registry-manifest'), { ...base, role: 'resource', authorization: 'Token abc' });
    expect(out).toEqual([{ id: 'registry/retry/bearer-once', ok: false, message: 'the retry carries its credential without the "Bearer" scheme', expected: 'Authorization: Bearer <token>', actual: '<5 chars> <3 chars>' }]);
  });
});

describe('credentials on another host', () => {
  test.each([
    ['registry-manifest', [], `Bearer ${signed}`, '/v2/token?x', 'registry/realm/same-host', 'the client sent its signed Authorization to another host'],
    ['registry-manifest', ['redirect'], signed, '/v2/token?x', 'registry/token/no-cross-host', 'the client sent its signed Authorization to another host'],
    ['cloud-tags', [], signed, '/api/tags', 'direct/signature', 'the client sent its signed Authorization to another host'],
    ['basic-tags', [], `Basic ${Buffer.from('u:p').toString('base64')}`, '/api/tags', 'basic/no-cross-host', 'the client sent its Basic credentials to another host'],
    ['apikey-tags', [], 'Bearer key', '/api/tags', 'apikey/origin-scoped', 'the client sent its bearer credential to another host'],
  ])('a credential sent to another host in %s (mutation %j) breaks the rule of its kind', (action, ops, authorization, target, id, message) => {
    expect(leakFindings(scenario(action, {}, ops as string[]), authorization, target)).toEqual([{ id, ok: false, message, expected: 'no credential sent to another host', actual: expect.stringMatching(/^Authorization: /) }]);
  });
  test('no credential, no leak', () => {
    expect(leakFindings(scenario('cloud-tags'), undefined, '/api/tags')).toEqual([]);
  });
});

describe('what the process did', () => {
  const process = (p: Partial<ProcessOutcome>): ProcessOutcome => ({ exitCode: 1, signal: null, stdout: '', stderr: 'Error: 401', errorLine: 'Error: 401', ...p });
  const failure = { action: 'registry-manifest', expect: { outcome: 'failure' as const, error: { status: 401, signinUrl: true } } };
  test('a failure that does not surface', () => {
    expect(outcomeViolations(failure, process({ exitCode: 0, stdout: 'ok' }), [])).toEqual([{ kind: 'outcome', message: 'the client exited 0 after a failed handshake: the failure did not surface', expected: 'a non-zero exit with an error on stderr', actual: 'exit 0, stdout "ok"' }]);
  });
  test('a hidden signin_url belongs to errors/signin-url', () => {
    expect(outcomeViolations(failure, process({}), [])).toEqual([{ kind: 'outcome', check: 'errors/signin-url', message: 'the error hides the signin_url the server sent', expected: 'the signin_url (…/connect?name=…&key=…) in the error', actual: 'Error: 401' }]);
  });
  test('a shell exit code 139 is a crash by SIGSEGV', () => {
    expect(outcomeViolations(failure, process({ exitCode: 139 }), [])[0]).toMatchObject({ kind: 'crash', message: 'the client crashed (SIGSEGV) instead of failing with an error' });
  });
  test('request counts out of bounds are said in words', () => {
    const withBound = { action: 'registry-manifest', expect: { outcome: 'failure' as const, requests: { tokenRequests: { max: 1 } } } };
    const seen = [1, 2].map(() => ({ listener: 'main' as const, role: 'token' as const, method: 'GET', status: 401 }));
    expect(outcomeViolations(withBound, process({}), seen)).toEqual([{ kind: 'requests', message: 'the client sent 2 token request(s), more than a correct client sends (at most 1)', expected: 'at most 1 token request(s)', actual: '2 token request(s)' }]);
  });
});

describe('findings a scenario provokes on purpose', () => {
  test('a shifted clock, an unregistered key, a revoked API key and wrong Basic credentials', () => {
    expect([...provokedChecks(scenario('registry-manifest', { key: 'unregistered', apiKey: 'revoked', credentials: 'wrong' }, ['set-clock']))].sort()).toEqual(
      ['apikey/bearer', 'basic/credentials', 'direct/known-key', 'direct/ts-window', 'registry/token-request/ts-window']);
    expect(provokedChecks(scenario('cloud-tags')).size).toBe(0);
  });
});
