/**
 * One `oac check` run as the report renderers see it (results.json, junit.xml, the terminal table,
 * report.html), and the few derived facts every renderer must agree on: the verdicts of a scenario
 * (with a harness error made visible), its observed outcome, which requests are evidence for a check,
 * and the summary counts.
 */
import { constants } from 'node:os';
import type { ClientRun, Observation, ScenarioResult, Verdict, VerdictKind } from '../conformance/types.js';
import type { CheckId } from '../check-ids.js';

export const TOOL_NAME = 'ollama-auth-conformance';

interface ReportTool {
  name: typeof TOOL_NAME;
  /** package.json version (semver). */
  version: string;
  /** `version` of specs/checks.json. */
  checksVersion?: string;
  /** The ollama/ollama commit docs/protocol.md describes. */
  protocolCommit?: string;
  /** `sha256:<hex>` over specs/checks.json and the scenario files the run used (specDigest). */
  specDigest?: string;
}

/** A cassette the run served, and where it came from (its `log._oac` provenance). */
export interface ReportCassette {
  /** As scenarios name it, relative to recordings/ (`registry/pull-manifest.har`). */
  name: string;
  /** `live`, `emulator`, … (cassette-provenance.schema.json). */
  origin: string;
  recordedAt: string;
  expiresAt?: string;
  harnessVersion?: string;
  protocolCommit?: string;
}

interface ReportClient {
  /** `server`: `oac probe` judged a deployed server at `url` (the harness was the client). */
  mode: 'exec' | 'library' | 'server';
  /** The probed URL (server mode). */
  url?: string;
  /** The client command as given (`--client`), before the per-scenario action and target. */
  command?: string;
  name?: string;
  version?: string;
  language?: string;
  /** Exec contract version (exec mode). */
  contract?: 'oac-exec/1';
}

/** A scenario's result, plus what the scenario expected when the caller knows it. */
export type ReportScenario = ScenarioResult & { expectedOutcome?: 'success' | 'failure' };

export interface UnexpectedPassEntry {
  scenario: string;
  check: string;
  reason: string;
}

export interface RunReport {
  tool: ReportTool;
  startedAt: string;
  finishedAt?: string;
  /** SHOULD-level deviations (non-strict) count as failures. */
  strict: boolean;
  /**
   * The effective configuration as the run used it, secrets included: every renderer passes it through
   * redactConfig, so no caller can forget to.
   */
  config: Record<string, unknown>;
  client: ReportClient;
  scenarios: ReportScenario[];
  /** Baseline entries that passed this time (the baseline can be trimmed). */
  unexpectedPasses?: UnexpectedPassEntry[];
  /** The cassettes the scenarios were served from, with their provenance. */
  cassettes?: ReportCassette[];
  /**
   * Literal secret values the harness handed out in this run (API key, Basic password, …): scrubbed
   * from every text a report shows (client output, messages, URLs), whatever the client printed.
   */
  secrets?: string[];
}

/**
 * The row under which a harness error is shown when the judge produced no `error` verdict for it. Not a
 * catalogue check (no rule is broken: the harness is), so it is kept out of `CheckId`.
 */
export const HARNESS_ERROR_CHECK = 'harness/error';

/** A verdict as a report shows it: the judge's, or the harness-error row. */
export type ReportVerdict = Omit<Verdict, 'check'> & { check: CheckId | typeof HARNESS_ERROR_CHECK };

/**
 * The verdicts a report shows for a scenario: the judge's, plus an `error` verdict carrying
 * `harnessError` when the judge gave none (a harness failure must never be invisible, nor look like a pass).
 */
export function reportVerdicts(result: ScenarioResult): ReportVerdict[] {
  if (result.harnessError === undefined || result.verdicts.some((v) => v.verdict === 'error')) return result.verdicts;
  return [
    ...result.verdicts,
    { check: HARNESS_ERROR_CHECK, verdict: 'error', level: 'MUST', message: `the harness broke while running this scenario: ${result.harnessError}` },
  ];
}

