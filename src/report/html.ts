/**
 * report.html: one self-contained page a reviewer can trust in a minute. The verdict and the summary
 * (client command, harness version, spec digest, cassettes and their provenance) first, then the
 * scenarios with what fails the run first, filters by verdict and flow, and per scenario a sequence
 * diagram of the exchange with the failing step highlighted, Expected / Actual beside it and the
 * reproduce command with a copy button.
 *
 * Self-contained and inert: inline CSS, one inline script allowed by its hash in a Content-Security-
 * Policy whose default is 'none' (so the page can load nothing, and markup that slipped through the
 * escaping could not run a script either). Every text is escaped and secrets are scrubbed: client
 * output and URLs are attacker-controlled.
 */
import { createHash } from 'node:crypto';
import type { Observation, VerdictKind } from '../conformance/types.js';
import { redactConfig, redactText } from '../redaction/index.js';
import { escapeText } from './escape.js';
import { describeExit, evidenceFor, reportVerdicts, scenarioVerdict, type ReportScenario, type ReportVerdict, type RunReport } from './model.js';
import { GROUP_ORDER, GROUP_TITLE, overview, verdictSentence, type ScenarioGroup } from './overview.js';
import { sequenceSvg } from './sequence-svg.js';

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:1200px;margin:0 auto;padding:1em 1.5em 3em}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .4em}
.banner{padding:.8em 1.5em;color:#fff}.banner.ok{background:#1a7f37}.banner.failed{background:#b42318}
.banner p{margin:.2em 0}
table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #d0d7de;padding:.25em .5em;text-align:left;vertical-align:top}
code,pre{font-family:ui-monospace,monospace;font-size:12px}
pre{background:#f6f8fa;padding:.5em;white-space:pre-wrap;word-break:break-all;max-height:24em;overflow:auto}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.4em 0}dl.facts dt{font-weight:600}dl.facts dd{margin:0;word-break:break-all}
.v{font-weight:700;white-space:nowrap}.pass{color:#1a7f37}.fail{color:#b42318}.non-strict{color:#9a6700}.skip{color:#355f9c}.error{color:#8e24aa}.baseline{color:#6e7781}
nav.filters{border-bottom:1px solid #d0d7de;padding:.5em 0;margin-bottom:.4em}
nav.filters button{font:inherit;border:1px solid #d0d7de;background:#f6f8fa;border-radius:6px;padding:.15em .6em;margin:.1em;cursor:pointer}
nav.filters button[aria-pressed=true]{background:#0969da;color:#fff;border-color:#0969da}
details.scenario{border:1px solid #d0d7de;border-radius:6px;margin:.4em 0;padding:.3em .7em}
details.scenario[data-group=fail],details.scenario[data-group=error]{border-left:5px solid #b42318}
details.scenario>summary{cursor:pointer}summary .why{color:#57606a;font-size:12px}
.meta{color:#57606a}
.exchange{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
.exchange figure{margin:0;overflow-x:auto;max-width:100%}
.findings{flex:1 1 320px;min-width:280px}
.finding{border:1px solid #d0d7de;border-radius:6px;padding:.4em .6em;margin-bottom:.5em}
.finding.fail,.finding.error{border-color:#b42318;background:#fff5f5}.finding.non-strict{border-color:#9a6700;background:#fffbeb}
.finding h4{margin:0 0 .2em;font-size:13px}.finding dl{margin:.3em 0 0}.finding dt{font-weight:600}.finding dd{margin:0 0 .3em 0;word-break:break-all}
.reproduce{display:flex;gap:.5em;align-items:center;margin:.4em 0}.reproduce code{background:#f6f8fa;padding:.2em .4em;border-radius:4px;word-break:break-all}
.reproduce button{font:inherit;font-size:12px;cursor:pointer}
svg.seq text{font:11px ui-monospace,monospace;fill:#1f2328;paint-order:stroke;stroke:#fff;stroke-width:3px}
svg.seq .head{fill:#eaeef2;stroke:#8c959f}svg.seq .head-text{text-anchor:middle;font-weight:700}
svg.seq .life{stroke:#8c959f;stroke-dasharray:2 3}
svg.seq .arrow line{stroke:#1f2328;stroke-width:1.3}svg.seq .arrow polygon{fill:#1f2328}
svg.seq .auth{fill:#57606a}
svg.seq .bad-bg{fill:#ffebe9;stroke:#b42318}
svg.seq .bad .arrow line{stroke:#b42318;stroke-width:2}svg.seq .bad .arrow polygon{fill:#b42318}svg.seq .bad text{fill:#b42318;stroke:#ffebe9}
`;

/** Filters and the copy button: a few lines, no dependency; the CSP allows exactly this script by hash. */
const SCRIPT = `(function () {
  var group = 'all', flow = 'all';
  var items = Array.prototype.slice.call(document.querySelectorAll('details.scenario'));
  var buttons = Array.prototype.slice.call(document.querySelectorAll('[data-group-filter]'));
  var select = document.getElementById('flow-filter');
  function apply() {
    var shown = 0;
    items.forEach(function (d) {
      var match = (group === 'all' || d.getAttribute('data-group') === group) && (flow === 'all' || d.getAttribute('data-flow') === flow);
      d.hidden = !match;
      if (match) shown++;
    });
    document.getElementById('no-match').hidden = shown > 0;
    buttons.forEach(function (b) { b.setAttribute('aria-pressed', String(b.getAttribute('data-group-filter') === group)); });
  }
  buttons.forEach(function (b) { b.addEventListener('click', function () { group = b.getAttribute('data-group-filter'); apply(); }); });
  select.addEventListener('change', function () { flow = select.value; apply(); });
  Array.prototype.slice.call(document.querySelectorAll('button.copy')).forEach(function (b) {
    b.addEventListener('click', function () {
      var code = document.getElementById(b.getAttribute('data-copy'));
      function say(text) { b.textContent = text; setTimeout(function () { b.textContent = 'Copy'; }, 2500); }
      function selectCode() {
        var range = document.createRange(); range.selectNodeContents(code);
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        say('Selected: press Ctrl+C');
      }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(code.textContent).then(function () { say('Copied'); }, selectCode);
      } else {
        selectCode();
      }
    });
  });
  apply();
})();`;

const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');
export const REPORT_CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'`;

type Scrub = (text: string) => string;

function verdictBadge(kind: VerdictKind, expectedFailure = false): string {
  return `<span class="v ${kind}">${kind.toUpperCase()}${expectedFailure ? ' (expected)' : ''}</span>`;
}

/** Observation index → the failing checks it is evidence for. */
function failingSteps(s: ReportScenario): Map<number, string[]> {
  const steps = new Map<number, string[]>();
  for (const v of reportVerdicts(s)) {
    if (v.verdict === 'pass' || v.verdict === 'skip') continue;
    for (const i of evidenceFor(s.observations, v)) steps.set(i, [...(steps.get(i) ?? []), v.check]);
  }
  return steps;
}

function findingBox(v: ReportVerdict, s: ReportScenario, scrub: Scrub): string {
  const rows: string[] = [];
  if (v.expected !== undefined) rows.push(`<dt>Expected</dt><dd><code>${escapeText(scrub(v.expected))}</code></dd>`);
  if (v.actual !== undefined) rows.push(`<dt>Actual</dt><dd><code>${escapeText(scrub(v.actual))}</code></dd>`);
  const steps = evidenceFor(s.observations, v).map((i) => `#${s.observations[i]!.seq}`);
  if (steps.length > 0) rows.push(`<dt>Step</dt><dd>${escapeText(steps.join(', '))} (highlighted in the diagram)</dd>`);
  const baseline = v.expectedFailure ? ' · in the baseline' : '';
  return `<div class="finding ${v.verdict}"><h4>${verdictBadge(v.verdict, v.expectedFailure)} <code>${escapeText(v.check)}</code> (${escapeText(v.level)}${baseline})</h4>`
    + `<p>${escapeText(scrub(v.message))}</p>${rows.length > 0 ? `<dl>${rows.join('')}</dl>` : ''}</div>`;
}

function checksTable(s: ReportScenario, scrub: Scrub): string {
  const rows = reportVerdicts(s).map((v) => `<tr><td>${verdictBadge(v.verdict, v.expectedFailure)}</td><td><code>${escapeText(v.check)}</code></td><td>${escapeText(v.level)}</td><td>${escapeText(scrub(v.message))}</td></tr>`);
  return `<details class="more"><summary>All ${rows.length} checks</summary><table><tr><th>verdict</th><th>check</th><th>level</th><th>message</th></tr>${rows.join('')}</table></details>`;
}

function requestRow(o: Observation, scrub: Scrub): string {
  const auth = o.headers['authorization'];
  const authText = auth === undefined ? '' : Array.isArray(auth) ? auth.join(' | ') : auth;
  const failing = o.findings.filter((f) => !f.ok).map((f) => f.id).join(', ');
  const reproduce = o.reproduce === undefined ? '' : `<br><code>${escapeText(scrub(o.reproduce))}</code>`;
  return `<tr><td>${o.seq}</td><td>${escapeText(o.listener)}</td><td>${escapeText(o.role)}</td><td><code>${escapeText(o.method)} ${escapeText(scrub(o.url))}</code>${reproduce}</td>`
    + `<td>${o.status}</td><td><code>${escapeText(scrub(authText))}</code></td><td>${escapeText(failing)}</td><td>${escapeText(scrub(o.reason ?? ''))}</td></tr>`;
}

function requestsTable(s: ReportScenario, scrub: Scrub): string {
  if (s.observations.length === 0) return '';
  return `<details class="more"><summary>Requests (${s.observations.length})</summary><table><tr><th>#</th><th>listener</th><th>role</th><th>request</th><th>status</th><th>Authorization</th><th>failing checks</th><th>server reason</th></tr>`
    + `${s.observations.map((o) => requestRow(o, scrub)).join('')}</table></details>`;
}

function clientOutput(s: ReportScenario, scrub: Scrub): string {
  if (s.client === undefined) return '';
  return `<details class="more"><summary>Client output</summary><p>stdout</p><pre>${escapeText(scrub(s.client.stdout))}</pre><p>stderr</p><pre>${escapeText(scrub(s.client.stderr))}</pre></details>`;
}

function scenarioSection(s: ReportScenario, index: number, group: ScenarioGroup, open: boolean, scrub: Scrub): string {
  const verdict = scenarioVerdict(s);
  const notable = reportVerdicts(s).filter((v) => v.verdict === 'fail' || v.verdict === 'error' || v.verdict === 'non-strict');
  const why = notable.length > 0 ? ` <span class="why">${escapeText(notable.map((v) => v.check).join(', '))}</span>` : '';
  const parts = [
    `<details class="scenario" id="s${index}" data-group="${group}" data-flow="${escapeText(s.flow)}"${open ? ' open' : ''}>`,
    `<summary>${verdictBadge(verdict)} <code>${escapeText(s.id)}</code> ${escapeText(scrub(s.title))}${why}</summary>`,
    `<p class="meta">Flow <code>${escapeText(s.flow)}</code>, action <code>${escapeText(s.action)}</code>${s.expectedOutcome ? `, expected outcome <b>${escapeText(s.expectedOutcome)}</b>` : ''}${s.flow === 'probe' ? '' : `; client: ${escapeText(scrub(describeExit(s.client)))}`}; ${s.durationMs} ms.</p>`,
  ];
  if (s.harnessError !== undefined) parts.push(`<p class="error">Harness error: ${escapeText(scrub(s.harnessError))}</p>`);
  if (s.reproduce !== '') {
    parts.push(`<div class="reproduce">Reproduce: <code id="r${index}">${escapeText(scrub(s.reproduce))}</code><button class="copy" type="button" data-copy="r${index}">Copy</button></div>`);
  }
  const svg = sequenceSvg(s.observations, { failing: failingSteps(s), scrub, label: `Sequence diagram of scenario ${s.id}` });
  const diagram = svg === '' ? '<p class="meta">The server saw no request in this scenario.</p>' : `<figure>${svg}</figure>`;
  const findings = notable.length > 0 ? `<div class="findings">${notable.map((v) => findingBox(v, s, scrub)).join('')}</div>` : '';
  parts.push(`<div class="exchange">${diagram}${findings}</div>`);
  parts.push(checksTable(s, scrub), requestsTable(s, scrub), clientOutput(s, scrub), '</details>');
  return parts.join('\n');
}

function summarySection(run: RunReport, scrub: Scrub): string {
  const o = overview(run);
  const facts: [string, string][] = [
    [run.client.mode === 'server' ? 'Target' : 'Client', `<code>${escapeText(scrub(run.client.command ?? run.client.url ?? run.client.name ?? run.client.mode))}</code>`],
    ['Harness', `${escapeText(run.tool.name)} ${escapeText(run.tool.version)}`],
    ['Checks catalogue', escapeText(run.tool.checksVersion ?? 'unknown')],
    ['Spec digest', `<code>${escapeText(run.tool.specDigest ?? 'not recorded')}</code>`],
    ['Ollama commit', escapeText(run.tool.protocolCommit ?? 'unknown')],
    ['Run', `${escapeText(run.startedAt)}${run.finishedAt ? ` → ${escapeText(run.finishedAt)}` : ''}${run.strict ? ' (strict: SHOULD deviations fail the run)' : ''}`],
  ];
  const counts: VerdictKind[] = ['pass', 'fail', 'non-strict', 'skip', 'error'];
  const parts = [
    '<h2>Summary</h2>',
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${escapeText(k)}</dt><dd>${v}</dd>`).join('')}</dl>`,
    `<table><tr><th>scenarios</th><th>checks</th>${counts.map((k) => `<th class="${k}">${k}</th>`).join('')}</tr>`,
    `<tr><td>${o.summary.scenarios}</td><td>${o.summary.total}</td>${counts.map((k) => `<td>${o.summary[k]}</td>`).join('')}</tr></table>`,
  ];
  if (o.summary.expectedFailures > 0) parts.push(`<p>${o.summary.expectedFailures} failing verdicts are in the expected-failures baseline (shown, not counted against the run).</p>`);
  for (const p of run.unexpectedPasses ?? []) {
    parts.push(`<p>Unexpected pass: <code>${escapeText(p.scenario)}</code> <code>${escapeText(p.check)}</code> now passes; remove it from the baseline (${escapeText(scrub(p.reason))}).</p>`);
  }
  if (o.skipped.length > 0) {
    parts.push(`<p>Skipped:</p><ul>${o.skipped.map((g) => `<li>${escapeText(scrub(g.reason))}, ${g.scenarios.length} scenario${g.scenarios.length === 1 ? '' : 's'}</li>`).join('')}</ul>`);
  }
  const cassettes = run.cassettes ?? [];
  if (cassettes.length > 0) {
    parts.push('<h2>Cassettes served</h2><table><tr><th>cassette</th><th>origin</th><th>recorded</th><th>expires</th><th>harness</th><th>Ollama commit</th></tr>',
      ...cassettes.map((c) => `<tr><td><code>${escapeText(c.name)}</code></td><td>${escapeText(c.origin)}</td><td>${escapeText(c.recordedAt)}</td><td>${escapeText(c.expiresAt ?? '')}</td><td>${escapeText(c.harnessVersion ?? '')}</td><td>${escapeText(c.protocolCommit ?? '')}</td></tr>`),
      '</table>');
  }
  return parts.join('\n');
}

function filterBar(run: RunReport, groups: Record<ScenarioGroup, readonly unknown[]>): string {
  const buttons = [`<button type="button" data-group-filter="all" aria-pressed="true">All (${run.scenarios.length})</button>`];
  for (const g of GROUP_ORDER) {
    if (groups[g].length > 0) buttons.push(`<button type="button" data-group-filter="${g}" aria-pressed="false">${escapeText(GROUP_TITLE[g])} (${groups[g].length})</button>`);
  }
  const flows = [...new Set(run.scenarios.map((s) => s.flow))].sort();
  const options = ['<option value="all">all flows</option>', ...flows.map((f) => `<option value="${escapeText(f)}">${escapeText(f)}</option>`)];
  return `<nav class="filters" aria-label="Filters">Show: ${buttons.join('')} <label>Flow <select id="flow-filter">${options.join('')}</select></label></nav>`;
}

export function toHtmlReport(run: RunReport): string {
  const scrub: Scrub = (s) => redactText(s, run.secrets ?? []);
  const o = overview(run);
  const { ok, text } = verdictSentence(o);
  const config = redactConfig(run.config, run.secrets ?? []);
  const title = `${run.tool.name} ${run.tool.version}: ${ok ? 'OK' : 'FAILED'}`;
  const ordered = GROUP_ORDER.flatMap((g) => o.groups[g].map((s) => ({ s, g })));
  // The reader's first stop is open; the other failures are one click away (a page of 30 open diagrams is a wall).
  const firstFailure = ordered.find(({ g }) => g === 'fail' || g === 'error')?.s;
  const indexOf = new Map(run.scenarios.map((s, i) => [s, i]));
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escapeText(title)}</title><style>${CSS}</style></head><body>`,
    `<header class="banner ${ok ? 'ok' : 'failed'}"><h1>${ok ? 'OK' : 'FAILED'}</h1><p>${escapeText(scrub(text))}${run.strict ? ' [strict]' : ''}</p></header>`,
    '<main>',
    summarySection(run, scrub),
    '<h2>Scenarios</h2>',
    filterBar(run, o.groups),
    '<p id="no-match" hidden>No scenario matches these filters.</p>',
    ...ordered.map(({ s, g }) => scenarioSection(s, indexOf.get(s)!, g, s === firstFailure, scrub)),
    '<h2>Effective configuration (secrets redacted)</h2>',
    `<pre>${escapeText(JSON.stringify({ ...config.value, redacted: config.redacted }, null, 2))}</pre>`,
    '</main>',
    `<script>${SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
