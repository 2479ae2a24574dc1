/**
 * A probe run in the report model `oac check` uses, so the same renderers (terminal, results.json,
 * junit.xml, report.html) show it: one result per route (its verdicts for the access or disclosure
 * checks, its requests as observations, each with its curl line), one each for TLS, mTLS, CORS and
 * drift, and one listing the access checks the given credentials cannot exercise. Verdicts come from
 * the rules (src/rules/probe) through decideVerdicts, and the expected-failures baseline is applied as
 * for `oac check`; nothing here decides a check.
 */
import { applyBaseline, countsAsFailure, type Baseline } from '../conformance/baseline.js';
import type { Observation, ScenarioResult } from '../conformance/types.js';
import { driftObservation, type ProbeRecording } from '../probe/cassette.js';
import type { ProbeRun } from '../probe/engine.js';
import type { Finding } from '../rules/findings.js';
import { harnessVersion, PROTOCOL_COMMIT } from '../recorder/provenance.js';
import {
  accessNotApplicable, ACCESS_CHECK_IDS, CORS_CHECK_IDS, DRIFT_CHECK_IDS, driftNotApplicable, judgeCors, judgeDrift, judgeExchange, judgeMtls,
  judgeTls, judgeWithoutClientCert, judgeForeignClientCert, MTLS_CHECK_IDS, mtlsNotApplicable, routeChecks, TLS_CHECK_IDS, tlsNotApplicable, tlsVersionName,
  type DriftObservation, type ProbeExchange,
} from '../rules/probe/index.js';
import { decideVerdicts, emptyResult, mergeResults, worstOf, type RuleResult } from '../rules/verdicts.js';
import { checkCatalog, checkCatalogVersion, type CheckEntry } from '../specs/catalog.js';
import { TOOL_NAME, type RunReport } from './model.js';

/** Response bytes a report shows per request. */
const BODY_SHOWN = 600;

interface ProbeReportInput {
  run: ProbeRun;
  drift?: DriftObservation;
  catalogue: ReadonlyMap<string, CheckEntry>;
}

function observationOf(e: ProbeExchange, findings: readonly Finding[]): Observation {
  const o: Observation = {
    seq: e.seq,
    listener: 'main',
    role: 'probe',
    method: e.method,
    url: e.target,
    headers: Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), v])),
    status: e.outcome.kind === 'response' ? e.outcome.status : 0,
    findings: [...findings],
    reason: `${e.credential.description}: ${e.reach === 'ollama' ? 'reached Ollama' : e.reach === 'refused' ? 'refused before Ollama' : 'undecided'} — ${e.reachReason}`,
    reproduce: e.curl,
  };
  if (e.outcome.kind === 'response') {
    o.responseHeaders = e.outcome.headers;
    o.responseBody = e.outcome.bodySnippet.length > BODY_SHOWN ? `${e.outcome.bodySnippet.slice(0, BODY_SHOWN)}…` : e.outcome.bodySnippet;
  }
  return o;
}

function allFindings(r: RuleResult): Finding[] {
  return [...r.findings, ...r.inconclusive];
}

function result(id: string, title: string, verdicts: ScenarioResult['verdicts'], observations: Observation[], durationMs: number): ScenarioResult {
  return { id, title, flow: 'probe', action: 'probe', verdict: worstOf(verdicts), verdicts, client: undefined, observations, reproduce: '', durationMs };
}

function routeResults(input: ProbeReportInput): ScenarioResult[] {
  const { run } = input;
  const notApplicable = accessNotApplicable(run.credentials);
  return run.catalogue.routes.map((route) => {
    const exchanges = run.exchanges.filter((e) => e.route === route.pattern);
    const judged = exchanges.map((e) => ({ e, r: judgeExchange(e) }));
    const checks = routeChecks(route.public).filter((id) => !notApplicable.has(id));
    const verdicts = decideVerdicts({ checks, result: mergeResults(...judged.map((j) => j.r)), catalogue: input.catalogue });
    const title = `${route.methods.join(', ')} ${route.pattern} (${route.public ? 'public by design' : route.effect})`;
    return result(route.id, title, verdicts, judged.map(({ e, r }) => observationOf(e, allFindings(r))), 0);
  });
}

function notApplicableResult(input: ProbeReportInput): ScenarioResult | undefined {
  const notApplicable = accessNotApplicable(input.run.credentials);
  const checks = ACCESS_CHECK_IDS.filter((id) => notApplicable.has(id));
  if (checks.length === 0) return undefined;
  const verdicts = decideVerdicts({ checks, result: emptyResult(), catalogue: input.catalogue, notApplicable });
  return result('credentials', 'Access checks the given credentials cannot exercise', verdicts, [], 0);
}

