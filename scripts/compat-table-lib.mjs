/**
 * The compatibility table: several `oac check` results.json documents (one per client) side by side,
 * as one Markdown table. Pure functions (no I/O), so the rendering is unit-tested with hand-made
 * results; scripts/compat-table.mjs runs the clients and writes the README.
 *
 * Layout (rows; one column per client):
 *   1. one row per flow: how that client's scenarios of the flow ended (each scenario's worst verdict);
 *   2. one row per check that some client does not pass (fail, non-strict or error): each client's worst
 *      verdict on it over all scenarios, with the scenarios where it went wrong. Checks every client
 *      passes or skips are left out: a skip is already visible in the flow rows and in the counts;
 *   3. one row per verdict kind: the counts of `oac check`'s own summary.
 */

/** The clients of the compatibility table, in column order; commands run from the repository root. */
export const CLIENTS = [
  { name: 'reference', command: 'oac client' },
  { name: 'Go', command: 'examples/go/run.sh' },
  { name: 'Python', command: '/usr/bin/python3 examples/python/client.py' },
  { name: 'shell', command: 'examples/shell/client.sh' },
  { name: 'ollama-js', command: 'node examples/ollama-js/client.mjs' },
];

/** What the intercepted column set gives each example client: the public URL of each action it performs. */
const PUBLIC_TARGETS = {
  'registry-manifest': 'https://registry.ollama.ai/v2/library/llama3/manifests/latest',
  'cloud-tags': 'https://ollama.com',
  'cloud-whoami': 'https://ollama.com',
  'apikey-tags': 'https://ollama.com',
};

function exampleRuns(command) {
  return Object.entries(PUBLIC_TARGETS).map(([action, target]) => ({ action, command: `${command} ${action} ${target}` }));
}

/**
 * The intercepted column set (`oac check --intercept`): each client as it ships, talking to the public
 * names through the harness's proxy, one run per action it performs (the command runs as given, so it
 * names its action and URL itself). basic-tags is not run: its per-run credentials cannot be written into
 * a command beforehand.
 */
export const INTERCEPT_CLIENTS = [
  { name: 'reference', runs: exampleRuns('node dist/cli/main.js client') },
  { name: 'Go', runs: exampleRuns('examples/go/run.sh') },
  { name: 'Python', runs: exampleRuns('/usr/bin/python3 examples/python/client.py') },
  { name: 'shell', runs: exampleRuns('examples/shell/client.sh') },
  {
    name: 'python-requests provider',
    runs: [
      { action: 'cloud-tags', command: '/usr/bin/python3 examples/providers/python-requests/provider.py list-models' },
      { action: 'registry-manifest', command: '/usr/bin/python3 examples/providers/python-requests/provider.py pull-manifest llama3' },
    ],
  },
  { name: 'python-httpx provider', runs: [{ action: 'cloud-tags', command: '/usr/bin/python3 examples/providers/python-httpx/provider.py list-models' }] },
  { name: 'ollama-js provider', runs: [{ action: 'apikey-tags', command: 'node examples/providers/ollama-js/provider.mjs list-models' }] },
];

/**
 * One column out of several results.json documents of the same client (an intercepted client runs once
 * per action): the scenarios one after the other, the verdict counts added up.
 */
export function mergeResults(list) {
  if (!Array.isArray(list) || list.length === 0) throw new Error('mergeResults needs at least one results.json document');
  const all = list.map((results, i) => requireResults({ name: `document ${i + 1}`, results }));
  const summary = { ...all[0].summary };
  for (const key of [...VERDICT_KINDS, 'total', 'scenarios']) summary[key] = all.reduce((n, r) => n + (Number(r.summary[key]) || 0), 0);
  if ('ok' in summary) summary.ok = all.every((r) => r.summary.ok !== false);
  return { ...all[0], scenarios: all.flatMap((r) => r.scenarios), summary };
}

