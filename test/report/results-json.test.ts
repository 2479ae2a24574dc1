/**
 * results.json: valid against the published schema for a run with every verdict kind (checked again
 * here with a separate validate call, not only by the renderer's own assertion), with the counts, the
 * outcomes and the evidence a reader needs, and no planted secret.
 */
import { describe, expect, test } from '@jest/globals';
import { HarnessError, OacError } from '../../src/errors.js';
import { renderResultsJson, toResultsJson } from '../../src/report/results-json.js';
import { validate } from '../../src/specs/validate.js';
import { EXPECTED, NASTY, run, SECRETS } from './fixture.js';

type Doc = {
  summary: Record<string, number | boolean>;
  config: Record<string, unknown> & { redacted: string[] };
  client: Record<string, unknown>;
  scenarios: Array<{
    id: string;
    observedOutcome: string;
    exitCode?: number | null;
    stdout?: string;
    stderr?: string;
    verdicts: Array<{ check: string; verdict: string; message: string; reproduce?: string; evidence?: number[]; actual?: string }>;
    exchanges: Array<{ request: { url: string; headers: Record<string, string> }; response: { status: number; headers: Record<string, string> }; listener: string }>;
  }>;
};

function thrown(fn: () => unknown): OacError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OacError) return err;
    throw err;
  }
  throw new Error('expected an OacError');
}

describe('toResultsJson', () => {
  const doc = toResultsJson(run()) as unknown as Doc;

  test('validates against results.schema.json and holds every verdict kind', () => {
    expect(validate('results', doc)).toEqual({ ok: true, errors: [] });
    const kinds = new Set(doc.scenarios.flatMap((s) => s.verdicts.map((v) => v.verdict)));
    expect([...kinds].sort()).toEqual(['error', 'fail', 'non-strict', 'pass', 'skip']);
  });

  test('summary counts every verdict; a baseline failure is counted but the run still fails on the others', () => {
    expect(doc.summary).toEqual({
      total: 12, pass: EXPECTED.pass, fail: EXPECTED.fail, 'non-strict': EXPECTED.nonStrict, skip: EXPECTED.skip, error: EXPECTED.error,
      scenarios: EXPECTED.scenarios, ok: false,
    });
  });

  test('ok: only baseline failures and non-strict → true; with --strict the non-strict one fails the run', () => {
    const base = run();
    const lenient = base.scenarios.filter((s) => ['registry/golden', 'direct/skew', 'basic/golden', 'tls/custom-ca'].includes(s.id));
    expect((toResultsJson(run({ scenarios: lenient })) as unknown as Doc).summary['ok']).toBe(true);
    expect((toResultsJson(run({ scenarios: lenient, strict: true })) as unknown as Doc).summary['ok']).toBe(false);
  });

  test('observed outcome and exit code per way the client ended', () => {
    expect(doc.scenarios.map((s) => [s.id, s.observedOutcome, s.exitCode])).toEqual([
      ['registry/golden', 'success', 0],
      ['F-02', 'success', 0],
      ['direct/skew', 'failure', 1],
      ['basic/golden', 'failure', 3],
      ['apikey/golden', 'timeout', null],
      ['tls/custom-ca', 'failure', null],
      ['keys/missing', 'not-run', null],
    ]);
  });

  test('verdicts carry reproduce and evidence (indices of the requests that show them); exchanges keep the server reason', () => {
    const f02 = doc.scenarios.find((s) => s.id === 'F-02')!;
    expect(f02.verdicts[0]).toMatchObject({ check: 'registry/realm/same-host', reproduce: "oac check --client './client' --scenario 'F-02'", evidence: [1] });
    expect(f02.verdicts[1]!.evidence).toBeUndefined();
    expect(f02.exchanges[1]).toEqual({
      request: { method: 'GET', url: '/v2/token?ts=1', headers: { authorization: '<68 chars>:<88 chars>' } },
      response: { status: 200, headers: {} },
      listener: 'other',
      role: 'other-host',
    });
    const golden = doc.scenarios.find((s) => s.id === 'registry/golden')!;
    expect(golden.exchanges[0]!.response.headers).toEqual({ 'x-oac-reason': 'registry/challenge/read: no token yet' });
    expect(golden.verdicts.find((v) => v.check === 'registry/token-request/signature')!.evidence).toEqual([1]);
  });

  test('a non-HTTP event (a failed TLS handshake) is not an exchange; evidence indices follow the exchanges kept', () => {
    const base = run();
    const f02 = base.scenarios[1]!;
    f02.observations.unshift({ seq: 9, listener: 'main', role: 'unknown', method: '(tls)', url: '', headers: {}, status: 0, findings: [{ id: 'registry/realm/same-host', ok: false, message: 'handshake' }], reason: 'TLS handshake failed: bad certificate' });
    const out = toResultsJson(base) as unknown as Doc;
    const mapped = out.scenarios[1]!;
    expect(mapped.exchanges.map((e) => e.request.url)).toEqual(['/v2/library/test/manifests/latest', '/v2/token?ts=1']);
    expect(mapped.verdicts[0]!.evidence).toEqual([1]);
  });

  test('a baseline failure says so in its message; a harness error with no error verdict becomes one', () => {
    const tls = doc.scenarios.find((s) => s.id === 'tls/custom-ca')!;
    expect(tls.verdicts[0]!.message).toBe('expected failure (in the baseline): known gap');
    const keys = doc.scenarios.find((s) => s.id === 'keys/missing')!;
    expect(keys.verdicts.map((v) => [v.check, v.verdict])).toEqual([['keys/bad-key-no-request', 'pass'], ['harness/error', 'error']]);
    expect(keys.verdicts[1]!.message).toContain('subject/spawn: cannot start /bin/sh: ENOENT');
  });

  test('the config is redacted, with the pointers of what was removed', () => {
    expect(doc.config.redacted).toEqual(expect.arrayContaining(['/apiKey', '/basic/pass', '/headers/Authorization', '/clientKeyPem', '/seedHex', '/client']));
    expect(doc.config['keyPath']).toBe('/home/u/.ollama/id_ed25519');
    expect(doc.client['command']).toBe('OLLAMA_API_KEY=<redacted> ./client');
  });

  test('no planted secret anywhere; hostile text is kept as JSON text (JSON escapes it)', () => {
    const text = renderResultsJson(run());
    for (const [name, secret] of Object.entries(SECRETS)) expect([name, text.includes(secret)]).toEqual([name, false]);
    expect(JSON.parse(text).scenarios[1].title).toBe(`Realm on another host ${NASTY}`);
    expect(text.endsWith('}\n')).toBe(true);
  });

  test('a document the schema refuses is a harness error (the validation bites)', () => {
    const bad = run();
    // @ts-expect-error CheckId already refuses it at compile time; the schema must refuse it at run time too.
    bad.scenarios[0]!.verdicts[0]!.check = 'Not A Check Id';
    const err = thrown(() => toResultsJson(bad));
    expect(err).toBeInstanceOf(HarnessError);
    expect(err.code).toBe('report/invalid-results');
    expect(err.message).toContain('/scenarios/0/verdicts/0/check');
  });

  test('a config with its own top-level "redacted" key is refused rather than overwritten', () => {
    const err = thrown(() => toResultsJson(run({ config: { redacted: true } })));
    expect([err.code, err.message.includes('reserves')]).toEqual(['report/config-key', true]);
  });
});