function tlsResult(input: ProbeReportInput): ScenarioResult {
  const { tls, credentials } = input.run;
  const verdicts = decideVerdicts({ checks: TLS_CHECK_IDS, result: judgeTls(tls, credentials), catalogue: input.catalogue, notApplicable: tlsNotApplicable(tls, credentials) });
  const accepted = tls.attempts.filter((a) => a.accepted).map((a) => tlsVersionName(a.version));
  const title = tls.scheme === 'http' ? `TLS: none (${tls.host} is plain http)` : `TLS of ${tls.host}: ${accepted.length === 0 ? 'no version completes a handshake' : `accepts ${accepted.join(', ')}`}`;
  return result('tls', title, verdicts, [], 0);
}

function mtlsResult(input: ProbeReportInput): ScenarioResult {
  const { mtls, credentials, tls } = input.run;
  const r = mtls ? judgeMtls(mtls) : emptyResult();
  const verdicts = decideVerdicts({ checks: MTLS_CHECK_IDS, result: r, catalogue: input.catalogue, notApplicable: mtlsNotApplicable(credentials, tls.scheme) });
  const observations = mtls
    ? [observationOf(mtls.withoutCertificate, allFindings(judgeWithoutClientCert(mtls.withoutCertificate))), observationOf(mtls.foreignCertificate, allFindings(judgeForeignClientCert(mtls.foreignCertificate)))]
    : [];
  return result('mtls', 'Client certificates (mTLS)', verdicts, observations, 0);
}

function corsResult(input: ProbeReportInput): ScenarioResult {
  const { cors } = input.run;
  const r = judgeCors(cors);
  const verdicts = decideVerdicts({ checks: CORS_CHECK_IDS, result: r, catalogue: input.catalogue });
  const observations = cors.attempts.map((a) => observationOf(a.exchange, allFindings(judgeCors({ attempts: [a] }))));
  return result('cors', 'CORS for a foreign origin (https://oac-probe.invalid)', verdicts, observations, 0);
}

function driftResult(input: ProbeReportInput): ScenarioResult {
  const r = input.drift ? judgeDrift(input.drift) : emptyResult();
  const verdicts = decideVerdicts({ checks: DRIFT_CHECK_IDS, result: r, catalogue: input.catalogue, notApplicable: driftNotApplicable(input.drift) });
  const title = input.drift ? `Drift against ${input.drift.recording} (recorded ${input.drift.recordedAt})` : 'Drift against an earlier recording';
  const observations = input.drift
    ? input.drift.pairs.filter((p) => p.before === 'refused' && p.now.reach === 'ollama').map((p) => observationOf(p.now, allFindings(judgeDrift({ ...input.drift!, pairs: [p] }))))
    : [];
  return result('drift', title, verdicts, observations, 0);
}

/** Every result of a probe, routes first, in catalogue order. */
function probeResults(input: ProbeReportInput): ScenarioResult[] {
  const results = routeResults(input);
  const na = notApplicableResult(input);
  if (na !== undefined) results.push(na);
  results.push(tlsResult(input), mtlsResult(input), corsResult(input), driftResult(input));
  // The whole run's time goes to the first result; per-request times are not what a reader acts on.
  if (results[0]) results[0].durationMs = input.run.durationMs;
  return results;
}

export interface ProbeReportOptions {
  baseline?: Baseline;
  strict: boolean;
  /** An earlier recording to compare with (--drift). */
  drift?: ProbeRecording;
  /** The effective configuration (the renderers redact it). */
  config: Record<string, unknown>;
  /** Every secret the run held or derived (probeSecrets): scrubbed from every text the report shows. */
  secrets: string[];
}

export interface ProbeReport {
  report: RunReport;
  /** 0 when every MUST holds (and, with strict, every SHOULD) or its failure is in the baseline; else 1. */
  exitCode: 0 | 1;
}

/** A finished run → verdicts (through the rules), the baseline applied, the report and the exit code. */
export function probeReport(run: ProbeRun, opts: ProbeReportOptions): ProbeReport {
  const drift = opts.drift ? driftObservation(opts.drift, run) : undefined;
  const results = probeResults({ run, catalogue: checkCatalog(), ...(drift ? { drift } : {}) });
  const unexpectedPasses = applyBaseline(results, opts.baseline);
  const failed = results.some((r) => r.verdicts.some((v) => countsAsFailure(v, opts.strict)));
  const report: RunReport = {
    tool: { name: TOOL_NAME, version: harnessVersion(), checksVersion: checkCatalogVersion(), protocolCommit: PROTOCOL_COMMIT },
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    strict: opts.strict,
    config: opts.config,
    client: { mode: 'server', url: run.url },
    scenarios: results,
    unexpectedPasses,
    secrets: opts.secrets,
  };
  return { report, exitCode: failed ? 1 : 0 };
}
