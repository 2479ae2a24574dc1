/**
 * A probe run in the reports `oac check` writes: a synthetic run (no network) goes through the rules,
 * the baseline and every renderer. results.json validates against its schema; a baseline entry turns a
 * known gap into an expected failure; --strict makes SHOULD findings fail; credentials that do not
 * reach Ollama are an `error`; a secret a server echoed is scrubbed everywhere.
 */
import { describe, expect, test } from '@jest/globals';
import type { Baseline } from '../../src/conformance/baseline.js';
import { routeCatalogue } from '../../src/probe/catalogue.js';
import type { ProbeRun } from '../../src/probe/engine.js';
import { probeSecrets } from '../../src/probe/index.js';
import { buildPlan, type PlannedRequest } from '../../src/probe/plan.js';
import { resolveTarget } from '../../src/probe/target.js';
import { renderTerminal, toHtmlReport, toJunitXml, toResultsJson } from '../../src/report/index.js';
import { probeReport, type ProbeReportOptions } from '../../src/report/probe.js';
import type { ExchangeOutcome, ProbeExchange, Reach } from '../../src/rules/probe/observations.js';
import { validate } from '../../src/specs/validate.js';

const PASSWORD = 'synthetic-pw-0123456789';
const target = resolveTarget({ url: 'https://127.0.0.1:8443', basic: `alice:${PASSWORD}` });
const catalogue = routeCatalogue();

const REFUSED: ExchangeOutcome = { kind: 'response', status: 401, headers: { 'content-type': 'text/html' }, bodySnippet: '401 Authorization Required' };

/** Every planned request answered as `decide` says: Ollama's own answer when reached, the proxy's 401 otherwise. */
function syntheticRun(decide: (req: PlannedRequest) => Reach, echo = ''): ProbeRun {
  const exchanges: ProbeExchange[] = buildPlan(catalogue, target).map((req, seq) => {
    const reach = decide(req);
    const outcome: ExchangeOutcome = reach === 'ollama'
      ? { kind: 'response', status: req.expected.status, headers: { 'content-type': req.expected.contentType, ...(req.expected.headers ?? {}) }, bodySnippet: `${req.expected.body ?? ''}${echo}` }
      : REFUSED;
    return {
      seq, route: req.route.pattern, method: req.method, target: req.path, spelling: req.spelling, purpose: req.purpose, credential: req.credentials.variant,
      headers: req.credentials.shownHeaders, versionDisclosing: req.route.public, outcome, reach,
      reachReason: reach === 'ollama' ? 'Ollama\'s own answer' : '401 is not Ollama\'s answer', curl: `curl -sS -i -u 'alice:<redacted>' https://127.0.0.1:8443${req.path}`,
    };
  });
  return {
    url: target.url.href, startedAt: '2026-06-01T00:00:00.000Z', finishedAt: '2026-06-01T00:00:01.000Z', durationMs: 1000,
    credentials: { basic: true, apiKey: false, headers: false, clientCert: false }, catalogue, exchanges,
    tls: { scheme: 'https', host: '127.0.0.1:8443', attempts: [{ version: 'TLSv1.3', accepted: true, detail: 'TLSv1.3' }], checkedAt: '2026-06-01T00:00:00.000Z',
      certificate: { subject: 'CN=localhost', issuer: 'CN=ca', validFrom: '2026-01-01T00:00:00.000Z', validTo: '2027-01-01T00:00:00.000Z', chainOk: true, hostOk: true } },
    cors: { attempts: [] }, requestCount: exchanges.length, wireSecrets: [],
  };
}

/** The report of a run, as the CLI makes it (secrets from the run and the target). */
function judgeProbeRun(run: ProbeRun, opts: Omit<ProbeReportOptions, 'secrets'>): ReturnType<typeof probeReport> {
  return probeReport(run, { ...opts, secrets: probeSecrets(target, run) });
}

const correct = (req: PlannedRequest): Reach => (req.credentials.variant.id === 'valid' ? 'ollama' : 'refused');
const tagsOpen = (req: PlannedRequest): Reach => (req.route.id === 'api-tags' && req.credentials.variant.id === 'none' && req.purpose === 'registered-method' ? 'ollama' : correct(req));

function verdictOf(report: ReturnType<typeof judgeProbeRun>['report'], result: string, check: string) {
  return report.scenarios.find((s) => s.id === result)!.verdicts.find((v) => v.check === check)!;
}

