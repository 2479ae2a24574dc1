/**
 * results.json: the run as specs/schemas/results.schema.json describes it. Every document is validated
 * before it is returned, so a report that does not match its published schema is a harness error here,
 * not a surprise for the tool that reads it.
 */
import type { Observation } from '../conformance/types.js';
import { HarnessError } from '../errors.js';
import { assertValid } from '../specs/validate.js';
import { redactConfig, redactText } from '../redaction/index.js';
import {
  durationBetween, evidenceFor, observedOutcome, reportVerdicts, summarize, type ReportScenario, type ReportVerdict, type RunReport,
} from './model.js';

const RESULTS_VERSION = '1';
const RESULTS_SCHEMA = 'https://ollama-auth-conformance.dev/schemas/results.schema.json';
/** The response header that carries the conformance server's reason for a refusal (ours, not Ollama's). */
const REASON_HEADER = 'x-oac-reason';

type Json = Record<string, unknown>;

function headerName(name: string): string {
  return name.toLowerCase();
}

function exchangeOf(o: Observation, scrub: (s: string) => string): Json {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(o.headers)) {
    headers[headerName(name)] = Array.isArray(value) ? value.map(scrub) : scrub(value);
  }
  const responseHeaders: Record<string, string> = {};
  if (o.responseHeaders !== undefined) {
    // `oac probe` saw the deployment's own answer: its headers and (capped) body.
    for (const [name, value] of Object.entries(o.responseHeaders)) responseHeaders[headerName(name)] = scrub(value);
  } else if (o.reason !== undefined) {
    responseHeaders[REASON_HEADER] = scrub(o.reason);
  }
  const response: Json = { status: o.status, headers: responseHeaders };
  if (o.responseHeaders !== undefined && o.responseBody !== undefined) response['body'] = scrub(o.responseBody);
  const exchange: Json = {
    request: { method: o.method, url: scrub(o.url), headers },
    // The conformance server records the status and its reason, not the response headers or body.
    response,
    listener: o.listener,
    role: o.role,
  };
  if (o.reproduce !== undefined) exchange['reproduce'] = scrub(o.reproduce);
  if (o.responseHeaders !== undefined && o.reason !== undefined) exchange['note'] = scrub(o.reason);
  return exchange;
}

/**
 * Observations that are HTTP requests. The conformance server also records events that are not (a TLS
 * handshake that failed before any request, method `(tls)`), which the schema's exchange cannot hold:
 * they stay in the other reports, and evidence indices are renumbered to the exchanges kept.
 */
function exchangeIndex(observations: readonly Observation[]): Map<number, number> {
  const map = new Map<number, number>();
  observations.forEach((o, i) => {
    if (HTTP_METHOD.test(o.method)) map.set(i, map.size);
  });
  return map;
}

const HTTP_METHOD = /^[A-Z]+$/;

function verdictOf(v: ReportVerdict, scenario: ReportScenario, index: Map<number, number>, scrub: (s: string) => string): Json {
  const message = scrub(v.message.trim() === '' ? '(no message)' : v.message);
  const out: Json = {
    check: v.check,
    level: v.level,
    verdict: v.verdict,
    message: v.expectedFailure ? `expected failure (in the baseline): ${message}` : message,
  };
  if (v.expectedFailure) out['expectedFailure'] = true;
  if (v.expected !== undefined) out['expected'] = scrub(v.expected);
  if (v.actual !== undefined) out['actual'] = scrub(v.actual);
  if (scenario.reproduce !== '') out['reproduce'] = scrub(scenario.reproduce);
  const evidence = evidenceFor(scenario.observations, v).flatMap((i) => (index.has(i) ? [index.get(i)!] : []));
  if (evidence.length > 0) out['evidence'] = evidence;
  return out;
}

function scenarioOf(s: ReportScenario, scrub: (t: string) => string): Json {
  const out: Json = { id: s.id, title: scrub(s.title), flow: s.flow, action: s.action };
  if (s.reproduce !== '') out['reproduce'] = scrub(s.reproduce);
  if (s.harnessError !== undefined) out['harnessError'] = scrub(s.harnessError);
  if (s.expectedOutcome !== undefined) out['expectedOutcome'] = s.expectedOutcome;
  // A probe result has no client process: an observed outcome would only say "not-run".
  if (s.flow !== 'probe') out['observedOutcome'] = observedOutcome(s.client);
  if (s.client !== undefined) {
    out['exitCode'] = s.client.exitCode;
    out['stdout'] = scrub(s.client.stdout);
    out['stderr'] = scrub(s.client.stderr);
  }
  out['durationMs'] = Math.max(0, Math.round(s.durationMs));
  const index = exchangeIndex(s.observations);
  out['verdicts'] = reportVerdicts(s).map((v) => verdictOf(v, s, index, scrub));
  out['exchanges'] = s.observations.filter((_o, i) => index.has(i)).map((o) => exchangeOf(o, scrub));
  return out;
}

/** results.json as a plain object (JSON.stringify it to write the file). Throws HarnessError when invalid. */
export function toResultsJson(run: RunReport): Json {
  const secrets = run.secrets ?? [];
  const scrub = (s: string): string => redactText(s, secrets);
  if (Object.hasOwn(run.config, 'redacted')) {
    throw new HarnessError('report/config-key', 'the configuration has a top-level "redacted" key, which results.json reserves for the list of redacted values: rename it');
  }
  const config = redactConfig(run.config, secrets);
  const summary = summarize(run);
  const client: Json = { mode: run.client.mode };
  for (const field of ['name', 'version', 'language', 'contract'] as const) {
    if (run.client[field] !== undefined) client[field] = run.client[field];
  }
  if (run.client.command !== undefined) client['command'] = scrub(run.client.command);
  if (run.client.url !== undefined) client['url'] = scrub(run.client.url);

  const doc: Json = {
    $schema: RESULTS_SCHEMA,
    version: RESULTS_VERSION,
    tool: { ...run.tool },
    startedAt: run.startedAt,
  };
  if (run.finishedAt !== undefined) doc['finishedAt'] = run.finishedAt;
  const duration = durationBetween(run.startedAt, run.finishedAt);
  if (duration !== undefined) doc['durationMs'] = duration;
  doc['strict'] = run.strict;
  doc['config'] = { ...config.value, redacted: config.redacted };
  doc['client'] = client;
  if (run.cassettes !== undefined && run.cassettes.length > 0) doc['cassettes'] = run.cassettes.map((c) => ({ ...c }));
  doc['scenarios'] = run.scenarios.map((s) => scenarioOf(s, scrub));
  if (run.unexpectedPasses?.length) doc['unexpectedPasses'] = run.unexpectedPasses.map((p) => ({ ...p, reason: scrub(p.reason) }));
  doc['summary'] = {
    total: summary.total,
    pass: summary.pass,
    fail: summary.fail,
    'non-strict': summary['non-strict'],
    skip: summary.skip,
    error: summary.error,
    scenarios: summary.scenarios,
    ok: summary.ok,
  };
  try {
    assertValid('results', doc, 'results.json');
  } catch (err) {
    throw new HarnessError('report/invalid-results', `the results.json built from this run does not match results.schema.json: ${(err as Error).message}`, { cause: err });
  }
  return doc;
}

/** The file's text: two-space JSON with a final newline. */
export function renderResultsJson(run: RunReport): string {
  return `${JSON.stringify(toResultsJson(run), null, 2)}\n`;
}