/** The scenario's verdict as reports show it: `error` when reportVerdicts had to add the harness error. */
export function scenarioVerdict(result: ScenarioResult): VerdictKind {
  return reportVerdicts(result) === result.verdicts ? result.verdict : 'error';
}

export type ObservedOutcome = 'success' | 'failure' | 'timeout' | 'not-run';

export function observedOutcome(client: ClientRun | undefined): ObservedOutcome {
  if (client === undefined || client.spawnError !== undefined) return 'not-run';
  if (client.timedOut) return 'timeout';
  return client.exitCode === 0 ? 'success' : 'failure';
}

/** How the client process ended, in words: `exit 1`, `killed by SIGSEGV`, `timed out (killed)`, `not started: …`. */
export function describeExit(client: ClientRun | undefined): string {
  if (client === undefined) return 'not run';
  if (client.spawnError !== undefined) return `not started: ${client.spawnError}`;
  if (client.timedOut) return `timed out after ${client.durationMs} ms (killed by the harness${client.signal ? ` with ${client.signal}` : ''})`;
  if (client.signal !== null) return `killed by ${client.signal}`;
  return `exit ${client.exitCode}${shellSignalNote(client.exitCode)}`;
}

/**
 * The client runs under /bin/sh, which does not exec it: when the client dies of a signal, the harness
 * sees the shell exit with 128 + the signal number. Said in words, so a crash is not read as a choice.
 */
function shellSignalNote(exitCode: number | null): string {
  if (exitCode === null || exitCode <= 128) return '';
  const name = Object.entries(constants.signals).find(([, n]) => n === exitCode - 128)?.[0];
  return name === undefined ? '' : ` (the shell's code for a command killed by ${name})`;
}

/**
 * Indices of the observations that show a verdict: the requests on which the server recorded a finding
 * for the check, failing ones only when the verdict is not a pass.
 */
export function evidenceFor(observations: readonly Observation[], verdict: Pick<ReportVerdict, 'check' | 'verdict'>): number[] {
  const out: number[] = [];
  observations.forEach((o, i) => {
    const relevant = o.findings.some((f) => f.id === verdict.check && (verdict.verdict === 'pass' || !f.ok));
    if (relevant) out.push(i);
  });
  return out;
}

/** Whether a verdict fails the run (same rule as the runner's exit code). */
export function failsRun(verdict: Pick<Verdict, 'verdict' | 'expectedFailure'>, strict: boolean): boolean {
  if (verdict.expectedFailure) return false;
  return verdict.verdict === 'fail' || verdict.verdict === 'error' || (strict && verdict.verdict === 'non-strict');
}

export interface Summary {
  total: number;
  pass: number;
  fail: number;
  'non-strict': number;
  skip: number;
  error: number;
  scenarios: number;
  /** Verdicts that are failures but in the expected-failures baseline. */
  expectedFailures: number;
  ok: boolean;
}

export function summarize(run: Pick<RunReport, 'scenarios' | 'strict'>): Summary {
  const counts: Record<VerdictKind, number> = { pass: 0, fail: 0, 'non-strict': 0, skip: 0, error: 0 };
  let expectedFailures = 0;
  let ok = true;
  for (const scenario of run.scenarios) {
    for (const v of reportVerdicts(scenario)) {
      counts[v.verdict]++;
      if (v.expectedFailure) expectedFailures++;
      if (failsRun(v, run.strict)) ok = false;
    }
  }
  const total = counts.pass + counts.fail + counts['non-strict'] + counts.skip + counts.error;
  return { total, ...counts, scenarios: run.scenarios.length, expectedFailures, ok };
}

/** Milliseconds between two ISO times, when both parse. */
export function durationBetween(startedAt: string, finishedAt: string | undefined): number | undefined {
  if (finishedAt === undefined) return undefined;
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