export const START_MARKER = '<!-- compat-table:start -->';
export const END_MARKER = '<!-- compat-table:end -->';

/** The verdicts of results.schema.json, in the order the counts are shown. */
export const VERDICT_KINDS = ['pass', 'fail', 'non-strict', 'skip', 'error'];

export const SYMBOLS = { pass: '✅', fail: '❌', 'non-strict': '⚠️', skip: '➖', error: '💥' };

/** As the judge orders them (src/conformance/judge.ts): skip < pass < non-strict < fail < error. */
const SEVERITY = { skip: 0, pass: 1, 'non-strict': 2, fail: 3, error: 4 };

/** Flows in the order the README presents them. */
const FLOW_ORDER = ['registry', 'direct', 'apikey', 'basic', 'tls', 'keys'];

/** How many scenario ids a cell names before it says "+N more". */
const MAX_IDS = 3;

export function symbolFor(kind) {
  const symbol = SYMBOLS[kind];
  if (symbol === undefined) throw new Error(`unknown verdict ${JSON.stringify(kind)}: expected one of ${VERDICT_KINDS.join(', ')}`);
  return symbol;
}

export function worst(kinds) {
  let result = 'skip';
  for (const kind of kinds) {
    symbolFor(kind);
    if (SEVERITY[kind] > SEVERITY[result]) result = kind;
  }
  return result;
}

function requireResults(column) {
  const r = column.results;
  if (r === null || typeof r !== 'object' || !Array.isArray(r.scenarios) || r.summary === null || typeof r.summary !== 'object') {
    throw new Error(`results of ${column.name} are not an oac results.json document (no scenarios array or summary object)`);
  }
  return r;
}

/** check id → { verdict: worst over the scenarios, level, bad: ids of scenarios where it was fail/non-strict/error }. */
export function checkVerdicts(results) {
  const byCheck = new Map();
  for (const scenario of results.scenarios) {
    for (const v of scenario.verdicts) {
      const entry = byCheck.get(v.check) ?? { verdict: 'skip', level: v.level, bad: [] };
      entry.verdict = worst([entry.verdict, v.verdict]);
      entry.level ??= v.level;
      if (v.verdict === 'fail' || v.verdict === 'non-strict' || v.verdict === 'error') {
        if (!entry.bad.includes(scenario.id)) entry.bad.push(scenario.id);
      }
      byCheck.set(v.check, entry);
    }
  }
  return byCheck;
}

/** flow → { kind → number of scenarios of that flow whose worst verdict is that kind }. */
export function flowCounts(results) {
  const byFlow = new Map();
  for (const scenario of results.scenarios) {
    const flow = scenario.flow ?? '(no flow)';
    const counts = byFlow.get(flow) ?? Object.fromEntries(VERDICT_KINDS.map((k) => [k, 0]));
    counts[worst(scenario.verdicts.map((v) => v.verdict))] += 1;
    byFlow.set(flow, counts);
  }
  return byFlow;
}

/** A Markdown table cell: pipes escaped, no line breaks. */
function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function countsCell(counts) {
  const parts = VERDICT_KINDS.filter((k) => counts[k] > 0).map((k) => `${symbolFor(k)} ${counts[k]}`);
  return parts.length === 0 ? '' : parts.join(' ');
}

function idsNote(ids) {
  if (ids.length === 0) return '';
  const shown = ids.slice(0, MAX_IDS).map((id) => `\`${id}\``).join(', ');
  return ` ${shown}${ids.length > MAX_IDS ? ` +${ids.length - MAX_IDS} more` : ''}`;
}