describe('a deployment that holds', () => {
  const { report, exitCode } = judgeProbeRun(syntheticRun(correct), { strict: true, config: { url: target.url.href } });
  test('exit 0 even with --strict; one result per route, then TLS, mTLS, CORS, drift', () => {
    expect(exitCode).toBe(0);
    expect(report.scenarios.map((s) => s.id)).toEqual([...catalogue.routes.map((r) => r.id), 'credentials', 'tls', 'mtls', 'cors', 'drift']);
    expect(verdictOf(report, 'api-tags', 'probe/access/valid-credentials').verdict).toBe('pass');
  });
  test('results.json validates, and says a server was probed', () => {
    const doc = toResultsJson(report);
    expect(validate('results', doc)).toEqual({ ok: true, errors: [] });
    expect(doc['client']).toEqual({ mode: 'server', url: 'https://127.0.0.1:8443/' });
  });
});

describe('a route left open', () => {
  const run = syntheticRun(tagsOpen);
  test('fails, naming route, method, variant and answer; every renderer shows the curl line', () => {
    const { report, exitCode } = judgeProbeRun(run, { strict: false, config: {} });
    expect(exitCode).toBe(1);
    expect(verdictOf(report, 'api-tags', 'probe/access/no-credentials')).toMatchObject({
      verdict: 'fail', message: '2 observations failed: GET /api/tags (no credentials) reached Ollama: 200; HEAD /api/tags (no credentials) reached Ollama: 200',
    });
    const terminal = renderTerminal(report);
    expect(terminal).toMatch(/FAIL       api-tags  HEAD, GET \/api\/tags \(read\)\n/);
    expect(terminal).toContain("curl -sS -i -u 'alice:<redacted>' https://127.0.0.1:8443/api/tags");
    const junit = toJunitXml(report);
    expect(junit).toContain('<testcase name="probe/access/no-credentials" classname="api-tags" time="0.000">\n      <failure message="2 observations failed: GET /api/tags (no credentials) reached Ollama: 200; HEAD /api/tags (no credentials) reached Ollama: 200" type="MUST">');
    expect(junit).toContain("curl -sS -i -u 'alice:&lt;redacted&gt;' https://127.0.0.1:8443/api/tags");
    expect(toHtmlReport(report)).toContain('curl -sS -i -u &#39;alice:&lt;redacted&gt;&#39; https://127.0.0.1:8443/api/tags');
    const exchanges = (toResultsJson(report)['scenarios'] as Array<{ id: string; exchanges: Array<{ reproduce?: string; response: { status: number } }> }>).find((s) => s.id === 'api-tags')!.exchanges;
    expect(exchanges.filter((e) => e.response.status === 200).map((e) => e.reproduce)).toContain("curl -sS -i -u 'alice:<redacted>' https://127.0.0.1:8443/api/tags");
  });

  test('in the baseline: an expected failure, exit 0; a baseline entry that passes is an unexpected pass', () => {
    const baseline: Baseline = { file: 'known-gaps.json', entries: [
      { scenario: 'api-tags', check: 'probe/access/no-credentials', reason: 'monitoring reads the model list' },
      { scenario: 'api-ps', check: 'probe/access/no-credentials', reason: 'was open last month' },
    ] };
    const { report, exitCode } = judgeProbeRun(run, { strict: false, config: {}, baseline });
    expect(exitCode).toBe(0);
    expect(verdictOf(report, 'api-tags', 'probe/access/no-credentials').expectedFailure).toBe(true);
    expect(report.unexpectedPasses).toEqual([{ scenario: 'api-ps', check: 'probe/access/no-credentials', reason: 'was open last month' }]);
  });
});

describe('levels and errors', () => {
  const disclosing = syntheticRun((req) => (req.route.id === 'api-version' ? 'ollama' : correct(req)));
  test('an open /api/version is non-strict: exit 0, but 1 with --strict', () => {
    expect(judgeProbeRun(disclosing, { strict: false, config: {} }).exitCode).toBe(0);
    expect(judgeProbeRun(disclosing, { strict: true, config: {} }).exitCode).toBe(1);
    expect(verdictOf(judgeProbeRun(disclosing, { strict: false, config: {} }).report, 'api-version', 'probe/disclosure/version').verdict).toBe('non-strict');
  });
  test('the right credentials refused: error (the probe\'s input is wrong), exit 1', () => {
    const { report, exitCode } = judgeProbeRun(syntheticRun(() => 'refused'), { strict: false, config: {} });
    expect(exitCode).toBe(1);
    expect(verdictOf(report, 'api-tags', 'probe/access/valid-credentials')).toMatchObject({ verdict: 'error', level: 'MUST' });
  });
});

test('a secret a server echoes back is scrubbed from every report', () => {
  const { report } = judgeProbeRun(syntheticRun(tagsOpen, ` ${PASSWORD}`), { strict: false, config: { basic: `alice:${PASSWORD}` } });
  for (const text of [renderTerminal(report), JSON.stringify(toResultsJson(report)), toJunitXml(report), toHtmlReport(report)]) {
    expect(text).not.toContain(PASSWORD);
  }
});
