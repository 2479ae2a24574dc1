/**
 * junit.xml for CI: one <testsuite> per scenario, one <testcase> per check verdict.
 *   fail        → <failure> (message, then Expected / Actual / the request / Reproduce in the body)
 *   error       → <error> (the harness broke: never the client's fault)
 *   skip        → <skipped>
 *   non-strict  → a passing testcase whose <system-out> says so; a <failure> with --strict
 *   in the expected-failures baseline → <skipped> saying "expected failure" (pytest's xfail convention):
 *               visible, but it does not turn the build red, as the run's exit code does not.
 * Suite properties carry the client command, how it exited and the line that reruns the scenario; the
 * client's stdout and stderr go to the suite's <system-out> / <system-err>.
 */
import type { Observation } from '../conformance/types.js';
import { redactText } from '../redaction/index.js';
import {
  describeExit, durationBetween, evidenceFor, reportVerdicts, TOOL_NAME, type ReportScenario, type ReportVerdict, type RunReport,
} from './model.js';

/**
 * Characters XML 1.0 cannot carry at all, not even as references: C0 controls other than tab, newline
 * and carriage return, lone surrogates, U+FFFE and U+FFFF. They are removed.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function stripInvalidXmlChars(text: string): string {
  return text.replace(NOT_XML_CHAR, '');
}

/** Text content: `&`, `<`, `>` escaped (`>` too, so `]]>` can never appear). */
export function escapeXmlText(text: string): string {
  return stripInvalidXmlChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Attribute values (always written in double quotes): both quotes escaped, and tab / newline / carriage
 * return as character references, because a parser normalises literal ones to spaces.
 */
export function escapeXmlAttr(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXmlAttr(String(v))}"`)
    .join('');
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

export interface JunitCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

type CaseKind = 'pass' | 'failure' | 'error' | 'skipped' | 'non-strict';

function caseKind(v: ReportVerdict, strict: boolean): CaseKind {
  if (v.expectedFailure) return 'skipped';
  switch (v.verdict) {
    case 'pass':
      return 'pass';
    case 'fail':
      return 'failure';
    case 'error':
      return 'error';
    case 'skip':
      return 'skipped';
    case 'non-strict':
      return strict ? 'failure' : 'non-strict';
  }
}

/** One line per request that shows the verdict: method, target, listener, status, credential shapes. */
export function describeRequest(o: Observation): string {
  const auth = o.headers['authorization'];
  const authText = auth === undefined ? '' : ` · Authorization: ${Array.isArray(auth) ? auth.join(' | ') : auth}`;
  const listener = o.listener === 'other' ? ' (other host)' : '';
  const line = `#${o.seq} ${o.method} ${o.url}${listener} → ${o.status}${authText}${o.reason ? ` · ${o.reason}` : ''}`;
  // `oac probe` keeps a command that repeats the request: a reader can rerun exactly this one.
  return o.reproduce === undefined ? line : `${line}\n${o.reproduce}`;
}

function detail(v: ReportVerdict, scenario: ReportScenario): string {
  const lines = [v.message];
  if (v.expected !== undefined) lines.push(`Expected: ${v.expected}`);
  if (v.actual !== undefined) lines.push(`Actual:   ${v.actual}`);
  for (const i of evidenceFor(scenario.observations, v)) lines.push(`Request:  ${describeRequest(scenario.observations[i]!)}`);
  if (scenario.flow !== 'probe') lines.push(`Client:   ${describeExit(scenario.client)}`);
  if (scenario.reproduce !== '') lines.push(`Reproduce: ${scenario.reproduce}`);
  return lines.join('\n');
}

function renderCase(v: ReportVerdict, scenario: ReportScenario, strict: boolean, scrub: (s: string) => string): { xml: string; kind: CaseKind } {
  const kind = caseKind(v, strict);
  const open = `    <testcase${attrs({ name: v.check, classname: scenario.id, time: '0.000' })}`;
  const message = scrub(v.message);
  const body = escapeXmlText(scrub(detail(v, scenario)));
  switch (kind) {
    case 'pass':
      return { xml: `${open}/>`, kind };
    case 'failure':
      return { xml: `${open}>\n      <failure${attrs({ message, type: v.level })}>${body}</failure>\n    </testcase>`, kind };
    case 'error':
      return { xml: `${open}>\n      <error${attrs({ message, type: 'harness' })}>${body}</error>\n    </testcase>`, kind };
    case 'skipped': {
      const why = v.expectedFailure ? `expected failure (in the baseline, ${v.verdict}): ${message}` : message;
      return { xml: `${open}>\n      <skipped${attrs({ message: why })}/>\n    </testcase>`, kind };
    }
    case 'non-strict':
      return {
        xml: `${open}>\n      <system-out>${escapeXmlText(`non-strict (SHOULD, not a failure without --strict): ${scrub(detail(v, scenario))}`)}</system-out>\n    </testcase>`,
        kind,
      };
  }
}

function count(kinds: CaseKind[]): JunitCounts {
  return {
    tests: kinds.length,
    failures: kinds.filter((k) => k === 'failure').length,
    errors: kinds.filter((k) => k === 'error').length,
    skipped: kinds.filter((k) => k === 'skipped').length,
  };
}

/** The counts junit.xml declares (what a CI server will show), for callers and tests. */
export function junitCounts(run: RunReport): JunitCounts {
  return count(run.scenarios.flatMap((s) => reportVerdicts(s).map((v) => caseKind(v, run.strict))));
}

export function toJunitXml(run: RunReport): string {
  const scrub = (s: string): string => redactText(s, run.secrets ?? []);
  const suites: string[] = [];
  const allKinds: CaseKind[] = [];
  run.scenarios.forEach((scenario, index) => {
    const cases = reportVerdicts(scenario).map((v) => renderCase(v, scenario, run.strict, scrub));
    const kinds = cases.map((c) => c.kind);
    allKinds.push(...kinds);
    const c = count(kinds);
    const properties: Array<[string, string | undefined]> = [
      ['title', scenario.title],
      ['flow', scenario.flow],
      ['action', scenario.action],
      ['expected.outcome', scenario.expectedOutcome],
      ['client.command', run.client.command],
      ['target.url', run.client.url],
      ['client.exit', scenario.flow === 'probe' ? undefined : describeExit(scenario.client)],
      ['reproduce', scenario.reproduce === '' ? undefined : scenario.reproduce],
      ['harness.error', scenario.harnessError],
    ];
    const lines = [
      `  <testsuite${attrs({ name: scenario.id, id: index, tests: c.tests, failures: c.failures, errors: c.errors, skipped: c.skipped, time: seconds(scenario.durationMs), timestamp: run.startedAt.replace(/Z$/, '') })}>`,
      '    <properties>',
      ...properties.filter((p): p is [string, string] => p[1] !== undefined).map(([name, value]) => `      <property${attrs({ name, value: scrub(value) })}/>`),
      '    </properties>',
      ...cases.map((x) => x.xml),
    ];
    if (scenario.client !== undefined) {
      lines.push(`    <system-out>${escapeXmlText(scrub(scenario.client.stdout))}</system-out>`);
      lines.push(`    <system-err>${escapeXmlText(scrub(scenario.client.stderr))}</system-err>`);
    }
    lines.push('  </testsuite>');
    suites.push(lines.join('\n'));
  });
  const total = count(allKinds);
  const duration = durationBetween(run.startedAt, run.finishedAt) ?? run.scenarios.reduce((sum, s) => sum + s.durationMs, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: TOOL_NAME, tests: total.tests, failures: total.failures, errors: total.errors, skipped: total.skipped, time: seconds(duration) })}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