function orderBy(order) {
  const rank = new Map(order.map((id, i) => [id, i]));
  return (a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * @param {{ name: string, results: object }[]} columns one per client, in column order
 * @param {{ checkOrder?: string[] }} [options] check ids in catalogue order (rows follow it; others sort by id after)
 * @returns {string} the Markdown table, legend included, ending in a newline
 */
export function buildCompatTable(columns, options = {}) {
  if (!Array.isArray(columns) || columns.length === 0) throw new Error('buildCompatTable needs at least one client column');
  const names = columns.map((c) => c.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new Error(`two client columns are named ${JSON.stringify(duplicate)}`);
  const all = columns.map((c) => requireResults(c));
  const checks = all.map((r) => checkVerdicts(r));
  const flows = all.map((r) => flowCounts(r));

  const lines = [];
  const row = (label, cells) => lines.push(`| ${[label, ...cells].map(cell).join(' | ')} |`);
  row('flow / check', names);
  lines.push(`|${' --- |'.repeat(names.length + 1)}`);

  const flowIds = [...new Set(flows.flatMap((f) => [...f.keys()]))].sort(orderBy(FLOW_ORDER));
  for (const flow of flowIds) {
    const totals = flows.map((f) => VERDICT_KINDS.reduce((n, k) => n + (f.get(flow)?.[k] ?? 0), 0));
    const size = Math.max(...totals);
    row(`**${flow}** (${size} scenario${size === 1 ? '' : 's'})`, flows.map((f) => countsCell(f.get(flow) ?? {})));
  }

  const failing = [...new Set(checks.flatMap((c) => [...c.entries()].filter(([, e]) => e.verdict === 'fail' || e.verdict === 'non-strict' || e.verdict === 'error').map(([id]) => id)))];
  failing.sort(orderBy(options.checkOrder ?? []));
  for (const id of failing) {
    const level = checks.map((c) => c.get(id)?.level).find((l) => l !== undefined);
    row(`\`${id}\`${level ? ` (${level})` : ''}`, checks.map((c) => {
      const entry = c.get(id);
      // A check a client never reached (its action unsupported, or no request to judge) did not apply to it.
      if (entry === undefined) return symbolFor('skip');
      return `${symbolFor(entry.verdict)}${entry.verdict === 'pass' || entry.verdict === 'skip' ? '' : idsNote(entry.bad)}`;
    }));
  }

  for (const kind of VERDICT_KINDS) {
    row(`${symbolFor(kind)} ${kind} (checks)`, all.map((r) => String(r.summary[kind] ?? 0)));
  }

  lines.push('');
  lines.push(`Rows: scenarios per flow (each scenario counted once, by its worst check); then every check that some client does not pass, ` +
    `with the scenarios where it went wrong${failing.length === 0 ? ' (none this time)' : ''}; then \`oac check\`'s verdict counts. ` +
    `${symbolFor('pass')} pass · ${symbolFor('fail')} fail (a MUST broken) · ${symbolFor('non-strict')} non-strict (a SHOULD) · ` +
    `${symbolFor('skip')} skip (action unsupported or check not applicable) · ${symbolFor('error')} error (the harness broke, not the client).`);
  return `${lines.join('\n')}\n`;
}

/**
 * `text` with everything between the two markers replaced by `table` (markers kept, everything outside
 * them byte-identical). Throws when the markers are missing, repeated or in the wrong order.
 */
export function replaceBetweenMarkers(text, table, where = 'README.md') {
  const count = (marker) => text.split(marker).length - 1;
  const starts = count(START_MARKER);
  const ends = count(END_MARKER);
  if (starts !== 1 || ends !== 1) {
    throw new Error(`${where} must contain ${START_MARKER} and ${END_MARKER} exactly once each (found ${starts} and ${ends}): ` +
      'add them under a "Compatibility" heading where the table belongs');
  }
  const start = text.indexOf(START_MARKER) + START_MARKER.length;
  const end = text.indexOf(END_MARKER);
  if (end < start) throw new Error(`${where}: ${END_MARKER} comes before ${START_MARKER}`);
  const body = table.endsWith('\n') ? table : `${table}\n`;
  return `${text.slice(0, start)}\n${body}${text.slice(end)}`;
}
