/**
 * What a person reads after `oac check`: a one-line verdict first, then the scenarios that matter, each
 * with a header line (verdict, id, title) and every fail, error and non-strict expanded with Expected /
 * Actual / the request that shows it (credentials as shapes) / how the client exited / `Reproduce: …`;
 * skips one line per reason, passing scenarios counted (listed with --verbose); the summary line last.
 *
 * Colour only when writing to a terminal and NO_COLOR is not set (https://no-color.org: any non-empty
 * value turns colour off); without colour the text has no escape sequence at all, so logs and pipes
 * stay clean.
 */
import { errorLine } from '../conformance/client-output.js';
import type { ScenarioResult, VerdictKind } from '../conformance/types.js';
import { redactText } from '../redaction/index.js';
import { describeExit, evidenceFor, reportVerdicts, scenarioVerdict, summarize, type ReportScenario, type ReportVerdict, type RunReport } from './model.js';
import { describeRequest } from './junit.js';
import { overview, verdictSentence } from './overview.js';

export interface TerminalOptions {
  color: boolean;
  /** List passing scenarios and the names of passing checks (`oac check --verbose`). */
  verbose?: boolean;
}

/** Colour when the stream is a TTY and NO_COLOR is unset or empty. */
export function shouldColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const noColor = env['NO_COLOR'];
  return stream.isTTY === true && (noColor === undefined || noColor === '');
}

const SGR = { red: '31', green: '32', yellow: '33', blue: '34', magenta: '35', dim: '2', bold: '1' } as const;
type Style = keyof typeof SGR;

function paint(text: string, style: Style, color: boolean): string {
  return color ? `\u001b[${SGR[style]}m${text}\u001b[0m` : text;
}

const LABEL: Record<VerdictKind, string> = { pass: 'PASS', fail: 'FAIL', 'non-strict': 'NON-STRICT', skip: 'SKIP', error: 'ERROR' };
const STYLE: Record<VerdictKind, Style> = { pass: 'green', fail: 'red', 'non-strict': 'yellow', skip: 'blue', error: 'magenta' };
const LABEL_WIDTH = Math.max(...Object.values(LABEL).map((l) => l.length));

/**
 * Control characters from client output or server text would move the cursor or recolour the
 * terminal: shown as `\xNN` instead (tab and newline are handled by the caller).
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function label(kind: VerdictKind, color: boolean, expectedFailure = false): string {
  const text = LABEL[kind].padEnd(LABEL_WIDTH);
  return expectedFailure ? paint(text, 'dim', color) : paint(text, STYLE[kind], color);
}

/** One line of live progress as a scenario finishes. */
export function progressLine(result: ScenarioResult, opts: TerminalOptions = { color: false }): string {
  const verdicts = reportVerdicts(result);
  const failing = verdicts.filter((v) => v.verdict !== 'pass' && v.verdict !== 'skip').map((v) => v.check);
  const note = failing.length > 0 ? ` (${failing.join(', ')})` : '';
  return `${label(scenarioVerdict(result), opts.color)} ${result.id}  ${printable(result.title)}  ${result.durationMs} ms${note}`;
}

const firstLine = errorLine;

/** `Name: value`, continuation lines aligned under the value; the text redacted and made printable. */
function fieldLines(pad: string, name: string, value: string, scrub: (s: string) => string, color: boolean): string[] {
  const lines = printable(scrub(value).replace(/\t/g, ' ')).split('\n');
  return [`${pad}${paint(name, 'bold', color)} ${lines[0]}`, ...lines.slice(1).map((more) => `${pad}${' '.repeat(name.length + 1)}${more}`)];
}

/** What one check that did not pass shows: Expected, Actual, and each request that is evidence for it. */
function expand(v: ReportVerdict, scenario: ReportScenario, scrub: (s: string) => string, color: boolean): string[] {
  const pad = '        ';
  const out: string[] = [];
  if (v.expected !== undefined) out.push(...fieldLines(pad, 'Expected:', v.expected, scrub, color));
  if (v.actual !== undefined) out.push(...fieldLines(pad, 'Actual:  ', v.actual, scrub, color));
  for (const i of evidenceFor(scenario.observations, v)) out.push(...fieldLines(pad, 'Request: ', describeRequest(scenario.observations[i]!), scrub, color));
  return out;
}

/** Once per scenario, after its checks: how the client ended and the command that reruns the scenario. */
function scenarioTrailer(scenario: ReportScenario, scrub: (s: string) => string, color: boolean): string[] {
  const pad = '    ';
  const out: string[] = [];
  const client = scenario.client;
  const stderr = client === undefined ? '' : firstLine(client.stderr);
  if (scenario.flow !== 'probe') out.push(...fieldLines(pad, 'Client:   ', `${describeExit(client)}${stderr === '' ? '' : ` · stderr: ${stderr}`}`, scrub, color));
  if (scenario.reproduce !== '') out.push(...fieldLines(pad, 'Reproduce:', scenario.reproduce, scrub, color));
  return out;
}

/** Skipped checks of one scenario share a line per reason. */
function skipLines(verdicts: readonly ReportVerdict[], scrub: (s: string) => string, color: boolean): string[] {
  const byMessage = new Map<string, string[]>();
  for (const v of verdicts) {
    const message = printable(scrub(v.message).replace(/\s*\n\s*/g, ' '));
    byMessage.set(message, [...(byMessage.get(message) ?? []), v.check]);
  }
  return [...byMessage].map(([message, checks]) => `    ${label('skip', color)} ${checks.join(', ')}  ${message}`);
}

