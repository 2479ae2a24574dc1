/**
 * report.html: one self-contained page (inline CSS, no script, no external asset; a Content-Security-Policy
 * that forbids loading anything) with the summary, a row per scenario, and per scenario its verdicts,
 * the requests the server saw (credentials as shapes) and the client's output. Every piece of text is
 * escaped and secrets are scrubbed, so a hostile client output cannot inject markup or leak a key.
 */
import type { Observation, VerdictKind } from '../conformance/types.js';
import { redactConfig, redactText } from './effective-config.js';
import { describeExit, evidenceFor, reportVerdicts, scenarioVerdict, summarize, type ReportScenario, type ReportVerdict, type RunReport } from './model.js';
import { printable } from './terminal.js';

export function escapeHtml(text: string): string {
  return printable(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
code,pre{font-family:ui-monospace,monospace;font-size:12px}pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;word-break:break-all;max-height:30em;overflow:auto}
.v{font-weight:bold;white-space:nowrap}.pass{color:#17702d}.fail{color:#b00020}.non-strict{color:#9a6700}.skip{color:#355f9c}.error{color:#8e24aa}
.xfail{opacity:.6}summary{cursor:pointer}dl{margin:.25em 0 .5em 1em}dt{font-weight:bold}dd{margin:0 0 .25em 1em}
`;

function verdictCell(kind: VerdictKind, expectedFailure = false): string {
  return `<td class="v ${kind}${expectedFailure ? ' xfail' : ''}">${kind.toUpperCase()}${expectedFailure ? ' (expected)' : ''}</td>`;
}

function requestRow(o: Observation, index: number, scrub: (s: string) => string): string {
  const auth = o.headers['authorization'];
  const authText = auth === undefined ? '' : Array.isArray(auth) ? auth.join(' | ') : auth;
  const failing = o.findings.filter((f) => !f.ok).map((f) => f.id).join(', ');
  const reproduce = o.reproduce === undefined ? '' : `<br><code>${escapeHtml(scrub(o.reproduce))}</code>`;
  return `<tr><td>${index}</td><td>${escapeHtml(o.listener)}</td><td>${escapeHtml(o.role)}</td><td><code>${escapeHtml(o.method)} ${escapeHtml(scrub(o.url))}</code>${reproduce}</td>`
    + `<td>${o.status}</td><td><code>${escapeHtml(scrub(authText))}</code></td><td>${escapeHtml(failing)}</td><td>${escapeHtml(scrub(o.reason ?? ''))}</td></tr>`;
}

function verdictRow(v: ReportVerdict, scenario: ReportScenario, scrub: (s: string) => string): string {
  const details: string[] = [];
  if (v.expected !== undefined) details.push(`<dt>Expected</dt><dd><code>${escapeHtml(scrub(v.expected))}</code></dd>`);
  if (v.actual !== undefined) details.push(`<dt>Actual</dt><dd><code>${escapeHtml(scrub(v.actual))}</code></dd>`);
  const evidence = evidenceFor(scenario.observations, v);
  if (evidence.length > 0 && v.verdict !== 'pass') details.push(`<dt>Requests</dt><dd>${evidence.map((i) => `#${i}`).join(', ')}</dd>`);
  const dl = details.length > 0 ? `<dl>${details.join('')}</dl>` : '';
  return `<tr>${verdictCell(v.verdict, v.expectedFailure)}<td><code>${escapeHtml(v.check)}</code></td><td>${escapeHtml(v.level)}</td><td>${escapeHtml(scrub(v.message))}${dl}</td></tr>`;
}

function scenarioSection(s: ReportScenario, index: number, scrub: (t: string) => string): string {
  const verdict = scenarioVerdict(s);
  const open = verdict === 'fail' || verdict === 'error' ? ' open' : '';
  const parts = [
    `<details id="s${index}"${open}><summary><span class="v ${verdict}">${verdict.toUpperCase()}</span> <code>${escapeHtml(s.id)}</code> ${escapeHtml(scrub(s.title))}</summary>`,
    `<p>Flow <code>${escapeHtml(s.flow)}</code>, action <code>${escapeHtml(s.action)}</code>${s.expectedOutcome ? `, expected outcome <b>${escapeHtml(s.expectedOutcome)}</b>` : ''}${s.flow === 'probe' ? '' : `; client: ${escapeHtml(scrub(describeExit(s.client)))}`}; ${s.durationMs} ms.</p>`,
  ];
  if (s.reproduce !== '') parts.push(`<p>Reproduce: <code>${escapeHtml(scrub(s.reproduce))}</code></p>`);
  if (s.harnessError !== undefined) parts.push(`<p class="error">Harness error: ${escapeHtml(scrub(s.harnessError))}</p>`);
  parts.push('<table><tr><th>verdict</th><th>check</th><th>level</th><th>message</th></tr>', ...reportVerdicts(s).map((v) => verdictRow(v, s, scrub)), '</table>');
  if (s.observations.length > 0) {
    parts.push('<table><tr><th>#</th><th>listener</th><th>role</th><th>request</th><th>status</th><th>Authorization</th><th>failing checks</th><th>server reason</th></tr>',
      ...s.observations.map((o, i) => requestRow(o, i, scrub)), '</table>');
  }
  if (s.client !== undefined) {
    parts.push(`<p>stdout</p><pre>${escapeHtml(scrub(s.client.stdout))}</pre><p>stderr</p><pre>${escapeHtml(scrub(s.client.stderr))}</pre>`);
  }
  parts.push('</details>');
  return parts.join('\n');
}

export function toHtmlReport(run: RunReport): string {
  const scrub = (s: string): string => redactText(s, run.secrets ?? []);
  const summary = summarize(run);
  const config = redactConfig(run.config, run.secrets ?? []);
  const counts: VerdictKind[] = ['pass', 'fail', 'non-strict', 'skip', 'error'];
  const title = `${run.tool.name} ${run.tool.version}: ${summary.ok ? 'OK' : 'FAILED'}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>${run.client.mode === 'server' ? 'Target' : 'Client'}: <code>${escapeHtml(scrub(run.client.command ?? run.client.url ?? run.client.name ?? run.client.mode))}</code>. Started ${escapeHtml(run.startedAt)}${run.finishedAt ? `, finished ${escapeHtml(run.finishedAt)}` : ''}.${run.strict ? ' Strict: SHOULD-level deviations fail the run.' : ''}</p>`,
    `<table><tr><th>scenarios</th><th>checks</th>${counts.map((k) => `<th class="${k}">${k}</th>`).join('')}</tr>`,
    `<tr><td>${summary.scenarios}</td><td>${summary.total}</td>${counts.map((k) => `<td>${summary[k]}</td>`).join('')}</tr></table>`,
    summary.expectedFailures > 0 ? `<p>${summary.expectedFailures} failing verdicts are in the expected-failures baseline (shown, not counted against the run).</p>` : '',
    ...(run.unexpectedPasses ?? []).map((p) => `<p>Unexpected pass: <code>${escapeHtml(p.scenario)}</code> <code>${escapeHtml(p.check)}</code> now passes; remove it from the baseline (${escapeHtml(p.reason)}).</p>`),
    '<h2>Scenarios</h2>',
    '<table><tr><th>verdict</th><th>scenario</th><th>title</th><th>checks</th><th>ms</th></tr>',
    ...run.scenarios.map((s, i) => `<tr>${verdictCell(scenarioVerdict(s))}<td><a href="#s${i}"><code>${escapeHtml(s.id)}</code></a></td><td>${escapeHtml(scrub(s.title))}</td><td>${reportVerdicts(s).length}</td><td>${s.durationMs}</td></tr>`),
    '</table>',
    ...run.scenarios.map((s, i) => scenarioSection(s, i, scrub)),
    '<h2>Effective configuration (secrets redacted)</h2>',
    `<pre>${escapeHtml(JSON.stringify({ ...config.value, redacted: config.redacted }, null, 2))}</pre>`,
    '</body></html>',
    '',
  ].join('\n');
}
