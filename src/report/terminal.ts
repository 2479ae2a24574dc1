/**
 * What a person reads after `oac check`: per scenario a header line (verdict, id, title), then one line
 * per check; every fail, error and non-strict expanded with Expected / Actual / the request that shows
 * it (credentials as shapes) / how the client exited / `Reproduce: …`; then one summary line.
 *
 * Colour only when writing to a terminal and NO_COLOR is not set (https://no-color.org: any non-empty
 * value turns colour off); without colour the text has no escape sequence at all, so logs and pipes
 * stay clean.
 */
import { errorLine } from '../conformance/client-output.js';
import type { ScenarioResult, VerdictKind } from '../conformance/types.js';
import { redactText } from './effective-config.js';
import { describeExit, evidenceFor, reportVerdicts, scenarioVerdict, summarize, type ReportScenario, type ReportVerdict, type RunReport } from './model.js';
import { describeRequest } from './junit.js';

export interface TerminalOptions {
  color: boolean;
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

function expand(v: ReportVerdict, scenario: ReportScenario, scrub: (s: string) => string, color: boolean): string[] {
  const pad = '        ';
  const out: string[] = [];
  const field = (name: string, value: string): void => {
    const lines = printable(scrub(value).replace(/\t/g, ' ')).split('\n');
    out.push(`${pad}${paint(name, 'bold', color)} ${lines[0]}`);
    for (const more of lines.slice(1)) out.push(`${pad}${' '.repeat(name.length + 1)}${more}`);
  };
  if (v.expected !== undefined) field('Expected:', v.expected);
  if (v.actual !== undefined) field('Actual:  ', v.actual);
  for (const i of evidenceFor(scenario.observations, v)) field('Request: ', describeRequest(scenario.observations[i]!));
  const client = scenario.client;
  const stderr = client === undefined ? '' : firstLine(client.stderr);
  if (scenario.flow !== 'probe') field('Client:  ', `${describeExit(client)}${stderr === '' ? '' : ` · stderr: ${stderr}`}`);
  if (scenario.reproduce !== '') field('Reproduce:', scenario.reproduce);
  return out;
}

function renderScenario(scenario: ReportScenario, scrub: (s: string) => string, color: boolean): string[] {
  const lines = [`${label(scenarioVerdict(scenario), color)} ${paint(scenario.id, 'bold', color)}  ${printable(scrub(scenario.title))}`];
  const verdicts = reportVerdicts(scenario);
  // Passing checks share one line (a table of 300 PASS rows hides the few that matter); the rest are expanded.
  const passed = verdicts.filter((v) => v.verdict === 'pass' && !v.expectedFailure).map((v) => v.check);
  if (passed.length > 0) lines.push(`    ${label('pass', color)} ${passed.join(', ')}`);
  for (const v of verdicts.filter((x) => x.verdict !== 'pass' || x.expectedFailure)) {
    const baseline = v.expectedFailure ? ' [expected failure: in the baseline]' : '';
    const level = v.verdict === 'pass' || v.verdict === 'skip' ? '' : ` (${v.level})`;
    const message = v.verdict === 'pass' ? '' : `  ${printable(scrub(v.message).replace(/\s*\n\s*/g, ' '))}`;
    lines.push(`    ${label(v.verdict, color, v.expectedFailure)} ${v.check}${level}${baseline}${message}`);
    if (v.verdict === 'fail' || v.verdict === 'error' || v.verdict === 'non-strict') lines.push(...expand(v, scenario, scrub, color));
  }
  return lines;
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

/** The whole table (ends with a newline). */
export function renderTerminal(run: RunReport, opts: TerminalOptions = { color: false }): string {
  const scrub = (s: string): string => redactText(s, run.secrets ?? []);
  const lines: string[] = [];
  if (run.client.command !== undefined) lines.push(`client: ${printable(scrub(run.client.command))}`, '');
  if (run.client.url !== undefined) lines.push(`target: ${printable(scrub(run.client.url))}`, '');
  for (const scenario of run.scenarios) lines.push(...renderScenario(scenario, scrub, opts.color));
  for (const p of run.unexpectedPasses ?? []) {
    lines.push(`${paint('unexpected pass', 'yellow', opts.color)}: ${p.scenario} ${p.check} now passes; remove it from the baseline (${printable(p.reason)})`);
  }
  lines.push('', summaryLine(run, opts));
  return `${lines.join('\n')}\n`;
}