/**
 * A scenario with what went wrong first: every fail, error and non-strict expanded, then once how the
 * client ended and how to rerun the scenario, then the skipped checks by reason, then the passing checks
 * on one line (their names only with --verbose).
 */
function renderScenario(scenario: ReportScenario, scrub: (s: string) => string, opts: TerminalOptions): string[] {
  const { color } = opts;
  const lines = [scenarioHeader(scenario, scrub, color)];
  const verdicts = reportVerdicts(scenario);
  for (const v of verdicts.filter((x) => (x.verdict !== 'pass' && x.verdict !== 'skip') || x.expectedFailure)) {
    const baseline = v.expectedFailure ? ' [expected failure: in the baseline]' : '';
    const level = v.verdict === 'pass' || v.verdict === 'skip' ? '' : ` (${v.level})`;
    const message = v.verdict === 'pass' ? '' : `  ${printable(scrub(v.message).replace(/\s*\n\s*/g, ' '))}`;
    lines.push(`    ${label(v.verdict, color, v.expectedFailure)} ${v.check}${level}${baseline}${message}`);
    if (v.verdict === 'fail' || v.verdict === 'error' || v.verdict === 'non-strict') lines.push(...expand(v, scenario, scrub, color));
  }
  if (verdicts.some((v) => v.verdict === 'fail' || v.verdict === 'error' || v.verdict === 'non-strict')) lines.push(...scenarioTrailer(scenario, scrub, color));
  lines.push(...skipLines(verdicts.filter((v) => v.verdict === 'skip' && !v.expectedFailure), scrub, color));
  const passed = verdicts.filter((v) => v.verdict === 'pass' && !v.expectedFailure).map((v) => v.check);
  if (passed.length > 0) {
    const what = opts.verbose ? passed.join(', ') : `${passed.length} other check${passed.length === 1 ? ' passes' : 's pass'}`;
    lines.push(`    ${label('pass', color)} ${what}`);
  }
  return lines;
}

function scenarioHeader(scenario: ReportScenario, scrub: (s: string) => string, color: boolean): string {
  return `${label(scenarioVerdict(scenario), color)} ${paint(scenario.id, 'bold', color)}  ${printable(scrub(scenario.title))}`;
}

/** The summary line: counts, then OK / FAILED (a baseline failure counts, but does not fail). */
export function summaryLine(run: RunReport, opts: TerminalOptions = { color: false }): string {
  const s = summarize(run);
  const parts = [
    `${s.pass} pass`, `${s.fail} fail`, `${s['non-strict']} non-strict`, `${s.skip} skip`, `${s.error} error`,
  ];
  const baseline = s.expectedFailures > 0 ? ` (${s.expectedFailures} expected failure${s.expectedFailures === 1 ? '' : 's'} from the baseline)` : '';
  const verdict = s.ok ? paint('OK', 'green', opts.color) : paint('FAILED', 'red', opts.color);
  const strict = run.strict ? ' [strict]' : '';
  return `${s.scenarios} scenario${s.scenarios === 1 ? '' : 's'}, ${s.total} checks: ${parts.join(', ')}${baseline}${strict} → ${verdict}`;
}

/** The first line: OK or FAILED, the scenarios that broke the run, the counts. */
function verdictLine(run: RunReport, opts: TerminalOptions = { color: false }): string {
  const { ok, text } = verdictSentence(overview(run));
  const word = ok ? paint('OK', 'green', opts.color) : paint('FAILED', 'red', opts.color);
  return `${word}: ${text}${run.strict ? ' [strict]' : ''}`;
}

/**
 * The whole report (ends with a newline), in the order a reviewer needs it: the verdict, the client,
 * failures and harness errors expanded, SHOULD deviations, known failures, skips one line per reason,
 * passing scenarios (one line each with --verbose, else a count), and the summary line again at the end.
 */
export function renderTerminal(run: RunReport, opts: TerminalOptions = { color: false }): string {
  const scrub = (s: string): string => redactText(s, run.secrets ?? []);
  const o = overview(run);
  const lines: string[] = [verdictLine(run, opts)];
  if (run.client.command !== undefined) lines.push(`client: ${printable(scrub(run.client.command))}`);
  if (run.client.url !== undefined) lines.push(`target: ${printable(scrub(run.client.url))}`);
  lines.push('');
  for (const group of ['fail', 'error', 'non-strict', 'baseline'] as const) {
    for (const scenario of o.groups[group]) lines.push(...renderScenario(scenario, scrub, opts));
  }
  for (const skip of o.skipped) {
    const n = skip.scenarios.length;
    const ids = opts.verbose ? ` (${skip.scenarios.join(', ')})` : '';
    lines.push(`${label('skip', opts.color)} ${printable(scrub(skip.reason))}, ${n} scenario${n === 1 ? '' : 's'}${ids}`);
  }
  const passing = o.groups.pass;
  if (opts.verbose) {
    for (const scenario of passing) lines.push(...renderScenario(scenario, scrub, opts));
  } else if (passing.length > 0) {
    lines.push(`${label('pass', opts.color)} ${passing.length} scenario${passing.length === 1 ? '' : 's'} (--verbose lists them)`);
  }
  for (const p of run.unexpectedPasses ?? []) {
    lines.push(`${paint('unexpected pass', 'yellow', opts.color)}: ${p.scenario} ${p.check} now passes; remove it from the baseline (${printable(p.reason)})`);
  }
  lines.push('', summaryLine(run, opts));
  return `${lines.join('\n')}\n`;
}
