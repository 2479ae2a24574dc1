/**
 * A saved results.json read back into the report model, so `oac report` renders a run again (HTML,
 * Markdown, JUnit) with the same renderers `oac check` used. The file is validated against
 * results.schema.json first: a reader gets the file name and the first schema problem, not a crash.
 *
 * What results.json does not keep is rebuilt from what it does: the server's findings from each
 * verdict's `evidence` (the failing steps of the diagram), the refusal reason from the `x-oac-reason`
 * header. The client's signal is not saved, so a crash shows as its exit code.
 */
import { readFileSync } from 'node:fs';
import type { ClientRun, Observation, RequestRole, ScenarioResult, Verdict, VerdictKind } from '../conformance/types.js';
import { OacError } from '../errors.js';
import type { Finding } from '../rules/findings.js';
import { validate } from '../specs/validate.js';
import type { ReportCassette, ReportScenario, RunReport, UnexpectedPassEntry } from './model.js';

type Json = Record<string, unknown>;

interface SavedVerdict {
  check: Verdict['check'];
  verdict: VerdictKind;
  level?: Verdict['level'];
  message: string;
  expected?: string;
  actual?: string;
  evidence?: number[];
  expectedFailure?: boolean;
}

interface SavedExchange {
  request: { method: string; url: string; headers: Record<string, string | string[]> };
  response: { status: number; headers: Record<string, string | string[]>; body?: string };
  listener?: 'main' | 'other';
  role?: RequestRole;
  reproduce?: string;
  note?: string;
}

interface SavedScenario {
  id: string;
  title?: string;
  flow?: ScenarioResult['flow'];
  action?: ScenarioResult['action'];
  expectedOutcome?: 'success' | 'failure';
  observedOutcome?: 'success' | 'failure' | 'timeout' | 'not-run';
  exitCode?: number | null;
  stdout?: string;
  stderr?: string;
  durationMs?: number;
  verdicts: SavedVerdict[];
  exchanges?: SavedExchange[];
  harnessError?: string;
  reproduce?: string;
}

const BASELINE_PREFIX = 'expected failure (in the baseline): ';
const SEVERITY: Record<VerdictKind, number> = { skip: 0, pass: 1, 'non-strict': 2, fail: 3, error: 4 };

class ResultsFileError extends OacError {}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function verdictOf(v: SavedVerdict): Verdict {
  const message = v.expectedFailure && v.message.startsWith(BASELINE_PREFIX) ? v.message.slice(BASELINE_PREFIX.length) : v.message;
  const out: Verdict = { check: v.check, verdict: v.verdict, level: v.level ?? 'MUST', message };
  if (v.expected !== undefined) out.expected = v.expected;
  if (v.actual !== undefined) out.actual = v.actual;
  if (v.expectedFailure) out.expectedFailure = true;
  return out;
}

function observationOf(e: SavedExchange, index: number, findings: Finding[]): Observation {
  const o: Observation = {
    seq: index,
    listener: e.listener ?? 'main',
    role: e.role ?? (e.listener === 'other' ? 'other-host' : 'unknown'),
    method: e.request.method,
    url: e.request.url,
    headers: e.request.headers,
    status: e.response.status,
    findings,
  };
  const reason = single(e.response.headers['x-oac-reason']) ?? e.note;
  if (reason !== undefined) o.reason = reason;
  if (e.reproduce !== undefined) o.reproduce = e.reproduce;
  if (e.response.body !== undefined) {
    o.responseBody = e.response.body;
    o.responseHeaders = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k, single(v) ?? '']));
  }
  return o;
}

function clientOf(s: SavedScenario): ClientRun | undefined {
  if (s.flow === 'probe' || s.observedOutcome === undefined) return undefined;
  const timedOut = s.observedOutcome === 'timeout';
  const run: ClientRun = {
    command: '',
    exitCode: s.exitCode ?? null,
    signal: null,
    timedOut,
    killed: timedOut,
    stdout: s.stdout ?? '',
    stderr: s.stderr ?? '',
    durationMs: s.durationMs ?? 0,
  };
  if (s.observedOutcome === 'not-run') run.spawnError = s.harnessError ?? 'the client was not started';
  return run;
}

function scenarioOf(s: SavedScenario, serverMode: boolean): ReportScenario {
  const exchanges = s.exchanges ?? [];
  const findings: Finding[][] = exchanges.map(() => []);
  for (const v of s.verdicts) {
    for (const i of v.evidence ?? []) findings[i]?.push({ id: v.check, ok: v.verdict === 'pass', message: v.message });
  }
  const verdicts = s.verdicts.map(verdictOf);
  const result: ReportScenario = {
    id: s.id,
    title: s.title ?? s.id,
    flow: s.flow ?? (serverMode ? 'probe' : 'registry'),
    action: s.action ?? (serverMode ? 'probe' : 'registry-manifest'),
    verdict: verdicts.reduce<VerdictKind>((worst, v) => (SEVERITY[v.verdict] > SEVERITY[worst] ? v.verdict : worst), 'skip'),
    verdicts,
    client: clientOf(s),
    observations: exchanges.map((e, i) => observationOf(e, i, findings[i]!)),
    reproduce: s.reproduce ?? '',
    durationMs: s.durationMs ?? 0,
  };
  if (s.harnessError !== undefined) result.harnessError = s.harnessError;
  if (s.expectedOutcome !== undefined) result.expectedOutcome = s.expectedOutcome;
  return result;
}

/** A parsed results.json document → the report model. Throws ResultsFileError naming `label` when invalid. */
function runReportFromResults(doc: unknown, label: string): RunReport {
  const check = validate('results', doc);
  if (!check.ok) {
    const first = check.errors[0]!;
    const more = check.errors.length > 1 ? ` (and ${check.errors.length - 1} more problem${check.errors.length === 2 ? '' : 's'})` : '';
    throw new ResultsFileError('report/invalid-results', `${label} is not a valid results.json (specs/schemas/results.schema.json): ${first.path === '' ? '(the document)' : first.path}: ${first.message}${more}`);
  }
  const d = doc as Json;
  const { redacted: _redacted, ...config } = d['config'] as Json;
  const client = d['client'] as RunReport['client'];
  const run: RunReport = {
    tool: d['tool'] as RunReport['tool'],
    startedAt: d['startedAt'] as string,
    strict: (d['strict'] as boolean | undefined) ?? false,
    config,
    client,
    scenarios: (d['scenarios'] as SavedScenario[]).map((s) => scenarioOf(s, client.mode === 'server')),
    // Already scrubbed when it was written: nothing left to scrub by value.
    secrets: [],
  };
  if (typeof d['finishedAt'] === 'string') run.finishedAt = d['finishedAt'];
  if (Array.isArray(d['unexpectedPasses'])) run.unexpectedPasses = d['unexpectedPasses'] as UnexpectedPassEntry[];
  if (Array.isArray(d['cassettes'])) run.cassettes = d['cassettes'] as ReportCassette[];
  return run;
}

/** Reads and validates a results.json file. */
export function loadResultsFile(file: string): RunReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ResultsFileError('report/unreadable', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ResultsFileError('report/not-json', `${file} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return runReportFromResults(doc, file);
}
